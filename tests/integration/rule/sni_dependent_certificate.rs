//! `sni-dependent-certificate`: where it fires, where it must not, and its finding as
//! report.json shows it.

use super::*;

#[test]
fn sni_dependent_certificate() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let named = der(&mail(&r));
    let default = der(&Leaf::new("ex01.contoso.com").issued_by(&r));
    for url in ["https://mail.contoso.com:443", "https://owa.contoso.com:443"] {
        w.endpoint(url, Protocol::Https, vec![named.clone()], None);
    }
    // mail: the default binding holds another certificate; owa: the same one.
    w.inventory.endpoints[0].leaf_without_sni = Some(sha256_hex(&default));
    w.inventory.endpoints[1].leaf_without_sni = Some(sha256_hex(&named));
    w.inventory
        .add_presented(default, "https://mail.contoso.com:443 (without SNI)".into())
        .unwrap();
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "sni-dependent-certificate"), [0]);
    let f = &hits(&e, "sni-dependent-certificate")[0];
    assert_eq!(f.evidence["without_sni_subject"], "CN=ex01.contoso.com");
    insta::assert_json_snapshot!(w.report_findings("sni-dependent-certificate"));
}
