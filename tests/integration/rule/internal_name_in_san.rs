//! `internal-name-in-san`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn internal_name_in_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let internal = w.store(
        Leaf::new("mail.contoso.com")
            .names(&["mail.contoso.com", "ex01.contoso.local"])
            .ips(&["10.0.0.5"])
            .issued_by(&r),
    );
    let public = w.store(mail(&r));
    let e = w.judge();
    let h = hits_on(&e, "internal-name-in-san", internal);
    assert_eq!(h.len(), 1);
    let names: Vec<&str> = h[0].evidence["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ex01.contoso.local", "10.0.0.5"]);
    assert!(hits_on(&e, "internal-name-in-san", public).is_empty());
    insta::assert_json_snapshot!(w.report_findings("internal-name-in-san"));
}
