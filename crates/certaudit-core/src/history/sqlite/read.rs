//! What the SQLite history reads back: the scans, and a scan's snapshot for a comparison.

use rusqlite::OptionalExtension;

use super::History;
use crate::history::{diff, HistoryError, ScanRow, Snapshot};

impl History {
    /// Every recorded scan, oldest first.
    pub(super) fn read_scans(&self) -> Result<Vec<ScanRow>, HistoryError> {
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

    /// Reads the details of the snapshot's certificates that `wanted` names.
    pub(super) fn read_details(&self, snap: &mut Snapshot, wanted: &dyn Fn(&str) -> bool) -> Result<(), HistoryError> {
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

    pub(super) fn snapshot_with(&self, id: i64, details: bool) -> Result<Snapshot, HistoryError> {
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
