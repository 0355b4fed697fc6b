//! Scan history in an SQLite database (rusqlite, bundled SQLite): each scan's metadata,
//! certificates, bindings, endpoints and findings, written in one transaction, so that a crash
//! leaves earlier scans intact and two scans at once wait for each other instead of corrupting
//! the file. [`diff`] compares two snapshots.

pub mod diff;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub use diff::{diff, Snapshot};

use crate::inventory::{Trust, TrustStatus};
use crate::report::changes::{CertRef, Changes, FindingChange};
pub use crate::trust::Learnt;

/// What earlier scans kept for the next (see `trust::TrustCache`).
#[derive(Debug, Default)]
pub struct Remembered {
    /// Chain verifications by key.
    pub chains: Vec<([u8; 32], Trust)>,
    /// Self-signature checks by key.
    pub self_signatures: Vec<([u8; 32], bool)>,
}
use crate::report::Report;
use crate::time::rfc3339;

/// The default history database.
pub const DEFAULT_PATH: &str = "reports/history.sqlite";

/// How long a writer waits for another scan holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

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

/// Maps an SQLite error at `step` to a [`HistoryError`] naming the database.
fn sqlite_error<'a>(path: &'a Path, step: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + 'a {
    move |source| HistoryError::Sqlite {
        path: path.to_path_buf(),
        step,
        source,
    }
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

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl ScanRow {
    /// A complete scan can be a baseline: it ran to the end and audited all it had in scope.
    pub fn is_baseline(&self) -> bool {
        !self.interrupted && self.result != "incomplete"
    }
}

impl History {
    /// Opens (creating when needed) the database at `path` to record into, and migrates it
    /// forward. A file that is not a certaudit history is refused, never converted.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Folder {
                path: path.to_path_buf(),
                source,
            })?;
        }
        Self::connect(path, true)
    }

    /// Opens an existing history to read it (`history`, `diff`): a missing file is not
    /// created, and a file that is not a certaudit history is refused.
    pub fn open_existing(path: &Path) -> Result<Self, HistoryError> {
        if !path.is_file() {
            return Err(HistoryError::Missing {
                path: path.to_path_buf(),
            });
        }
        Self::connect(path, false)
    }

    fn connect(path: &Path, create: bool) -> Result<Self, HistoryError> {
        let err = |step| sqlite_error(path, step);
        let flags = if create {
            rusqlite::OpenFlags::default()
        } else {
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(err("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err("set the busy timeout"))?;
        let foreign = |what: String| HistoryError::Foreign {
            path: path.to_path_buf(),
            what,
        };
        match schema::kind(&conn) {
            Ok(schema::Kind::History) => {}
            Ok(schema::Kind::Empty) if create => {}
            Ok(schema::Kind::Empty) => return Err(foreign("an empty database".into())),
            Ok(schema::Kind::Foreign(tables)) => {
                return Err(foreign(format!("it holds the tables {}", tables.join(", "))))
            }
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
                return Err(foreign("not an SQLite database".into()))
            }
            Err(e) => return Err(err("read the schema")(e)),
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("enable WAL"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err("enable foreign keys"))?;
        let found = schema::version(&conn).map_err(err("read the schema version"))?;
        if found > schema::CURRENT {
            return Err(HistoryError::TooNew {
                path: path.to_path_buf(),
                found,
                known: schema::CURRENT,
            });
        }
        schema::migrate(&mut conn).map_err(err("migrate the schema"))?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, step: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        sqlite_error(&self.path, step)
    }

    /// Records a finished scan in one transaction and returns its id.
    pub fn record(&mut self, report: &Report) -> Result<i64, HistoryError> {
        let snapshot = Snapshot::from_report(report);
        self.record_then(report, &snapshot, || Ok::<(), HistoryError>(()))
    }

    /// Records a finished scan (`snapshot` is the report's) in one transaction that is
    /// committed only when `before_commit` succeeds (e.g. every report file was written);
    /// otherwise nothing is recorded and its error is returned.
    pub fn record_then<E: From<HistoryError>>(
        &mut self,
        report: &Report,
        snapshot: &Snapshot,
        before_commit: impl FnOnce() -> Result<(), E>,
    ) -> Result<i64, E> {
        let path = &self.path;
        let err = |step| sqlite_error(path, step);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err("begin the scan's transaction"))?;
        let c = &report.summary.findings;
        tx.execute(
            "INSERT INTO scans (started_at, finished_at, evaluated_at, tool_version, command_line, host, result,
                certificates, critical, high, medium, low, info, interrupted, endpoints,
                audit, audit_named, scope, pack_id, pack_sha256, not_audited, duration_seconds)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
            params![
                rfc3339(report.scan.started_at),
                rfc3339(report.scan.finished_at),
                rfc3339(report.scan.evaluated_at),
                report.tool.version,
                report.scan.command_line.join(" "),
                report.scan.host,
                report.summary.result.as_str(),
                report.summary.certificates as i64,
                c.critical as i64,
                c.high as i64,
                c.medium as i64,
                c.low as i64,
                c.info as i64,
                report.scan.interrupted,
                report.summary.endpoints as i64,
                report.scan.audit.id,
                report.scan.audit.named,
                report.scan.audit.scope.join("\n"),
                report.scan.pack.id,
                report.scan.pack.sha256,
                report.summary.not_audited as i64,
                report.scan.duration_seconds,
            ],
        )
        .map_err(err("insert the scan"))?;
        let id = tx.last_insert_rowid();
        {
            // Certificates are stored once: those the audit's last scan saw are looked up in
            // one query, the others one by one (inserted when new).
            let mut known: foldhash::HashMap<String, i64> = foldhash::HashMap::default();
            let mut stmt = tx
                .prepare(
                    "SELECT k.sha256, k.id FROM scan_certs s JOIN certs k ON k.id = s.cert_id
                     WHERE s.scan_id = (SELECT MAX(id) FROM scans WHERE audit = ?1 AND id < ?2)",
                )
                .map_err(err("prepare certificates"))?;
            let rows = stmt
                .query_map(params![report.scan.audit.id, id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(err("read the last scan's certificates"))?;
            for row in rows {
                let (sha256, cert_id) = row.map_err(err("read the last scan's certificates"))?;
                known.insert(sha256, cert_id);
            }
            let mut find = tx
                .prepare("SELECT id FROM certs WHERE sha256 = ?1")
                .map_err(err("prepare certificates"))?;
            let mut ins = tx
                .prepare(
                    "INSERT INTO certs (sha256, thumbprint, subject, issuer, serial, not_after, names)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err("prepare certificates"))?;
            let mut link = tx
                .prepare("INSERT OR IGNORE INTO scan_certs (scan_id, cert_id) VALUES (?1, ?2)")
                .map_err(err("prepare certificates"))?;
            for c in &snapshot.certificates {
                let cert_id = match known.get(&c.sha256) {
                    Some(&cert_id) => cert_id,
                    None => match find
                        .query_row([&c.sha256], |r| r.get::<_, i64>(0))
                        .optional()
                        .map_err(err("look a certificate up"))?
                    {
                        Some(cert_id) => cert_id,
                        None => {
                            ins.execute(params![
                                c.sha256,
                                c.thumbprint,
                                c.subject,
                                c.issuer,
                                c.serial,
                                c.not_after,
                                c.names.join(",")
                            ])
                            .map_err(err("insert a certificate"))?;
                            tx.last_insert_rowid()
                        }
                    },
                };
                link.execute(params![id, cert_id])
                    .map_err(err("insert a certificate"))?;
            }
            let mut ins = tx
                .prepare("INSERT INTO bindings (scan_id, sha256, server, service) VALUES (?1, ?2, ?3, ?4)")
                .map_err(err("prepare bindings"))?;
            for b in &snapshot.bindings {
                ins.execute(params![id, b.sha256, b.server, b.service])
                    .map_err(err("insert a binding"))?;
            }
            let mut ins = tx
                .prepare("INSERT INTO endpoints (scan_id, target, address, status, leaf) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(err("prepare endpoints"))?;
            for e in &snapshot.endpoints {
                ins.execute(params![id, e.target, e.address, e.status, e.leaf])
                    .map_err(err("insert an endpoint"))?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO findings (scan_id, key, rule, severity, certificate, endpoint, server, message, waived)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err("prepare findings"))?;
            for f in &snapshot.findings {
                ins.execute(params![
                    id,
                    f.key,
                    f.rule,
                    f.severity,
                    f.certificate,
                    f.endpoint,
                    f.server,
                    f.message,
                    f.waived
                ])
                .map_err(err("insert a finding"))?;
            }
        }
        before_commit()?;
        tx.commit().map_err(err("commit the scan"))?;
        Ok(id)
    }

    /// The chain verifications and self-signature checks kept by earlier scans (see
    /// `trust::TrustCache`). A row that cannot be read back is skipped: it only costs a
    /// verification.
    pub fn trust_results(&self) -> Result<Remembered, HistoryError> {
        let read = self.err("read the kept verifications");
        let mut stmt = self
            .conn
            .prepare("SELECT key, status, detail, issuer_key_sha256 FROM trust_cache")
            .map_err(&read)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(&read)?;
        let mut out = Remembered::default();
        for row in rows {
            let (key, status, detail, issuer_key_sha256) = row.map_err(&read)?;
            let (Ok(key), Ok(status)) = (<[u8; 32]>::try_from(key.as_slice()), status.parse::<TrustStatus>()) else {
                continue;
            };
            out.chains.push((
                key,
                Trust {
                    status,
                    detail,
                    issuer_key_sha256,
                },
            ));
        }
        let mut stmt = self
            .conn
            .prepare("SELECT key, valid FROM self_signatures")
            .map_err(&read)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, bool>(1)?)))
            .map_err(&read)?;
        for row in rows {
            let (key, valid) = row.map_err(&read)?;
            if let Ok(key) = <[u8; 32]>::try_from(key.as_slice()) {
                out.self_signatures.push((key, valid));
            }
        }
        Ok(out)
    }

    /// Keeps what a scan learnt (see `trust::TrustCache`) for the next scans. The tables stay
    /// bounded: when one holds more than four times what this scan used (plus 10,000), it is
    /// emptied first and refills with what later scans use.
    pub fn keep_trust_results(&mut self, learnt: Learnt, used: usize) -> Result<(), HistoryError> {
        if learnt.chains.is_empty() && learnt.self_signatures.is_empty() {
            return Ok(());
        }
        let path = &self.path;
        let err = |step| sqlite_error(path, step);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err("begin keeping verifications"))?;
        for table in ["trust_cache", "self_signatures"] {
            let held: i64 = tx
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .map_err(err("count the kept verifications"))?;
            if usize::try_from(held).unwrap_or(usize::MAX) > 4 * used + 10_000 {
                tx.execute(&format!("DELETE FROM {table}"), [])
                    .map_err(err("empty the kept verifications"))?;
            }
        }
        {
            let mut ins = tx
                .prepare(
                    "INSERT OR REPLACE INTO trust_cache (key, status, detail, issuer_key_sha256) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err("prepare keeping verifications"))?;
            for (key, trust) in &learnt.chains {
                ins.execute(params![
                    &key[..],
                    trust.status.as_str(),
                    trust.detail,
                    trust.issuer_key_sha256
                ])
                .map_err(err("keep a verification"))?;
            }
            let mut ins = tx
                .prepare("INSERT OR REPLACE INTO self_signatures (key, valid) VALUES (?1, ?2)")
                .map_err(err("prepare keeping verifications"))?;
            for (key, valid) in &learnt.self_signatures {
                ins.execute(params![&key[..], valid])
                    .map_err(err("keep a verification"))?;
            }
        }
        tx.commit().map_err(err("commit the kept verifications"))
    }

    /// Every recorded scan, oldest first.
    pub fn scans(&self) -> Result<Vec<ScanRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, evaluated_at, result, interrupted, certificates, endpoints,
                        critical, high, medium, low, info, audit, audit_named, scope, pack_id, pack_sha256,
                        not_audited FROM scans ORDER BY id",
            )
            .map_err(self.err("list scans"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScanRow {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    evaluated_at: r.get(2)?,
                    result: r.get(3)?,
                    interrupted: r.get(4)?,
                    certificates: r.get(5)?,
                    endpoints: r.get(6)?,
                    critical: r.get(7)?,
                    high: r.get(8)?,
                    medium: r.get(9)?,
                    low: r.get(10)?,
                    info: r.get(11)?,
                    audit: r.get(12)?,
                    audit_named: r.get(13)?,
                    scope: r.get::<_, String>(14)?.lines().map(String::from).collect(),
                    pack_id: r.get(15)?,
                    pack_sha256: r.get(16)?,
                    not_audited: r.get(17)?,
                })
            })
            .map_err(self.err("list scans"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err("read a scan"))
    }

    /// The newest baseline of `audit`: a scan of the same audit that ran to the end and was
    /// not incomplete.
    pub fn last_complete(&self, audit: &str) -> Result<Option<ScanRow>, HistoryError> {
        Ok(self
            .scans()?
            .into_iter()
            .rev()
            .find(|s| s.is_baseline() && !s.audit.is_empty() && s.audit == audit))
    }

    /// The two scans `certaudit diff` compares: the given ids; or `a` and the newest baseline
    /// of its audit after it; or the last two baselines of the newest scan's audit.
    pub fn pair(&self, a: Option<i64>, b: Option<i64>) -> Result<(ScanRow, ScanRow), HistoryError> {
        let scans = self.scans()?;
        let find = |id: i64| {
            scans.iter().find(|s| s.id == id).cloned().ok_or(HistoryError::NoScan {
                path: self.path.clone(),
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
            path: self.path.clone(),
            what: what.to_string(),
        }
    }

    /// What scan `id` recorded.
    pub fn snapshot(&self, id: i64) -> Result<Snapshot, HistoryError> {
        self.snapshot_with(id, true)
    }

    /// What scan `id` recorded, its certificates by SHA-256 only (no other detail): what a
    /// comparison needs of an unchanged store. [`History::fill_details`] adds the details of
    /// those that turn out to matter.
    pub fn snapshot_light(&self, id: i64) -> Result<Snapshot, HistoryError> {
        self.snapshot_with(id, false)
    }

    /// Reads the details of the snapshot's certificates that `wanted` names.
    pub fn fill_details(&self, snap: &mut Snapshot, wanted: impl Fn(&str) -> bool) -> Result<(), HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT thumbprint, subject, issuer, serial, not_after, names FROM certs WHERE sha256 = ?1")
            .map_err(self.err("read certificates"))?;
        for row in snap
            .certificates
            .iter_mut()
            .filter(|c| c.thumbprint.is_empty() && wanted(&c.sha256))
        {
            let found = stmt
                .query_row([&row.sha256], |r| {
                    let names: String = r.get(5)?;
                    Ok(diff::CertRow {
                        sha256: row.sha256.clone(),
                        thumbprint: r.get(0)?,
                        subject: r.get(1)?,
                        issuer: r.get(2)?,
                        serial: r.get(3)?,
                        not_after: r.get(4)?,
                        names: names.split(',').filter(|n| !n.is_empty()).map(String::from).collect(),
                    })
                })
                .optional()
                .map_err(self.err("read certificates"))?;
            if let Some(found) = found {
                *row = found;
            }
        }
        Ok(())
    }

    fn snapshot_with(&self, id: i64, details: bool) -> Result<Snapshot, HistoryError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, started_at, evaluated_at FROM scans WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()
            .map_err(self.err("read a scan"))?
            .ok_or(HistoryError::NoScan {
                path: self.path.clone(),
                id,
            })?;
        let mut snap = Snapshot {
            scan_id: Some(row.0),
            started_at: row.1,
            evaluated_at: row.2,
            ..Snapshot::default()
        };
        let q = |sql: &str| self.conn.prepare(sql).map_err(self.err("read a scan's rows"));
        let certificate = |r: &rusqlite::Row<'_>| -> rusqlite::Result<diff::CertRow> {
            let text = |i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
            Ok(diff::CertRow {
                sha256: r.get(0)?,
                thumbprint: text(1)?,
                subject: text(2)?,
                issuer: text(3)?,
                serial: text(4)?,
                not_after: text(5)?,
                names: text(6)?
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect(),
            })
        };
        let mut stmt = if details {
            q(
                "SELECT k.sha256, k.thumbprint, k.subject, k.issuer, k.serial, k.not_after, k.names
               FROM scan_certs s JOIN certs k ON k.id = s.cert_id WHERE s.scan_id = ?1 ORDER BY k.sha256",
            )?
        } else {
            q("SELECT k.sha256, NULL, NULL, NULL, NULL, NULL, NULL
               FROM scan_certs s JOIN certs k ON k.id = s.cert_id WHERE s.scan_id = ?1")?
        };
        snap.certificates = stmt
            .query_map([id], certificate)
            .and_then(|rows| rows.collect())
            .map_err(self.err("read certificates"))?;
        let mut stmt = q("SELECT sha256, server, service FROM bindings WHERE scan_id = ?1")?;
        snap.bindings = stmt
            .query_map([id], |r| {
                Ok(diff::BindingRow {
                    sha256: r.get(0)?,
                    server: r.get(1)?,
                    service: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("read bindings"))?;
        let mut stmt = q("SELECT target, address, status, leaf FROM endpoints WHERE scan_id = ?1")?;
        snap.endpoints = stmt
            .query_map([id], |r| {
                Ok(diff::EndpointRow {
                    target: r.get(0)?,
                    address: r.get(1)?,
                    status: r.get(2)?,
                    leaf: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("read endpoints"))?;
        let mut stmt = q(
            "SELECT key, rule, severity, certificate, endpoint, server, message, waived
                          FROM findings WHERE scan_id = ?1",
        )?;
        snap.findings = stmt
            .query_map([id], |r| {
                Ok(diff::FindingRow {
                    key: r.get(0)?,
                    rule: r.get(1)?,
                    severity: r.get(2)?,
                    certificate: r.get(3)?,
                    endpoint: r.get(4)?,
                    server: r.get(5)?,
                    message: r.get(6)?,
                    waived: r.get(7)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("read findings"))?;
        Ok(snap)
    }
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

/// `certaudit diff` as text: one line per change, each naming the certificate (subject and
/// thumbprint), endpoint or server it is about. Names are shown with control characters
/// escaped.
pub fn changes_text(c: &Changes, a: &ScanRow, b: &ScanRow) -> String {
    use crate::terminal::printable as p;
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "changes from scan #{} ({}) to scan #{} ({})",
        a.id, a.started_at, b.id, b.started_at
    );
    for w in &c.warnings {
        let _ = writeln!(out, "note: {}", p(w));
    }
    if c.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    let cert = |r: &CertRef| format!("{} {}", r.thumbprint, p(&r.subject));
    let finding = |f: &FindingChange| {
        let mut on: Vec<String> = Vec::new();
        if let (Some(t), Some(s)) = (&f.thumbprint, &f.subject) {
            on.push(format!("{t} {}", p(s)));
        }
        on.extend(f.endpoint.iter().map(|e| p(e)));
        on.extend(f.server.iter().map(|s| format!("on {}", p(s))));
        format!("{} {} ({}): {}", f.severity, f.rule, on.join(", "), p(&f.message))
    };
    for f in &c.new_findings {
        let _ = writeln!(out, "+ finding {}", finding(f));
    }
    for f in &c.resolved_findings {
        let _ = writeln!(out, "- finding {}", finding(f));
    }
    for r in &c.renewed_certificates {
        let _ = writeln!(
            out,
            "~ renewed {}: {} -> {} ({})",
            p(&r.old.subject),
            r.old.thumbprint,
            r.new.thumbprint,
            p(&r.note)
        );
    }
    let list = |v: &[CertRef]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.iter().map(cert).collect::<Vec<_>>().join(", ")
        }
    };
    for m in &c.binding_moves {
        let _ = writeln!(
            out,
            "~ binding {} on {}: {} -> {}",
            p(&m.service),
            p(&m.server),
            list(&m.from),
            list(&m.to)
        );
    }
    for e in &c.endpoint_changes {
        let name = |c: &Option<CertRef>| c.as_ref().map(cert).unwrap_or_default();
        let _ = writeln!(out, "~ endpoint {}: {} -> {}", p(&e.target), name(&e.from), name(&e.to));
    }
    for c in &c.appeared_certificates {
        let _ = writeln!(out, "+ certificate {} (until {})", cert(c), c.not_after);
    }
    for c in &c.disappeared_certificates {
        let _ = writeln!(out, "- certificate {}", cert(c));
    }
    out
}
