//! `missing-mail-san`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn missing_mail_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.inventory.organisation.add_namespace("mail.contoso.com", "test");
    let lacking = w.bound(Leaf::new("owa.contoso.com").issued_by(&r), "EX01", IIS);
    let complete = w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    assert_eq!(hits_on(&e, "missing-mail-san", lacking).len(), 1);
    assert!(hits_on(&e, "missing-mail-san", complete).is_empty());
    insta::assert_json_snapshot!(w.report_findings("missing-mail-san"));
}
