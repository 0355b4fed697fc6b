//! Scan history: each scan's metadata, certificates, bindings, endpoints and findings,
//! written in one transaction, so that a crash leaves earlier scans intact and two scans at
//! once wait for each other; and the verifications kept for the next scan. Storage is a
//! [`HistoryStore`]; the kinds of storage are listed in [`STORES`] (SQLite, embedded, in
//! `sqlite/`). [`diff`] compares two snapshots.

pub mod diff;
pub mod sqlite;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use diff::{diff, Snapshot};

use crate::inventory::Trust;
use crate::report::Report;
pub use crate::trust::Learnt;

/// What earlier scans kept for the next (see `trust::TrustCache`).
#[derive(Debug, Default)]
pub struct Remembered {
    /// Chain verifications by key.
    pub chains: Vec<([u8; 32], Trust)>,
    /// Self-signature checks by key.
    pub self_signatures: Vec<([u8; 32], bool)>,
}

/// The history stage's options.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Where scans are kept (None: `--no-history`).
    pub location: Option<PathBuf>,
    /// `--audit NAME`: the audit this scan belongs to (default: a fingerprint of the scope).
    pub audit: Option<String>,
}

/// The default history database.
pub const DEFAULT_PATH: &str = "reports/history.sqlite";

/// A history problem, naming the database file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history {path}: {step}: {source}")]
    Sqlite {
        path: PathBuf,
        step: &'static str,
        source: rusqlite::Error,
    },
    #[error("history {path}: cannot create its folder: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error(
        "history {path}: schema version {found} is newer than this certaudit knows ({known}): use a newer certaudit"
    )]
    TooNew { path: PathBuf, found: u32, known: u32 },
    #[error("history {path}: no scan {id}")]
    NoScan { path: PathBuf, id: i64 },
    #[error("history {path}: {what}")]
    NotEnough { path: PathBuf, what: String },
    #[error("history {path}: not a certaudit history ({what}): refusing to use it")]
    Foreign { path: PathBuf, what: String },
    #[error("history {path}: does not exist (scans record into it unless --no-history)")]
    Missing { path: PathBuf },
}

/// One recorded scan, as `certaudit history` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow {
    pub id: i64,
    pub started_at: String,
    pub evaluated_at: String,
    /// The audit it belongs to (empty for scans recorded before audits were kept).
    pub audit: String,
    /// True when the audit was named (`--audit`), false for a scope fingerprint.
    pub audit_named: bool,
    /// The scope: one line per input and target, and the pack.
    pub scope: Vec<String>,
    pub pack_id: String,
    pub pack_sha256: String,
    /// `pass`, `fail` or `incomplete`.
    pub result: String,
    pub not_audited: i64,
    pub interrupted: bool,
    pub certificates: i64,
    pub endpoints: i64,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
}

impl ScanRow {
    /// A complete scan can be a baseline: it ran to the end and audited all it had in scope.
    pub fn is_baseline(&self) -> bool {
        !self.interrupted && self.result != "incomplete"
    }
}

/// A scan written to a store but not yet committed: committed once every report file is
/// written, dropped (rolled back) otherwise.
pub trait PendingScan {
    /// The scan's id in the history.
    fn id(&self) -> i64;
    /// Makes the scan part of the history.
    fn commit(self: Box<Self>) -> Result<(), HistoryError>;
}

/// Where scans are kept. One implementation per kind of storage, listed in [`STORES`].
pub trait HistoryStore: Send {
    /// The database, as errors and notes name it.
    fn location(&self) -> &Path;
    /// Writes a finished scan (`snapshot` is the report's) without committing it.
    fn record(&mut self, report: &Report, snapshot: &Snapshot) -> Result<Box<dyn PendingScan + '_>, HistoryError>;
    /// The verifications kept by earlier scans. A row that cannot be read back is skipped.
    fn trust_results(&self) -> Result<Remembered, HistoryError>;
    /// Keeps what a scan learnt for the next scans (`used`: how many it used, which bounds
    /// what is kept).
    fn keep_trust_results(&mut self, learnt: Learnt, used: usize) -> Result<(), HistoryError>;
    /// Every recorded scan, oldest first.
    fn scans(&self) -> Result<Vec<ScanRow>, HistoryError>;
    /// What scan `id` recorded.
    fn snapshot(&self, id: i64) -> Result<Snapshot, HistoryError>;
    /// What scan `id` recorded, its certificates by SHA-256 only: what a comparison needs of
    /// an unchanged store. [`HistoryStore::fill_details`] adds the details that turn out to
    /// matter.
    fn snapshot_light(&self, id: i64) -> Result<Snapshot, HistoryError>;
    /// Reads the details of the snapshot's certificates that `wanted` names.
    fn fill_details(&self, snap: &mut Snapshot, wanted: &dyn Fn(&str) -> bool) -> Result<(), HistoryError>;

    /// Records a finished scan in one transaction and returns its id.
    fn record_now(&mut self, report: &Report) -> Result<i64, HistoryError> {
        let snapshot = Snapshot::from_report(report);
        let pending = self.record(report, &snapshot)?;
        let id = pending.id();
        pending.commit()?;
        Ok(id)
    }

    /// The newest baseline of `audit`: a scan of the same audit that ran to the end and was
    /// not incomplete.
    fn last_complete(&self, audit: &str) -> Result<Option<ScanRow>, HistoryError> {
        Ok(self
            .scans()?
            .into_iter()
            .rev()
            .find(|s| s.is_baseline() && !s.audit.is_empty() && s.audit == audit))
    }

    /// The two scans `certaudit diff` compares: the given ids; or `a` and the newest baseline
    /// of its audit after it; or the last two baselines of the newest scan's audit.
    fn pair(&self, a: Option<i64>, b: Option<i64>) -> Result<(ScanRow, ScanRow), HistoryError> {
        let scans = self.scans()?;
        let find = |id: i64| {
            scans.iter().find(|s| s.id == id).cloned().ok_or(HistoryError::NoScan {
                path: self.location().to_path_buf(),
                id,
            })
        };
        match (a, b) {
            (Some(a), Some(b)) => Ok((find(a)?, find(b)?)),
            (Some(a), None) => {
                let first = find(a)?;
                let last = scans
                    .iter()
                    .rev()
                    .find(|s| s.is_baseline() && s.id != a && s.audit == first.audit)
                    .cloned();
                let last = last.ok_or_else(|| {
                    self.not_enough(&format!(
                        "no other complete scan of audit {} to compare scan #{a} with",
                        display_audit(&first.audit)
                    ))
                })?;
                Ok((first, last))
            }
            _ => {
                let newest =
                    scans.iter().rev().find(|s| s.is_baseline()).ok_or_else(|| {
                        self.not_enough("no complete scan recorded: a diff needs two of the same audit")
                    })?;
                let same: Vec<&ScanRow> = scans
                    .iter()
                    .filter(|s| s.is_baseline() && s.audit == newest.audit)
                    .collect();
                match same.as_slice() {
                    [.., a, b] => Ok(((*a).clone(), (*b).clone())),
                    _ => Err(self.not_enough(&format!(
                        "{} complete scan(s) of audit {} recorded: a diff needs two (name two scans to compare across audits)",
                        same.len(),
                        display_audit(&newest.audit)
                    ))),
                }
            }
        }
    }

    fn not_enough(&self, what: &str) -> HistoryError {
        HistoryError::NotEnough {
            path: self.location().to_path_buf(),
            what: what.to_string(),
        }
    }
}

/// An open history of any kind.
pub type Store = Box<dyn HistoryStore>;

/// A kind of history storage: which locations it takes and how it opens one.
pub struct StoreKind {
    /// Its name, as documentation and errors give it.
    pub name: &'static str,
    /// True for a location this kind of store keeps (checked in [`STORES`] order).
    pub handles: fn(&Path) -> bool,
    /// Opens the store at a location, creating it when `create` (to record into), or only
    /// an existing one (to read it).
    pub open: fn(&Path, bool) -> Result<Store, HistoryError>,
}

/// The kinds of history storage, the first that handles a location opens it. SQLite takes
/// any path, so it comes last.
pub const STORES: &[StoreKind] = &[sqlite::KIND];

fn kind_for(location: &Path) -> &'static StoreKind {
    STORES.iter().find(|k| (k.handles)(location)).unwrap_or(&sqlite::KIND)
}

/// Opens (creating when needed) the history at `location` to record into, migrating it
/// forward. A database that is not a certaudit history is refused, never converted.
pub fn open(location: &Path) -> Result<Store, HistoryError> {
    (kind_for(location).open)(location, true)
}

/// Opens an existing history to read it (`history`, `diff`): a missing one is not created,
/// and one that is not a certaudit history is refused.
pub fn open_existing(location: &Path) -> Result<Store, HistoryError> {
    (kind_for(location).open)(location, false)
}

/// An audit id as the text output shows it (older scans have none).
pub fn display_audit(audit: &str) -> &str {
    if audit.is_empty() {
        "(none: recorded before audits were kept)"
    } else {
        audit
    }
}

/// Why two scans are not the same audit, when they are not: printed before a `diff` that
/// compares them anyway.
pub fn comparability(a: &ScanRow, b: &ScanRow) -> Vec<String> {
    let mut notes = Vec::new();
    if a.audit != b.audit {
        notes.push(format!(
            "scans #{} and #{} belong to different audits ({} and {}): their changes mix two scopes",
            a.id,
            b.id,
            display_audit(&a.audit),
            display_audit(&b.audit)
        ));
    }
    if a.pack_sha256 != b.pack_sha256 {
        notes.push(format!(
            "scans #{} and #{} used different rule packs ({} and {}): findings may differ because the rules did",
            a.id,
            b.id,
            if a.pack_id.is_empty() { "unknown" } else { &a.pack_id },
            if b.pack_id.is_empty() { "unknown" } else { &b.pack_id }
        ));
    }
    notes
}
