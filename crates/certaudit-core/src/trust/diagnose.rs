//! Where a chain stops and why, in words an administrator can act on; and CA certificates,
//! which webpki cannot validate as end entities, walked up by name.

use chrono::{DateTime, Utc};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};

use super::{CaIndex, ChainContext};
use crate::inventory::{Certificate, Trust, TrustStatus};
use crate::x509::{is_weak_signature_algorithm, wrap_sequence};

/// The inventory CA whose key verifies `cert`'s signature, if any.
pub(super) fn signing_issuer<'a>(
    cert: &Certificate,
    certs: &'a [Certificate],
    index: &CaIndex,
) -> Option<&'a Certificate> {
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
pub(super) fn diagnose(
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
pub(super) fn walk_to_missing(cert: &Certificate, chain: &ChainContext<'_>) -> Trust {
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
pub(super) fn evaluate_ca(cert: &Certificate, chain: &ChainContext<'_>, at: DateTime<Utc>) -> Trust {
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
