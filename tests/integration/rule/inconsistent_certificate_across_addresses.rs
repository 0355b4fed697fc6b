//! `inconsistent-certificate-across-addresses`: where it fires, where it must not, and its
//! finding as report.json shows it.

use super::*;

#[test]
fn inconsistent_certificate_across_addresses() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let (current, old) = (der(&mail(&r)), der(&mail(&r)));
    // mail.contoso.com: two nodes, one still on the old certificate; owa: two nodes alike.
    for (url, leaf, address) in [
        ("https://mail.contoso.com:443", &current, "10.0.0.5:443"),
        ("https://mail.contoso.com:443", &old, "10.0.0.6:443"),
        ("https://owa.contoso.com:443", &current, "10.0.0.7:443"),
        ("https://owa.contoso.com:443", &current, "10.0.0.8:443"),
    ] {
        w.endpoint(url, Protocol::Https, vec![leaf.clone()], None);
        w.inventory.endpoints.last_mut().unwrap().address = Some(address.into());
    }
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "inconsistent-certificate-across-addresses"),
        [0],
        "reported once, on the first address"
    );
    let f = &hits(&e, "inconsistent-certificate-across-addresses")[0];
    let served: Vec<&str> = f.evidence["served"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["address"].as_str().unwrap())
        .collect();
    assert_eq!(served, ["10.0.0.5:443", "10.0.0.6:443"]);
    insta::assert_json_snapshot!(w.report_findings("inconsistent-certificate-across-addresses"));
}
