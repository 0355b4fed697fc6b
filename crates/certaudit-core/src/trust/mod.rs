//! Trust: chain building and validation with rustls-webpki at the evaluation instant.
//!
//! Anchors are the bundled Mozilla roots (webpki-roots) and/or `--trust-anchors`. Every CA
//! certificate in the inventory is a candidate intermediate, but a root found among the
//! inputs is never an anchor because it was found there.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};

use crate::inventory::{Certificate, Inventory, ServedChain, Trust, TrustStatus};

mod signature_cache;
use crate::x509::{is_weak_signature_algorithm, name_der_to_string, wrap_sequence};
use signature_cache::SignatureCache;

/// A trust-anchor file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("trust anchors {path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("trust anchors {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The set of trust anchors of one scan.
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor<'static>>,
    /// Full DER of each anchor's subject Name (with the SEQUENCE header), for name lookups.
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    /// (subject, SHA-256 of SPKI) pairs, to recognise an inventory certificate that is an anchor.
    identities: HashSet<(Vec<u8>, String)>,
    /// SHA-256 over every anchor's subject and key, in a fixed order: the anchor set, for
    /// [`TrustCache`] keys.
    fingerprint: [u8; 32],
}

impl TrustAnchors {
    /// Bundled public roots (unless `public` is false) plus the certificates in `files` (PEM or DER).
    pub fn load(public: bool, files: &[PathBuf]) -> Result<Self, AnchorError> {
        let mut anchors: Vec<TrustAnchor<'static>> = Vec::new();
        if public {
            anchors.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for path in files {
            anchors.extend(load_anchor_file(path)?);
        }
        Ok(Self::from_anchors(anchors))
    }

    /// Anchors made of the certificates `ders` (DER) alone: for callers that hold them in
    /// memory. Fails on the first certificate webpki cannot use as an anchor.
    pub fn from_der<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, webpki::Error> {
        let anchors = ders
            .into_iter()
            .map(|der| webpki::anchor_from_trusted_cert(&CertificateDer::from(der)).map(|a| a.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_anchors(anchors))
    }

    fn from_anchors(anchors: Vec<TrustAnchor<'static>>) -> Self {
        let mut by_subject: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        let mut identities = HashSet::new();
        for (i, a) in anchors.iter().enumerate() {
            let subject = wrap_sequence(a.subject.as_ref());
            let spki = wrap_sequence(a.subject_public_key_info.as_ref());
            identities.insert((subject.clone(), crate::digest::sha256_hex(&spki)));
            by_subject.entry(subject).or_default().push(i);
        }
        let mut sorted: Vec<(&[u8], &[u8])> = anchors
            .iter()
            .map(|a| (a.subject.as_ref(), a.subject_public_key_info.as_ref()))
            .collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for (subject, spki) in sorted {
            for part in [subject, spki] {
                ctx.update(&(part.len() as u64).to_be_bytes());
                ctx.update(part);
            }
        }
        let mut fingerprint = [0u8; 32];
        fingerprint.copy_from_slice(ctx.finish().as_ref());
        Self {
            anchors,
            by_subject,
            identities,
            fingerprint,
        }
    }

    /// Number of anchors in force.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// The anchors, for TLS clients that validate live (autodiscover).
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// True when no anchor is in force.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    fn is_anchor(&self, cert: &Certificate) -> bool {
        let d = &cert.details;
        self.by_subject.contains_key(&d.subject_raw)
            && self
                .identities
                .contains(&(d.subject_raw.clone(), d.spki_sha256.clone()))
    }
}

fn load_anchor_file(path: &Path) -> Result<Vec<TrustAnchor<'static>>, AnchorError> {
    let bytes =
        crate::files::read_bounded(path, crate::files::MAX_OPTION_FILE_BYTES).map_err(|source| AnchorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let invalid = |message: String| AnchorError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let ders: Vec<CertificateDer<'static>> = if crate::x509::looks_like_pem(&bytes) {
        CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(format!("malformed PEM: {e}")))?
    } else {
        vec![CertificateDer::from(bytes)]
    };
    if ders.is_empty() {
        return Err(invalid("no certificate found".into()));
    }
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            webpki::anchor_from_trusted_cert(der)
                .map(|a| a.to_owned())
                .map_err(|e| invalid(format!("certificate #{} is not usable as an anchor: {e:?}", i + 1)))
        })
        .collect()
}

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
    salt: [u8; 32],
    known: foldhash::HashMap<[u8; 32], Trust>,
    fresh: std::sync::Mutex<Vec<([u8; 32], Trust)>>,
    hits: std::sync::atomic::AtomicUsize,
    self_signed: foldhash::HashMap<[u8; 32], bool>,
    fresh_self_signed: std::sync::Mutex<Vec<([u8; 32], bool)>>,
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
    fn settle_self_signature(&self, cert: &mut Certificate) {
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
    fn key(&self, cert: &Certificate, candidates: &[usize], chain: &ChainContext<'_>, when: DateTime<Utc>) -> [u8; 32] {
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
    fn verify(&self, cert: &Certificate, chain: &ChainContext<'_>, when: DateTime<Utc>) -> Trust {
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
struct ChainContext<'a> {
    certs: &'a [Certificate],
    index: &'a CaIndex,
    anchors: &'a TrustAnchors,
    algorithms: &'a [&'a dyn SignatureVerificationAlgorithm],
}

/// CA certificates of the inventory by subject, for chain building.
struct CaIndex {
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl CaIndex {
    fn new(certs: &[Certificate]) -> Self {
        let mut by_subject: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, c) in certs.iter().enumerate() {
            if c.details.is_ca {
                by_subject.entry(c.details.subject_raw.clone()).or_default().push(i);
            }
        }
        Self { by_subject }
    }

    fn issuers_of<'a>(&'a self, cert: &Certificate) -> &'a [usize] {
        self.by_subject
            .get(&cert.details.issuer_raw)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// CA certificates reachable upwards from `cert` by issuer name (bounded).
    fn candidates(&self, cert: &Certificate, certs: &[Certificate]) -> Vec<usize> {
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

fn evaluate(cert: &Certificate, chain: &ChainContext<'_>, at: DateTime<Utc>, cache: Option<&TrustCache>) -> Trust {
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
fn chain_instant(cert: &Certificate, at: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let d = &cert.details;
    if at > d.not_after {
        (d.not_after - chrono::Duration::seconds(1), true)
    } else if at < d.not_before {
        (d.not_before, true)
    } else {
        (at, false)
    }
}

fn unix_time(when: DateTime<Utc>) -> UnixTime {
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

fn served_chain(leaf: &Certificate, served: &[&Certificate], anchors: &TrustAnchors, at: DateTime<Utc>) -> ServedChain {
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

fn verify_end_entity(cert: &Certificate, chain: &ChainContext<'_>, when: DateTime<Utc>) -> Trust {
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

/// The inventory CA whose key verifies `cert`'s signature, if any.
fn signing_issuer<'a>(cert: &Certificate, certs: &'a [Certificate], index: &CaIndex) -> Option<&'a Certificate> {
    let (_, parsed) = X509Certificate::from_der(&cert.der).ok()?;
    index.issuers_of(cert).iter().map(|&i| &certs[i]).find(|c| {
        X509Certificate::from_der(&c.der)
            .map(|(_, ic)| parsed.verify_signature(Some(ic.public_key())).is_ok())
            .unwrap_or(false)
    })
}

/// Turns a webpki error into a status and a sentence an administrator can act on.
// Older and newer webpki variants of the same error are both matched on purpose.
#[allow(deprecated)]
fn diagnose(
    cert: &Certificate,
    chain: &ChainContext<'_>,
    candidates: &[usize],
    when: DateTime<Utc>,
    error: webpki::Error,
) -> Trust {
    use webpki::Error as E;
    let certs = chain.certs;
    let d = &cert.details;
    if d.self_signed {
        return Trust::new(
            TrustStatus::SelfSigned,
            "self-signed: no certification authority vouches for it, so clients must be told to trust it one by one",
        );
    }
    match error {
        E::UnknownIssuer => walk_to_missing(cert, chain),
        E::CertExpired { .. } | E::CertNotValidYet { .. } => {
            let culprit = candidates
                .iter()
                .map(|&i| &certs[i])
                .find(|c| when > c.details.not_after || when < c.details.not_before);
            match culprit {
                Some(c) => Trust::new(
                    TrustStatus::ExpiredIssuer,
                    format!(
                        "issuer '{}' is not valid at {} (valid {} to {})",
                        c.details.subject,
                        when.format("%Y-%m-%d"),
                        c.details.not_before.format("%Y-%m-%d"),
                        c.details.not_after.format("%Y-%m-%d")
                    ),
                ),
                None => Trust::new(
                    TrustStatus::ExpiredIssuer,
                    "an issuer in the chain is not valid at the evaluation instant",
                ),
            }
        }
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            let culprit = std::iter::once(cert)
                .chain(candidates.iter().map(|&i| &certs[i]))
                .find(|c| is_weak_signature_algorithm(&c.details.signature_algorithm));
            let detail = match culprit {
                Some(c) if std::ptr::eq(c, cert) => format!(
                    "signed with {}, which clients no longer accept",
                    c.details.signature_algorithm
                ),
                Some(c) => format!(
                    "issuer '{}' is signed with {}, which clients no longer accept",
                    c.details.subject, c.details.signature_algorithm
                ),
                None => "a signature in the chain uses an algorithm or key size clients do not accept (e.g. an RSA issuer key below 2048 bits)".into(),
            };
            Trust::new(TrustStatus::WeakSignature, detail)
        }
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => Trust::new(
            TrustStatus::BadSignature,
            format!("the signature by issuer '{}' does not verify", d.issuer),
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => Trust::new(
            TrustStatus::NotServerAuth,
            format!(
                "not valid for TLS server authentication: extended key usage is {}",
                d.extended_key_usage.as_deref().unwrap_or_default().join(", ")
            ),
        ),
        other => Trust::new(TrustStatus::Invalid, format!("chain rejected: {other:?}")),
    }
}

/// Follows issuer names up from `cert` to say where the chain stops.
fn walk_to_missing(cert: &Certificate, chain: &ChainContext<'_>) -> Trust {
    let (certs, index, anchors) = (chain.certs, chain.index, chain.anchors);
    let mut current = cert;
    let mut seen: Vec<*const Certificate> = vec![cert];
    for _ in 0..16 {
        if anchors.by_subject.contains_key(&current.details.issuer_raw) && !std::ptr::eq(current, cert) {
            return Trust::new(
                TrustStatus::Invalid,
                format!(
                    "'{}' names a trust anchor as issuer but its signature or constraints do not verify",
                    current.details.subject
                ),
            );
        }
        let next = index
            .issuers_of(current)
            .iter()
            .map(|&i| &certs[i])
            .find(|c| !seen.contains(&(*c as *const Certificate)));
        match next {
            Some(issuer) if issuer.details.self_signed => {
                return Trust::new(
                    TrustStatus::UnknownIssuer,
                    format!(
                        "chains to root '{}', which is not a trust anchor (if it is your organisation's CA, pass it with --trust-anchors)",
                        issuer.details.subject
                    ),
                )
            }
            Some(issuer) => {
                seen.push(issuer);
                current = issuer;
            }
            None => break,
        }
    }
    Trust::new(
        TrustStatus::MissingIntermediate,
        format!(
            "the certificate of issuer '{}' is neither among the inputs nor a trust anchor: add the intermediate to the store (or trust a private root with --trust-anchors)",
            current.details.issuer
        ),
    )
}

/// CA certificates cannot be validated as end entities by webpki: walk up by name and
/// check each signature and validity period.
fn evaluate_ca(cert: &Certificate, chain: &ChainContext<'_>, at: DateTime<Utc>) -> Trust {
    let (certs, index, anchors) = (chain.certs, chain.index, chain.anchors);
    if cert.details.self_signed {
        return Trust::new(
            TrustStatus::SelfSigned,
            "self-signed root that is not a trust anchor (a root found among the inputs is never trusted for being there)",
        );
    }
    let mut current = cert;
    for _ in 0..8 {
        let Ok((_, parsed)) = X509Certificate::from_der(&current.der) else {
            return Trust::new(TrustStatus::Invalid, "cannot be parsed for chain checks");
        };
        if let Some(anchor_ids) = anchors.by_subject.get(&current.details.issuer_raw) {
            let verified = anchor_ids.iter().any(|&i| {
                let spki_der = wrap_sequence(anchors.anchors[i].subject_public_key_info.as_ref());
                SubjectPublicKeyInfo::from_der(&spki_der)
                    .map(|(_, spki)| parsed.verify_signature(Some(&spki)).is_ok())
                    .unwrap_or(false)
            });
            return if verified {
                Trust::new(
                    TrustStatus::Trusted,
                    format!("issued under trust anchor '{}'", current.details.issuer),
                )
            } else {
                Trust::new(
                    TrustStatus::BadSignature,
                    format!(
                        "signature by trust anchor '{}' does not verify (or uses an unsupported algorithm)",
                        current.details.issuer
                    ),
                )
            };
        }
        match signing_issuer(current, certs, index) {
            None => {
                return walk_to_missing(current, chain);
            }
            Some(i) if at > i.details.not_after => {
                return Trust::new(
                    TrustStatus::ExpiredIssuer,
                    format!(
                        "issuer '{}' expired on {}",
                        i.details.subject,
                        i.details.not_after.format("%Y-%m-%d")
                    ),
                )
            }
            Some(i) if i.details.self_signed => {
                return Trust::new(
                    TrustStatus::UnknownIssuer,
                    format!("chains to root '{}', which is not a trust anchor", i.details.subject),
                )
            }
            Some(i) => current = i,
        }
    }
    Trust::new(TrustStatus::Invalid, "chain longer than 8 certificates")
}
