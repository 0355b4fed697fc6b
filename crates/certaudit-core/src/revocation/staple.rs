//! OCSP staples (RFC 6960, RFC 6066 status_request): what a server stapled to its handshake,
//! verified before anything it says is believed. The response must be a successful basic
//! response; one of its answers must name the leaf (serial, and the issuer's name and key
//! hashes with the response's hash algorithm); it must be signed by the leaf's issuer, or by a
//! responder certificate the issuer signed that carries id-kp-OCSPSigning and is valid at the
//! evaluation instant; and it must be fresh (thisUpdate not in the future, nextUpdate not
//! passed). A staple that fails any of these is `invalid`, one whose issuer is not at hand is
//! `unverifiable`: neither is ever taken as good. A revocation signed by the issuer stands
//! even when the response is old, since a revocation is never undone.

use chrono::{DateTime, Duration, TimeZone, Utc};
use der07::{Decode, Encode};
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId, SingleResponse};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use crate::inventory::{StapleCheck, StapleStatus};

/// id-pkix-ocsp-basic.
const OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// How far a responder's clock may run ahead of the evaluation instant.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// What went wrong, before the leaf's status could be believed.
struct Invalid(String);

/// Verifies `staple` for `leaf` at `at`; `issuers` are the certificates that may have issued
/// the leaf (the served chain, the stores), DER.
pub fn verify(staple: &[u8], leaf: &[u8], issuers: &[&[u8]], at: DateTime<Utc>) -> StapleCheck {
    let mut check = StapleCheck {
        status: StapleStatus::Invalid,
        detail: String::new(),
        sha256: crate::digest::sha256_hex(staple),
        responder: None,
        produced_at: None,
        this_update: None,
        next_update: None,
        revoked_at: None,
        revocation_reason: None,
    };
    match judge(staple, leaf, issuers, at, &mut check) {
        Ok(()) => {}
        Err(Invalid(why)) => check.detail = why,
    }
    check
}

fn judge(
    staple: &[u8],
    leaf_der: &[u8],
    issuers: &[&[u8]],
    at: DateTime<Utc>,
    check: &mut StapleCheck,
) -> Result<(), Invalid> {
    let response =
        OcspResponse::from_der(staple).map_err(|e| Invalid(format!("the staple is not an OCSP response: {e}")))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(Invalid(format!(
            "the staple is an unsuccessful OCSP response ({:?})",
            response.response_status
        )));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| Invalid("the staple is a successful OCSP response without a body".into()))?;
    if bytes.response_type.to_string() != OCSP_BASIC {
        return Err(Invalid(format!(
            "the staple's response type {} is not the basic OCSP response",
            bytes.response_type
        )));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| Invalid(format!("the staple's basic OCSP response is malformed: {e}")))?;
    check.produced_at = Some(instant(&basic.tbs_response_data.produced_at.0));
    let (_, leaf) =
        X509Certificate::from_der(leaf_der).map_err(|e| Invalid(format!("the served leaf cannot be read: {e}")))?;
    let Some(issuer) = issuers
        .iter()
        .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .find(|c| {
            c.subject().as_raw() == leaf.issuer().as_raw() && leaf.verify_signature(Some(c.public_key())).is_ok()
        })
    else {
        check.status = StapleStatus::Unverifiable;
        check.detail = format!(
            "the leaf's issuer ({}) is neither in the served chain nor in the stores read, so the staple's signature cannot be checked",
            leaf.issuer()
        );
        return Ok(());
    };
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| names_leaf(r, &leaf, &issuer))
        .ok_or_else(|| {
            Invalid(format!(
                "the staple answers for {} other certificate(s), not for this leaf (serial {})",
                basic.tbs_response_data.responses.len(),
                leaf.raw_serial_as_string()
            ))
        })?;
    check.responder = Some(verify_signature(&basic, &issuer, at)?);
    check.this_update = Some(instant(&single.this_update.0));
    check.next_update = single.next_update.as_ref().map(|t| instant(&t.0));
    if let CertStatus::Revoked(info) = &single.cert_status {
        check.status = StapleStatus::Revoked;
        check.revoked_at = Some(instant(&info.revocation_time.0));
        check.revocation_reason = info.revocation_reason.map(|r| reason_name(r as u8).to_string());
        check.detail = format!(
            "the issuer's responder says the leaf was revoked on {}{}",
            crate::time::rfc3339(instant(&info.revocation_time.0)),
            check
                .revocation_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        return Ok(());
    }
    fresh(check.this_update, check.next_update, at)?;
    match single.cert_status {
        CertStatus::Good(_) => {
            check.status = StapleStatus::Good;
            check.detail = "signed, fresh, and the leaf is good".into();
        }
        _ => {
            check.status = StapleStatus::Unknown;
            check.detail = "the responder does not know the leaf (status unknown)".into();
        }
    }
    Ok(())
}

/// thisUpdate not ahead of `at` (beyond the skew), nextUpdate present and not passed.
fn fresh(this: Option<DateTime<Utc>>, next: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Result<(), Invalid> {
    let this = this.ok_or_else(|| Invalid("the staple has no thisUpdate".into()))?;
    if this > at + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(Invalid(format!(
            "the staple's thisUpdate ({}) is after the evaluation instant",
            crate::time::rfc3339(this)
        )));
    }
    match next {
        None => Err(Invalid(
            "the staple gives no nextUpdate, so its freshness cannot be judged".into(),
        )),
        Some(next) if next < at => Err(Invalid(format!(
            "the staple is stale: its nextUpdate ({}) passed before the evaluation instant",
            crate::time::rfc3339(next)
        ))),
        Some(_) => Ok(()),
    }
}

/// The answer names the leaf: same serial, and the issuer's name and key hashed with the
/// answer's own hash algorithm.
fn names_leaf(r: &SingleResponse, leaf: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    let id = &r.cert_id;
    let Some(hash) = hash_for(&id.hash_algorithm.oid.to_string()) else {
        return false;
    };
    id.serial_number.as_bytes() == leaf.raw_serial()
        && id.issuer_name_hash.as_bytes() == hash(issuer.subject().as_raw()).as_slice()
        && id.issuer_key_hash.as_bytes() == hash(&issuer.public_key().subject_public_key.data).as_slice()
}

type Hash = fn(&[u8]) -> Vec<u8>;

fn hash_for(oid: &str) -> Option<Hash> {
    fn with(alg: &'static ring::digest::Algorithm, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(alg, data).as_ref().to_vec()
    }
    match oid {
        "1.3.14.3.2.26" => Some(|d| with(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, d)),
        "2.16.840.1.101.3.4.2.1" => Some(|d| with(&ring::digest::SHA256, d)),
        "2.16.840.1.101.3.4.2.2" => Some(|d| with(&ring::digest::SHA384, d)),
        "2.16.840.1.101.3.4.2.3" => Some(|d| with(&ring::digest::SHA512, d)),
        _ => None,
    }
}

/// Checks the response's signature: by the issuer, or by a responder certificate in the
/// response that the issuer signed, with id-kp-OCSPSigning, valid at `at`. Returns who signed.
fn verify_signature(
    basic: &BasicOcspResponse,
    issuer: &X509Certificate<'_>,
    at: DateTime<Utc>,
) -> Result<String, Invalid> {
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| Invalid(format!("the staple's response data cannot be re-encoded: {e}")))?;
    let alg_der = basic
        .signature_algorithm
        .to_der()
        .map_err(|e| Invalid(format!("the staple's signature algorithm cannot be re-encoded: {e}")))?;
    let (_, alg) = AlgorithmIdentifier::from_der(&alg_der)
        .map_err(|e| Invalid(format!("the staple's signature algorithm is unreadable: {e}")))?;
    let signature = x509_parser::asn1_rs::BitString::new(basic.signature.unused_bits(), basic.signature.raw_bytes());
    let signed_by =
        |key: &SubjectPublicKeyInfo<'_>| x509_parser::verify::verify_signature(key, &alg, &signature, &tbs).is_ok();
    if signed_by(issuer.public_key()) {
        return Ok(format!("the issuer {}", issuer.subject()));
    }
    // A delegated responder: every reason one was refused, for the message.
    let mut refused = Vec::new();
    let names_responder = |c: &X509Certificate<'_>| match &basic.tbs_response_data.responder_id {
        ResponderId::ByName(name) => name.to_der().is_ok_and(|n| n == c.subject().as_raw()),
        ResponderId::ByKey(hash) => {
            hash.as_bytes()
                == ring::digest::digest(
                    &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                    &c.public_key().subject_public_key.data,
                )
                .as_ref()
        }
    };
    for der in basic.certs.iter().flatten().filter_map(|c| c.to_der().ok()) {
        let Ok((_, responder)) = X509Certificate::from_der(&der) else {
            continue;
        };
        if !names_responder(&responder) || !signed_by(responder.public_key()) {
            continue;
        }
        let who = responder.subject().to_string();
        if responder.issuer().as_raw() != issuer.subject().as_raw()
            || responder.verify_signature(Some(issuer.public_key())).is_err()
        {
            refused.push(format!("the responder {who} was not issued by the leaf's issuer"));
        } else if !responder
            .extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|e| e.value.ocsp_signing)
        {
            refused.push(format!("the responder {who} lacks id-kp-OCSPSigning"));
        } else if !valid_at(&responder, at) {
            refused.push(format!("the responder {who} is not valid at the evaluation instant"));
        } else {
            return Ok(format!("the delegated responder {who}"));
        }
    }
    Err(Invalid(if refused.is_empty() {
        "the staple's signature does not verify with the leaf issuer's key or a responder certificate it carries".into()
    } else {
        format!(
            "the staple is signed by a responder certaudit cannot accept: {}",
            refused.join("; ")
        )
    }))
}

fn valid_at(c: &X509Certificate<'_>, at: DateTime<Utc>) -> bool {
    let t = at.timestamp();
    c.validity().not_before.timestamp() <= t && t <= c.validity().not_after.timestamp()
}

fn instant(t: &der07::asn1::GeneralizedTime) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    Utc.timestamp_opt(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// RFC 5280's name for a CRL reason code.
fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "an unknown reason",
    }
}

/// id-pe-tlsfeature (RFC 7633).
const TLS_FEATURE: &str = "1.3.6.1.5.5.7.1.24";
/// The TLS feature status_request (RFC 6066's extension number).
const STATUS_REQUEST: u32 = 5;

/// The certificate carries the TLS Feature extension with status_request ("OCSP Must-Staple"):
/// clients that honour it refuse a handshake that comes without a staple.
pub fn must_staple(der: &[u8]) -> bool {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return false;
    };
    cert.extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == TLS_FEATURE)
        .any(|e| {
            <Vec<u32> as x509_parser::asn1_rs::FromDer<'_, x509_parser::asn1_rs::Error>>::from_der(e.value)
                .is_ok_and(|(_, features)| features.contains(&STATUS_REQUEST))
        })
}
