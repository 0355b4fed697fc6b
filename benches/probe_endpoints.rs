//! Benchmark: `certaudit scan` probing 1,000 TLS endpoints on loopback, evaluating them and
//! writing the JSON report: the single-handshake probe (`--no-protocol-scan`) and the default
//! probe with the protocol matrix side by side, then, where sslyze is installed, sslyze and
//! certaudit on the same HTTPS endpoints (the versions each finds accepted must agree).
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
//! Run with `cargo bench --bench probe_endpoints` (`-- N` for another number of endpoints;
//! `SSLYZE=path/to/sslyze` when it is not on PATH).

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

    // Today's single handshake per endpoint (`--no-protocol-scan`), then the default probe
    // with the protocol matrix, side by side on the same endpoints.
    let single = time_scans(
        &list,
        &anchor,
        &dir.join("out-probe-single"),
        &["--no-protocol-scan"],
        count,
    );
    let matrix = time_scans(&list, &anchor, &dir.join("out-probe"), &[], count);
    assert!(servers.log.violations().is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out-probe/report.json")).unwrap()).unwrap();
    let with_matrix = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["protocols"].as_array().is_some_and(|p| p.len() == 5))
        .count();
    assert_eq!(with_matrix, count, "every endpoint must have its protocol matrix");
    println!(
        "probe_endpoints: {count} endpoints, {} certificates, {} findings",
        report["certificates"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len()
    );
    println!(
        "  single handshake (--no-protocol-scan): min {:.2} s, median {:.2} s (of {RUNS})",
        single[0],
        single[RUNS / 2]
    );
    println!(
        "  default, with the protocol matrix:     min {:.2} s, median {:.2} s (of {RUNS}); {:.2}x the single handshake",
        matrix[0],
        matrix[RUNS / 2],
        matrix[RUNS / 2] / single[RUNS / 2]
    );
    compare_with_sslyze(&dir, &list, &anchor);
}

/// Times `RUNS` scans of the targets in `list` with `extra` arguments; every endpoint must be
/// audited. Returns the wall times, sorted.
fn time_scans(list: &Path, anchor: &Path, out: &Path, extra: &[&str], count: usize) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(out);
        let t = Instant::now();
        let output = scan(list, anchor, out, extra);
        times.push(t.elapsed().as_secs_f64());
        assert!(
            output.status.code().unwrap_or(2) < 2,
            "scan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let ok = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "ok")
        .count();
    assert_eq!(ok, count, "every endpoint must be audited");
    times.sort_by(f64::total_cmp);
    times
}

fn scan(list: &Path, anchor: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .arg("scan")
        .arg("--targets")
        .arg(list)
        .args([
            "--resolve",
            "bench.contoso.com=127.0.0.1",
            "--no-public-roots",
            "--trust-anchors",
        ])
        .arg(anchor)
        .args(["--format", "json", "--fail-on", "critical", "--no-history", "-o"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// With sslyze installed (`pip install sslyze`; `SSLYZE=path` or on PATH), scans every
/// endpoint with it — one run per way into TLS (`--starttls smtp`, `--starttls pop3`, or
/// none) — times that against certaudit's default probe of the same endpoints, and checks that
/// both find the same protocol versions accepted on every one.
fn compare_with_sslyze(dir: &Path, list: &Path, anchor: &Path) {
    let sslyze = std::env::var("SSLYZE").unwrap_or_else(|_| "sslyze".into());
    if Command::new(&sslyze)
        .arg("--help")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        println!("  sslyze: not installed (pip install sslyze; SSLYZE=path), no comparison");
        return;
    }
    let targets: Vec<String> = std::fs::read_to_string(list)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    // certaudit: the default probe, once more, for the report to compare with.
    let out = dir.join("out-probe-compare");
    let _ = std::fs::remove_dir_all(&out);
    let t = Instant::now();
    let output = scan(list, anchor, &out, &[]);
    let ours = t.elapsed().as_secs_f64();
    assert!(output.status.code().unwrap_or(2) < 2);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    // sslyze: one run per way into TLS, each over its share of the endpoints.
    let mut theirs = 0.0;
    let mut compared = 0;
    for (scheme, starttls) in [
        ("https", None),
        ("imaps", None),
        ("smtp", Some("smtp")),
        ("pop3", Some("pop3")),
    ] {
        let prefix = format!("{scheme}://");
        let lines: Vec<String> = targets
            .iter()
            .filter_map(|t| t.strip_prefix(&prefix))
            .map(|hostport| format!("{hostport}{{127.0.0.1}}"))
            .collect();
        if lines.is_empty() {
            continue;
        }
        let input = dir.join(format!("sslyze-{scheme}.txt"));
        std::fs::write(&input, lines.join("\n")).unwrap();
        let json_out = dir.join(format!("sslyze-{scheme}.json"));
        let mut cmd = Command::new(&sslyze);
        cmd.args([
            "--quiet",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
            "--certinfo",
        ]);
        if let Some(p) = starttls {
            cmd.args(["--starttls", p]);
        }
        let t = Instant::now();
        let run = cmd
            .arg("--targets_in")
            .arg(&input)
            .arg("--json_out")
            .arg(&json_out)
            .output()
            .unwrap();
        theirs += t.elapsed().as_secs_f64();
        assert!(
            run.status.success(),
            "sslyze failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        compared += compare_versions(&report, &json_out, scheme);
    }
    assert!(compared > 0, "sslyze connected to no endpoint");
    println!(
        "  sslyze (--sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo, one run per way into TLS) on the {} endpoints: {theirs:.1} s; certaudit (default) on the same: {ours:.2} s; the same versions accepted on each of the {compared} sslyze could connect to",
        targets.len()
    );
}

/// Checks sslyze's accepted versions in `json_out` against certaudit's matrix in `report`,
/// endpoint by endpoint; returns how many endpoints were compared.
fn compare_versions(report: &serde_json::Value, json_out: &Path, scheme: &str) -> usize {
    let sslyze: serde_json::Value = serde_json::from_slice(&std::fs::read(json_out).unwrap()).unwrap();
    let keys = [
        ("SSLv3", "ssl_3_0_cipher_suites"),
        ("TLS1.0", "tls_1_0_cipher_suites"),
        ("TLS1.1", "tls_1_1_cipher_suites"),
        ("TLS1.2", "tls_1_2_cipher_suites"),
        ("TLS1.3", "tls_1_3_cipher_suites"),
    ];
    let mut compared = 0;
    for result in sslyze["server_scan_results"].as_array().unwrap() {
        // sslyze gives up on the scripted servers' SMTP and POP3 dialogues now and then
        // (they are strict about the order of commands); those endpoints are not compared.
        if result["connectivity_status"] != "COMPLETED" {
            continue;
        }
        let port = result["server_location"]["port"].as_u64().unwrap();
        let target = format!("{scheme}://bench.contoso.com:{port}");
        let e = report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["target"] == target.as_str())
            .unwrap();
        for (version, key) in keys {
            let theirs = result["scan_result"][key]["result"]["accepted_cipher_suites"]
                .as_array()
                .is_some_and(|a| !a.is_empty());
            let ours = e["protocols"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["version"] == version)
                .map(|p| p["accepted"] == true)
                .unwrap();
            assert_eq!(ours, theirs, "{target} {version}: certaudit and sslyze disagree");
        }
        compared += 1;
    }
    compared
}
