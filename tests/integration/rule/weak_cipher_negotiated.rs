//! `weak-cipher-negotiated`: where it fires, where it must not, and its finding as report.json
//! shows it.

use certaudit_core::inventory::{ProtocolSupport, TlsProtocol};

use super::*;

#[test]
fn weak_cipher_negotiated() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let chosen = [
        ("TLSv1.0", "TLS_RSA_WITH_RC4_128_SHA"),
        ("TLSv1.2", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        ("TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA"),
        ("TLSv1.3", "TLS13_AES_256_GCM_SHA384"),
    ];
    for (n, (version, cipher)) in chosen.iter().enumerate() {
        w.endpoint(
            &format!("https://mail{n}.contoso.com:443"),
            Protocol::Https,
            vec![der(&mail(&r))],
            None,
        );
        let e = w.inventory.endpoints.last_mut().unwrap();
        e.tls_version = Some(version.to_string());
        e.cipher = Some(cipher.to_string());
    }
    // A modern handshake, but the matrix shows 3DES chosen for TLS 1.0.
    w.endpoint(
        "https://mail9.contoso.com:443",
        Protocol::Https,
        vec![der(&mail(&r))],
        None,
    );
    let e = w.inventory.endpoints.last_mut().unwrap();
    e.tls_version = Some("TLSv1.3".into());
    e.cipher = Some("TLS13_AES_256_GCM_SHA384".into());
    e.protocols = vec![
        ProtocolSupport {
            version: TlsProtocol::Tls10,
            accepted: Some(true),
            cipher: Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA".into()),
            detail: None,
        },
        ProtocolSupport {
            version: TlsProtocol::Tls12,
            accepted: Some(true),
            cipher: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
            detail: None,
        },
        // Refused: whatever it names is not a choice the server made.
        ProtocolSupport {
            version: TlsProtocol::Ssl3,
            accepted: Some(false),
            cipher: Some("TLS_RSA_WITH_RC4_128_MD5".into()),
            detail: None,
        },
    ];
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "weak-cipher-negotiated"),
        [0, 1, 4],
        "RC4 and 3DES, not AES-CBC or TLS 1.3"
    );
    let matrix_hit = hits(&e, "weak-cipher-negotiated")
        .into_iter()
        .find(|f| f.endpoint == Some(4))
        .unwrap();
    assert_eq!(matrix_hit.evidence["versions"], serde_json::json!(["TLS1.0"]));
    assert!(!matrix_hit.message.contains("RC4"), "{}", matrix_hit.message);
    insta::assert_json_snapshot!(w.report_findings("weak-cipher-negotiated"));
}
