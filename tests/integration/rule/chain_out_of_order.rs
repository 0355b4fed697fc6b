//! `chain-out-of-order`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn chain_out_of_order() {
    let mut w = served_chains();
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "chain-out-of-order"),
        [1],
        "only the root sent before the intermediate is out of order"
    );
    let f = &hits(&e, "chain-out-of-order")[0];
    assert_eq!(f.evidence["expected_order"][1], "CN=Issuing CA");
    insta::assert_json_snapshot!(w.report_findings("chain-out-of-order"));
}
