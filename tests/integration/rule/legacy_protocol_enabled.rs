//! `legacy-protocol-enabled`: where it fires, where it must not, and its finding as report.json shows it.

use certaudit_core::inventory::{ProtocolSupport, TlsProtocol};

use super::*;

/// A matrix row: `accepted` None is an unknown answer.
fn row(version: TlsProtocol, accepted: Option<bool>, cipher: &str) -> ProtocolSupport {
    ProtocolSupport {
        version,
        accepted,
        cipher: (accepted == Some(true)).then(|| cipher.to_string()),
        detail: accepted.is_none().then(|| "timeout: the deadline passed".to_string()),
    }
}

/// A full matrix: the given versions accepted with `cipher`, the rest refused.
fn matrix(accepted: &[TlsProtocol], unknown: &[TlsProtocol]) -> Vec<ProtocolSupport> {
    TlsProtocol::ALL
        .into_iter()
        .map(|v| {
            let answer = if unknown.contains(&v) {
                None
            } else {
                Some(accepted.contains(&v))
            };
            row(v, answer, "TLS_RSA_WITH_AES_128_CBC_SHA")
        })
        .collect()
}

#[test]
fn legacy_protocol_enabled() {
    use TlsProtocol::*;
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    // (target, negotiated, matrix)
    let endpoints = [
        // Negotiates TLS 1.2 with a modern client, but still accepts TLS 1.0 and 1.1.
        (
            "https://mail.contoso.com:443",
            "TLSv1.2",
            matrix(&[Tls10, Tls11, Tls12], &[]),
        ),
        ("https://older.contoso.com:443", "TLSv1.0", matrix(&[Ssl3, Tls10], &[])),
        ("https://new.contoso.com:443", "TLSv1.3", matrix(&[Tls12, Tls13], &[])),
        // TLS 1.0 unknown: not refused, not audited.
        ("https://slow.contoso.com:443", "TLSv1.2", matrix(&[Tls12], &[Tls10])),
        // No matrix (--no-protocol-scan): the negotiated version is all there is.
        ("https://unscanned.contoso.com:443", "TLSv1.1", Vec::new()),
        ("https://unscanned2.contoso.com:443", "TLSv1.2", Vec::new()),
    ];
    for (url, _, _) in &endpoints {
        w.endpoint(url, Protocol::Https, vec![der(&mail(&r))], None);
    }
    for (e, (_, version, rows)) in w.inventory.endpoints.iter_mut().zip(endpoints) {
        e.tls_version = Some(version.to_string());
        e.cipher = Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into());
        e.protocols = rows;
    }
    let e = w.judge();
    let h = hits(&e, "legacy-protocol-enabled");
    let mut got: Vec<(Option<usize>, Severity)> = h.iter().map(|f| (f.endpoint, f.severity)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            (Some(0), Severity::High),
            (Some(1), Severity::Critical),
            (Some(4), Severity::High)
        ]
    );
    let first = h.iter().find(|f| f.endpoint == Some(0)).unwrap();
    assert_eq!(first.evidence["versions"], serde_json::json!(["TLS1.0", "TLS1.1"]));
    assert!(first.message.contains("accepts TLS1.0"), "{}", first.message);
    let unscanned = h.iter().find(|f| f.endpoint == Some(4)).unwrap();
    assert!(unscanned.message.contains("negotiated TLS1.1"), "{}", unscanned.message);
    // The unknown answer is a gap, never a pass.
    let gaps: Vec<&str> = e
        .gaps
        .iter()
        .filter(|g| g.rule == "legacy-protocol-enabled")
        .map(|g| g.subject.as_str())
        .collect();
    assert_eq!(gaps, ["TLS1.0 on https://slow.contoso.com:443"]);
    // A pack that counts only SSL 3.0; one that names a version that does not exist.
    w.pack = Some("id = \"p\"\n[rules.legacy-protocol-enabled]\nversions = [\"SSLv3\"]\n".into());
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "legacy-protocol-enabled"), [1]);
    match load_pack(
        "p.toml",
        "id = \"p\"\n[rules.legacy-protocol-enabled]\nversions = [\"TLS1.4\"]\n",
    ) {
        Ok(_) => panic!("a pack naming TLS1.4 was accepted"),
        Err(e) => assert!(e.to_string().contains("`TLS1.4` is not one of"), "{e}"),
    }
    w.pack = None;
    insta::assert_json_snapshot!(w.report_findings("legacy-protocol-enabled"));
}
