//! `ocsp-staple-invalid`: where it fires, where it must not (and where it cannot judge), and
//! its finding as report.json shows it.

use certaudit_core::inventory::StapleStatus;

use super::certificate_revoked::staple;
use super::*;

#[test]
fn ocsp_staple_invalid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let leaf = der(&mail(&r));
    let shapes = [
        (StapleStatus::Invalid, "the staple is stale: its nextUpdate passed"),
        (
            StapleStatus::Unknown,
            "the responder does not know the leaf (status unknown)",
        ),
        (StapleStatus::Good, "signed, fresh, and the leaf is good"),
        (StapleStatus::Revoked, "revoked"),
        (StapleStatus::Unverifiable, "the leaf's issuer is not at hand"),
    ];
    for (i, _) in shapes.iter().enumerate() {
        w.endpoint(
            &format!("https://mail{i}.contoso.com:443"),
            Protocol::Https,
            vec![leaf.clone()],
            None,
        );
    }
    for (e, (status, detail)) in w.inventory.endpoints.iter_mut().zip(shapes) {
        e.staple_check = Some(staple(status, detail));
    }
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "ocsp-staple-invalid"), [0, 1]);
    let gaps: Vec<&str> = e
        .gaps
        .iter()
        .filter(|g| g.rule == "ocsp-staple-invalid")
        .map(|g| g.subject.as_str())
        .collect();
    assert_eq!(gaps, ["the OCSP staple of https://mail4.contoso.com:443"]);
    insta::assert_json_snapshot!(w.report_findings("ocsp-staple-invalid"));
}
