//! Organisation facts read from Exchange exports: accepted domains, client namespaces, the
//! Auth configuration, connectors, POP/IMAP settings, servers, IIS bindings, transport services.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::server_key;

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
    /// `--probe-servers`: the endpoints the exports imply, probed to compare what each
    /// server serves with what it binds.
    pub server_probes: Vec<ServerProbe>,
    /// `--probe-servers`: servers that could not be probed, with why.
    pub unprobed_servers: Vec<(String, String)>,
    /// Servers other exports name (a virtual directory's `Server`), with where.
    pub mentioned_servers: Vec<(String, String)>,
    /// The accepted domain `Get-AcceptedDomain` marks `Default` (kept first in `domains`).
    pub default_domain: Option<String>,
    domain_index: HashMap<String, usize>,
    namespace_index: HashMap<String, usize>,
}

/// What a server's port serves, as Exchange configures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerPort {
    /// 443: the Default Web Site's https binding (clients).
    FrontEnd,
    /// 444: the Exchange Back End site's https binding (proxied from the front end).
    BackEnd,
    /// A port Receive connectors listen on: the certificate transport selects for STARTTLS.
    Smtp,
    /// 993: the IMAP4 certificate (`X509CertificateName`).
    Imap,
    /// 995: the POP3 certificate (`X509CertificateName`).
    Pop,
}

impl ServerPort {
    /// The scheme certaudit probes it with.
    pub fn scheme(self, port: u16) -> &'static str {
        match self {
            ServerPort::FrontEnd | ServerPort::BackEnd => "https",
            ServerPort::Smtp if port == 587 => "submission",
            ServerPort::Smtp => "smtp",
            ServerPort::Imap => "imaps",
            ServerPort::Pop => "pop3s",
        }
    }
}

/// One endpoint `--probe-servers` derived from the exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerProbe {
    /// The server as `Get-ExchangeServer` names it.
    pub server: String,
    /// `scheme://fqdn:port`, as the endpoint is named.
    pub target: String,
    pub port: u16,
    pub role: ServerPort,
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

impl AuthConfig {
    /// The thumbprints it names: current, next and previous, as written in the export.
    pub fn thumbprints(&self) -> impl Iterator<Item = &str> {
        [&self.current, &self.next, &self.previous]
            .into_iter()
            .filter_map(|t| t.as_deref())
    }
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
        for m in other.mentioned_servers {
            if !self.mentioned_servers.contains(&m) {
                self.mentioned_servers.push(m);
            }
        }
        if self.default_domain.is_none() {
            self.default_domain = other.default_domain;
        }
        self.default_domain_first();
    }

    /// Marks `name` as the organisation's default accepted domain (advice names it first).
    pub fn set_default_domain(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if self.default_domain.is_none() && !name.is_empty() {
            self.default_domain = Some(name);
            self.default_domain_first();
        }
    }

    /// Moves the default accepted domain to the front of `domains`.
    fn default_domain_first(&mut self) {
        let Some(default) = &self.default_domain else { return };
        if let Some(at) = self.domains.iter().position(|d| &d.name == default) {
            if at > 0 {
                let item = self.domains.remove(at);
                self.domains.insert(0, item);
                self.domain_index = self
                    .domains
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.name.clone(), i))
                    .collect();
            }
        }
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
            .flat_map(AuthConfig::thumbprints)
            .map(str::to_ascii_uppercase)
            .collect()
    }
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

/// Splits a connector's `<I>issuer<S>subject` into (issuer, subject).
pub fn parse_tls_certificate_name(text: &str) -> Option<(String, String)> {
    let rest = text.trim().strip_prefix("<I>")?;
    let (issuer, subject) = rest.split_once("<S>")?;
    Some((issuer.trim().to_string(), subject.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse_tls_certificate_name;

    #[test]
    fn splits_issuer_and_subject() {
        assert_eq!(
            parse_tls_certificate_name("<I>CN=R3, O=Let's Encrypt, C=US<S>CN=mail.contoso.com"),
            Some(("CN=R3, O=Let's Encrypt, C=US".into(), "CN=mail.contoso.com".into()))
        );
        assert_eq!(parse_tls_certificate_name("CN=mail.contoso.com"), None);
    }
}
