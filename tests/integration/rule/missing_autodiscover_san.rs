//! `missing-autodiscover-san`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn missing_autodiscover_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.inventory.organisation.add_domain("contoso.com", "test");
    let lacking = w.bound(Leaf::new("mail.contoso.com").issued_by(&r), "EX01", IIS);
    let complete = w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    let h = hits_on(&e, "missing-autodiscover-san", lacking);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
    assert!(hits_on(&e, "missing-autodiscover-san", complete).is_empty());
    insta::assert_json_snapshot!(w.report_findings("missing-autodiscover-san"));
}
