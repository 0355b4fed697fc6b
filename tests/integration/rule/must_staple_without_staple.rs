//! `must-staple-without-staple`: where it fires, where it must not (and where it cannot
//! judge), and its finding as report.json shows it.

use super::*;

/// A leaf with the TLS Feature extension (status_request), issued by `ca`; DER.
fn must_staple_leaf(ca: &Ca) -> Vec<u8> {
    let mut params = Leaf::new("mail.contoso.com").names(&["mail.contoso.com"]).params();
    params.custom_extensions.push(rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 24],
        vec![0x30, 0x03, 0x02, 0x01, 0x05],
    ));
    let key = rcgen::KeyPair::generate().unwrap();
    params.signed_by(&key, ca).unwrap().der().to_vec()
}

#[test]
fn must_staple_without_staple() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let must = must_staple_leaf(&r);
    let plain = der(&mail(&r));
    // (leaf, staple requested, staple sent)
    let shapes = [
        (must.clone(), true, false),
        (must.clone(), true, true),
        (plain, true, false),
        // Seen through a legacy capture, which asks for no staple: not judged.
        (must, false, false),
    ];
    for (i, (leaf, _, _)) in shapes.iter().enumerate() {
        w.endpoint(
            &format!("https://mail{i}.contoso.com:443"),
            Protocol::Https,
            vec![leaf.clone()],
            None,
        );
    }
    for (e, (_, requested, sent)) in w.inventory.endpoints.iter_mut().zip(&shapes) {
        e.staple_requested = *requested;
        // A staple the revocation stage cannot read: its own finding, not this one.
        e.staple = sent.then(|| vec![0x30, 0x00]);
    }
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "must-staple-without-staple"), [0]);
    assert_eq!(
        e.gaps.iter().filter(|g| g.rule == "must-staple-without-staple").count(),
        1
    );
    assert_eq!(endpoints_of(&e, "ocsp-staple-invalid"), [1]);
    insta::assert_json_snapshot!(w.report_findings("must-staple-without-staple"));
}
