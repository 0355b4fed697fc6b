//! The per-server matrix: each certificate bound on a server, a column per service, each bound
//! cell coloured by the worst unwaived finding that concerns that certificate there (a finding
//! about the certificate itself, or about it on that server and service).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{limits, FindingView};
use crate::inventory::server_key;
use crate::report::expiry::Expiry;
use crate::report::model::Report;
use crate::rules::Severity;

/// The service columns of the matrix.
pub(super) const MATRIX_SERVICES: [&str; 5] = ["IIS", "SMTP", "IMAP", "POP", "UM"];

/// One cell of the matrix.
#[derive(Debug, Serialize)]
pub(super) struct Cell {
    /// `yes`, `?` (the export does not say) or empty (not bound).
    pub mark: &'static str,
    /// The worst unwaived finding's severity (`ok` when none), for bound cells.
    pub class: &'static str,
    /// That severity, typed (none for `ok` and unbound cells).
    #[serde(skip)]
    pub worst: Option<Severity>,
    /// The findings behind the colour, for the tooltip.
    pub title: String,
}

/// One certificate's row in a server's matrix.
#[derive(Debug, Serialize)]
pub(super) struct MatrixRow<'a> {
    pub subject: &'a str,
    pub thumbprint: &'a str,
    pub not_after: String,
    pub days_class: &'static str,
    pub cells: Vec<Cell>,
    pub status: &'a str,
}

/// One server: its matrix and its findings (each list capped at [`limits::ROWS`]).
#[derive(Serialize)]
pub(super) struct ServerView<'a> {
    pub name: &'a str,
    /// The anchor of its heading.
    pub id: String,
    pub rows: Vec<MatrixRow<'a>>,
    pub rows_omitted: usize,
    pub findings: Vec<&'a FindingView<'a>>,
    pub findings_omitted: usize,
}

/// What an unwaived finding about a certificate concerns: the certificate anywhere (no
/// server), or the certificate on one server.
struct Concern<'a> {
    services: &'a [String],
    severity: Severity,
    rule: &'a str,
}

impl Concern<'_> {
    fn applies(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

/// The unwaived findings about each certificate: those about it anywhere, and those about it
/// on each server (by [`server_key`]), so that a cell looks up only its own.
#[derive(Default)]
struct Concerns<'a> {
    anywhere: Vec<Concern<'a>>,
    on_server: HashMap<String, Vec<Concern<'a>>>,
}

/// Servers in name order, each with the certificates bound there and its findings.
pub(super) fn servers<'a>(report: &'a Report, findings: &'a [FindingView<'a>], expiry: &Expiry<'_>) -> Servers<'a> {
    let mut concerns: HashMap<&str, Concerns<'_>> = HashMap::new();
    for f in report.findings.iter().filter(|f| f.waiver.is_none()) {
        if let Some(cert) = f.certificate.as_deref() {
            let of_cert = concerns.entry(cert).or_default();
            let concern = Concern {
                services: &f.services,
                severity: f.severity,
                rule: &f.rule,
            };
            match f.server.as_deref() {
                Some(server) => of_cert.on_server.entry(server_key(server)).or_default().push(concern),
                None => of_cert.anywhere.push(concern),
            }
        }
    }
    let none = Concerns::default();
    let mut by_name: BTreeMap<String, ServerView<'a>> = BTreeMap::new();
    let new_view = |name: &'a str| ServerView {
        name,
        id: String::new(),
        rows: Vec::new(),
        rows_omitted: 0,
        findings: Vec::new(),
        findings_omitted: 0,
    };
    for cert in &report.certificates {
        let about = concerns.get(cert.sha256.as_str()).unwrap_or(&none);
        for b in &cert.bindings {
            let key = server_key(&b.server);
            let here = about.on_server.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            let view = by_name.entry(key).or_insert_with(|| new_view(&b.server));
            if view.rows.len() >= limits::ROWS {
                view.rows_omitted += 1;
                continue;
            }
            let cells = MATRIX_SERVICES
                .iter()
                .map(|svc| {
                    let mark = match (b.services_known, b.services.iter().any(|s| s == svc)) {
                        (false, _) => "?",
                        (true, true) => "yes",
                        (true, false) => "",
                    };
                    if mark.is_empty() {
                        return Cell {
                            mark,
                            class: "",
                            worst: None,
                            title: String::new(),
                        };
                    }
                    let mut hits: Vec<&Concern<'_>> =
                        about.anywhere.iter().chain(here).filter(|c| c.applies(svc)).collect();
                    hits.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(b.rule)));
                    hits.dedup_by(|a, b| a.rule == b.rule);
                    let title = if hits.is_empty() {
                        format!("{svc}: no finding")
                    } else {
                        let named: Vec<String> = hits
                            .iter()
                            .map(|c| format!("{} ({})", c.rule, c.severity.as_str()))
                            .collect();
                        format!("{svc}: {}", named.join(", "))
                    };
                    let worst = hits.first().map(|c| c.severity);
                    Cell {
                        mark,
                        class: worst.map(Severity::as_str).unwrap_or("ok"),
                        worst,
                        title,
                    }
                })
                .collect();
            view.rows.push(MatrixRow {
                subject: &cert.subject,
                thumbprint: &cert.thumbprint,
                not_after: cert.not_after.format("%Y-%m-%d").to_string(),
                days_class: expiry.class(cert),
                cells,
                status: &b.status,
            });
        }
    }
    for f in findings.iter().filter(|f| !f.server.is_empty()) {
        let view = by_name
            .entry(server_key(f.server))
            .or_insert_with(|| new_view(f.server));
        if view.findings.len() < limits::ROWS {
            view.findings.push(f);
        } else {
            view.findings_omitted += 1;
        }
    }
    let mut views: Vec<ServerView<'a>> = by_name.into_values().collect();
    let total = views.len();
    if total > limits::ROWS {
        // The servers with the worst findings are shown; the order stays by name.
        let worst = |v: &ServerView<'_>| {
            let cells = v.rows.iter().flat_map(|r| &r.cells).filter_map(|c| c.worst);
            let listed = v.findings.iter().map(|f| f.severity);
            cells.chain(listed).max()
        };
        let mut ranked: Vec<(Option<Severity>, usize)> = views.iter().enumerate().map(|(i, v)| (worst(v), i)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut keep: Vec<usize> = ranked.into_iter().take(limits::ROWS).map(|(_, i)| i).collect();
        keep.sort_unstable();
        let mut index = 0usize;
        views.retain(|_| {
            let kept = keep.binary_search(&index).is_ok();
            index += 1;
            kept
        });
    }
    for (i, v) in views.iter_mut().enumerate() {
        v.id = format!("server-{}", i + 1);
    }
    Servers { shown: views, total }
}

/// The servers the page shows: all of them, or beyond [`limits::ROWS`] those with the worst
/// findings.
#[derive(Serialize)]
pub(super) struct Servers<'a> {
    pub shown: Vec<ServerView<'a>>,
    pub total: usize,
}
