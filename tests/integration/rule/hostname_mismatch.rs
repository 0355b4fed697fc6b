//! `hostname-mismatch`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn hostname_mismatch() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = der(&mail(&r));
    let other = der(&Leaf::new("other.contoso.com").issued_by(&r));
    w.endpoint("https://mail.contoso.com:443", Protocol::Https, vec![good], None);
    w.endpoint("https://owa.contoso.com:443", Protocol::Https, vec![other], None);
    let e = w.judge();
    let h = hits(&e, "hostname-mismatch");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].endpoint, Some(1));
    insta::assert_json_snapshot!(w.report_findings("hostname-mismatch"));
}
