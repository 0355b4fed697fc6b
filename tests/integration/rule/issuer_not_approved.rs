//! `issuer-not-approved`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn issuer_not_approved() {
    let approved = root("Approved Root");
    let other = root("Other Root");
    let mut w = World::new();
    w.trust(&approved).trust(&other);
    let good = w.store(Leaf::new("a.contoso.com").issued_by(&approved));
    let bad = w.store(Leaf::new("b.contoso.com").issued_by(&other));
    assert!(
        hits(&w.judge(), "issuer-not-approved").is_empty(),
        "off in the baseline"
    );
    w.pack = Some("id = \"p\"\n[rules.issuer-not-approved]\nenabled = true\nissuers = [\"CN=Approved Root\"]\n".into());
    let e = w.judge();
    assert_eq!(hits_on(&e, "issuer-not-approved", bad).len(), 1);
    assert!(hits_on(&e, "issuer-not-approved", good).is_empty());
    insta::assert_json_snapshot!(w.report_findings("issuer-not-approved"));
}
