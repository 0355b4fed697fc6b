//! The pipeline of `certaudit scan`: collect → trust → evaluate → report.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::history::{History, Snapshot};
use crate::inputs::{self, Password, ReadOptions};
use crate::inventory::Inventory;
use crate::probe::{self, Hooks, ProbeOptions, Target};
use crate::report::model::{AuditRef, ProbeSettings, RunInfo};
use crate::report::{self, Format, Report, ReportError};
use crate::rules::{self, Evaluation, LoadPackError, RuleSet, Severity};
use crate::trust::{self, AnchorError, TrustAnchors};

/// Everything `scan` needs, already parsed.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub inputs: Vec<PathBuf>,
    /// Accepted domains given on the command line.
    pub domains: Vec<String>,
    /// Client namespaces given on the command line.
    pub namespaces: Vec<String>,
    pub trust_anchors: Vec<PathBuf>,
    pub public_roots: bool,
    pub pack: Option<PathBuf>,
    pub at: Option<DateTime<Utc>>,
    pub formats: Vec<Format>,
    pub out: PathBuf,
    pub fail_on: Severity,
    pub pfx_password: Option<Password>,
    /// Live endpoints to probe (expanded), and the targets as given for the report.
    pub targets: Vec<Target>,
    pub target_texts: Vec<String>,
    pub probe: ProbeOptions,
    /// `--resolve` values as given, for the report.
    pub resolve_texts: Vec<String>,
    /// `--waivers FILE`.
    pub waivers: Option<PathBuf>,
    /// The command line as given, for the report's metadata.
    pub command_line: Vec<String>,
    /// The history database (None: `--no-history`).
    pub history: Option<PathBuf>,
    /// `--audit NAME`: the audit this scan belongs to (default: a fingerprint of the scope).
    pub audit: Option<String>,
}

/// Why a scan stopped before its reports were written (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Pack(#[from] LoadPackError),
    #[error(transparent)]
    Anchors(#[from] AnchorError),
    #[error("--no-public-roots: no trust anchor left: pass at least one --trust-anchors file")]
    NoAnchors,
    #[error(transparent)]
    Waivers(#[from] crate::waivers::WaiverError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot start the probe runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
}

/// What a finished scan produced.
pub struct ScanOutcome {
    pub report: Report,
    pub written: Vec<PathBuf>,
    /// The scan's id in the history, when recorded.
    pub history_id: Option<i64>,
}

/// The scope of a scan, one line per input (as an absolute path), target (as given) and the
/// pack: what identifies an audit when it has no name.
pub fn scope(options: &ScanOptions, rules: &RuleSet) -> Vec<String> {
    let mut lines: Vec<String> = options
        .inputs
        .iter()
        .map(|p| {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            format!("input {}", abs.display())
        })
        .collect();
    lines.extend(options.target_texts.iter().map(|t| format!("target {t}")));
    lines.sort();
    lines.dedup();
    lines.push(format!("pack {} {}", rules.pack.id, rules.pack.sha256));
    lines
}

/// Runs the whole pipeline and writes the reports.
pub fn run(options: &ScanOptions, hooks: &Hooks) -> Result<ScanOutcome, ScanError> {
    // Opened first: a bad history path fails before a long probe, not after it.
    let mut history = options.history.as_deref().map(History::open).transpose()?;
    let mut report = evaluate(options, hooks)?;
    // An incomplete scan is not compared: what it did not audit would look resolved.
    let comparable = report.summary.result != crate::report::Verdict::Incomplete && !report.scan.interrupted;
    if let (Some(h), true) = (&history, comparable) {
        if let Some(previous) = h.last_complete(&report.scan.audit.id)? {
            let before = h.snapshot(previous.id)?;
            report.changes = Some(crate::history::diff(&before, &Snapshot::from_report(&report)));
        }
    }
    let written = report::write_all(&report, &options.formats, &options.out)?;
    let history_id = history.as_mut().map(|h| h.record(&report)).transpose()?;
    Ok(ScanOutcome {
        report,
        written,
        history_id,
    })
}

/// Collects, probes, judges trust and evaluates the rules: the report, not yet written.
pub fn evaluate(options: &ScanOptions, hooks: &Hooks) -> Result<Report, ScanError> {
    let started_at = Utc::now();
    let clock = std::time::Instant::now();
    let at = options.at.unwrap_or(started_at);
    let rule_set = RuleSet::load(options.pack.as_deref())?;
    let waivers = match &options.waivers {
        Some(path) => Some(crate::waivers::load(path)?),
        None => None,
    };
    let anchors = TrustAnchors::load(options.public_roots, &options.trust_anchors)?;
    if anchors.is_empty() {
        return Err(ScanError::NoAnchors);
    }
    let read_options = ReadOptions {
        pfx_password: options.pfx_password.clone(),
    };
    let mut inventory = inputs::collect(&options.inputs, &read_options);
    for d in &options.domains {
        inventory.organisation.add_domain(d, "--domain");
    }
    for n in &options.namespaces {
        inventory.organisation.add_namespace(n, "--namespace");
    }
    let mut interrupted = false;
    let mut probe_settings = None;
    if !options.targets.is_empty() {
        let domains = inventory.organisation.autodiscover_domains();
        let live = probe::run(&options.targets, &domains, anchors.anchors(), &options.probe, hooks)
            .map_err(ScanError::Runtime)?;
        for probed in live.endpoints {
            inventory.add_endpoint(probed.endpoint, probed.chain_der);
        }
        inventory.autodiscover = live.autodiscover;
        interrupted = live.interrupted;
        probe_settings = Some(ProbeSettings {
            targets: options.target_texts.clone(),
            resolve: options.resolve_texts.clone(),
            concurrency: options.probe.concurrency,
            timeout_seconds: options.probe.timeout.as_secs_f64(),
            all_addresses: options.probe.all_addresses,
        });
    }
    let evaluation = judge(&mut inventory, &anchors, &rule_set, at);
    Ok(Report::build(
        &inventory,
        &evaluation,
        &RunInfo {
            started_at,
            finished_at: Utc::now(),
            duration_seconds: clock.elapsed().as_secs_f64(),
            audit: AuditRef::new(options.audit.as_deref(), scope(options, &rule_set)),
            evaluated_at: at,
            pack: &rule_set.pack,
            fail_on: options.fail_on,
            probe: probe_settings,
            interrupted,
            waivers: waivers.as_ref(),
            command_line: &options.command_line,
        },
    ))
}

/// Judges a collected inventory at `at`: every chain against `anchors` (and each endpoint's
/// chain as served), then the rules of `rules`.
pub fn judge(inventory: &mut Inventory, anchors: &TrustAnchors, rules: &RuleSet, at: DateTime<Utc>) -> Evaluation {
    trust::evaluate_inventory(inventory, anchors, at);
    trust::evaluate_served_chains(inventory, anchors, at);
    rules::evaluate(inventory, rules, at)
}
