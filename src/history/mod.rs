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

use crate::report::changes::{CertRef, Changes, FindingChange};
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
        let snapshot = Snapshot::from_report(report);
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO certificates (scan_id, sha256, thumbprint, subject, issuer, serial, not_after, days_left, names)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err("prepare certificates"))?;
            for c in &snapshot.certificates {
                ins.execute(params![
                    id,
                    c.sha256,
                    c.thumbprint,
                    c.subject,
                    c.issuer,
                    c.serial,
                    c.not_after,
                    c.days_left,
                    c.names.join(",")
                ])
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
        tx.commit().map_err(err("commit the scan"))?;
        Ok(id)
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
        let mut stmt = q(
            "SELECT sha256, thumbprint, subject, issuer, serial, not_after, days_left, names
                          FROM certificates WHERE scan_id = ?1 ORDER BY sha256",
        )?;
        snap.certificates = stmt
            .query_map([id], |r| {
                let names: String = r.get(7)?;
                Ok(diff::CertRow {
                    sha256: r.get(0)?,
                    thumbprint: r.get(1)?,
                    subject: r.get(2)?,
                    issuer: r.get(3)?,
                    serial: r.get(4)?,
                    not_after: r.get(5)?,
                    days_left: r.get(6)?,
                    names: names.split(',').filter(|n| !n.is_empty()).map(String::from).collect(),
                })
            })
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
