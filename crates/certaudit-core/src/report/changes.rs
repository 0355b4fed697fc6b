//! What changed since the last complete scan of the same audit: the report's `changes`
//! section, computed by `history::diff`.

use serde::{Deserialize, Serialize};

/// A certificate as the changes name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertRef {
    pub thumbprint: String,
    pub subject: String,
    pub not_after: String,
}

/// A finding that appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChange {
    pub rule: String,
    pub severity: String,
    pub subject: Option<String>,
    pub thumbprint: Option<String>,
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub message: String,
}

/// A certificate replaced by one with the same subject or names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    pub old: CertRef,
    pub new: CertRef,
    /// What differs: `serial`, `key`, `names` … as far as the history tells.
    pub note: String,
}

/// A service on a server now held by other certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingMove {
    pub server: String,
    pub service: String,
    pub from: Vec<CertRef>,
    pub to: Vec<CertRef>,
}

/// An endpoint that now presents another certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointChange {
    pub target: String,
    pub address: Option<String>,
    pub from: Option<CertRef>,
    pub to: Option<CertRef>,
}

/// Everything that changed from `since` to this scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The history id of the earlier scan, and when it ran / was evaluated.
    pub since_scan: Option<i64>,
    pub since_started_at: String,
    pub since_evaluated_at: String,
    pub new_findings: Vec<FindingChange>,
    pub resolved_findings: Vec<FindingChange>,
    pub appeared_certificates: Vec<CertRef>,
    pub disappeared_certificates: Vec<CertRef>,
    pub renewed_certificates: Vec<Renewal>,
    pub binding_moves: Vec<BindingMove>,
    pub endpoint_changes: Vec<EndpointChange>,
    /// Why the two scans are not strictly comparable (different audits or packs), if so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_findings.is_empty()
            && self.resolved_findings.is_empty()
            && self.appeared_certificates.is_empty()
            && self.disappeared_certificates.is_empty()
            && self.renewed_certificates.is_empty()
            && self.binding_moves.is_empty()
            && self.endpoint_changes.is_empty()
    }
}
