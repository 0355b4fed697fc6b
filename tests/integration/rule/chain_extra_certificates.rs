//! `chain-extra-certificates`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn chain_extra_certificates() {
    let mut w = served_chains();
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "chain-extra-certificates"),
        [2, 3],
        "another CA's intermediate, and a repeated one"
    );
    let stray = hits(&e, "chain-extra-certificates")
        .into_iter()
        .find(|f| f.endpoint == Some(2))
        .unwrap();
    assert_eq!(stray.evidence["unrelated"][0], "CN=Other Issuing CA");
    insta::assert_json_snapshot!(w.report_findings("chain-extra-certificates"));
}
