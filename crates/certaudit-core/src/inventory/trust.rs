//! What chain validation concluded about a certificate, and about a chain as a server sent it.

use serde::{Deserialize, Serialize};

/// The outcome of chain validation for one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustStatus {
    /// Chains to a trust anchor at the evaluation instant.
    Trusted,
    /// Is itself a trust anchor (a CA certificate).
    TrustAnchor,
    /// Self-signed and not a trust anchor.
    SelfSigned,
    /// Chains to a root that is not a trust anchor.
    UnknownIssuer,
    /// An issuer certificate needed to build the chain is neither an input nor an anchor.
    MissingIntermediate,
    /// An issuer in the chain has expired (or is not valid yet).
    ExpiredIssuer,
    /// A signature in the chain uses an algorithm or key size that is not accepted (SHA-1, MD5, RSA < 2048).
    WeakSignature,
    /// A signature in the chain does not verify.
    BadSignature,
    /// The extended key usage does not allow TLS server authentication.
    NotServerAuth,
    /// Any other chain error (the detail says which).
    Invalid,
    #[default]
    NotEvaluated,
}

impl std::str::FromStr for TrustStatus {
    type Err = UnknownTrustStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrustStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTrustStatus(s.to_string()))
    }
}

/// A trust status name certaudit does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trust status `{0}`")]
pub struct UnknownTrustStatus(pub String);

impl TrustStatus {
    /// Every status.
    pub const ALL: [TrustStatus; 11] = [
        TrustStatus::Trusted,
        TrustStatus::TrustAnchor,
        TrustStatus::SelfSigned,
        TrustStatus::UnknownIssuer,
        TrustStatus::MissingIntermediate,
        TrustStatus::ExpiredIssuer,
        TrustStatus::WeakSignature,
        TrustStatus::BadSignature,
        TrustStatus::NotServerAuth,
        TrustStatus::Invalid,
        TrustStatus::NotEvaluated,
    ];

    /// True for the statuses that mean clients would accept the chain.
    pub fn is_trusted(self) -> bool {
        matches!(self, TrustStatus::Trusted | TrustStatus::TrustAnchor)
    }

    /// The status in words, for people (the kebab-case name is for machines).
    pub fn in_words(self) -> &'static str {
        match self {
            TrustStatus::Trusted => "trusted: chains to a trust anchor",
            TrustStatus::TrustAnchor => "trusted: a trust anchor itself",
            TrustStatus::SelfSigned => "not trusted: self-signed",
            TrustStatus::UnknownIssuer => "not trusted: chains to a root that is not a trust anchor",
            TrustStatus::MissingIntermediate => "not trusted: an issuing CA certificate is missing",
            TrustStatus::ExpiredIssuer => "not trusted: an issuing CA certificate has expired or is not valid yet",
            TrustStatus::WeakSignature => "not trusted: a signature in the chain uses a weak algorithm or key",
            TrustStatus::BadSignature => "not trusted: a signature in the chain does not verify",
            TrustStatus::NotServerAuth => {
                "not trusted for TLS servers: its key usage does not allow server authentication"
            }
            TrustStatus::Invalid => "not trusted: the chain is invalid",
            TrustStatus::NotEvaluated => "not evaluated",
        }
    }

    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustStatus::Trusted => "trusted",
            TrustStatus::TrustAnchor => "trust-anchor",
            TrustStatus::SelfSigned => "self-signed",
            TrustStatus::UnknownIssuer => "unknown-issuer",
            TrustStatus::MissingIntermediate => "missing-intermediate",
            TrustStatus::ExpiredIssuer => "expired-issuer",
            TrustStatus::WeakSignature => "weak-signature",
            TrustStatus::BadSignature => "bad-signature",
            TrustStatus::NotServerAuth => "not-server-auth",
            TrustStatus::Invalid => "invalid",
            TrustStatus::NotEvaluated => "not-evaluated",
        }
    }
}

/// Trust status with a sentence that explains it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    pub status: TrustStatus,
    pub detail: String,
    /// SHA-256 of the issuer's SubjectPublicKeyInfo, when the issuer is known (lowercase hex).
    pub issuer_key_sha256: Option<String>,
}

impl Trust {
    /// A status with its explanation (issuer key unknown).
    pub fn new(status: TrustStatus, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            issuer_key_sha256: None,
        }
    }
}

/// Whether an endpoint's chain, exactly as served, reaches a trust anchor on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedChain {
    pub complete: bool,
    /// The issuer whose certificate the server should have sent but did not.
    pub missing_issuer: Option<String>,
    pub detail: String,
}
