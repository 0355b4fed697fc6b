//! `report.html`: one self-contained page rendered by tera from `templates/`. Tera escapes
//! every value (the template is registered with an `.html` name, so autoescape is on and no
//! value is marked safe): certificate fields and file names can never inject markup.
//!
//! The page is built for an auditor's first five minutes: a title naming the organisation, a
//! table of contents, the verdict in words, an expiry timeline ([`timeline`]), per-server
//! matrices coloured by finding ([`servers`]), days left coloured by the pack's windows
//! ([`super::expiry`]), evidence in words ([`evidence`]) and remediation commands to copy.

mod evidence;
mod protocols;
mod servers;
mod timeline;
mod words;

use serde::Serialize;
use tera::{Context, Tera};

use super::changes::{BindingMove, CertRef, Changes, EndpointChange, FindingChange, Renewal};
use super::expiry::Expiry;
use super::format::{Presenter, RenderError};
use super::model::{CertificateEntry, EndpointEntry, InputEntry, Report, Scan};
use super::Presentation;
use crate::rules::{ExpiryWindows, Part, Severity};
use evidence::EvidenceRow;

const TEMPLATE: &str = include_str!("../../../../../templates/report.html.tera");
/// The stylesheet shared by the report and the checklist (inlined: the page needs no other file).
pub(crate) const STYLE: &str = include_str!("../../../../../templates/style.css");

/// What the page needs beside the report.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// `--title`; by default the page is titled after the organisation's accepted domains.
    pub title: Option<String>,
    /// The pack's expiry windows, which colour days left and the timeline.
    pub windows: ExpiryWindows,
}

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
    /// Not expired, inside one of the pack's expiry windows.
    in_window: usize,
    untrusted: usize,
}

#[derive(Serialize)]
struct SeverityCount {
    severity: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct FindingView<'a> {
    severity: Severity,
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
    days_class: &'static str,
    evidence: Vec<EvidenceRow>,
    remediation: Vec<Part>,
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

/// An entry of the table of contents.
#[derive(Serialize)]
struct TocEntry {
    id: String,
    label: String,
    children: Vec<TocEntry>,
}

impl TocEntry {
    fn new(id: &str, label: String) -> Self {
        Self {
            id: id.to_string(),
            label,
            children: Vec::new(),
        }
    }
}

/// Findings grouped by severity (most severe first), then by rule in order of appearance; a
/// rule with more than [`limits::FINDINGS_PER_RULE`] findings keeps the [`limits::URGENT`]
/// most urgent (fewest days left first).
fn group_findings<'a>(findings: &'a [FindingView<'a>]) -> Vec<SeverityGroup<'a>> {
    Severity::DESCENDING
        .iter()
        .filter_map(|severity| {
            let mut rules: Vec<RuleGroup<'a>> = Vec::new();
            for f in findings.iter().filter(|f| f.severity == *severity) {
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

/// A probed endpoint with the subjects of its presented chain.
#[derive(Serialize)]
struct EndpointView<'a> {
    e: &'a EndpointEntry,
    /// Each presented certificate's subject (or SHA-256 when it could not be read), in order.
    chain: Vec<String>,
    error_kind: &'static str,
    /// The protocol matrix's cells, oldest version first (empty when not scanned).
    protocols: Vec<protocols::ProtocolCell<'a>>,
}

#[derive(Serialize)]
struct CertificateView<'a> {
    cert: &'a CertificateEntry,
    /// `expired`, the severity of the pack's window it is in, or `ok`.
    days_class: &'static str,
    not_after: String,
    names: Vec<&'a str>,
    key: String,
    trust_words: &'static str,
}

/// Names beyond this many are folded under a summary line.
const NAMES_SHOWN: usize = 8;

/// `html`: `report.html`, one self-contained page for people.
pub struct HtmlFormat;

impl<'a> Presenter<Presentation<'a>> for HtmlFormat {
    fn name(&self) -> &'static str {
        "html"
    }
    fn help(&self) -> &'static str {
        "One self-contained page for people (`report.html`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["report.html"]
    }
    fn render(&self, _file: &str, p: &Presentation<'a>, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
        let html = render_with(p.report, p.changes(), p.page).map_err(|e| RenderError::Render(describe(&e)))?;
        Ok(out.write_all(html.as_bytes())?)
    }
}

/// Renders the report as one HTML document.
pub fn render(report: &Report, page: &PageOptions) -> tera::Result<String> {
    render_with(report, &report.changes, page)
}

/// [`render`] with the changes since the last scan given apart.
pub fn render_with<'a>(
    report: &'a Report,
    changes: &'a Option<Changes>,
    page: &'a PageOptions,
) -> tera::Result<String> {
    let mut tera = Tera::default();
    tera.add_raw_templates([("style.css", STYLE), ("report.html", TEMPLATE)])?;
    let certs = report.certificates_by_sha256();
    let expiry = Expiry::new(report, &page.windows);
    let findings: Vec<FindingView<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let cert = f.certificate.as_deref().and_then(|s| certs.get(s));
            FindingView {
                severity: f.severity,
                server: f.server.as_deref().unwrap_or(""),
                endpoint: f.endpoint.as_deref().unwrap_or(""),
                services: f.services.join(", "),
                rule: &f.rule,
                title: &f.title,
                message: &f.message,
                subject: cert.map(|c| c.subject.as_str()).unwrap_or(""),
                thumbprint: cert.map(|c| c.thumbprint.as_str()).unwrap_or(""),
                not_after: cert.map(|c| day_and_time(c.not_after)).unwrap_or_default(),
                days_left: cert.map(|c| c.days_left),
                days_class: cert.map(|c| expiry.class(c)).unwrap_or(""),
                evidence: evidence::rows(&f.evidence, cert.is_some()),
                remediation: f.remediation.parts(),
                references: &f.references,
                waived: f.waiver.is_some(),
                waiver: f.waiver.as_ref(),
            }
        })
        .collect();
    let view = |c: &'a CertificateEntry| CertificateView {
        cert: c,
        days_class: expiry.class(c),
        not_after: c.not_after.format("%Y-%m-%d").to_string(),
        names: c
            .dns_names
            .iter()
            .chain(c.ip_addresses.iter())
            .map(String::as_str)
            .collect(),
        key: match &c.key.curve {
            Some(curve) => format!("{} {}", c.key.algorithm, curve),
            None => format!("{} {}", c.key.algorithm, c.key.bits),
        },
        trust_words: c.trust.status.in_words(),
    };
    // The inventory: every certificate, or beyond the limit the most urgent ones.
    let summarised = report.certificates.len() > limits::CERTIFICATES;
    let mut listed: Vec<&CertificateEntry> = report.certificates.iter().collect();
    if summarised {
        listed.sort_by_key(|c| (c.days_left, c.is_ca));
        listed.truncate(limits::URGENT);
    }
    let certificates: Vec<CertificateView<'_>> = listed.into_iter().map(view).collect();
    let servers = servers::servers(report, &findings, &expiry);
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
            protocols: protocols::cells(e),
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
    let mut inputs: Vec<&InputEntry> = report.scan.inputs.iter().collect();
    inputs.sort_by_key(|i| i.error.is_none());
    let finding_groups = group_findings(&findings);
    let changes = changes.as_ref().map(ChangesView::of);
    let not_audited = capped(report.not_audited.iter(), limits::ROWS);
    let title = words::title(report, page.title.as_deref());
    let timeline = timeline::build(report, &expiry);
    let toc = contents(
        report,
        &finding_groups,
        &servers,
        changes.is_some(),
        !report.endpoints.is_empty(),
    );
    let mut ctx = Context::new();
    ctx.insert("title", &title);
    ctx.insert("toc", &toc);
    ctx.insert("verdict", &words::verdict(report));
    ctx.insert("tool", &report.tool);
    ctx.insert("scan", &ScanHead::from(&report.scan));
    ctx.insert("summary", &report.summary);
    ctx.insert("organisation", &report.organisation);
    ctx.insert("show_organisation", &has_organisation(report));
    ctx.insert("autodiscover", &report.autodiscover);
    ctx.insert("waivers", &report.waivers);
    ctx.insert("inputs", &capped(inputs.into_iter(), limits::ROWS));
    ctx.insert("not_audited", &not_audited);
    ctx.insert("changes", &changes);
    ctx.insert("counts", &counts);
    ctx.insert("findings_total", &findings.len());
    ctx.insert("finding_groups", &finding_groups);
    ctx.insert("certificates", &certificates);
    ctx.insert("certificates_total", &report.certificates.len());
    ctx.insert("certificates_summarised", &summarised);
    ctx.insert(
        "issuers",
        &if summarised {
            issuer_counts(report, &expiry)
        } else {
            Vec::new()
        },
    );
    ctx.insert("servers", &servers);
    ctx.insert("endpoints", &endpoints);
    ctx.insert(
        "protocol_matrix",
        &report.endpoints.iter().any(|e| !e.protocols.is_empty()),
    );
    ctx.insert(
        "protocol_versions",
        &crate::inventory::TlsProtocol::ALL.map(|v| v.as_str()),
    );
    ctx.insert("soonest", &soonest);
    ctx.insert("timeline", &timeline);
    ctx.insert("legend", &expiry.legend());
    ctx.insert("auth_windows", &expiry.auth_note());
    ctx.insert("widest_window", &page.windows.general.last().map(|w| w.days));
    ctx.insert("matrix_services", &servers::MATRIX_SERVICES);
    ctx.insert("names_shown", &NAMES_SHOWN);
    ctx.insert(
        "limits",
        &serde_json::json!({
            "findings_per_rule": limits::FINDINGS_PER_RULE,
            "certificates": limits::CERTIFICATES,
            "urgent": limits::URGENT,
            "rows": limits::ROWS,
            "timeline": timeline::MAX_ROWS,
        }),
    );
    tera.render("report.html", &ctx)
}

/// "2026-03-01" at midnight UTC, else "2026-03-01 14:05 UTC".
fn day_and_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    if (t.hour(), t.minute(), t.second()) == (0, 0, 0) {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// True when the report knows anything about the organisation (the section is shown).
fn has_organisation(report: &Report) -> bool {
    let o = &report.organisation;
    !(o.domains.is_empty()
        && o.namespaces.is_empty()
        && o.auth_configs.is_empty()
        && o.connectors.is_empty()
        && o.servers.is_empty())
}

/// The table of contents: the sections the page shows, in its order.
fn contents(
    report: &Report,
    groups: &[SeverityGroup<'_>],
    servers: &servers::Servers<'_>,
    changes: bool,
    endpoints: bool,
) -> Vec<TocEntry> {
    let mut toc = vec![
        TocEntry::new("summary", "Summary".into()),
        TocEntry::new("timeline", "Expiry timeline".into()),
    ];
    if changes {
        toc.push(TocEntry::new("changes", "Changes since the last scan".into()));
    }
    let mut findings = TocEntry::new("findings", format!("Findings ({})", report.findings.len()));
    findings.children = groups
        .iter()
        .map(|g| {
            TocEntry::new(
                &format!("findings-{}", g.severity),
                format!("{} ({})", g.severity, g.count),
            )
        })
        .collect();
    toc.push(findings);
    if servers.total > 0 {
        let mut entry = TocEntry::new("servers", format!("Servers ({})", servers.total));
        entry.children = servers
            .shown
            .iter()
            .map(|s| TocEntry::new(&s.id, s.name.to_string()))
            .collect();
        toc.push(entry);
    }
    if !report.not_audited.is_empty() {
        toc.push(TocEntry::new(
            "not-audited",
            format!("Not audited ({})", report.not_audited.len()),
        ));
    }
    if has_organisation(report) {
        toc.push(TocEntry::new("organisation", "Organisation".into()));
    }
    if endpoints {
        toc.push(TocEntry::new(
            "endpoints",
            format!("Endpoints ({})", report.endpoints.len()),
        ));
    }
    toc.push(TocEntry::new(
        "inventory",
        format!("Certificate inventory ({})", report.certificates.len()),
    ));
    if !report.waivers.is_empty() {
        toc.push(TocEntry::new("waivers", format!("Waivers ({})", report.waivers.len())));
    }
    toc.push(TocEntry::new("metadata", "Scan metadata".into()));
    toc
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
fn issuer_counts<'a>(report: &'a Report, expiry: &Expiry<'_>) -> Vec<IssuerCount<'a>> {
    let mut by_issuer: std::collections::HashMap<&str, IssuerCount<'_>> = std::collections::HashMap::new();
    for c in &report.certificates {
        let entry = by_issuer.entry(c.issuer.as_str()).or_insert_with(|| IssuerCount {
            issuer: &c.issuer,
            certificates: 0,
            expired: 0,
            in_window: 0,
            untrusted: 0,
        });
        entry.certificates += 1;
        entry.expired += usize::from(c.days_left < 0);
        entry.in_window += usize::from(!matches!(expiry.class(c), "ok" | "expired"));
        entry.untrusted += usize::from(!c.trust.status.is_trusted());
    }
    let mut counts: Vec<IssuerCount<'_>> = by_issuer.into_values().collect();
    counts.sort_by(|a, b| b.certificates.cmp(&a.certificates).then(a.issuer.cmp(b.issuer)));
    counts.truncate(limits::ROWS);
    counts
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
