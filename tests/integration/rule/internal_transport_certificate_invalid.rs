//! `internal-transport-certificate-invalid`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn internal_transport_certificate_invalid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = w.bound(Leaf::new("ex01.contoso.com").issued_by(&r), "EX01", SMTP);
    w.bound(mail(&r), "EX02", SMTP);
    let transport = |server: &str, thumbprint: String| TransportService {
        server: server.into(),
        internal_transport_certificate: Some(thumbprint),
        source: "test".into(),
    };
    let t = w.thumbprint(good);
    w.inventory.organisation.transport_services.push(transport("EX01", t));
    w.inventory
        .organisation
        .transport_services
        .push(transport("EX02", "CD".repeat(20)));
    let e = w.judge();
    let h = hits(&e, "internal-transport-certificate-invalid");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].server.as_deref(), Some("EX02"));
    assert_eq!(h[0].severity, Severity::Critical);
    insta::assert_json_snapshot!(w.report_findings("internal-transport-certificate-invalid"));
}
