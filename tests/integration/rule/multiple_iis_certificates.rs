//! `multiple-iis-certificates`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn multiple_iis_certificates() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(mail(&r), "EX01", IIS);
    w.bound(Leaf::new("owa.contoso.com").issued_by(&r), "EX01", IIS);
    w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    let h = hits(&e, "multiple-iis-certificates");
    assert_eq!(h.len(), 1, "EX02 has one IIS certificate");
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
    insta::assert_json_snapshot!(w.report_findings("multiple-iis-certificates"));
}
