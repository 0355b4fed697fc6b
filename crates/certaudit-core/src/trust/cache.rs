//! Verification results carried from one scan to the next (see [`TrustCache`]).

use chrono::{DateTime, Utc};

use super::{verify_end_entity, ChainContext};
use crate::inventory::{Certificate, Trust, TrustStatus};

/// Chain verification results carried from one scan to the next (the history keeps them), so
/// that a rescan of an unchanged store does not verify again what it verified before.
///
/// A result is reused only when everything that decides it is the same, as the key says: the
/// certificate (its SHA-256), the CA certificates it could chain through (each candidate
/// issuer's SHA-256), the trust anchors (a fingerprint of every anchor's subject and key),
/// the rule pack (its SHA-256: a pack could one day set what validation accepts) and this
/// build of certaudit, and where the evaluation instant falls against the validity period of
/// each candidate issuer (before, inside, after). Changing any of these is a different key:
/// the result is computed again. Results whose sentence names the evaluation date (an issuer
/// not valid at that date) are never kept. End-entity certificates only; CA certificates are
/// few and judged every time.
///
/// It keeps too whether a self-issued certificate signed itself (keyed by the certificate and
/// this build): the check is a signature verification, for every self-signed certificate.
pub struct TrustCache {
    pub(super) salt: [u8; 32],
    pub(super) known: foldhash::HashMap<[u8; 32], Trust>,
    pub(super) fresh: std::sync::Mutex<Vec<([u8; 32], Trust)>>,
    pub(super) hits: std::sync::atomic::AtomicUsize,
    pub(super) self_signed: foldhash::HashMap<[u8; 32], bool>,
    pub(super) fresh_self_signed: std::sync::Mutex<Vec<([u8; 32], bool)>>,
}

/// What a [`TrustCache`] learnt in one scan, to keep for the next.
#[derive(Debug, Default)]
pub struct Learnt {
    /// Chain verifications.
    pub chains: Vec<([u8; 32], Trust)>,
    /// Self-signature checks.
    pub self_signatures: Vec<([u8; 32], bool)>,
}

impl TrustCache {
    /// A cache holding `known` results, for scans with the pack of SHA-256 `pack_sha256`.
    pub fn new(pack_sha256: &str, known: impl IntoIterator<Item = ([u8; 32], Trust)>) -> Self {
        Self::with_self_signatures(pack_sha256, known, [])
    }

    /// [`TrustCache::new`] with self-signature checks kept too.
    pub fn with_self_signatures(
        pack_sha256: &str,
        known: impl IntoIterator<Item = ([u8; 32], Trust)>,
        self_signed: impl IntoIterator<Item = ([u8; 32], bool)>,
    ) -> Self {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"certaudit trust cache v1\0");
        ctx.update(env!("CARGO_PKG_VERSION").as_bytes());
        ctx.update(b"\0");
        ctx.update(pack_sha256.as_bytes());
        let mut salt = [0u8; 32];
        salt.copy_from_slice(ctx.finish().as_ref());
        Self {
            salt,
            known: known.into_iter().collect(),
            fresh: std::sync::Mutex::new(Vec::new()),
            hits: std::sync::atomic::AtomicUsize::new(0),
            self_signed: self_signed.into_iter().collect(),
            fresh_self_signed: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Whether `cert` signed itself: remembered, or checked and remembered.
    pub(super) fn settle_self_signature(&self, cert: &mut Certificate) {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&self.salt);
        ctx.update(b"self-signature");
        ctx.update(&cert.digest);
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        if let Some(&valid) = self.self_signed.get(&key) {
            cert.details.self_signed = valid;
            cert.details.self_signature_pending = false;
            return;
        }
        cert.details.check_self_signature(&cert.der);
        if let Ok(mut fresh) = self.fresh_self_signed.lock() {
            fresh.push((key, cert.details.self_signed));
        }
    }

    /// How many results were reused.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many results this scan used, reused or new (what is worth keeping).
    pub fn used(&self) -> usize {
        self.hits() + self.fresh.lock().map(|f| f.len()).unwrap_or(0)
    }

    /// What this scan learnt, to keep for the next.
    pub fn into_learnt(self) -> Learnt {
        self.into_parts().0
    }

    /// What this scan learnt, and the results it was given.
    pub fn into_parts(self) -> (Learnt, foldhash::HashMap<[u8; 32], Trust>) {
        let learnt = Learnt {
            chains: self.fresh.into_inner().unwrap_or_else(|e| e.into_inner()),
            self_signatures: self.fresh_self_signed.into_inner().unwrap_or_else(|e| e.into_inner()),
        };
        (learnt, self.known)
    }

    /// The key of `cert`'s chain verification at `when` (see the type's documentation).
    pub(super) fn key(
        &self,
        cert: &Certificate,
        candidates: &[usize],
        chain: &ChainContext<'_>,
        when: DateTime<Utc>,
    ) -> [u8; 32] {
        let position = |c: &Certificate| -> u8 {
            if when < c.details.not_before {
                0
            } else if when > c.details.not_after {
                2
            } else {
                1
            }
        };
        let mut issuers: Vec<(&str, u8)> = candidates
            .iter()
            .map(|&i| (chain.certs[i].sha256.as_str(), position(&chain.certs[i])))
            .collect();
        issuers.sort_unstable();
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&self.salt);
        ctx.update(&chain.anchors.fingerprint);
        ctx.update(cert.sha256.as_bytes());
        ctx.update(&[position(cert)]);
        for (sha256, pos) in issuers {
            ctx.update(sha256.as_bytes());
            ctx.update(&[pos]);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        key
    }

    /// `cert`'s chain verification at `when`: remembered, or computed and remembered.
    pub(super) fn verify(&self, cert: &Certificate, chain: &ChainContext<'_>, when: DateTime<Utc>) -> Trust {
        let candidates = chain.index.candidates(cert, chain.certs);
        let key = self.key(cert, &candidates, chain, when);
        if let Some(trust) = self.known.get(&key) {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return trust.clone();
        }
        let trust = verify_end_entity(cert, chain, when);
        if trust.status != TrustStatus::ExpiredIssuer {
            if let Ok(mut fresh) = self.fresh.lock() {
                fresh.push((key, trust.clone()));
            }
        }
        trust
    }
}
