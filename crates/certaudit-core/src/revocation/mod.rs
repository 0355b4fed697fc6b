//! Revocation: the pipeline's stage between trust and the rules, where a certificate's
//! revocation status is checked. Today it verifies what servers staple to their handshakes
//! (`staple.rs`); no CRL or OCSP responder is asked, and no report claims one was.

pub mod staple;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::inventory::Inventory;

/// Verifies, at `at`, the OCSP staple of every endpoint that sent one, against the leaf it
/// served and the leaf's issuer (from the served chain, else from the certificates read).
pub fn check(inventory: &mut Inventory, at: DateTime<Utc>) {
    if inventory.endpoints.iter().all(|e| e.staple.is_none()) {
        return;
    }
    // The certificates read, by subject, once: issuers are looked up by name.
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, c) in inventory.certificates.iter().enumerate() {
        by_subject.entry(c.details.subject_raw.as_slice()).or_default().push(i);
    }
    let mut checks = Vec::new();
    for (i, e) in inventory.endpoints.iter().enumerate() {
        let (Some(staple), Some(leaf_sha)) = (e.staple.as_deref(), e.chain.first()) else {
            continue;
        };
        let Some(leaf) = inventory.index_of(leaf_sha).map(|l| &inventory.certificates[l]) else {
            continue;
        };
        let served = e
            .chain
            .iter()
            .skip(1)
            .filter_map(|sha| inventory.index_of(sha))
            .map(|c| inventory.certificates[c].der.as_slice());
        let stored = by_subject
            .get(leaf.details.issuer_raw.as_slice())
            .into_iter()
            .flatten()
            .map(|&c| inventory.certificates[c].der.as_slice());
        let issuers: Vec<&[u8]> = served.chain(stored).collect();
        checks.push((i, staple::verify(staple, &leaf.der, &issuers, at)));
    }
    for (i, check) in checks {
        inventory.endpoints[i].staple_check = Some(check);
    }
}
