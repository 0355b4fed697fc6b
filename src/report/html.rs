//! `report.html`: one self-contained page rendered by tera from `templates/`. Tera escapes
//! every value (the template is registered with an `.html` name, so autoescape is on and no
//! value is marked safe): certificate fields and file names can never inject markup.

use serde::Serialize;
use serde_json::Value;
use tera::{Context, Tera};

use super::model::{CertificateEntry, Report};
use crate::rules::Severity;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");

#[derive(Serialize)]
struct SeverityCount {
    severity: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct EvidenceItem {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct FindingView<'a> {
    severity: &'static str,
    rule: &'a str,
    title: &'a str,
    message: &'a str,
    subject: &'a str,
    thumbprint: &'a str,
    not_after: &'a str,
    evidence: Vec<EvidenceItem>,
    remediation: &'a str,
    references: &'a [String],
    waived: bool,
}

#[derive(Serialize)]
struct CertificateView<'a> {
    cert: &'a CertificateEntry,
    /// `expired`, `soon` (under 30 days), `ok`.
    days_class: &'static str,
    names: String,
    key: String,
}

/// Renders the report as one HTML document.
pub fn render(report: &Report) -> tera::Result<String> {
    let mut tera = Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)?;
    let certs = report.certificates_by_sha256();
    let findings: Vec<FindingView<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let cert = f.certificate.as_deref().and_then(|s| certs.get(s));
            FindingView {
                severity: f.severity.as_str(),
                rule: &f.rule,
                title: &f.title,
                message: &f.message,
                subject: cert.map(|c| c.subject.as_str()).unwrap_or(""),
                thumbprint: cert.map(|c| c.thumbprint.as_str()).unwrap_or(""),
                not_after: cert.map(|c| c.not_after.as_str()).unwrap_or(""),
                evidence: f
                    .evidence
                    .iter()
                    .map(|(k, v)| EvidenceItem {
                        key: k.replace('_', " "),
                        value: display_value(v),
                    })
                    .collect(),
                remediation: &f.remediation,
                references: &f.references,
                waived: f.waiver.is_some(),
            }
        })
        .collect();
    let certificates: Vec<CertificateView<'_>> = report
        .certificates
        .iter()
        .map(|c| CertificateView {
            cert: c,
            days_class: match c.days_left {
                d if d < 0 => "expired",
                d if d < 30 => "soon",
                _ => "ok",
            },
            names: c
                .dns_names
                .iter()
                .chain(c.ip_addresses.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            key: match &c.key.curve {
                Some(curve) => format!("{} {}", c.key.algorithm, curve),
                None => format!("{} {}", c.key.algorithm, c.key.bits),
            },
        })
        .collect();
    let counts: Vec<SeverityCount> = Severity::DESCENDING
        .iter()
        .map(|s| SeverityCount {
            severity: s.as_str(),
            count: report.summary.findings.get(*s),
        })
        .collect();
    let mut ctx = Context::new();
    ctx.insert("report", report);
    ctx.insert("counts", &counts);
    ctx.insert("findings", &findings);
    ctx.insert("certificates", &certificates);
    tera.render("report.html", &ctx)
}

/// Formats an evidence value for people: strings as they are, lists joined, objects as `k: v`.
fn display_value(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(display_value).collect::<Vec<_>>().join("; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", display_value(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Tera's error chain, flattened into one line.
pub fn describe(e: &tera::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}
