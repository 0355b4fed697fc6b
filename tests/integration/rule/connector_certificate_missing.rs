//! `connector-certificate-missing`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn connector_certificate_missing() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(mail(&r), "EX01", SMTP);
    let connector = |name: &str, subject: &str| Connector {
        kind: "Send".into(),
        name: name.into(),
        servers: vec!["EX01".into()],
        tls_certificate_name: Some(format!("<I>CN=Root<S>{subject}")),
        source: "test".into(),
        ..Connector::default()
    };
    w.inventory
        .organisation
        .connectors
        .push(connector("Partner", "CN=partner.contoso.com"));
    w.inventory
        .organisation
        .connectors
        .push(connector("Outbound", "CN=mail.contoso.com"));
    let e = w.judge();
    let h = hits(&e, "connector-certificate-missing");
    assert_eq!(h.len(), 1, "the connector naming mail.contoso.com finds it");
    assert_eq!(h[0].evidence["connector"], "Partner");
    insta::assert_json_snapshot!(w.report_findings("connector-certificate-missing"));
}
