//! Report v1 (`report.json`): the frozen schema other tools read (`schema/report-v1.schema.json` states it; the README lists the files).
//! Built once from the inventory and the findings (`build.rs`); presenters only format it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::verdict::Verdict;
use crate::inventory::{EndpointStatus, ErrorKind, Protocol};
use crate::rules::{PackInfo, Remediation, Severity};

pub use super::coverage::NotAuditedEntry;
use crate::waivers::WaiverSet;

mod build;
mod facts;

pub use facts::*;

/// The schema identifier of this report version.
pub const SCHEMA: &str = "certaudit.report/v1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub scan: Scan,
    pub summary: Summary,
    /// Domains, namespaces, Auth configuration, connectors and POP/IMAP settings in force.
    pub organisation: OrganisationEntry,
    pub certificates: Vec<CertificateEntry>,
    pub endpoints: Vec<EndpointEntry>,
    /// Autodiscover reachability per accepted domain (only when probing).
    pub autodiscover: Vec<AutodiscoverEntry>,
    pub findings: Vec<FindingEntry>,
    /// What in scope was not audited, and why (inputs, endpoints, unknown services, rules).
    #[serde(default)]
    pub not_audited: Vec<NotAuditedEntry>,
    /// Every waiver of `--waivers` and what became of it (applied, expired, unused).
    pub waivers: Vec<WaiverStatusEntry>,
    /// What changed since the last complete scan in the history (absent without history, or
    /// for the first scan recorded).
    #[serde(default)]
    pub changes: Option<super::changes::Changes>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    #[serde(with = "crate::time::serde_rfc3339")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub finished_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub evaluated_at: DateTime<Utc>,
    /// How long the scan took, in seconds (with fractions).
    #[serde(default)]
    pub duration_seconds: f64,
    /// Which audit this scan belongs to: the history compares scans of one audit only.
    #[serde(default)]
    pub audit: AuditRef,
    pub pack: PackRef,
    /// The severity at or above which the scan fails (`--fail-on`).
    pub fail_on: Severity,
    pub inputs: Vec<InputEntry>,
    /// Probe settings, when live endpoints were probed.
    pub probe: Option<ProbeSettings>,
    /// Ctrl-C stopped the scan: some targets were not probed (their endpoints say so).
    pub interrupted: bool,
    /// The waiver file in force, with its SHA-256.
    pub waivers: Option<FileRef>,
    /// The command line (passwords are never on it: only the names of the variable or file
    /// that hold them).
    pub command_line: Vec<String>,
    /// The host the scan ran on.
    pub host: String,
}

/// The audit a scan belongs to: a name given with `--audit` / `audit =`, or a fingerprint of
/// its scope (the inputs, the targets and the pack).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditRef {
    /// The name, or `scope-` and 16 hex digits of the scope's SHA-256.
    pub id: String,
    /// True when the id was given (`--audit`), false for a scope fingerprint.
    pub named: bool,
    /// The scope, one line per input, target and the pack.
    pub scope: Vec<String>,
}

impl AuditRef {
    /// The audit for `scope`: `name` when given, else the scope's fingerprint.
    pub fn new(name: Option<&str>, scope: Vec<String>) -> Self {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Self {
                id: n.to_string(),
                named: true,
                scope,
            },
            None => {
                let digest = crate::digest::sha256_hex(scope.join("\n").as_bytes());
                Self {
                    id: format!("scope-{}", &digest[..16]),
                    named: false,
                    scope,
                }
            }
        }
    }
}

/// A file the scan was configured with, identified by its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
}

/// How live endpoints were probed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeSettings {
    /// The targets as given (`--probe`, `--targets`), before expansion.
    pub targets: Vec<String>,
    pub resolve: Vec<String>,
    pub concurrency: usize,
    pub timeout_seconds: f64,
    pub all_addresses: bool,
    /// Whether autodiscover was checked for the accepted domains (`--no-autodiscover`: not).
    #[serde(default = "checked")]
    pub autodiscover: bool,
    /// Whether each endpoint was asked which protocol versions it accepts
    /// (`--no-protocol-scan`: not). Reports written before it was recorded did not ask.
    #[serde(default)]
    pub protocol_scan: bool,
    /// Whether every Exchange server the exports name was probed on the ports its
    /// configuration implies (`--probe-servers`).
    #[serde(default)]
    pub probe_servers: bool,
}

/// Reports written before `autodiscover` was recorded always checked it.
fn checked() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackRef {
    pub id: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub certificates: usize,
    pub endpoints: usize,
    pub findings: SeverityCounts,
    pub waived: usize,
    /// Inputs that could not be read completely.
    pub input_errors: usize,
    /// Endpoints that could not be audited (status `error`).
    pub endpoint_errors: usize,
    /// Certificates read from the inputs (not counting those only presented by endpoints).
    #[serde(default)]
    pub certificates_read: usize,
    /// Endpoints audited (status `ok`).
    #[serde(default)]
    pub endpoints_audited: usize,
    /// Items in scope that could not be audited (see `not_audited`).
    #[serde(default)]
    pub not_audited: usize,
    /// `fail` when an unwaived finding is at or above `fail_on`; `incomplete` when nothing in
    /// scope was audited, or (without a failing finding) something in scope was not or the
    /// scan was interrupted; `pass` otherwise.
    pub result: Verdict,
    /// The verdict in words.
    #[serde(default)]
    pub result_detail: String,
}

/// Unwaived findings per severity.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        *match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        } += 1;
    }

    /// The count for one severity.
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateEntry {
    pub sha256: String,
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_before: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_after: DateTime<Utc>,
    pub days_left: i64,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub key: KeyEntry,
    pub signature_algorithm: String,
    pub self_signed: bool,
    /// A CA certificate (judged for expiry and strength, not by name rules).
    pub is_ca: bool,
    pub trust: TrustEntry,
    pub bindings: Vec<BindingEntry>,
    pub sources: Vec<SourceEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    pub algorithm: String,
    pub bits: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// A service binding of a certificate on an Exchange server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BindingEntry {
    pub server: String,
    pub services: Vec<String>,
    /// Exchange's status (`Valid`, `PendingRequest` …) or `unknown`.
    pub status: String,
    /// False when the export did not say which services are bound (never guessed).
    pub services_known: bool,
    /// Exchange's own view of the certificate, when the export carries it.
    pub self_signed: Option<bool>,
    pub root_ca_type: Option<String>,
    /// The export this binding was read from.
    pub source: String,
}

/// The organisation facts the binding-aware rules used.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganisationEntry {
    pub domains: Vec<NamedEntry>,
    pub namespaces: Vec<NamedEntry>,
    pub auth_configs: Vec<AuthConfigEntry>,
    pub connectors: Vec<ConnectorEntry>,
    pub protocol_settings: Vec<ProtocolSettingEntry>,
    /// Exchange servers and their roles (`Get-ExchangeServer`).
    pub servers: Vec<ServerEntry>,
    /// Signs of a hybrid deployment, each naming where it was seen.
    pub hybrid: Vec<String>,
    /// IIS site bindings (`Get-WebBinding`).
    #[serde(default)]
    pub web_bindings: Vec<WebBindingEntry>,
    /// The internal transport certificate per server (`Get-TransportService`).
    #[serde(default)]
    pub transport_services: Vec<TransportServiceEntry>,
}

/// A probed endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointEntry {
    /// `scheme://host:port`.
    pub target: String,
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// The address connected to.
    pub address: Option<String>,
    /// `ok`, `closed` (a bare host's port refused the connection) or `error`.
    pub status: EndpointStatus,
    /// Why it could not be audited, with the server's words where it gave any.
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// SHA-256 of each presented certificate, leaf first.
    pub chain: Vec<String>,
    /// Whether the chain as served reaches a trust anchor by itself.
    pub served_chain: Option<ServedChainEntry>,
    /// The name sent in SNI (none for IP literals).
    pub sni: Option<String>,
    /// Came from a bare host's expansion to the client set.
    pub expanded: bool,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub probed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// SHA-256 of the leaf an HTTPS name served to a handshake without SNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_without_sni: Option<String>,
    /// Which of SSLv3 … TLS 1.3 it accepts and the suite chosen for each (absent when the
    /// protocol matrix was not scanned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<crate::inventory::ProtocolSupport>,
    /// The handshake asked for an OCSP staple (rustls's do; a legacy capture does not).
    #[serde(default)]
    pub staple_requested: bool,
    /// The OCSP response the server stapled, as verified (absent: none came).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_staple: Option<crate::inventory::StapleCheck>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingEntry {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    /// SHA-256 of the certificate concerned.
    pub certificate: Option<String>,
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub services: Vec<String>,
    pub evidence: Map<String, Value>,
    pub remediation: Remediation,
    pub references: Vec<String>,
    pub waiver: Option<WaiverEntry>,
}

/// The accepted-risk waiver that covers a finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverEntry {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

/// Facts about the run that are not in the inventory.
pub struct RunInfo<'a> {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_seconds: f64,
    pub audit: AuditRef,
    pub evaluated_at: DateTime<Utc>,
    pub pack: &'a PackInfo,
    pub fail_on: Severity,
    pub probe: Option<ProbeSettings>,
    pub interrupted: bool,
    pub waivers: Option<&'a WaiverSet>,
    pub command_line: &'a [String],
}
