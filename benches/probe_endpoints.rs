//! Benchmark: `certaudit scan` probing 1,000 TLS endpoints on loopback, evaluating them and
//! writing the JSON report.
//!
//! The bench process starts 1,000 listeners on 127.0.0.1 (a tokio runtime of its own, sharing
//! the machine's two cores with the scan): 700 HTTPS, 100 SMTP with STARTTLS, 100 IMAPS and
//! 100 POP3 with STLS, each serving its own ECDSA P-256 leaf with its intermediate. It then
//! times three runs of
//!
//! ```sh
//! certaudit scan --targets target/bench/probe-targets.txt --resolve bench.contoso.com=127.0.0.1 \
//!   --trust-anchors <bench root> --no-public-roots --format json -o target/bench/out-probe
//! ```
//!
//! Run with `cargo bench --bench probe_endpoints` (`-- N` for another number of endpoints).

#![allow(clippy::print_stdout, clippy::print_stderr)] // prints its figures

#[path = "../tests/integration/support/mod.rs"]
mod support;

use support::servers;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, SanType};
use servers::{acceptor, implicit, pop3, smtp, Identity, Servers};

const RUNS: usize = 3;

fn name(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CommonName, cn);
    d
}

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1000);
    let now = time::OffsetDateTime::now_utc();
    let mut p = CertificateParams::default();
    p.distinguished_name = name("Bench Probe Root");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = now - time::Duration::days(365);
    p.not_after = now + time::Duration::days(3650);
    let root = CertifiedIssuer::self_signed(p.clone(), KeyPair::generate().unwrap()).unwrap();
    p.distinguished_name = name("Bench Probe Issuing CA");
    let inter = CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), &root).unwrap();

    let servers = Servers::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let t = Instant::now();
    let mut targets = String::new();
    for i in 0..count {
        let mut leaf = CertificateParams::default();
        leaf.distinguished_name = name("bench.contoso.com");
        leaf.subject_alt_names = vec![
            SanType::DnsName("bench.contoso.com".try_into().unwrap()),
            SanType::DnsName(format!("e{i}.contoso.com").try_into().unwrap()),
        ];
        leaf.not_before = now - time::Duration::days(30);
        leaf.not_after = now + time::Duration::days(200);
        let key = KeyPair::generate().unwrap();
        let cert = leaf.signed_by(&key, &inter).unwrap();
        let tls = acceptor(&Identity {
            chain: vec![cert.der().to_vec(), inter.der().to_vec()],
            key: key.serialize_der(),
        });
        let (scheme, steps) = match i % 10 {
            0 => (
                "smtp",
                smtp(
                    "220 bench.contoso.com Microsoft ESMTP MAIL Service ready\r\n",
                    &servers::EXCHANGE_EXTENSIONS,
                    tls,
                ),
            ),
            1 => ("imaps", implicit(tls)),
            2 => ("pop3", pop3(Some(&["TOP", "UIDL", "STLS", "USER"]), tls)),
            _ => ("https", implicit(tls)),
        };
        let port = servers.start(steps);
        targets.push_str(&format!("{scheme}://bench.contoso.com:{port}\n"));
    }
    let list = dir.join("probe-targets.txt");
    std::fs::write(&list, targets).unwrap();
    let anchor = dir.join("probe-root.pem");
    std::fs::write(&anchor, root.pem()).unwrap();
    eprintln!("started {count} endpoints in {:.1} s", t.elapsed().as_secs_f64());

    let out = dir.join("out-probe");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
            .arg("scan")
            .arg("--targets")
            .arg(&list)
            .args([
                "--resolve",
                "bench.contoso.com=127.0.0.1",
                "--no-public-roots",
                "--trust-anchors",
            ])
            .arg(&anchor)
            .args(["--format", "json", "--fail-on", "critical", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert!(
            output.status.code().unwrap_or(2) < 2,
            "scan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let endpoints = report["endpoints"].as_array().unwrap();
    let ok = endpoints.iter().filter(|e| e["status"] == "ok").count();
    assert_eq!(ok, count, "every endpoint must be audited");
    assert!(servers.log.violations().is_empty());
    times.sort_by(f64::total_cmp);
    println!(
        "probe_endpoints: {count} endpoints ({ok} ok), {} certificates, {} findings; wall time min {:.2} s, median {:.2} s (of {RUNS})",
        report["certificates"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len(),
        times[0],
        times[RUNS / 2]
    );
}
