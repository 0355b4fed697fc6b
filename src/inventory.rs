//! The one model every input meets in: certificates keyed by the SHA-256 of their DER,
//! each with every place it was seen, plus a record of every input read.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::probe::{AutodiscoverCheck, ProbeError, Protocol};
use crate::trust::{ServedChain, Trust};
use crate::x509::CertDetails;

/// One distinct certificate (by DER) and everything known about it.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// SHA-1 of the DER, uppercase hex (the Exchange/Windows thumbprint).
    pub thumbprint: String,
    pub details: CertDetails,
    /// Every place the certificate was seen.
    pub sources: Vec<Source>,
    /// Chain validation result, filled by [`crate::trust::evaluate_inventory`].
    pub trust: Trust,
    /// Where Exchange has it installed, and for which services.
    pub bindings: Vec<Binding>,
}

/// `Get-ExchangeCertificate` service flags (IMAP 1, POP 2, UM 4, IIS 8, SMTP 16,
/// Federation 32, UMCallRouter 64).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Services(pub u32);

impl Services {
    pub const IMAP: u32 = 1;
    pub const POP: u32 = 2;
    pub const UM: u32 = 4;
    pub const IIS: u32 = 8;
    pub const SMTP: u32 = 16;
    pub const FEDERATION: u32 = 32;
    pub const UM_CALL_ROUTER: u32 = 64;
    const NAMES: [(u32, &'static str); 7] = [
        (Self::IMAP, "IMAP"),
        (Self::POP, "POP"),
        (Self::UM, "UM"),
        (Self::IIS, "IIS"),
        (Self::SMTP, "SMTP"),
        (Self::FEDERATION, "Federation"),
        (Self::UM_CALL_ROUTER, "UMCallRouter"),
    ];

    /// True when any of `flags` is set.
    pub fn any(self, flags: u32) -> bool {
        self.0 & flags != 0
    }

    /// Service names as Exchange writes them, in flag order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(f, _)| self.0 & f != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Parses the text form (`"IMAP, POP, IIS, SMTP"`, `"None"`) or a number.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if let Ok(n) = t.parse::<u32>() {
            return Some(Self(n));
        }
        let mut flags = 0;
        for part in t.split([',', ' ']).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("none") {
                continue;
            }
            flags |= Self::NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(part))?.0;
        }
        Some(Self(flags))
    }
}

/// Exchange's `CertificateStatus` names, by value.
pub const CERTIFICATE_STATUS: [&str; 8] = [
    "Unknown",
    "Valid",
    "Revoked",
    "DateInvalid",
    "Untrusted",
    "Invalid",
    "RevocationCheckFailure",
    "PendingRequest",
];

/// Exchange's `CertificateAuthorityType` names, by value.
pub const ROOT_CA_TYPE: [&str; 6] = ["None", "ThirdParty", "Enterprise", "Registry", "GroupPolicy", "Unknown"];

/// A certificate as one Exchange server reports it (`Get-ExchangeCertificate`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    pub server: String,
    /// None when the export does not say (e.g. taken without SerializationData): unknown, never guessed.
    pub services: Option<Services>,
    /// Exchange status (`Valid`, `PendingRequest` …), when known.
    pub status: Option<String>,
    pub self_signed: Option<bool>,
    pub root_ca_type: Option<String>,
    /// The export (path) this binding was read from.
    pub source: String,
}

/// Organisation facts: accepted domains, client namespaces, Auth configuration, connectors,
/// and POP/IMAP certificate settings, each with where it came from.
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    pub domains: Vec<ContextItem>,
    pub namespaces: Vec<ContextItem>,
    pub auth_configs: Vec<AuthConfig>,
    pub connectors: Vec<Connector>,
    pub protocol_settings: Vec<ProtocolSetting>,
    /// `Get-ExchangeServer`: names and roles.
    pub servers: Vec<ExchangeServer>,
    /// Signs of a hybrid deployment with Exchange Online, each naming where it was seen.
    pub hybrid: Vec<String>,
    /// IIS site bindings (`Get-WebBinding`).
    pub web_bindings: Vec<WebBinding>,
    /// `Get-TransportService`: the internal transport certificate per server.
    pub transport_services: Vec<TransportService>,
    domain_index: HashMap<String, usize>,
    namespace_index: HashMap<String, usize>,
}

/// How the server of an object was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerOrigin {
    /// The object names it (`PSComputerName`).
    Object,
    /// The collector's per-server folder the export sits in (`<root>/<SERVER>/Get-….xml`).
    Folder,
}

/// An IIS site binding from `Get-WebBinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebBinding {
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

impl WebBinding {
    /// The site that serves clients (OWA, EWS, EAS, MAPI, Autodiscover) on port 443.
    pub const FRONT_END_SITE: &'static str = "Default Web Site";
    /// The site the front end proxies to on port 444.
    pub const BACK_END_SITE: &'static str = "Exchange Back End";

    /// True for the Exchange Back End site.
    pub fn is_back_end(&self) -> bool {
        self.site.eq_ignore_ascii_case(Self::BACK_END_SITE)
    }

    /// True for the Default Web Site.
    pub fn is_front_end(&self) -> bool {
        self.site.eq_ignore_ascii_case(Self::FRONT_END_SITE)
    }
}

/// `Get-TransportService` for one server: the internal transport (default SMTP) certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportService {
    pub server: String,
    /// `InternalTransportCertificateThumbprint` (uppercase), when set.
    pub internal_transport_certificate: Option<String>,
    pub source: String,
}

/// An Exchange server from `Get-ExchangeServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeServer {
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

/// A domain or namespace and the places it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextItem {
    pub name: String,
    pub sources: Vec<String>,
    /// `sources` as a set, so that a name seen in many exports is merged in linear time.
    #[serde(skip)]
    seen: HashSet<String>,
}

/// `Get-AuthConfig`: the Auth certificate thumbprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthConfig {
    pub current: Option<String>,
    pub next: Option<String>,
    /// `NextCertificateEffectiveDate`: when the next certificate is due to take over.
    #[serde(default, with = "crate::time::serde_opt")]
    pub next_effective: Option<DateTime<Utc>>,
    pub previous: Option<String>,
    pub source: String,
}

/// A receive or send connector and what decides its TLS certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Connector {
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

impl Connector {
    /// True for a receive connector.
    pub fn is_receive(&self) -> bool {
        self.kind == "Receive"
    }

    /// The ports a receive connector listens on.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .bindings
            .iter()
            .filter_map(|b| b.rsplit_once(':').and_then(|(_, p)| p.trim().parse().ok()))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// What a receive connector takes mail from: `internet` (anonymous senders), `clients`
    /// (authenticated users, or the submission ports 587 and 465), or `internal` (servers only).
    /// On a Mailbox server, a HubTransport connector (`Default EX01` on 2525, `Client Proxy EX01`
    /// on 465) only takes what the server's own front end proxies to it: internal. On an Edge
    /// server every connector faces the network and is judged by its permission groups.
    pub fn exposure(&self, on_edge: bool) -> Exposure {
        let has = |g: &str| self.permission_groups.iter().any(|p| p.eq_ignore_ascii_case(g));
        let hub = self
            .transport_role
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("HubTransport"));
        if hub && !on_edge {
            Exposure::Internal
        } else if has("AnonymousUsers") {
            Exposure::Internet
        } else if has("ExchangeUsers") || self.ports().iter().any(|p| matches!(p, 587 | 465)) {
            Exposure::Clients
        } else {
            Exposure::Internal
        }
    }

    /// The name by which Exchange cmdlets find the connector: its identity, else its name.
    pub fn cmdlet_identity(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.name)
    }
}

/// Who sends mail to a receive connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    Internal,
    Clients,
    Internet,
}

impl Exposure {
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Internal => "internal",
            Exposure::Clients => "clients",
            Exposure::Internet => "internet",
        }
    }

    /// Who sends to a receive connector so exposed, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Exposure::Internal => "used between Exchange servers",
            Exposure::Clients => "takes mail from clients",
            Exposure::Internet => "takes anonymous mail from the internet",
        }
    }
}

/// `Get-ImapSettings` / `Get-PopSettings`: the certificate name POP/IMAP present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolSetting {
    /// `IMAP` or `POP`.
    pub protocol: String,
    pub server: String,
    pub x509_certificate_name: Option<String>,
    pub source: String,
}

impl Organisation {
    /// Adds an accepted domain (lowercase, deduplicated) seen at `source`.
    pub fn add_domain(&mut self, name: &str, source: &str) {
        add_item(&mut self.domains, &mut self.domain_index, name, source);
    }

    /// Adds a client namespace (lowercase, deduplicated) seen at `source`.
    pub fn add_namespace(&mut self, name: &str, source: &str) {
        add_item(&mut self.namespaces, &mut self.namespace_index, name, source);
    }

    /// Merges another set of facts into this one.
    pub fn merge(&mut self, other: Organisation) {
        for d in other.domains {
            d.sources.iter().for_each(|s| self.add_domain(&d.name, s));
        }
        for n in other.namespaces {
            n.sources.iter().for_each(|s| self.add_namespace(&n.name, s));
        }
        self.auth_configs.extend(other.auth_configs);
        self.connectors.extend(other.connectors);
        self.protocol_settings.extend(other.protocol_settings);
        self.servers.extend(other.servers);
        self.hybrid.extend(other.hybrid);
        self.web_bindings.extend(other.web_bindings);
        self.transport_services.extend(other.transport_services);
    }

    /// The `Get-ExchangeServer` entry whose short name is that of `server`.
    pub fn server(&self, server: &str) -> Option<&ExchangeServer> {
        let key = server_key(server);
        self.servers.iter().find(|s| server_key(&s.name) == key)
    }

    /// True when `Get-ExchangeServer` says `server` is an Edge Transport server.
    pub fn is_edge(&self, server: &str) -> bool {
        self.server(server).is_some_and(|s| s.edge)
    }

    /// Checks servers taken from folder names against `Get-ExchangeServer` (when it was read):
    /// a folder that names no known server leaves its objects without a server. Returns a
    /// sentence for each export so affected.
    pub fn confirm_folder_servers(&mut self) -> Vec<(String, String)> {
        if self.servers.is_empty() {
            return Vec::new();
        }
        let known: std::collections::HashSet<String> = self.servers.iter().map(|s| server_key(&s.name)).collect();
        let mut unconfirmed = Vec::new();
        for b in &mut self.web_bindings {
            if b.server_origin == Some(ServerOrigin::Folder) {
                if let Some(folder) = b.server.as_deref().filter(|s| !known.contains(&server_key(s))) {
                    unconfirmed.push((
                        b.source.clone(),
                        format!(
                            "folder {folder} names no server of Get-ExchangeServer: its web bindings are not audited"
                        ),
                    ));
                    b.server = None;
                    b.server_origin = None;
                }
            }
        }
        unconfirmed.sort();
        unconfirmed.dedup();
        unconfirmed
    }

    /// Accepted domains that need an autodiscover name (cloud routing domains do not).
    pub fn autodiscover_domains(&self) -> Vec<String> {
        self.domains
            .iter()
            .map(|d| d.name.clone())
            .filter(|d| needs_autodiscover(d))
            .collect()
    }

    /// Thumbprints (uppercase) named by any `Get-AuthConfig` as current, next or previous.
    pub fn auth_thumbprints(&self) -> Vec<String> {
        self.auth_configs
            .iter()
            .flat_map(|a| [&a.current, &a.next, &a.previous])
            .flatten()
            .map(|t| t.to_ascii_uppercase())
            .collect()
    }
}

/// A server's short name, lowercase (`EX01.contoso.com` and `ex01` are the same server).
pub fn server_key(server: &str) -> String {
    server.split('.').next().unwrap_or(server).trim().to_ascii_lowercase()
}

/// False for Microsoft's cloud routing domains (`*.onmicrosoft.com`), which need no
/// autodiscover name on the organisation's certificate.
pub fn needs_autodiscover(domain: &str) -> bool {
    !domain.ends_with(".onmicrosoft.com") && !domain.ends_with(".onmicrosoft.us")
}

/// Adds `name` seen at `source` to `items`, looking names up through `index` (name → position).
fn add_item(items: &mut Vec<ContextItem>, index: &mut HashMap<String, usize>, name: &str, source: &str) {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return;
    }
    match index.get(&name) {
        Some(&at) => {
            let item = &mut items[at];
            if item.seen.insert(source.to_string()) {
                item.sources.push(source.to_string());
            }
        }
        None => {
            index.insert(name.clone(), items.len());
            items.push(ContextItem {
                name,
                sources: vec![source.to_string()],
                seen: HashSet::from([source.to_string()]),
            });
        }
    }
}

/// Where a certificate was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// `file` for certificate stores.
    pub kind: String,
    /// The file path, with `#N` for the N-th certificate of a bundle.
    pub location: String,
}

/// What an input file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Pem,
    Der,
    Pkcs7,
    Pkcs12,
    /// PowerShell `Export-Clixml` of Exchange cmdlets.
    Clixml,
    /// `ConvertTo-Json` of `Get-ExchangeCertificate`.
    ExchangeJson,
    /// Read but not a certificate store (the record says why).
    Skipped,
    /// Could not be classified (unreadable, empty, unrecognised content).
    Unknown,
}

/// One input as recorded in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRecord {
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

/// What became of a probed endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointStatus {
    /// The handshake completed and the chain was captured.
    Ok,
    /// A port of an expanded bare host refused the connection: the service is not offered.
    Closed,
    /// Could not be audited (the error says why).
    Error,
}

/// A live endpoint as probed: what it presented and how.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `scheme://host:port`.
    pub target: String,
    /// The host probed (name or address), as SNI and name checks use it.
    pub host: String,
    /// The host is an IP literal (no SNI is sent; names are checked against IP SANs).
    pub ip_literal: bool,
    pub port: u16,
    pub protocol: Protocol,
    /// The address connected to (`ip:port`).
    pub address: Option<String>,
    /// The server name sent in SNI.
    pub sni: Option<String>,
    /// Came from a bare host's expansion to the client set.
    pub expanded: bool,
    pub status: EndpointStatus,
    pub error: Option<ProbeError>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// SHA-256 of each presented certificate, in presented order (leaf first).
    pub chain: Vec<String>,
    pub probed_at: DateTime<Utc>,
    /// Whether the chain as served reaches a trust anchor, filled by trust evaluation.
    pub served_chain: Option<ServedChain>,
    /// Notes that are not errors (e.g. a presented certificate that could not be parsed).
    pub notes: Vec<String>,
}

impl Endpoint {
    /// An endpoint about to be probed (status `error` until the probe says otherwise).
    pub fn new(target: String, host: String, port: u16, protocol: Protocol) -> Self {
        Self {
            target,
            host,
            ip_literal: false,
            port,
            protocol,
            address: None,
            sni: None,
            expanded: false,
            status: EndpointStatus::Error,
            error: None,
            tls_version: None,
            cipher: None,
            chain: Vec::new(),
            probed_at: Utc::now(),
            served_chain: None,
            notes: Vec::new(),
        }
    }

    /// Records a failure.
    pub fn fail(&mut self, error: ProbeError) {
        self.status = EndpointStatus::Error;
        self.error = Some(error);
    }

    /// The presented leaf (SHA-256), if any.
    pub fn leaf(&self) -> Option<&str> {
        self.chain.first().map(String::as_str)
    }
}

/// All certificates and inputs of one scan.
#[derive(Debug, Default)]
pub struct Inventory {
    pub certificates: Vec<Certificate>,
    pub inputs: Vec<InputRecord>,
    pub organisation: Organisation,
    /// Probed endpoints, in the order of the targets.
    pub endpoints: Vec<Endpoint>,
    /// Autodiscover reachability per accepted domain (when probing).
    pub autodiscover: Vec<AutodiscoverCheck>,
    by_sha256: HashMap<String, usize>,
    /// Sightings and bindings already recorded, per certificate index: merging stays linear
    /// however many times a certificate is seen.
    seen_sources: HashSet<(usize, Source)>,
    seen_bindings: HashSet<(usize, Binding)>,
}

impl Certificate {
    /// A certificate seen once, with its hashes computed (not yet trust-evaluated).
    pub fn new(der: Vec<u8>, details: CertDetails, source: Source) -> Self {
        Self {
            sha256: crate::digest::sha256_hex(&der),
            thumbprint: crate::digest::thumbprint(&der),
            der,
            details,
            sources: vec![source],
            trust: Trust::default(),
            bindings: Vec::new(),
        }
    }
}

impl Inventory {
    /// Adds a certificate, merging its sightings into an earlier record of the same DER.
    /// Returns the index of the record.
    pub fn add(&mut self, mut cert: Certificate) -> usize {
        let (i, sources, bindings) = match self.by_sha256.get(&cert.sha256) {
            Some(&i) => (i, std::mem::take(&mut cert.sources), std::mem::take(&mut cert.bindings)),
            None => {
                let i = self.certificates.len();
                self.by_sha256.insert(cert.sha256.clone(), i);
                let sources = std::mem::take(&mut cert.sources);
                let bindings = std::mem::take(&mut cert.bindings);
                self.certificates.push(cert);
                (i, sources, bindings)
            }
        };
        for source in sources {
            if self.seen_sources.insert((i, source.clone())) {
                self.certificates[i].sources.push(source);
            }
        }
        for binding in bindings {
            if self.seen_bindings.insert((i, binding.clone())) {
                self.certificates[i].bindings.push(binding);
            }
        }
        i
    }

    /// Drops a binding whose services are unknown (a store export, an unreadable
    /// SerializationData) when another export of the same server knows the certificate's
    /// services there: the known view wins, nothing is guessed.
    pub fn drop_unknown_bindings_beside_known(&mut self) {
        for cert in &mut self.certificates {
            if cert.bindings.iter().all(|b| b.services.is_some()) {
                continue;
            }
            let known: std::collections::HashSet<String> = cert
                .bindings
                .iter()
                .filter(|b| b.services.is_some())
                .map(|b| server_key(&b.server))
                .collect();
            cert.bindings
                .retain(|b| b.services.is_some() || !known.contains(&server_key(&b.server)));
        }
    }

    /// Looks a certificate up by its SHA-256 (lowercase hex).
    pub fn get(&self, sha256: &str) -> Option<&Certificate> {
        self.index_of(sha256).map(|i| &self.certificates[i])
    }

    /// The index of a certificate by its SHA-256 (lowercase hex).
    pub fn index_of(&self, sha256: &str) -> Option<usize> {
        self.by_sha256.get(sha256).copied()
    }

    /// Adds a probed endpoint and the certificates it presented (sources `endpoint`).
    pub fn add_endpoint(&mut self, mut endpoint: Endpoint, chain_der: Vec<Vec<u8>>) {
        for (n, der) in chain_der.into_iter().enumerate() {
            match CertDetails::parse(&der) {
                Ok(details) => {
                    let source = Source {
                        kind: "endpoint".into(),
                        location: if n == 0 {
                            endpoint.target.clone()
                        } else {
                            format!("{}#{}", endpoint.target, n + 1)
                        },
                    };
                    self.add(Certificate::new(der, details, source));
                }
                Err(e) => endpoint
                    .notes
                    .push(format!("presented certificate #{} could not be parsed: {e}", n + 1)),
            }
        }
        self.endpoints.push(endpoint);
    }
}
