//! Trust anchors: the bundled Mozilla roots (webpki-roots) and `--trust-anchors` files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use crate::inventory::Certificate;
use crate::x509::wrap_sequence;

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
    pub(super) anchors: Vec<TrustAnchor<'static>>,
    /// Full DER of each anchor's subject Name (with the SEQUENCE header), for name lookups.
    pub(super) by_subject: HashMap<Vec<u8>, Vec<usize>>,
    /// (subject, SHA-256 of SPKI) pairs, to recognise an inventory certificate that is an anchor.
    pub(super) identities: HashSet<(Vec<u8>, String)>,
    /// SHA-256 over every anchor's subject and key, in a fixed order: the anchor set, for
    /// [`TrustCache`] keys.
    pub(super) fingerprint: [u8; 32],
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

    pub(super) fn from_anchors(anchors: Vec<TrustAnchor<'static>>) -> Self {
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

    pub(super) fn is_anchor(&self, cert: &Certificate) -> bool {
        let d = &cert.details;
        self.by_subject.contains_key(&d.subject_raw)
            && self
                .identities
                .contains(&(d.subject_raw.clone(), d.spki_sha256.clone()))
    }
}

pub(super) fn load_anchor_file(path: &Path) -> Result<Vec<TrustAnchor<'static>>, AnchorError> {
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
