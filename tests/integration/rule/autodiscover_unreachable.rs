//! `autodiscover-unreachable`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn autodiscover_unreachable() {
    let mut w = World::new();
    let at = w.at;
    let check = |domain: &str, error: Option<ProbeError>| AutodiscoverCheck {
        domain: domain.into(),
        url: format!("https://autodiscover.{domain}/autodiscover/autodiscover.xml"),
        address: None,
        status: if error.is_some() {
            CheckStatus::Error
        } else {
            CheckStatus::Ok
        },
        http_status: error.is_none().then_some(401),
        error,
        checked_at: at,
    };
    w.inventory.autodiscover.push(check("contoso.com", None));
    w.inventory.autodiscover.push(check(
        "fabrikam.com",
        Some(ProbeError::new(ErrorKind::Dns, "no such name")),
    ));
    let e = w.judge();
    let h = hits(&e, "autodiscover-unreachable");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["domain"], "fabrikam.com");
    insta::assert_json_snapshot!(w.report_findings("autodiscover-unreachable"));
}
