//! `chain-includes-root`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn chain_includes_root() {
    let mut w = served_chains();
    let e = w.judge();
    assert_eq!(
        endpoints_of(&e, "chain-includes-root"),
        [1, 4],
        "the root is sent, in order or not"
    );
    insta::assert_json_snapshot!(w.report_findings("chain-includes-root"));
}
