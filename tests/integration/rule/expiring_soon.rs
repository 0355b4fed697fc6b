//! `expiring-soon`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn expiring_soon() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let soon = w.store(
        Leaf::new("soon.example.com")
            .valid(date(2026, 1, 1), date(2026, 6, 21))
            .issued_by(&r),
    );
    let later = w.store(
        Leaf::new("later.example.com")
            .valid(date(2026, 1, 1), date(2026, 8, 30))
            .issued_by(&r),
    );
    let e = w.judge();
    assert_eq!(hits_on(&e, "expiring-soon", soon)[0].severity, Severity::High);
    assert!(hits_on(&e, "expiring-soon", later).is_empty());
    // A pack's windows replace the defaults.
    w.pack = Some("id = \"p\"\n[rules.expiring-soon]\nwindows = [{ days = 120, severity = \"low\" }]\n".into());
    let e = w.judge();
    assert_eq!(hits_on(&e, "expiring-soon", later)[0].severity, Severity::Low);
    insta::assert_json_snapshot!(w.report_findings("expiring-soon"));
}
