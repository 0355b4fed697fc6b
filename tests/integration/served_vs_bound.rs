//! `--probe-servers`: each Exchange server named in the exports is probed at its FQDN on the
//! ports its configuration implies, and what it serves is compared with what Exchange binds
//! there. Servers on loopback (one per port, reached through `--resolve HOST:PORT=ADDR`) serve
//! the bound certificate on some ports and the certificate it replaced on others, as a node
//! left behind after a renewal does.

use certaudit_core::inventory::Services;

use crate::common::{Leaf, Org};
use crate::support::exchange_writer::*;
use crate::support::servers::{acceptor, implicit, smtp, Identity, Servers, EXCHANGE_EXTENSIONS};

const BANNER: &str = "220 ex01.contoso.com Microsoft ESMTP MAIL Service ready\r\n";

#[test]
fn a_server_left_on_the_old_certificate_is_named_port_by_port() {
    let o = Org::new();
    let names = ["mail.contoso.com", "ex01.contoso.com", "autodiscover.contoso.com"];
    let issue = |names: &[&str]| {
        let (der, key) = Leaf::new(names[0]).names(names).issued_by_with_key(&o.ca);
        Identity { chain: vec![der], key }
    };
    let mail = issue(&names);
    let old = issue(&names);
    let setup = issue(&["EX01", "ex01.contoso.com"]);
    let (mail_tp, old_tp, setup_tp) = (
        thumbprint(&mail.chain[0]),
        thumbprint(&old.chain[0]),
        thumbprint(&setup.chain[0]),
    );
    o.s.put(
        "organization/Get-ExchangeServer.xml",
        // EX02 has no FQDN in the export: it cannot be probed, and the scan says so.
        exchange_servers(&[("EX01", "ex01.contoso.com", false), ("EX02", "", false)]),
    );
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[
            ExportCert::bound(&mail.chain[0], "EX01", Services::IIS | Services::SMTP | Services::IMAP),
            ExportCert::bound(&setup.chain[0], "EX01", 0),
        ]),
    );
    o.s.put(
        "EX01/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&mail_tp, &setup_tp)),
    );
    o.s.put(
        "organization/Get-ReceiveConnector.xml",
        clixml(&[
            receive_connector(&ReceiveSpec::default_frontend("EX01", "ex01.contoso.com")),
            receive_connector(&ReceiveSpec::client_frontend("EX01", "mail.contoso.com")),
        ]),
    );
    o.s.put(
        "EX01/Get-ImapSettings.xml",
        clixml(&[protocol_settings(true, "EX01", Some("mail.contoso.com"))]),
    );

    // (port, what is served there, the finding expected)
    let servers = Servers::new();
    let ports = [
        (443, servers.start(implicit(acceptor(&old))), true),
        (444, servers.start(implicit(acceptor(&setup))), false),
        (
            25,
            servers.start(smtp(BANNER, &EXCHANGE_EXTENSIONS, acceptor(&mail))),
            false,
        ),
        (
            587,
            servers.start(smtp(BANNER, &EXCHANGE_EXTENSIONS, acceptor(&old))),
            true,
        ),
        (993, servers.start(implicit(acceptor(&mail))), false),
    ];
    let resolves: Vec<String> = ports
        .iter()
        .map(|(port, local, _)| format!("ex01.contoso.com:{port}=127.0.0.1:{local}"))
        .collect();
    let mut args = vec!["--probe-servers", "--timeout", "5"];
    for r in &resolves {
        args.extend(["--resolve", r.as_str()]);
    }
    let run = o.run(&args);
    let report = run.report();
    let targets: Vec<&str> = report.endpoints.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "https://ex01.contoso.com:443",
            "https://ex01.contoso.com:444",
            "smtp://ex01.contoso.com:25",
            "submission://ex01.contoso.com:587",
            "imaps://ex01.contoso.com:993"
        ],
        "{}",
        run.stderr
    );
    assert!(
        report.endpoints.iter().all(|e| e.status.as_str() == "ok"),
        "{:?}",
        report.endpoints
    );
    let found = run.findings("served-certificate-not-bound");
    let mut at: Vec<(u64, String, Vec<String>)> = found
        .iter()
        .map(|f| {
            (
                f.evidence["port"].as_u64().unwrap(),
                f.evidence["served_thumbprint"].as_str().unwrap().to_string(),
                f.evidence["expected_thumbprints"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            (443, old_tp.clone(), vec![mail_tp.clone()]),
            (587, old_tp.clone(), vec![mail_tp.clone()])
        ],
        "{found:#?}"
    );
    for f in &found {
        assert_eq!(f.severity.as_str(), "high");
        assert_eq!(f.server.as_deref(), Some("EX01"));
    }
    let web = found.iter().find(|f| f.evidence["port"] == 443).unwrap();
    assert!(
        web.message.contains("Default Web Site https binding"),
        "{}",
        web.message
    );
    assert!(
        web.remediation.text().contains("iisreset"),
        "{}",
        web.remediation.text()
    );
    let smtp_hit = found.iter().find(|f| f.evidence["port"] == 587).unwrap();
    assert!(
        smtp_hit.message.contains("'Client Frontend EX01'"),
        "{}",
        smtp_hit.message
    );
    assert!(
        smtp_hit
            .remediation
            .text()
            .contains("Restart-Service MSExchangeFrontEndTransport"),
        "{}",
        smtp_hit.remediation.text()
    );
    // EX02 could not be probed: not a pass.
    assert!(
        report
            .not_audited
            .iter()
            .any(|n| n.rule.as_deref() == Some("served-certificate-not-bound") && n.subject == "EX02"),
        "{:?}",
        report.not_audited
    );
    assert!(report.scan.probe.as_ref().unwrap().probe_servers);
    assert_ne!(serde_json::to_value(report.summary.result).unwrap(), "pass");
}
