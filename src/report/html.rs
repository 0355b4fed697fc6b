//! `report.html`: one self-contained page rendered by tera from `templates/`. Tera escapes
//! every value (the template is registered with an `.html` name, so autoescape is on and no
//! value is marked safe): certificate fields and file names can never inject markup.

use serde::Serialize;
use serde_json::Value;
use tera::{Context, Tera};

use super::changes::{BindingMove, CertRef, Changes, EndpointChange, FindingChange, Renewal};
use super::model::{CertificateEntry, EndpointEntry, Report, Scan};
use crate::inventory::server_key;
use crate::inventory::InputRecord;
use crate::rules::Severity;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");
/// The stylesheet shared by the report and the checklist (inlined: the page needs no other file).
pub(crate) const STYLE: &str = include_str!("../../templates/style.css");

/// Beyond these sizes the page summarises instead of listing every row (every row stays in
/// `report.csv` and `report.json`, and the page says so), so that a browser opens the report of
/// a 100,000-certificate store in seconds.
pub mod limits {
    /// Findings of one rule shown in full; beyond, the most urgent [`URGENT`] are.
    pub const FINDINGS_PER_RULE: usize = 500;
    /// Certificates listed in the inventory; beyond, counts per issuer and the most urgent
    /// [`URGENT`] certificates.
    pub const CERTIFICATES: usize = 2_000;
    /// Items shown in full when a list is summarised.
    pub const URGENT: usize = 100;
    /// Rows of any other list (servers' certificates and findings, endpoints, inputs, not
    /// audited, changes) before the rest is counted.
    pub const ROWS: usize = 500;
}

/// A list cut to a size for the page, with how many rows were left out.
#[derive(Serialize)]
struct Capped<T: Serialize> {
    rows: Vec<T>,
    total: usize,
    omitted: usize,
}

/// The first `limit` items (in the order given) and the count of the rest.
fn capped<T: Serialize>(items: impl Iterator<Item = T>, limit: usize) -> Capped<T> {
    let mut rows = Vec::new();
    let mut total = 0usize;
    for item in items {
        if rows.len() < limit {
            rows.push(item);
        }
        total += 1;
    }
    Capped {
        omitted: total - rows.len(),
        rows,
        total,
    }
}

/// Certificates of one issuer, for the inventory summary.
#[derive(Serialize)]
struct IssuerCount<'a> {
    issuer: &'a str,
    certificates: usize,
    expired: usize,
    within_30_days: usize,
    untrusted: usize,
}

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
    /// Days left of the certificate concerned (for ordering by urgency).
    days_left: Option<i64>,
    evidence: Vec<EvidenceItem>,
    remediation: String,
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
    /// Findings of the rule at this severity, shown or not.
    total: usize,
    /// How many are not shown (see [`limits::FINDINGS_PER_RULE`]).
    omitted: usize,
}

/// The findings of one severity, by rule.
#[derive(Serialize)]
struct SeverityGroup<'a> {
    severity: &'static str,
    count: usize,
    rules: Vec<RuleGroup<'a>>,
}

/// Findings grouped by severity (most severe first), then by rule in order of appearance; a
/// rule with more than [`limits::FINDINGS_PER_RULE`] findings keeps the [`limits::URGENT`]
/// most urgent (fewest days left first).
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
                        total: 0,
                        omitted: 0,
                    }),
                }
            }
            for g in &mut rules {
                g.total = g.findings.len();
                if g.total > limits::FINDINGS_PER_RULE {
                    g.findings.sort_by_key(|f| f.days_left.unwrap_or(i64::MAX));
                    g.findings.truncate(limits::URGENT);
                    g.omitted = g.total - g.findings.len();
                }
            }
            let count = rules.iter().map(|g| g.total).sum();
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

/// One server: its bindings matrix and its findings (each list capped at [`limits::ROWS`]).
#[derive(Serialize)]
struct ServerView<'a> {
    name: &'a str,
    rows: Vec<MatrixRow<'a>>,
    rows_omitted: usize,
    findings: Vec<&'a FindingView<'a>>,
    findings_omitted: usize,
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
    render_with(report, &report.changes)
}

/// [`render`] with the changes since the last scan given apart.
pub fn render_with<'a>(report: &'a Report, changes: &'a Option<Changes>) -> tera::Result<String> {
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
                days_left: cert.map(|c| c.days_left),
                evidence: f
                    .evidence
                    .iter()
                    .map(|(k, v)| EvidenceItem {
                        key: k.replace('_', " "),
                        value: display_value(v),
                    })
                    .collect(),
                remediation: f.remediation.text(),
                references: &f.references,
                waived: f.waiver.is_some(),
                waiver: f.waiver.as_ref(),
            }
        })
        .collect();
    let view = |c: &'a CertificateEntry| CertificateView {
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
    };
    // The inventory: every certificate, or beyond the limit the most urgent ones.
    let summarised = report.certificates.len() > limits::CERTIFICATES;
    let mut listed: Vec<&CertificateEntry> = report.certificates.iter().collect();
    if summarised {
        listed.sort_by_key(|c| (c.days_left, c.is_ca));
        listed.truncate(limits::URGENT);
    }
    let certificates: Vec<CertificateView<'_>> = listed.into_iter().map(view).collect();
    let servers = servers(report, &findings);
    let endpoints = capped(
        report.endpoints.iter().map(|e| EndpointView {
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
        }),
        limits::ROWS,
    );
    let counts: Vec<SeverityCount> = Severity::DESCENDING
        .iter()
        .map(|s| SeverityCount {
            severity: s.as_str(),
            count: report.summary.findings.get(*s),
        })
        .collect();
    let mut soonest: Vec<&CertificateEntry> = report.certificates.iter().filter(|c| !c.is_ca).collect();
    soonest.sort_by_key(|c| c.days_left);
    soonest.truncate(5);
    let soonest: Vec<CertificateView<'_>> = soonest.into_iter().map(view).collect();
    // Inputs with errors first, so that a capped table still shows every problem it can.
    let mut inputs: Vec<&InputRecord> = report.scan.inputs.iter().collect();
    inputs.sort_by_key(|i| i.error.is_none());
    let mut ctx = Context::new();
    ctx.insert("tool", &report.tool);
    ctx.insert("scan", &ScanHead::from(&report.scan));
    ctx.insert("summary", &report.summary);
    ctx.insert("organisation", &report.organisation);
    ctx.insert("autodiscover", &report.autodiscover);
    ctx.insert("waivers", &report.waivers);
    ctx.insert("inputs", &capped(inputs.into_iter(), limits::ROWS));
    ctx.insert("not_audited", &capped(report.not_audited.iter(), limits::ROWS));
    ctx.insert("changes", &changes.as_ref().map(ChangesView::of));
    ctx.insert("counts", &counts);
    ctx.insert("findings_total", &findings.len());
    ctx.insert("finding_groups", &group_findings(&findings));
    ctx.insert("certificates", &certificates);
    ctx.insert("certificates_total", &report.certificates.len());
    ctx.insert("certificates_summarised", &summarised);
    ctx.insert("issuers", &if summarised { issuer_counts(report) } else { Vec::new() });
    ctx.insert("servers", &servers);
    ctx.insert("endpoints", &endpoints);
    ctx.insert("soonest", &soonest);
    ctx.insert("matrix_services", &MATRIX_SERVICES);
    ctx.insert(
        "limits",
        &serde_json::json!({
            "findings_per_rule": limits::FINDINGS_PER_RULE,
            "certificates": limits::CERTIFICATES,
            "urgent": limits::URGENT,
            "rows": limits::ROWS,
        }),
    );
    tera.render("report.html", &ctx)
}

/// What the page shows of the scan's metadata (its inputs are listed apart, capped).
#[derive(Serialize)]
struct ScanHead<'a> {
    input_count: usize,
    started_at: String,
    finished_at: String,
    evaluated_at: String,
    pack: &'a super::model::PackRef,
    fail_on: Severity,
    probe: &'a Option<super::model::ProbeSettings>,
    interrupted: bool,
    waivers: &'a Option<super::model::FileRef>,
    command_line: &'a [String],
    host: &'a str,
}

impl<'a> From<&'a Scan> for ScanHead<'a> {
    fn from(s: &'a Scan) -> Self {
        Self {
            input_count: s.inputs.len(),
            started_at: crate::time::rfc3339(s.started_at),
            finished_at: crate::time::rfc3339(s.finished_at),
            evaluated_at: crate::time::rfc3339(s.evaluated_at),
            pack: &s.pack,
            fail_on: s.fail_on,
            probe: &s.probe,
            interrupted: s.interrupted,
            waivers: &s.waivers,
            command_line: &s.command_line,
            host: &s.host,
        }
    }
}

/// The changes since the last scan, each list capped at [`limits::ROWS`].
#[derive(Serialize)]
struct ChangesView<'a> {
    since_scan: Option<i64>,
    since_started_at: &'a str,
    since_evaluated_at: &'a str,
    any: bool,
    new_findings: Capped<&'a FindingChange>,
    resolved_findings: Capped<&'a FindingChange>,
    appeared_certificates: Capped<&'a CertRef>,
    disappeared_certificates: Capped<&'a CertRef>,
    renewed_certificates: Capped<&'a Renewal>,
    binding_moves: Capped<&'a BindingMove>,
    endpoint_changes: Capped<&'a EndpointChange>,
}

impl<'a> ChangesView<'a> {
    fn of(c: &'a Changes) -> Self {
        Self {
            since_scan: c.since_scan,
            since_started_at: &c.since_started_at,
            since_evaluated_at: &c.since_evaluated_at,
            any: !c.is_empty(),
            new_findings: capped(c.new_findings.iter(), limits::ROWS),
            resolved_findings: capped(c.resolved_findings.iter(), limits::ROWS),
            appeared_certificates: capped(c.appeared_certificates.iter(), limits::ROWS),
            disappeared_certificates: capped(c.disappeared_certificates.iter(), limits::ROWS),
            renewed_certificates: capped(c.renewed_certificates.iter(), limits::ROWS),
            binding_moves: capped(c.binding_moves.iter(), limits::ROWS),
            endpoint_changes: capped(c.endpoint_changes.iter(), limits::ROWS),
        }
    }
}

/// Certificates per issuer, most certificates first.
fn issuer_counts(report: &Report) -> Vec<IssuerCount<'_>> {
    let mut by_issuer: std::collections::HashMap<&str, IssuerCount<'_>> = std::collections::HashMap::new();
    for c in &report.certificates {
        let entry = by_issuer.entry(c.issuer.as_str()).or_insert_with(|| IssuerCount {
            issuer: &c.issuer,
            certificates: 0,
            expired: 0,
            within_30_days: 0,
            untrusted: 0,
        });
        entry.certificates += 1;
        entry.expired += usize::from(c.days_left < 0);
        entry.within_30_days += usize::from((0..30).contains(&c.days_left));
        entry.untrusted += usize::from(!c.trust.status.is_trusted());
    }
    let mut counts: Vec<IssuerCount<'_>> = by_issuer.into_values().collect();
    counts.sort_by(|a, b| b.certificates.cmp(&a.certificates).then(a.issuer.cmp(b.issuer)));
    counts.truncate(limits::ROWS);
    counts
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
                rows_omitted: 0,
                findings: Vec::new(),
                findings_omitted: 0,
            });
            if view.rows.len() >= limits::ROWS {
                view.rows_omitted += 1;
                continue;
            }
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
            rows_omitted: 0,
            findings: Vec::new(),
            findings_omitted: 0,
        });
        if view.findings.len() < limits::ROWS {
            view.findings.push(f);
        } else {
            view.findings_omitted += 1;
        }
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
