//! `probe-failed`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn probe_failed() {
    let mut w = failing_endpoints();
    let e = w.judge();
    let failed = hits(&e, "probe-failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].endpoint, Some(0));
    assert_eq!(failed[0].evidence["kind"], "timeout");
    let starttls = hits(&e, "starttls-not-offered");
    assert_eq!(starttls.len(), 1);
    assert_eq!(starttls[0].endpoint, Some(1));
    insta::assert_json_snapshot!(w.report_findings("probe-failed"));
}
