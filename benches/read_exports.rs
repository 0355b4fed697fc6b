//! Benchmark: `certaudit scan` over a generated Exchange export of 10,000 certificate objects
//! (500 servers × 20, each server's file a `Get-ExchangeCertificate | Export-Clixml` with
//! SerializationData), plus accepted domains, virtual directories and connectors; evaluated
//! with every rule and written as JSON.
//!
//! Run with `cargo bench --bench read_exports`. The export is generated once into
//! `target/bench/exports-500x20/` and reused.

#![allow(clippy::print_stdout, clippy::print_stderr)] // prints its figures

#[path = "../tests/integration/support/mod.rs"]
mod support;

use support::exchange_writer;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use exchange_writer::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, SanType};

const SERVERS: usize = 500;
const PER_SERVER: usize = 20;
const RUNS: usize = 3;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let dir = root.join(format!("exports-v2-{SERVERS}x{PER_SERVER}"));
    let anchor = dir.with_extension("anchor.pem");
    let complete = dir.with_extension("complete");
    if !complete.exists() {
        let t = Instant::now();
        generate(&dir, &anchor);
        std::fs::write(&complete, "").unwrap();
        eprintln!(
            "generated {} certificate objects in {:.1} s",
            SERVERS * PER_SERVER,
            t.elapsed().as_secs_f64()
        );
    }
    let out = root.join("out-exports");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_certaudit"))
            .arg("scan")
            .arg(&dir)
            .arg("--trust-anchors")
            .arg(&anchor)
            .args([
                "--at",
                "2026-06-01",
                "--format",
                "json",
                "--fail-on",
                "critical",
                "--no-history",
                "-o",
            ])
            .arg(&out)
            .status()
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert!(status.code().unwrap_or(2) < 2, "scan failed");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let bindings: usize = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bindings"].as_array().unwrap().len())
        .sum();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let org = &report["organisation"];
    println!(
        "read_exports: {} certificates, {bindings} bindings, {} web bindings, {} connectors, {} findings; wall time min {:.2} s, median {:.2} s over {RUNS} runs",
        report["certificates"].as_array().unwrap().len(),
        org["web_bindings"].as_array().unwrap().len(),
        org["connectors"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len(),
        times[0],
        times[RUNS / 2]
    );
}

fn generate(dir: &Path, anchor: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("organization")).unwrap();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Bench Exchange CA");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let ca = CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap();
    std::fs::write(anchor, ca.pem()).unwrap();
    let key = KeyPair::generate().unwrap();
    for s in 0..SERVERS {
        let server = format!("ex{s:03}.contoso.com");
        let ders: Vec<Vec<u8>> = (0..PER_SERVER)
            .map(|i| {
                let mut p = CertificateParams::default();
                let name = format!("svc{i}.ex{s:03}.contoso.com");
                let mut dn = DistinguishedName::new();
                dn.push(DnType::CommonName, name.clone());
                p.distinguished_name = dn;
                p.subject_alt_names = vec![SanType::DnsName(name.try_into().unwrap())];
                p.not_before = rcgen::date_time_ymd(2025, 1 + (i % 12) as u8, 1);
                p.not_after = rcgen::date_time_ymd(if i % 7 == 0 { 2026 } else { 2027 }, 1 + (i % 12) as u8, 1);
                p.signed_by(&key, &ca).unwrap().der().to_vec()
            })
            .collect();
        let certs: Vec<ExportCert<'_>> = ders
            .iter()
            .enumerate()
            .map(|(i, der)| ExportCert {
                der,
                server: &server,
                services: Some([8, 16, 24, 3, 0][i % 5]),
                status: 1,
                self_signed: false,
                root_ca_type: 2,
                // Half of the servers run a build that signs serialization payloads.
                signed: s % 2 == 1,
            })
            .collect();
        let folder = dir.join(format!("EX{s:03}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("Get-ExchangeCertificate.xml"),
            utf16le_bom(&exchange_certificates(&certs)),
        )
        .unwrap();
        // IIS bindings (the Back End names a removed certificate on every tenth server), the
        // transport service and the five receive connectors Exchange creates.
        let front = thumbprint(&ders[0]);
        let back = if s % 10 == 0 {
            "00112233445566778899AABBCCDDEEFF00112233".to_string()
        } else {
            thumbprint(&ders[1])
        };
        std::fs::write(
            folder.join("Get-WebBinding.xml"),
            web_bindings(&exchange_sites(&front, &back)),
        )
        .unwrap();
        std::fs::write(
            folder.join("Get-TransportService.xml"),
            transport_service(&format!("EX{s:03}"), &thumbprint(&ders[1])),
        )
        .unwrap();
        let name = format!("EX{s:03}");
        let fqdn = format!("svc0.ex{s:03}.contoso.com");
        let hub = ReceiveSpec {
            name: "Default",
            bindings: &["0.0.0.0:2525"],
            permission_groups: "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
            role: "HubTransport",
            ..ReceiveSpec::default_frontend(&name, &server)
        };
        let proxy = ReceiveSpec {
            name: "Client Proxy",
            bindings: &["0.0.0.0:465"],
            permission_groups: "ExchangeUsers, ExchangeServers",
            role: "HubTransport",
            ..ReceiveSpec::default_frontend(&name, &server)
        };
        let outbound = ReceiveSpec {
            name: "Outbound Proxy Frontend",
            bindings: &["0.0.0.0:717"],
            permission_groups: "ExchangeServers",
            ..ReceiveSpec::default_frontend(&name, &server)
        };
        std::fs::write(
            folder.join("Get-ReceiveConnector.xml"),
            clixml(&[
                receive_connector(&ReceiveSpec::default_frontend(&name, &fqdn)),
                receive_connector(&ReceiveSpec::client_frontend(&name, "submission.contoso.com")),
                receive_connector(&hub),
                receive_connector(&proxy),
                receive_connector(&outbound),
            ]),
        )
        .unwrap();
    }
    let servers: Vec<(String, String)> = (0..SERVERS)
        .map(|s| (format!("EX{s:03}"), format!("ex{s:03}.contoso.com")))
        .collect();
    let servers: Vec<(&str, &str, bool)> = servers.iter().map(|(n, f)| (n.as_str(), f.as_str(), false)).collect();
    std::fs::write(
        dir.join("organization/Get-ExchangeServer.xml"),
        exchange_servers(&servers),
    )
    .unwrap();
    std::fs::write(
        dir.join("organization/Get-AcceptedDomain.xml"),
        accepted_domains(&[("contoso.com", "Authoritative")]),
    )
    .unwrap();
    std::fs::write(
        dir.join("organization/Get-OwaVirtualDirectory.xml"),
        owa_virtual_directories(&[("EX000", Some("https://mail.contoso.com/owa"), None)]),
    )
    .unwrap();
}
