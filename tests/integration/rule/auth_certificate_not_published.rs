//! `auth-certificate-not-published`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn auth_certificate_not_published() {
    let (mut w, next) = auth_world();
    let e = w.judge();
    let h = hits(&e, "auth-certificate-not-published");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["next_thumbprint"], next.as_str());
    w.at = certaudit_core::time::parse_instant("2026-04-01").unwrap();
    assert!(hits(&w.judge(), "auth-certificate-not-published").is_empty());
    // The finding as the report shows it, at the usual instant.
    w.at = certaudit_core::time::parse_instant(AT).unwrap();
    insta::assert_json_snapshot!(w.report_findings("auth-certificate-not-published"));
}
