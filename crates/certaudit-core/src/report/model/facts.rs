//! The report's own records of what the inventory and the waivers hold: the organisation's
//! facts, inputs, sources, trust, served chains, autodiscover checks and waivers, as report
//! v1 writes them. The inventory's types convert into these once, when the report is built:
//! a change to an internal type does not reach `report.json` unless it is made here too
//! (and `schema/report-v1.schema.json`, which the tests hold every report to).
//! The enums they share with the inventory (`Protocol`, `TrustStatus`, `ErrorKind`, …) are
//! the schema's vocabulary: each is listed value by value in the schema.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::inventory::{CheckStatus, ErrorKind, InputKind, ServerOrigin, SourceKind, TrustStatus};
use crate::waivers::WaiverOutcome;

/// One input as recorded in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputEntry {
    pub path: String,
    /// SHA-256 of the file's bytes, when it could be read.
    pub sha256: Option<String>,
    pub kind: InputKind,
    /// Certificates read from this input.
    pub certificates: usize,
    /// Why the input (or part of it) could not be read.
    pub error: Option<String>,
    /// A note that is not an error: why a file was skipped, what was ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<crate::inventory::InputRecord> for InputEntry {
    fn from(v: crate::inventory::InputRecord) -> Self {
        Self {
            path: v.path,
            sha256: v.sha256,
            kind: v.kind,
            certificates: v.certificates,
            error: v.error,
            note: v.note,
        }
    }
}

/// Where a certificate was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceEntry {
    pub kind: SourceKind,
    /// The file path, with `#N` for the N-th certificate of a bundle.
    pub location: String,
}

impl From<crate::inventory::Source> for SourceEntry {
    fn from(v: crate::inventory::Source) -> Self {
        Self {
            kind: v.kind,
            location: v.location,
        }
    }
}

/// Trust status with a sentence that explains it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustEntry {
    pub status: TrustStatus,
    pub detail: String,
    /// SHA-256 of the issuer's SubjectPublicKeyInfo, when the issuer is known (lowercase hex).
    pub issuer_key_sha256: Option<String>,
}

impl From<crate::inventory::Trust> for TrustEntry {
    fn from(v: crate::inventory::Trust) -> Self {
        Self {
            status: v.status,
            detail: v.detail,
            issuer_key_sha256: v.issuer_key_sha256,
        }
    }
}

/// Whether an endpoint's chain, exactly as served, reaches a trust anchor on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedChainEntry {
    pub complete: bool,
    /// The issuer whose certificate the server should have sent but did not.
    pub missing_issuer: Option<String>,
    pub detail: String,
}

impl From<crate::inventory::ServedChain> for ServedChainEntry {
    fn from(v: crate::inventory::ServedChain) -> Self {
        Self {
            complete: v.complete,
            missing_issuer: v.missing_issuer,
            detail: v.detail,
        }
    }
}

/// A probe failure: its kind and a sentence with the server's own words where it gave any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeErrorEntry {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<crate::inventory::ProbeError> for ProbeErrorEntry {
    fn from(v: crate::inventory::ProbeError) -> Self {
        Self {
            kind: v.kind,
            message: v.message,
        }
    }
}

/// The outcome for one accepted domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutodiscoverEntry {
    pub domain: String,
    pub url: String,
    /// The address connected to, when known.
    pub address: Option<String>,
    pub status: CheckStatus,
    pub http_status: Option<u16>,
    pub error: Option<ProbeErrorEntry>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub checked_at: DateTime<Utc>,
}

impl From<crate::inventory::AutodiscoverCheck> for AutodiscoverEntry {
    fn from(v: crate::inventory::AutodiscoverCheck) -> Self {
        Self {
            domain: v.domain,
            url: v.url,
            address: v.address,
            status: v.status,
            http_status: v.http_status,
            error: v.error.map(Into::into),
            checked_at: v.checked_at,
        }
    }
}

/// A domain or namespace and the places it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedEntry {
    pub name: String,
    pub sources: Vec<String>,
}

impl From<crate::inventory::ContextItem> for NamedEntry {
    fn from(v: crate::inventory::ContextItem) -> Self {
        Self {
            name: v.name,
            sources: v.sources,
        }
    }
}

/// `Get-AuthConfig`: the Auth certificate thumbprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthConfigEntry {
    pub current: Option<String>,
    pub next: Option<String>,
    /// `NextCertificateEffectiveDate`: when the next certificate is due to take over.
    #[serde(default, with = "crate::time::serde_opt")]
    pub next_effective: Option<DateTime<Utc>>,
    pub previous: Option<String>,
    pub source: String,
}

impl AuthConfigEntry {
    /// The thumbprints it names: current, next and previous, as written in the export.
    pub fn thumbprints(&self) -> impl Iterator<Item = &str> {
        [&self.current, &self.next, &self.previous]
            .into_iter()
            .filter_map(|t| t.as_deref())
    }
}

impl From<crate::inventory::AuthConfig> for AuthConfigEntry {
    fn from(v: crate::inventory::AuthConfig) -> Self {
        Self {
            current: v.current,
            next: v.next,
            next_effective: v.next_effective,
            previous: v.previous,
            source: v.source,
        }
    }
}

/// A receive or send connector and what decides its TLS certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConnectorEntry {
    /// `Receive` or `Send`.
    pub kind: String,
    pub name: String,
    /// `Identity` as Exchange writes it (`EX01\Default Frontend EX01` for receive connectors).
    #[serde(default)]
    pub identity: Option<String>,
    /// Servers the connector runs on (receive: its server; send: source transport servers).
    pub servers: Vec<String>,
    /// `<I>issuer<S>subject`, when set.
    pub tls_certificate_name: Option<String>,
    pub fqdn: Option<String>,
    /// Receive: the `address:port` pairs it listens on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<String>,
    /// Receive: `AuthMechanism` flags (`Tls`, `Integrated`, `BasicAuth` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_mechanism: Vec<String>,
    /// Receive: `PermissionGroups` (`AnonymousUsers`, `ExchangeUsers`, `ExchangeServers` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_groups: Vec<String>,
    /// Receive: `FrontendTransport` or `HubTransport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    /// Send: `TlsDomain`, `TlsAuthLevel`, `CloudServicesMailEnabled`, `SmartHosts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_auth_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_services_mail_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub smart_hosts: Vec<String>,
    pub source: String,
}

impl From<crate::inventory::Connector> for ConnectorEntry {
    fn from(v: crate::inventory::Connector) -> Self {
        Self {
            kind: v.kind,
            name: v.name,
            identity: v.identity,
            servers: v.servers,
            tls_certificate_name: v.tls_certificate_name,
            fqdn: v.fqdn,
            bindings: v.bindings,
            auth_mechanism: v.auth_mechanism,
            permission_groups: v.permission_groups,
            transport_role: v.transport_role,
            enabled: v.enabled,
            require_tls: v.require_tls,
            tls_domain: v.tls_domain,
            tls_auth_level: v.tls_auth_level,
            cloud_services_mail_enabled: v.cloud_services_mail_enabled,
            smart_hosts: v.smart_hosts,
            source: v.source,
        }
    }
}

/// `Get-ImapSettings` / `Get-PopSettings`: the certificate name POP/IMAP present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolSettingEntry {
    /// `IMAP` or `POP`.
    pub protocol: String,
    pub server: String,
    pub x509_certificate_name: Option<String>,
    pub source: String,
}

impl From<crate::inventory::ProtocolSetting> for ProtocolSettingEntry {
    fn from(v: crate::inventory::ProtocolSetting) -> Self {
        Self {
            protocol: v.protocol,
            server: v.server,
            x509_certificate_name: v.x509_certificate_name,
            source: v.source,
        }
    }
}

/// An Exchange server from `Get-ExchangeServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEntry {
    pub name: String,
    pub fqdn: Option<String>,
    /// An Edge Transport server (its certificates are tied to the Edge Subscription).
    pub edge: bool,
    /// `ServerRole` (`Mailbox`, `Edge`, `ClientAccess` …).
    #[serde(default)]
    pub roles: Vec<String>,
    /// `AdminDisplayVersion` as Exchange writes it (`Version 15.2 (Build 1544.4)`).
    #[serde(default)]
    pub version: Option<String>,
    /// The product that version is: Exchange Server 2013, 2016, 2019 or Subscription Edition.
    #[serde(default)]
    pub product: Option<String>,
    pub source: String,
}

impl From<crate::inventory::ExchangeServer> for ServerEntry {
    fn from(v: crate::inventory::ExchangeServer) -> Self {
        Self {
            name: v.name,
            fqdn: v.fqdn,
            edge: v.edge,
            roles: v.roles,
            version: v.version,
            product: v.product,
            source: v.source,
        }
    }
}

/// An IIS site binding from `Get-WebBinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebBindingEntry {
    /// The server, when known (see `server_origin`); never guessed.
    pub server: Option<String>,
    pub server_origin: Option<ServerOrigin>,
    /// `Default Web Site`, `Exchange Back End` …
    pub site: String,
    /// `http` or `https`.
    pub protocol: String,
    /// As IIS writes it: `address:port:host header`.
    pub binding_information: String,
    /// `*` for all addresses.
    pub address: String,
    pub port: u16,
    pub host_header: Option<String>,
    /// The certificate's SHA-1 thumbprint (uppercase), for https bindings.
    pub certificate_hash: Option<String>,
    /// The store it is taken from (`MY`, `WebHosting`).
    pub certificate_store: Option<String>,
    pub source: String,
}

impl From<crate::inventory::WebBinding> for WebBindingEntry {
    fn from(v: crate::inventory::WebBinding) -> Self {
        Self {
            server: v.server,
            server_origin: v.server_origin,
            site: v.site,
            protocol: v.protocol,
            binding_information: v.binding_information,
            address: v.address,
            port: v.port,
            host_header: v.host_header,
            certificate_hash: v.certificate_hash,
            certificate_store: v.certificate_store,
            source: v.source,
        }
    }
}

/// `Get-TransportService` for one server: the internal transport (default SMTP) certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportServiceEntry {
    pub server: String,
    /// `InternalTransportCertificateThumbprint` (uppercase), when set.
    pub internal_transport_certificate: Option<String>,
    pub source: String,
}

impl From<crate::inventory::TransportService> for TransportServiceEntry {
    fn from(v: crate::inventory::TransportService) -> Self {
        Self {
            server: v.server,
            internal_transport_certificate: v.internal_transport_certificate,
            source: v.source,
        }
    }
}

/// One accepted risk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverRecord {
    /// Line of the `[[waiver]]` table, for people reading the report.
    pub line: usize,
    pub rule: String,
    /// Uppercase SHA-1 thumbprint, as Exchange shows it.
    pub thumbprint: Option<String>,
    /// `scheme://host:port`.
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies (`YYYY-MM-DD`), or the instant given.
    pub expires: String,
}

impl From<crate::waivers::Waiver> for WaiverRecord {
    fn from(v: crate::waivers::Waiver) -> Self {
        Self {
            line: v.line,
            rule: v.rule,
            thumbprint: v.thumbprint,
            endpoint: v.endpoint,
            server: v.server,
            reason: v.reason,
            owner: v.owner,
            expires: v.expires,
        }
    }
}

/// What became of a waiver in a scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverStatusEntry {
    #[serde(flatten)]
    pub waiver: WaiverRecord,
    pub status: WaiverOutcome,
    /// Findings it waived (applied), or would have waived (expired).
    pub matched: usize,
}

impl From<crate::waivers::WaiverStatus> for WaiverStatusEntry {
    fn from(v: crate::waivers::WaiverStatus) -> Self {
        Self {
            waiver: v.waiver.into(),
            status: v.status,
            matched: v.matched,
        }
    }
}
