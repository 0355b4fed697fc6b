//! `report.html`: one self-contained page rendered by tera from `templates/`. Tera escapes
//! every value (the template is registered with an `.html` name, so autoescape is on and no
//! value is marked safe): certificate fields and file names can never inject markup.

use serde::Serialize;
use serde_json::Value;
use tera::{Context, Tera};

use super::model::{CertificateEntry, EndpointEntry, Report};
use crate::inventory::server_key;
use crate::rules::Severity;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");
/// The stylesheet shared by the report and the checklist (inlined: the page needs no other file).
pub(crate) const STYLE: &str = include_str!("../../templates/style.css");

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
    server: &'a str,
    endpoint: &'a str,
    services: String,
    rule: &'a str,
    title: &'a str,
    message: &'a str,
    subject: &'a str,
    thumbprint: &'a str,
    not_after: String,
    evidence: Vec<EvidenceItem>,
    remediation: &'a str,
    references: &'a [String],
    waived: bool,
    waiver: Option<&'a super::model::WaiverEntry>,
}

/// The findings of one rule within a severity.
#[derive(Serialize)]
struct RuleGroup<'a> {
    rule: &'a str,
    title: &'a str,
    findings: Vec<&'a FindingView<'a>>,
}

/// The findings of one severity, by rule.
#[derive(Serialize)]
struct SeverityGroup<'a> {
    severity: &'static str,
    count: usize,
    rules: Vec<RuleGroup<'a>>,
}

/// Findings grouped by severity (most severe first), then by rule in order of appearance.
fn group_findings<'a>(findings: &'a [FindingView<'a>]) -> Vec<SeverityGroup<'a>> {
    Severity::DESCENDING
        .iter()
        .filter_map(|severity| {
            let mut rules: Vec<RuleGroup<'a>> = Vec::new();
            for f in findings.iter().filter(|f| f.severity == severity.as_str()) {
                match rules.iter_mut().find(|g| g.rule == f.rule) {
                    Some(g) => g.findings.push(f),
                    None => rules.push(RuleGroup {
                        rule: f.rule,
                        title: f.title,
                        findings: vec![f],
                    }),
                }
            }
            let count = rules.iter().map(|g| g.findings.len()).sum();
            (count > 0).then_some(SeverityGroup {
                severity: severity.as_str(),
                count,
                rules,
            })
        })
        .collect()
}

/// One certificate's row in a server's bindings matrix.
#[derive(Serialize)]
struct MatrixRow<'a> {
    subject: &'a str,
    thumbprint: &'a str,
    not_after: String,
    days_class: &'static str,
    /// Per column of [`MATRIX_SERVICES`]: "yes", "" or "?" (unknown).
    cells: Vec<&'static str>,
    status: &'a str,
}

/// One server: its bindings matrix and its findings.
#[derive(Serialize)]
struct ServerView<'a> {
    name: &'a str,
    rows: Vec<MatrixRow<'a>>,
    findings: Vec<&'a FindingView<'a>>,
}

/// The service columns of the bindings matrix.
const MATRIX_SERVICES: [&str; 5] = ["IIS", "SMTP", "IMAP", "POP", "UM"];

/// A probed endpoint with the subjects of its presented chain.
#[derive(Serialize)]
struct EndpointView<'a> {
    e: &'a EndpointEntry,
    /// Each presented certificate's subject (or SHA-256 when it could not be read), in order.
    chain: Vec<String>,
    error_kind: &'static str,
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
    tera.add_raw_templates([("style.css", STYLE), ("report.html", TEMPLATE)])?;
    let certs = report.certificates_by_sha256();
    let findings: Vec<FindingView<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let cert = f.certificate.as_deref().and_then(|s| certs.get(s));
            FindingView {
                severity: f.severity.as_str(),
                server: f.server.as_deref().unwrap_or(""),
                endpoint: f.endpoint.as_deref().unwrap_or(""),
                services: f.services.join(", "),
                rule: &f.rule,
                title: &f.title,
                message: &f.message,
                subject: cert.map(|c| c.subject.as_str()).unwrap_or(""),
                thumbprint: cert.map(|c| c.thumbprint.as_str()).unwrap_or(""),
                not_after: cert.map(|c| crate::time::rfc3339(c.not_after)).unwrap_or_default(),
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
                waiver: f.waiver.as_ref(),
            }
        })
        .collect();
    let certificates: Vec<CertificateView<'_>> = report
        .certificates
        .iter()
        .map(|c| CertificateView {
            cert: c,
            days_class: days_class(c.days_left),
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
    let servers = servers(report, &findings);
    let endpoints: Vec<EndpointView<'_>> = report
        .endpoints
        .iter()
        .map(|e| EndpointView {
            e,
            chain: e
                .chain
                .iter()
                .map(|h| {
                    certs
                        .get(h.as_str())
                        .map(|c| c.subject.clone())
                        .unwrap_or_else(|| h.clone())
                })
                .collect(),
            error_kind: e.error_kind.map(|k| k.as_str()).unwrap_or(""),
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
    ctx.insert("finding_groups", &group_findings(&findings));
    ctx.insert("certificates", &certificates);
    ctx.insert("servers", &servers);
    ctx.insert("endpoints", &endpoints);
    let mut soonest: Vec<&CertificateView<'_>> = certificates.iter().filter(|v| !v.cert.is_ca).collect();
    soonest.sort_by_key(|v| v.cert.days_left);
    soonest.truncate(5);
    ctx.insert("soonest", &soonest);
    ctx.insert("matrix_services", &MATRIX_SERVICES);
    tera.render("report.html", &ctx)
}

fn days_class(days_left: i64) -> &'static str {
    match days_left {
        d if d < 0 => "expired",
        d if d < 30 => "soon",
        _ => "ok",
    }
}

/// Servers in name order, each with the certificates bound there and its findings.
fn servers<'a>(report: &'a Report, findings: &'a [FindingView<'a>]) -> Vec<ServerView<'a>> {
    let mut by_name: std::collections::BTreeMap<String, ServerView<'a>> = std::collections::BTreeMap::new();
    for cert in &report.certificates {
        for b in &cert.bindings {
            let view = by_name.entry(server_key(&b.server)).or_insert_with(|| ServerView {
                name: &b.server,
                rows: Vec::new(),
                findings: Vec::new(),
            });
            let cells = MATRIX_SERVICES
                .iter()
                .map(|svc| match (b.services_known, b.services.iter().any(|s| s == svc)) {
                    (false, _) => "?",
                    (true, true) => "yes",
                    (true, false) => "",
                })
                .collect();
            view.rows.push(MatrixRow {
                subject: &cert.subject,
                thumbprint: &cert.thumbprint,
                not_after: crate::time::rfc3339(cert.not_after),
                days_class: days_class(cert.days_left),
                cells,
                status: &b.status,
            });
        }
    }
    for f in findings.iter().filter(|f| !f.server.is_empty()) {
        let view = by_name.entry(server_key(f.server)).or_insert_with(|| ServerView {
            name: f.server,
            rows: Vec::new(),
            findings: Vec::new(),
        });
        view.findings.push(f);
    }
    by_name.into_values().collect()
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
