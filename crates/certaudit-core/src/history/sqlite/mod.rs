//! The embedded history: an SQLite database (rusqlite, bundled SQLite) in one file, in WAL
//! mode, written one scan per transaction; its schema and migrations in `schema.rs`, the
//! verifications kept for the next scan in `trust_cache.rs`, what is read back in `read.rs`.

mod read;
pub mod schema;
mod trust_cache;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{HistoryError, HistoryStore, Learnt, PendingScan, Remembered, ScanRow, Snapshot, StoreKind};
use crate::report::Report;
use crate::time::rfc3339;

/// SQLite takes any path: the last kind in `history::STORES`.
pub const KIND: StoreKind = StoreKind {
    name: "sqlite",
    handles: |_| true,
    open: |path, create| {
        let store = if create {
            History::open(path)?
        } else {
            History::open_existing(path)?
        };
        Ok(Box::new(store))
    },
};

/// How long a writer waits for another scan holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Maps an SQLite error at `step` to a [`HistoryError`] naming the database.
fn sqlite_error<'a>(path: &'a Path, step: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + 'a {
    move |source| HistoryError::Sqlite {
        path: path.to_path_buf(),
        step,
        source,
    }
}

/// An open SQLite history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// A scan inserted in an open transaction.
struct SqlitePending<'a> {
    tx: Transaction<'a>,
    id: i64,
    path: &'a Path,
}

impl PendingScan for SqlitePending<'_> {
    fn id(&self) -> i64 {
        self.id
    }

    fn commit(self: Box<Self>) -> Result<(), HistoryError> {
        let path = self.path;
        self.tx.commit().map_err(sqlite_error(path, "commit the scan"))
    }
}

impl HistoryStore for History {
    fn location(&self) -> &Path {
        &self.path
    }

    fn record(&mut self, report: &Report, snapshot: &Snapshot) -> Result<Box<dyn PendingScan + '_>, HistoryError> {
        self.write_scan(report, snapshot)
    }

    fn trust_results(&self) -> Result<Remembered, HistoryError> {
        self.read_trust_results()
    }

    fn keep_trust_results(&mut self, learnt: Learnt, used: usize) -> Result<(), HistoryError> {
        self.write_trust_results(learnt, used)
    }

    fn scans(&self) -> Result<Vec<ScanRow>, HistoryError> {
        self.read_scans()
    }

    fn snapshot(&self, id: i64) -> Result<Snapshot, HistoryError> {
        self.snapshot_with(id, true)
    }

    fn snapshot_light(&self, id: i64) -> Result<Snapshot, HistoryError> {
        self.snapshot_with(id, false)
    }

    fn fill_details(&self, snap: &mut Snapshot, wanted: &dyn Fn(&str) -> bool) -> Result<(), HistoryError> {
        self.read_details(snap, wanted)
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
    /// Writes a finished scan (`snapshot` is the report's) in a transaction that
    /// [`PendingScan::commit`] commits; dropped uncommitted, nothing is recorded.
    fn write_scan(&mut self, report: &Report, snapshot: &Snapshot) -> Result<Box<dyn PendingScan + '_>, HistoryError> {
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
        Ok(Box::new(SqlitePending { tx, id, path }))
    }
}
