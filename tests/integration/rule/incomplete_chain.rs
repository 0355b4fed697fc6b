//! `incomplete-chain`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn incomplete_chain() {
    let r = root("Root");
    let issuing = ca("Issuing CA", Some(&r), date(2020, 1, 1), date(2035, 1, 1));
    let mut w = World::new();
    w.trust(&r);
    w.store(issuing.pem());
    let leaf = der(&mail(&issuing));
    let intermediate = der(&issuing.pem());
    w.endpoint(
        "https://mail.contoso.com:443",
        Protocol::Https,
        vec![leaf.clone()],
        None,
    );
    w.endpoint(
        "https://mail2.contoso.com:443",
        Protocol::Https,
        vec![leaf, intermediate],
        None,
    );
    let e = w.judge();
    let h = hits(&e, "incomplete-chain");
    assert_eq!(h.len(), 1, "the second server sends its intermediate");
    assert_eq!(h[0].endpoint, Some(0));
    assert_eq!(h[0].evidence["missing_issuer"], "CN=Issuing CA");
    insta::assert_json_snapshot!(w.report_findings("incomplete-chain"));
}
