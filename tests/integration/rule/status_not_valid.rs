//! `status-not-valid`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn status_not_valid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let pending = w.bound_with_status(Leaf::new("a.contoso.com").issued_by(&r), "EX01", 0, "PendingRequest");
    let valid = w.bound(Leaf::new("b.contoso.com").issued_by(&r), "EX01", IIS);
    let e = w.judge();
    assert_eq!(
        hits_on(&e, "status-not-valid", pending)[0].evidence["status"],
        "PendingRequest"
    );
    assert!(hits_on(&e, "status-not-valid", valid).is_empty());
    insta::assert_json_snapshot!(w.report_findings("status-not-valid"));
}
