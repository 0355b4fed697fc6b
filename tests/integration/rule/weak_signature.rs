//! `weak-signature`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn weak_signature() {
    let r = root("Root");
    let mut w = World::new();
    let sha1 = w.store(der(&std::fs::read_to_string(fixture("sha1.pem")).unwrap()));
    let sha256 = w.store(Leaf::new("ok.contoso.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "weak-signature", sha1).len(), 1);
    assert!(hits_on(&e, "weak-signature", sha256).is_empty());
    insta::assert_json_snapshot!(w.report_findings("weak-signature"));
}
