//! A report too large to list whole: the HTML page summarises beyond its documented limits
//! (`report::html::limits`) and says so, while the CSV and the JSON keep every row.

use std::process::Command;

use certaudit_core::report::html::limits;
use certaudit_core::report::Report;

use crate::common::Scratch;

/// The sample organisation's report, read back through the library.
fn sample_report() -> Report {
    let s = Scratch::new();
    let out = s.out();
    let status = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan",
            "--config",
            "samples/contoso/audit.toml",
            "--no-history",
            "-f",
            "json",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.code().is_some_and(|c| c <= 1));
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

/// The sample grown to `certificates` certificates and `findings` findings of one rule.
fn grown(certificates: usize, findings: usize) -> Report {
    let mut report = sample_report();
    let template_cert = report.certificates[0].clone();
    let template_finding = report.findings.iter().find(|f| f.rule == "expired").cloned().unwrap();
    for n in report.certificates.len()..certificates {
        let mut c = template_cert.clone();
        c.sha256 = format!("{n:064x}");
        c.subject = format!("CN=host{n}.contoso.com");
        c.issuer = format!("CN=Issuer {}", n % 7);
        c.days_left = (n % 400) as i64 - 30;
        report.certificates.push(c);
    }
    for n in 0..findings {
        let mut f = template_finding.clone();
        f.certificate = Some(format!("{:064x}", 1000 + n % (certificates - 1000)));
        f.message = format!("finding number {n}");
        report.findings.push(f);
    }
    report
}

#[test]
fn a_small_report_lists_everything() {
    let report = sample_report();
    let html = certaudit_core::report::html::render(&report, &Default::default()).unwrap();
    assert!(
        !html.contains("class=\"summarised\""),
        "nothing to summarise in the sample"
    );
    for c in &report.certificates {
        assert!(html.contains(&c.thumbprint), "{} listed", c.subject);
    }
}

#[test]
fn a_large_report_summarises_and_says_so() {
    let report = grown(limits::CERTIFICATES + 500, limits::FINDINGS_PER_RULE + 700);
    let html = certaudit_core::report::html::render(&report, &Default::default()).unwrap();
    // The inventory: counts per issuer, then the most urgent certificates only.
    assert!(
        html.contains(&format!(
            "{} certificates: more than this page lists",
            report.certificates.len()
        )),
        "the page says it summarises"
    );
    assert!(html.contains("CN=Issuer 3"), "certificates per issuer");
    assert!(html.contains("report.json"), "where the rest is");
    let listed = report
        .certificates
        .iter()
        .filter(|c| html.contains(&format!(">{}<", c.subject)))
        .count();
    // The most urgent in the inventory, and those named by the findings shown in full.
    assert!(
        listed <= 2 * limits::URGENT + 20,
        "{listed} certificates listed in full"
    );
    // The most urgent certificate is there; one with plenty of time left is not.
    let most_urgent = report.certificates.iter().min_by_key(|c| c.days_left).unwrap();
    assert!(html.contains(&most_urgent.thumbprint));
    // The rule with too many findings: its total, the most urgent in full, the rest counted.
    let total = report.findings.iter().filter(|f| f.rule == "expired").count();
    assert!(
        html.contains(&format!("{total} findings of this rule at this severity")),
        "the rule's total is given"
    );
    let shown = report
        .findings
        .iter()
        .filter(|f| f.message.starts_with("finding number "))
        .filter(|f| html.contains(&format!(">{}<", f.message)))
        .count();
    assert!(shown <= limits::URGENT, "{shown} findings of one rule shown in full");
    // A document a browser opens at once (its size is bounded by the limits, not the store).
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
}
