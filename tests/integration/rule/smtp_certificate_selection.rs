//! `smtp-certificate-selection`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn smtp_certificate_selection() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(Leaf::new("ex01.contoso.com").issued_by(&r), "EX01", SMTP);
    w.bound(Leaf::new("ex02.contoso.com").issued_by(&r), "EX02", SMTP);
    w.bound(mail(&r), "EX02", SMTP | IIS);
    let receive = |server: &str| Connector {
        kind: "Receive".into(),
        name: format!("Default Frontend {server}"),
        servers: vec![server.into()],
        fqdn: Some("mail.contoso.com".into()),
        bindings: vec!["0.0.0.0:25".into()],
        permission_groups: vec!["AnonymousUsers".into()],
        transport_role: Some("FrontendTransport".into()),
        source: "test".into(),
        ..Connector::default()
    };
    w.inventory.organisation.connectors.push(receive("EX01"));
    w.inventory.organisation.connectors.push(receive("EX02"));
    let e = w.judge();
    let h = hits(&e, "smtp-certificate-selection");
    assert_eq!(h.len(), 1, "EX02 holds a certificate for mail.contoso.com");
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
    assert_eq!(h[0].evidence["exposure"], "internet");
    insta::assert_json_snapshot!(w.report_findings("smtp-certificate-selection"));
}
