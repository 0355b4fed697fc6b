//! `auth-certificate-missing-on-server`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn auth_certificate_missing_on_server() {
    let (mut w, _) = auth_world();
    let missing = |e: &Evaluation| {
        let mut m: Vec<(String, String)> = hits(e, "auth-certificate-missing-on-server")
            .iter()
            .map(|f| {
                (
                    f.server.clone().unwrap(),
                    f.evidence["auth_role"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        m.sort_unstable();
        m
    };
    let pair = |s: &str, r: &str| (s.to_string(), r.to_string());
    assert_eq!(
        missing(&w.judge()),
        [pair("EX01", "next"), pair("EX02", "current"), pair("EX02", "next")]
    );
    // Before its effective date the next certificate is only staged: not yet needed anywhere.
    w.at = certaudit_core::time::parse_instant("2026-04-01").unwrap();
    assert_eq!(missing(&w.judge()), [pair("EX02", "current")]);
    // The finding as the report shows it, at the usual instant.
    w.at = certaudit_core::time::parse_instant(AT).unwrap();
    insta::assert_json_snapshot!(w.report_findings("auth-certificate-missing-on-server"));
}
