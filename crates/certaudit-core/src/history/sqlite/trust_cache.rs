//! The verifications a scan learnt (chain verifications, self-signature checks), kept in
//! the history for the next scans (see `trust::TrustCache`).

use rusqlite::params;

use super::{sqlite_error, History};
use crate::history::{HistoryError, Learnt, Remembered};
use crate::inventory::{Trust, TrustStatus};

impl History {
    /// The chain verifications and self-signature checks kept by earlier scans (see
    /// `trust::TrustCache`). A row that cannot be read back is skipped: it only costs a
    /// verification.
    pub(super) fn read_trust_results(&self) -> Result<Remembered, HistoryError> {
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
    pub(super) fn write_trust_results(&mut self, learnt: Learnt, used: usize) -> Result<(), HistoryError> {
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
}
