//! `legacy-protocol-enabled`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn legacy_protocol_enabled() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let negotiated = [
        ("https://old.contoso.com:443", Some("TLSv1.0")),
        ("https://older.contoso.com:443", Some("SSLv3")),
        ("https://mail.contoso.com:443", Some("TLSv1.2")),
        ("https://new.contoso.com:443", Some("TLSv1.3")),
    ];
    for (url, _) in negotiated {
        w.endpoint(url, Protocol::Https, vec![der(&mail(&r))], None);
    }
    for (e, (_, version)) in w.inventory.endpoints.iter_mut().zip(negotiated) {
        e.tls_version = version.map(String::from);
        e.cipher = Some("TLS_RSA_WITH_AES_128_CBC_SHA".into());
    }
    let e = w.judge();
    let h = hits(&e, "legacy-protocol-enabled");
    let mut got: Vec<(Option<usize>, Severity)> = h.iter().map(|f| (f.endpoint, f.severity)).collect();
    got.sort();
    assert_eq!(got, [(Some(0), Severity::High), (Some(1), Severity::Critical)]);
    assert_eq!(
        h.iter().find(|f| f.endpoint == Some(0)).unwrap().evidence["version"],
        "TLSv1.0"
    );
    // A pack that counts only SSL 3.0.
    w.pack = Some("id = \"p\"\n[rules.legacy-protocol-enabled]\nversions = [\"SSLv3\"]\n".into());
    let e = w.judge();
    assert_eq!(hits(&e, "legacy-protocol-enabled").len(), 1);
    w.pack = None;
    insta::assert_json_snapshot!(w.report_findings("legacy-protocol-enabled"));
}
