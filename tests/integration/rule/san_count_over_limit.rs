//! `san-count-over-limit`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn san_count_over_limit() {
    let r = root("Root");
    let many: Vec<String> = (0..51).map(|i| format!("host{i}.contoso.com")).collect();
    let fifty: Vec<&str> = many[..50].iter().map(String::as_str).collect();
    let all: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut w = World::new();
    w.trust(&r);
    let over = w.store(Leaf::new("host0.contoso.com").names(&all).issued_by(&r));
    let at_limit = w.store(Leaf::new("host0.contoso.com").names(&fifty).issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "san-count-over-limit", over)[0].evidence["san_count"], 51);
    assert!(hits_on(&e, "san-count-over-limit", at_limit).is_empty());
    insta::assert_json_snapshot!(w.report_findings("san-count-over-limit"));
}
