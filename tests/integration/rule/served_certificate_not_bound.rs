//! `served-certificate-not-bound`: where it fires, where it must not (and where the exports
//! do not say what a port serves), and its finding as report.json shows it. (Through the
//! binary, with every kind of port, in `served_vs_bound.rs`.)

use certaudit_core::inventory::{ServerPort, ServerProbe};

use super::*;

#[test]
fn served_certificate_not_bound() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let mail = der(&mail(&r));
    let old = der(&Leaf::new("mail.contoso.com").names(&["mail.contoso.com"]).issued_by(&r));
    w.bound(mail.clone(), "EX01", IIS | SMTP);
    w.bound(mail.clone(), "EX02", IIS);
    // (server, port, what it serves)
    let probes = [
        ("EX01", 443, ServerPort::FrontEnd, old.clone()),
        ("EX02", 443, ServerPort::FrontEnd, mail.clone()),
        // No Get-WebBinding export: what the Back End binds is not known.
        ("EX02", 444, ServerPort::BackEnd, old),
    ];
    for (server, port, role, served) in probes {
        let target = format!("https://{}.contoso.com:{port}", server.to_lowercase());
        w.endpoint(&target, Protocol::Https, vec![served], None);
        w.inventory.organisation.server_probes.push(ServerProbe {
            server: server.into(),
            target,
            port,
            role,
        });
    }
    w.inventory
        .organisation
        .unprobed_servers
        .push(("EX03".into(), "Get-ExchangeServer gives no FQDN for it".into()));
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "served-certificate-not-bound"), [0]);
    let f = &hits(&e, "served-certificate-not-bound")[0];
    assert_eq!(f.evidence["expected_thumbprints"], serde_json::json!([w.thumbprint(0)]));
    let mut gaps: Vec<&str> = e
        .gaps
        .iter()
        .filter(|g| g.rule == "served-certificate-not-bound")
        .map(|g| g.subject.as_str())
        .collect();
    gaps.sort();
    assert_eq!(gaps, ["EX03", "https://ex02.contoso.com:444 (EX02)"]);
    insta::assert_json_snapshot!(w.report_findings("served-certificate-not-bound"));
}
