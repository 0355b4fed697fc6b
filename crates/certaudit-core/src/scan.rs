//! The pipeline of `certaudit scan`: collect → trust → evaluate → report.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::history::{self, HistoryOptions, HistoryStore, Remembered, Snapshot};
use crate::inputs::{self, CollectOptions};
use crate::inventory::Inventory;
use crate::probe::{self, Hooks, ProbeScope};
use crate::report::model::{AuditRef, ProbeSettings, RunInfo};
use crate::report::{self, Report, ReportError, ReportOptions};
use crate::revocation;
use crate::rules::{self, Evaluation, LoadPackError, RuleSet, RulesOptions};
use crate::trust::{self, AnchorError, TrustAnchors, TrustCache, TrustOptions};

/// Everything `scan` needs, already parsed, one part per stage: each stage takes only its own.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub collect: CollectOptions,
    pub trust: TrustOptions,
    pub probe: ProbeScope,
    pub rules: RulesOptions,
    pub report: ReportOptions,
    pub history: HistoryOptions,
    /// The command line as given, for the report's metadata.
    pub command_line: Vec<String>,
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
    #[error("internal error: the {0} stopped unexpectedly")]
    Worker(&'static str),
}

/// What a finished scan produced.
pub struct ScanOutcome {
    pub report: Report,
    pub written: Vec<PathBuf>,
    /// The scan's id in the history, when recorded.
    pub history_id: Option<i64>,
    /// Chain verifications reused from earlier scans (with a history).
    pub reused_verifications: Option<usize>,
}

/// The scope of a scan, one line per input (as an absolute path), target (as given) and the
/// pack: what identifies an audit when it has no name.
pub fn scope(options: &ScanOptions, rules: &RuleSet) -> Vec<String> {
    let mut lines: Vec<String> = options
        .collect
        .inputs
        .iter()
        .map(|p| {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            format!("input {}", abs.display())
        })
        .collect();
    lines.extend(options.probe.target_texts.iter().map(|t| format!("target {t}")));
    lines.sort();
    lines.dedup();
    lines.push(format!("pack {} {}", rules.pack.id, rules.pack.sha256));
    lines
}

/// Runs the whole pipeline and writes the reports.
///
/// With a history, work runs side by side: the audit's last complete scan is read back while
/// this one collects and evaluates; then the reports are written (`report.json` first, which
/// needs the changes since the last scan only at its end) while the changes are worked out
/// and the scan is recorded. The record is committed only once every report is written.
pub fn run(options: &ScanOptions, hooks: &Hooks) -> Result<ScanOutcome, ScanError> {
    let rule_set = RuleSet::load(options.rules.pack.as_deref())?;
    let audit = AuditRef::new(options.history.audit.as_deref(), scope(options, &rule_set));
    // Opened first: a bad history path fails before a long probe, not after it.
    let mut history = options.history.location.as_deref().map(history::open).transpose()?;
    let remembered = history.as_deref().map(HistoryStore::trust_results).transpose()?;
    let (evaluated, previous) = std::thread::scope(|s| {
        let previous = options
            .history
            .location
            .as_deref()
            .map(|path| s.spawn(|| last_complete_snapshot(path, &audit.id)));
        let evaluated = evaluate_with(options, hooks, &rule_set, remembered);
        let previous = previous.map(|reader| reader.join().unwrap_or(Err(ScanError::Worker("history reader"))));
        (evaluated, previous.transpose())
    });
    let (mut report, trust_cache) = evaluated?;
    let previous = previous?.flatten();
    // An incomplete scan is not compared: what it did not audit would look resolved.
    let comparable = report.summary.result != crate::report::Verdict::Incomplete && !report.scan.interrupted;
    let previous = previous.filter(|_| comparable);
    let (pending_tx, pending) = report::PendingChanges::channel();
    let page = report::html::PageOptions {
        title: options.report.title.clone(),
        windows: rule_set.expiry_windows(),
    };
    let (written, history_id, snapshot) = std::thread::scope(|s| -> Result<_, ScanError> {
        let writer = s.spawn(|| {
            report::write_all_pending(&report, &pending, &page, &options.report.formats, &options.report.out)
        });
        let join = |writer: std::thread::ScopedJoinHandle<'_, Result<Vec<PathBuf>, ReportError>>| {
            writer
                .join()
                .unwrap_or(Err(ReportError::Worker))
                .map_err(ScanError::from)
        };
        let snapshot = Snapshot::from_report(&report);
        let changes = match (previous, history.as_ref()) {
            (Some(mut before), Some(h)) => {
                // Only certificates that are gone need their details from the history.
                let now: foldhash::HashSet<&str> = snapshot.certificates.iter().map(|c| c.sha256.as_str()).collect();
                h.fill_details(&mut before, &|sha| !now.contains(sha))?;
                Some(crate::history::diff(&before, &snapshot))
            }
            _ => None,
        };
        // The writer may have failed and gone: then there is nobody to tell.
        let _ = pending_tx.send(changes);
        let (written, history_id) = match history.as_mut() {
            // Committed only once every report is written: dropped, it records nothing.
            Some(h) => {
                let pending = h.record(&report, &snapshot)?;
                let written = join(writer)?;
                let id = pending.id();
                pending.commit()?;
                (written, Some(id))
            }
            None => (join(writer)?, None),
        };
        Ok((written, history_id, snapshot))
    })?;
    report.changes = pending.into_changes();
    let reused_verifications = trust_cache.as_ref().map(TrustCache::hits);
    if let (Some(h), Some(cache)) = (history.as_mut(), trust_cache) {
        let used = cache.used();
        let (learnt, known) = cache.into_parts();
        h.keep_trust_results(learnt, used)?;
        // Freed by the operating system when the process ends, in no time: freeing 100,000
        // entries one by one here would only delay the result.
        std::mem::forget(known);
    }
    std::mem::forget(snapshot);
    Ok(ScanOutcome {
        report,
        written,
        history_id,
        reused_verifications,
    })
}

/// The snapshot of the audit's last complete scan in the history at `path`, read on a
/// connection of its own.
fn last_complete_snapshot(path: &Path, audit: &str) -> Result<Option<Snapshot>, ScanError> {
    let h = history::open_existing(path)?;
    match h.last_complete(audit)? {
        Some(row) => Ok(Some(h.snapshot_light(row.id)?)),
        None => Ok(None),
    }
}

/// `--probe-servers`: the endpoints the exports imply (recorded in the organisation, with the
/// servers that cannot be probed and why).
fn server_targets(inventory: &mut Inventory) -> Vec<probe::Target> {
    let org = &mut inventory.organisation;
    let (probes, mut unprobed) = probe::servers::server_probes(org);
    if org.servers.is_empty() {
        unprobed.push((
            "the organisation".to_string(),
            "--probe-servers was asked for, but no export names an Exchange server (Get-ExchangeServer)".to_string(),
        ));
    }
    let mut targets = Vec::new();
    for p in &probes {
        match probe::parse_target(&p.target) {
            Ok(t) => targets.extend(t),
            Err(e) => unprobed.push((p.server.clone(), e.to_string())),
        }
    }
    org.server_probes = probes;
    org.unprobed_servers = unprobed;
    targets
}

/// Collects, probes, judges trust and evaluates the rules: the report, not yet written.
pub fn evaluate(options: &ScanOptions, hooks: &Hooks) -> Result<Report, ScanError> {
    let rule_set = RuleSet::load(options.rules.pack.as_deref())?;
    evaluate_with(options, hooks, &rule_set, None).map(|(report, _)| report)
}

/// [`evaluate`], reusing the chain verifications `remembered` from earlier scans (see
/// [`TrustCache`]); returns the cache too, with what it reused and what it learnt.
pub fn evaluate_with(
    options: &ScanOptions,
    hooks: &Hooks,
    rule_set: &RuleSet,
    remembered: Option<Remembered>,
) -> Result<(Report, Option<TrustCache>), ScanError> {
    let started_at = Utc::now();
    let clock = std::time::Instant::now();
    let at = options.rules.at.unwrap_or(started_at);
    let waivers = match &options.rules.waivers {
        Some(path) => Some(crate::waivers::load(path)?),
        None => None,
    };
    let anchors = TrustAnchors::load(options.trust.public_roots, &options.trust.anchor_files)?;
    if anchors.is_empty() {
        return Err(ScanError::NoAnchors);
    }
    let mut inventory = inputs::collect_all(&options.collect);
    let mut interrupted = false;
    let mut probe_settings = None;
    let plan = &options.probe;
    let mut targets = plan.targets.clone();
    if plan.options.probe_servers {
        targets.extend(server_targets(&mut inventory));
    }
    if !targets.is_empty() {
        let domains = inventory.organisation.autodiscover_domains();
        let live =
            probe::run(&targets, &domains, anchors.anchors(), &plan.options, hooks).map_err(ScanError::Runtime)?;
        for probed in live.endpoints {
            if let Some(der) = probed.leaf_without_sni_der {
                let location = format!("{} (without SNI)", probed.endpoint.target);
                // Unparsable, it is simply not in the inventory: the rule names its SHA-256.
                let _ = inventory.add_presented(der, location);
            }
            inventory.add_endpoint(probed.endpoint, probed.chain_der);
        }
        inventory.autodiscover = live.autodiscover;
        interrupted = live.interrupted;
        probe_settings = Some(ProbeSettings {
            targets: plan.target_texts.clone(),
            resolve: plan.resolve_texts.clone(),
            concurrency: plan.options.concurrency,
            timeout_seconds: plan.options.timeout.as_secs_f64(),
            all_addresses: plan.options.all_addresses,
            autodiscover: plan.options.autodiscover,
            protocol_scan: plan.options.protocol_scan,
            probe_servers: plan.options.probe_servers,
        });
    }
    let cache =
        remembered.map(|r| TrustCache::with_self_signatures(&rule_set.pack.sha256, r.chains, r.self_signatures));
    let evaluation = judge(&mut inventory, &anchors, rule_set, at, cache.as_ref());
    let report = Report::build(
        inventory,
        evaluation,
        &RunInfo {
            started_at,
            finished_at: Utc::now(),
            duration_seconds: clock.elapsed().as_secs_f64(),
            audit: AuditRef::new(options.history.audit.as_deref(), scope(options, rule_set)),
            evaluated_at: at,
            pack: &rule_set.pack,
            fail_on: options.rules.fail_on,
            probe: probe_settings,
            interrupted,
            waivers: waivers.as_ref(),
            command_line: &options.command_line,
        },
    );
    Ok((report, cache))
}

/// Judges a collected inventory at `at`: every chain against `anchors` (and each endpoint's
/// chain as served; reusing what `cache` remembers), then the rules of `rules`.
pub fn judge(
    inventory: &mut Inventory,
    anchors: &TrustAnchors,
    rules: &RuleSet,
    at: DateTime<Utc>,
    cache: Option<&TrustCache>,
) -> Evaluation {
    trust::evaluate_inventory(inventory, anchors, at, cache);
    trust::evaluate_served_chains(inventory, anchors, at);
    revocation::check(inventory, at);
    rules::evaluate(inventory, rules, at)
}
