//! Benchmark: what comparing with the history adds to a scan of 100,000 certificates.
//!
//! Run with `cargo bench --bench history_diff` (optionally `-- COUNT`). In-process, with the
//! library: a report of COUNT certificates (each bound on a server, one finding in five) is
//! recorded into a fresh history; then a second report of a *different scope* — half of the
//! certificates renewed (same subject, new serial), a quarter gone, a quarter new — is
//! compared with it: the earlier scan is read back (`History::snapshot`) and diffed
//! (`history::diff`). The time of read-back plus diff is what comparing adds to a scan; the
//! time of recording the second scan is shown beside it.

#![allow(clippy::print_stdout, clippy::print_stderr)] // prints its figures

use std::time::Instant;

use certaudit_core::history::{self, Snapshot};
use certaudit_core::inventory::Trust;
use certaudit_core::report::model::{BindingEntry, CertificateEntry, FindingEntry, KeyEntry};
use certaudit_core::report::Report;
use certaudit_core::rules::Severity;

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let template = template_report();
    let before = synthetic(&template, count, 0);
    let after = synthetic(&template, count, 1);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("history.sqlite");
    let mut h = history::open(&path).expect("a new history");
    let t = Instant::now();
    let first = h.record_now(&before).expect("recorded");
    let record_first = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let earlier = h.snapshot(first).expect("read back");
    let read_back = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let now = Snapshot::from_report(&after);
    let changes = history::diff(&earlier, &now);
    let diffed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    h.record_now(&after).expect("recorded");
    let record_second = t.elapsed().as_secs_f64();
    println!(
        "history_diff: {count} certificates per scan; record {record_first:.2} s; compare with a scan of another scope: read back {read_back:.2} s + diff {diffed:.2} s = {:.2} s ({} renewed, {} appeared, {} disappeared, {} new and {} resolved findings); record the second scan {record_second:.2} s",
        read_back + diffed,
        changes.renewed_certificates.len(),
        changes.appeared_certificates.len(),
        changes.disappeared_certificates.len(),
        changes.new_findings.len(),
        changes.resolved_findings.len(),
    );
}

/// A real report (the sample organisation) whose shape the synthetic ones copy.
fn template_report() -> Report {
    let repo = env!("CARGO_MANIFEST_DIR");
    let out = std::env::temp_dir().join(format!("certaudit-bench-template-{}", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(repo)
        .args([
            "scan",
            "--config",
            "samples/contoso/audit.toml",
            "-f",
            "json",
            "--no-history",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("the sample scan runs");
    assert!(status.code().is_some_and(|c| c <= 3), "sample scan failed");
    let report: Report =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("a report v1");
    let _ = std::fs::remove_dir_all(&out);
    report
}

/// `count` certificates. Generation 0 is the earlier scan; in generation 1, certificates
/// 0..count/2 are renewed (new SHA-256 and serial, same subject), count/2..3count/4 are gone,
/// and as many new ones appear.
fn synthetic(template: &Report, count: usize, generation: usize) -> Report {
    let mut r = template.clone();
    r.scan.audit.id = format!("bench-scope-{generation}");
    r.certificates.clear();
    r.findings.clear();
    r.endpoints.clear();
    let key = |i: usize, g: usize| format!("{:064x}", (i as u128) << 8 | g as u128);
    let base = KeyEntry {
        algorithm: "EC".into(),
        bits: 256,
        curve: Some("P-256".into()),
    };
    let ids: Vec<(usize, usize)> = if generation == 0 {
        (0..count).map(|i| (i, 0)).collect()
    } else {
        (0..count / 2)
            .map(|i| (i, 1))
            .chain((3 * count / 4..count).map(|i| (i, 0)))
            .chain((count..count + count / 4).map(|i| (i, 1)))
            .collect()
    };
    for (i, g) in ids {
        let sha = key(i, g);
        r.certificates.push(CertificateEntry {
            sha256: sha.clone(),
            thumbprint: sha[..40].to_ascii_uppercase(),
            subject: format!("CN=host{i}.contoso.com"),
            issuer: "CN=Bench CA".into(),
            serial: format!("{i:X}{g}"),
            not_before: instant("2026-01-01T00:00:00Z"),
            not_after: instant("2027-01-01T00:00:00Z"),
            days_left: 200,
            dns_names: vec![format!("host{i}.contoso.com")],
            ip_addresses: Vec::new(),
            key: base.clone(),
            signature_algorithm: "ecdsa-with-SHA256".into(),
            self_signed: false,
            is_ca: false,
            trust: Trust::default().into(),
            bindings: vec![BindingEntry {
                server: format!("ex{:03}", i % 500),
                services: vec!["SMTP".into()],
                status: "Valid".into(),
                services_known: true,
                self_signed: Some(false),
                root_ca_type: None,
                source: "bench".into(),
            }],
            sources: Vec::new(),
        });
        if i % 5 == 0 {
            r.findings.push(FindingEntry {
                rule: "expiring-soon".into(),
                severity: Severity::Medium,
                title: "Certificate expires soon".into(),
                message: format!("host{i} expires"),
                certificate: Some(sha),
                endpoint: None,
                server: Some(format!("ex{:03}", i % 500)),
                services: vec!["SMTP".into()],
                evidence: serde_json::Map::new(),
                remediation: certaudit_core::rules::Remediation::literal(String::new()),
                references: Vec::new(),
                waiver: None,
            });
        }
    }
    r.summary.certificates = r.certificates.len();
    r
}

fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    certaudit_core::time::parse_instant(text).expect("a valid instant")
}
