//! Trust: chain building and validation with rustls-webpki at the evaluation instant.
//!
//! Anchors are the bundled Mozilla roots (webpki-roots) and/or `--trust-anchors`. Every CA
//! certificate in the inventory is a candidate intermediate, but a root found among the
//! inputs is never an anchor because it was found there.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use crate::inventory::{Certificate, Inventory, ServedChain, Trust, TrustStatus};
use crate::x509::{name_der_to_string, wrap_sequence};

mod anchors;
mod cache;
mod diagnose;
mod signature_cache;

pub use anchors::{AnchorError, TrustAnchors};
pub use cache::{Learnt, TrustCache};
use diagnose::{diagnose, evaluate_ca, signing_issuer};
use signature_cache::SignatureCache;

/// The trust stage's options: which anchors a chain must reach.
#[derive(Debug, Clone)]
pub struct TrustOptions {
    /// `--trust-anchors` files (PEM or DER).
    pub anchor_files: Vec<std::path::PathBuf>,
    /// The bundled Mozilla roots are anchors too (not `--no-public-roots`).
    pub public_roots: bool,
}

/// Evaluates every certificate of the inventory once, in parallel; with a `cache`, an
/// end-entity result it holds is reused (see [`TrustCache`]).
pub fn evaluate_inventory(
    inventory: &mut Inventory,
    anchors: &TrustAnchors,
    at: DateTime<Utc>,
    cache: Option<&TrustCache>,
) {
    // Whether self-issued certificates signed themselves: chain building stops at those.
    inventory
        .certificates
        .par_iter_mut()
        .filter(|c| c.details.self_signature_pending)
        .for_each(|c| match cache {
            Some(cache) => cache.settle_self_signature(c),
            None => c.details.check_self_signature(&c.der),
        });
    let index = CaIndex::new(&inventory.certificates);
    let signatures = SignatureCache::for_buffers(
        inventory
            .certificates
            .iter()
            .filter(|c| c.details.is_ca)
            .map(|c| c.der.as_slice()),
    );
    let cached = signatures.wrap(webpki::ALL_VERIFICATION_ALGS);
    let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = cached
        .iter()
        .map(|a| a as &dyn SignatureVerificationAlgorithm)
        .collect();
    let chain = ChainContext {
        certs: &inventory.certificates,
        index: &index,
        anchors,
        algorithms: &algorithms,
    };
    let results: Vec<Trust> = inventory
        .certificates
        .par_iter()
        .map(|cert| evaluate(cert, &chain, at, cache))
        .collect();
    for (cert, trust) in inventory.certificates.iter_mut().zip(results) {
        cert.trust = trust;
    }
}

/// What chain building consults: the inventory, its CA index, the anchors, the algorithms.
pub(super) struct ChainContext<'a> {
    pub(super) certs: &'a [Certificate],
    pub(super) index: &'a CaIndex,
    pub(super) anchors: &'a TrustAnchors,
    pub(super) algorithms: &'a [&'a dyn SignatureVerificationAlgorithm],
}

/// CA certificates of the inventory by subject, for chain building.
pub(super) struct CaIndex {
    pub(super) by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl CaIndex {
    pub(super) fn new(certs: &[Certificate]) -> Self {
        let mut by_subject: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, c) in certs.iter().enumerate() {
            if c.details.is_ca {
                by_subject.entry(c.details.subject_raw.clone()).or_default().push(i);
            }
        }
        Self { by_subject }
    }

    pub(super) fn issuers_of<'a>(&'a self, cert: &Certificate) -> &'a [usize] {
        self.by_subject
            .get(&cert.details.issuer_raw)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// CA certificates reachable upwards from `cert` by issuer name (bounded).
    pub(super) fn candidates(&self, cert: &Certificate, certs: &[Certificate]) -> Vec<usize> {
        const MAX_CANDIDATES: usize = 64;
        let mut found: Vec<usize> = Vec::new();
        let mut queue: Vec<usize> = self.issuers_of(cert).to_vec();
        while let Some(i) = queue.pop() {
            if found.contains(&i) || found.len() >= MAX_CANDIDATES {
                continue;
            }
            found.push(i);
            if !certs[i].details.self_signed {
                queue.extend_from_slice(self.issuers_of(&certs[i]));
            }
        }
        found
    }
}

pub(super) fn evaluate(
    cert: &Certificate,
    chain: &ChainContext<'_>,
    at: DateTime<Utc>,
    cache: Option<&TrustCache>,
) -> Trust {
    let anchors = chain.anchors;
    if anchors.is_anchor(cert) {
        return if cert.details.is_ca {
            Trust::new(TrustStatus::TrustAnchor, "is a trust anchor")
        } else {
            Trust::new(TrustStatus::Trusted, "explicitly trusted: listed in --trust-anchors")
        };
    }
    if cert.details.is_ca {
        return evaluate_ca(cert, chain, at);
    }
    // Judge the chain at an instant inside the certificate's own validity, so that an
    // expired certificate still tells whether its chain is sound (`expired` reports the rest).
    let (when, shifted) = chain_instant(cert, at);
    let mut trust = match cache {
        Some(cache) => cache.verify(cert, chain, when),
        None => verify_end_entity(cert, chain, when),
    };
    if shifted {
        trust.detail.push_str(&format!(
            " (chain checked as of {} because the certificate itself is not valid at the evaluation instant)",
            crate::time::rfc3339(when)
        ));
    }
    trust
}

/// The instant a chain is judged at: `at`, or the nearest instant inside the certificate's own
/// validity (true when shifted).
pub(super) fn chain_instant(cert: &Certificate, at: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let d = &cert.details;
    if at > d.not_after {
        (d.not_after - chrono::Duration::seconds(1), true)
    } else if at < d.not_before {
        (d.not_before, true)
    } else {
        (at, false)
    }
}

pub(super) fn unix_time(when: DateTime<Utc>) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(when.timestamp().max(0) as u64))
}

/// Judges each endpoint's presented chain with only the certificates it sent.
pub fn evaluate_served_chains(inventory: &mut Inventory, anchors: &TrustAnchors, at: DateTime<Utc>) {
    let results: Vec<Option<ServedChain>> = inventory
        .endpoints
        .iter()
        .map(|e| {
            let certs: Option<Vec<&Certificate>> = e.chain.iter().map(|h| inventory.get(h)).collect();
            let certs = certs?;
            let (leaf, served) = certs.split_first()?;
            (!leaf.details.is_ca).then(|| served_chain(leaf, served, anchors, at))
        })
        .collect();
    for (endpoint, result) in inventory.endpoints.iter_mut().zip(results) {
        endpoint.served_chain = result;
    }
}

pub(super) fn served_chain(
    leaf: &Certificate,
    served: &[&Certificate],
    anchors: &TrustAnchors,
    at: DateTime<Utc>,
) -> ServedChain {
    let der = CertificateDer::from(leaf.der.as_slice());
    let Ok(ee) = EndEntityCert::try_from(&der) else {
        return ServedChain {
            complete: false,
            missing_issuer: None,
            detail: "the leaf is rejected by the validator".into(),
        };
    };
    let intermediates: Vec<CertificateDer<'_>> =
        served.iter().map(|c| CertificateDer::from(c.der.as_slice())).collect();
    let (when, _) = chain_instant(leaf, at);
    let result = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors.anchors,
        &intermediates,
        unix_time(when),
        KeyUsage::server_auth(),
        None,
        None,
    );
    if result.is_ok() {
        return ServedChain {
            complete: true,
            missing_issuer: None,
            detail: format!("the {} certificate(s) served reach a trust anchor", 1 + served.len()),
        };
    }
    // Follow issuer names through what was served to the first issuer that was not sent.
    let mut current = leaf;
    for _ in 0..=served.len() {
        if current.details.self_signed || anchors.by_subject.contains_key(&current.details.issuer_raw) {
            break;
        }
        match served
            .iter()
            .find(|c| c.details.subject_raw == current.details.issuer_raw)
        {
            Some(next) if !std::ptr::eq(*next, current) => current = next,
            _ => {
                return ServedChain {
                    complete: false,
                    missing_issuer: Some(current.details.issuer.clone()),
                    detail: format!(
                        "the server does not send the certificate of issuer '{}'",
                        current.details.issuer
                    ),
                }
            }
        }
    }
    ServedChain {
        complete: false,
        missing_issuer: None,
        detail: format!("the chain as served does not validate: {:?}", result.err()),
    }
}

pub(super) fn verify_end_entity(cert: &Certificate, chain: &ChainContext<'_>, when: DateTime<Utc>) -> Trust {
    let (certs, index) = (chain.certs, chain.index);
    let der = CertificateDer::from(cert.der.as_slice());
    let ee = match EndEntityCert::try_from(&der) {
        Ok(ee) => ee,
        Err(e) => {
            return Trust::new(
                TrustStatus::Invalid,
                format!("certificate rejected by the validator: {e:?}"),
            )
        }
    };
    let candidates = index.candidates(cert, certs);
    let intermediates: Vec<CertificateDer<'_>> = candidates
        .iter()
        .map(|&i| CertificateDer::from(certs[i].der.as_slice()))
        .collect();
    let time = unix_time(when);
    let result = ee.verify_for_usage(
        chain.algorithms,
        &chain.anchors.anchors,
        &intermediates,
        time,
        KeyUsage::server_auth(),
        None,
        None,
    );
    match result {
        Ok(path) => {
            let anchor = name_der_to_string(path.anchor().subject.as_ref()).unwrap_or_else(|| "a trust anchor".into());
            let n = path.intermediate_certificates().count();
            let issuer_spki = match path.intermediate_certificates().next() {
                Some(issuer) => issuer.subject_public_key_info().as_ref().to_vec(),
                None => wrap_sequence(path.anchor().subject_public_key_info.as_ref()),
            };
            let mut trust = Trust::new(
                TrustStatus::Trusted,
                format!("chains to trust anchor '{anchor}' through {n} intermediate(s)"),
            );
            trust.issuer_key_sha256 = Some(crate::digest::sha256_hex(&issuer_spki));
            trust
        }
        Err(e) => {
            let mut trust = diagnose(cert, chain, &candidates, when, e);
            trust.issuer_key_sha256 = signing_issuer(cert, certs, index).map(|i| i.details.spki_sha256.clone());
            trust
        }
    }
}
