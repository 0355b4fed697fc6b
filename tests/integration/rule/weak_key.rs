//! `weak-key`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn weak_key() {
    let r = root("Root");
    let mut w = World::new();
    let rsa1024 = w.store(der(&std::fs::read_to_string(fixture("rsa1024.pem")).unwrap()));
    let p256 = w.store(Leaf::new("ec.contoso.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "weak-key", rsa1024).len(), 1);
    assert!(hits_on(&e, "weak-key", p256).is_empty());
    w.pack = Some("id = \"p\"\n[rules.weak-key]\nmin_ec_bits = 384\n".into());
    assert_eq!(
        hits_on(&w.judge(), "weak-key", p256).len(),
        1,
        "the pack raises the EC minimum"
    );
    insta::assert_json_snapshot!(w.report_findings("weak-key"));
}
