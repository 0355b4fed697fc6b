//! The history database's schema, one migration per version. `PRAGMA user_version` holds the
//! version a database is at; [`migrate`] brings it forward, each step in its own transaction.

use rusqlite::Connection;

/// Migrations in order: index 0 takes a database from version 0 to 1, and so on.
pub const MIGRATIONS: &[&str] = &[
    // 1: scans, certificates, their bindings, and findings.
    "CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        evaluated_at TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        command_line TEXT NOT NULL,
        host TEXT NOT NULL,
        result TEXT NOT NULL,
        certificates INTEGER NOT NULL,
        critical INTEGER NOT NULL, high INTEGER NOT NULL, medium INTEGER NOT NULL,
        low INTEGER NOT NULL, info INTEGER NOT NULL
    );
    CREATE TABLE certificates (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        sha256 TEXT NOT NULL,
        thumbprint TEXT NOT NULL,
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        not_after TEXT NOT NULL,
        days_left INTEGER NOT NULL,
        names TEXT NOT NULL,
        PRIMARY KEY (scan_id, sha256)
    );
    CREATE TABLE bindings (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        sha256 TEXT NOT NULL,
        server TEXT NOT NULL,
        service TEXT NOT NULL
    );
    CREATE TABLE findings (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        key TEXT NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        certificate TEXT,
        endpoint TEXT,
        server TEXT,
        message TEXT NOT NULL
    );
    CREATE INDEX findings_scan ON findings(scan_id);
    CREATE INDEX bindings_scan ON bindings(scan_id);",
    // 2: probed endpoints, waived findings, interrupted scans.
    "CREATE TABLE endpoints (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        target TEXT NOT NULL,
        address TEXT,
        status TEXT NOT NULL,
        leaf TEXT
    );
    CREATE INDEX endpoints_scan ON endpoints(scan_id);
    ALTER TABLE findings ADD COLUMN waived INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE scans ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE scans ADD COLUMN endpoints INTEGER NOT NULL DEFAULT 0;",
    // 3: one history per audit (its id, whether it was named, its scope), the pack, what was
    // not audited, the duration; the database is marked as a certaudit history. Scans recorded
    // before keep an empty audit: they are never compared with new ones unless named by id.
    "ALTER TABLE scans ADD COLUMN audit TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN audit_named INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE scans ADD COLUMN scope TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN pack_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN pack_sha256 TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN not_audited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE scans ADD COLUMN duration_seconds REAL NOT NULL DEFAULT 0;
    CREATE INDEX scans_audit ON scans(audit);
    CREATE INDEX certificates_scan ON certificates(scan_id);
    PRAGMA application_id = 1667592820;",
    // 4: each certificate stored once (`certs`, by SHA-256), each scan lists the ones it saw
    // (`scan_certs`): a rescan of an unchanged store writes two integers per certificate. Chain
    // verification results kept for the next scan (`trust_cache`, see `trust::TrustCache`).
    "CREATE TABLE certs (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        thumbprint TEXT NOT NULL,
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        serial TEXT NOT NULL,
        not_after TEXT NOT NULL,
        names TEXT NOT NULL
    );
    INSERT OR IGNORE INTO certs (sha256, thumbprint, subject, issuer, serial, not_after, names)
        SELECT sha256, thumbprint, subject, issuer, serial, not_after, names FROM certificates;
    CREATE TABLE scan_certs (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        cert_id INTEGER NOT NULL REFERENCES certs(id),
        PRIMARY KEY (scan_id, cert_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO scan_certs (scan_id, cert_id)
        SELECT c.scan_id, k.id FROM certificates c JOIN certs k ON k.sha256 = c.sha256;
    DROP TABLE certificates;
    CREATE TABLE trust_cache (
        key BLOB PRIMARY KEY,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        issuer_key_sha256 TEXT
    ) WITHOUT ROWID;
    CREATE TABLE self_signatures (
        key BLOB PRIMARY KEY,
        valid INTEGER NOT NULL
    ) WITHOUT ROWID;",
];

/// `PRAGMA application_id` of a certaudit history (the ASCII bytes `cert`).
pub const APPLICATION_ID: i64 = 0x6365_7274;

/// The version this build writes.
pub const CURRENT: u32 = MIGRATIONS.len() as u32;

/// What a database file is, before certaudit writes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// No table at all: a new database.
    Empty,
    /// A certaudit history (marked, or an older one with certaudit's tables).
    History,
    /// Something else, with the tables it holds.
    Foreign(Vec<String>),
}

/// Tells a certaudit history from an empty database and from any other SQLite file.
pub fn kind(conn: &Connection) -> rusqlite::Result<Kind> {
    // One read transaction: another scan creating the database at this moment must not be
    // seen half-way (no tables yet, but a version already), which looks like a foreign file.
    let tx = conn.unchecked_transaction()?;
    let app: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: Vec<String> = {
        let mut stmt = tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let version = version(&tx)?;
    tx.commit()?;
    if app == APPLICATION_ID {
        return Ok(Kind::History);
    }
    if tables.is_empty() && app == 0 && version == 0 {
        return Ok(Kind::Empty);
    }
    // Histories written before version 3 carry no application_id: recognise their tables
    // (`certificates` became `certs` and `scan_certs` in version 4, which is always marked).
    let ours = ["certificates", "findings", "scans"];
    let looks_ours = app == 0
        && version >= 1
        && ours.iter().all(|t| tables.iter().any(|x| x == t))
        && tables
            .iter()
            .all(|t| ["bindings", "certificates", "endpoints", "findings", "scans"].contains(&t.as_str()));
    if looks_ours {
        Ok(Kind::History)
    } else {
        Ok(Kind::Foreign(tables))
    }
}

/// The database's schema version.
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies the migrations after the database's version, up to `target`, each in a transaction.
/// Returns the version before.
pub fn migrate_to(conn: &mut Connection, target: u32) -> rusqlite::Result<u32> {
    let before = version(conn)?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(before as usize)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        if version(&tx)? > index as u32 {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(before)
}

/// Brings the database to [`CURRENT`].
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    migrate_to(conn, CURRENT)
}
