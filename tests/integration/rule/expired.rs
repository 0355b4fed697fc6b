//! `expired`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn expired() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let old = w.store(
        Leaf::new("old.example.com")
            .valid(date(2025, 1, 1), date(2026, 5, 1))
            .issued_by(&r),
    );
    let current = w.store(Leaf::new("current.example.com").issued_by(&r));
    let e = w.judge();
    let h = hits_on(&e, "expired", old);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::Critical);
    assert_eq!(h[0].evidence["days_expired"], 31);
    assert!(hits_on(&e, "expired", current).is_empty());
    insta::assert_json_snapshot!(w.report_findings("expired"));
}
