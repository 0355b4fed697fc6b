//! `stale-smtp-binding`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn stale_smtp_binding() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let expired = w.bound(
        Leaf::new("smtp.contoso.com")
            .valid(date(2025, 1, 1), date(2026, 3, 1))
            .issued_by(&r),
        "EX01",
        SMTP,
    );
    let current = w.bound(Leaf::new("smtp2.contoso.com").issued_by(&r), "EX01", SMTP);
    let e = w.judge();
    let h = hits_on(&e, "stale-smtp-binding", expired);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["reason"], "expired");
    assert!(hits_on(&e, "stale-smtp-binding", current).is_empty());
    insta::assert_json_snapshot!(w.report_findings("stale-smtp-binding"));
}
