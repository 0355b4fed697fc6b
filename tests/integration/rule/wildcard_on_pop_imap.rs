//! `wildcard-on-pop-imap`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn wildcard_on_pop_imap() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let wildcard = Leaf::new("*.contoso.com").names(&["*.contoso.com"]);
    let on_imap = w.bound(wildcard.issued_by(&r), "EX01", IMAP | IIS);
    let on_iis = w.bound(wildcard.issued_by(&r), "EX02", IIS);
    let e = w.judge();
    assert_eq!(hits_on(&e, "wildcard-on-pop-imap", on_imap).len(), 1);
    assert!(hits_on(&e, "wildcard-on-pop-imap", on_iis).is_empty());
    insta::assert_json_snapshot!(w.report_findings("wildcard-on-pop-imap"));
}
