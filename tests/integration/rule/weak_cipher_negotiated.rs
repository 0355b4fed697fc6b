//! `weak-cipher-negotiated`: where it fires, where it must not, and its finding as report.json
//! shows it.

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
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "weak-cipher-negotiated"),
        [0, 1],
        "RC4 and 3DES, not AES-CBC or TLS 1.3"
    );
    insta::assert_json_snapshot!(w.report_findings("weak-cipher-negotiated"));
}
