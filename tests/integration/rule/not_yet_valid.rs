//! `not-yet-valid`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn not_yet_valid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let future = w.store(
        Leaf::new("future.example.com")
            .valid(date(2026, 7, 1), date(2027, 7, 1))
            .issued_by(&r),
    );
    let now = w.store(Leaf::new("now.example.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "not-yet-valid", future).len(), 1);
    assert!(hits_on(&e, "not-yet-valid", now).is_empty());
    insta::assert_json_snapshot!(w.report_findings("not-yet-valid"));
}
