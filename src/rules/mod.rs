//! Evaluate: the rule trait, the registry of every rule, and the engine that runs a pack.
//!
//! One rule per file. Each rule has a stable kebab-case id (see DESIGN.md), a title, a default
//! severity, a rationale, remediation text naming the Exchange cmdlet to use, and references.

pub mod pack;
pub mod params;

mod auth_certificate_missing_on_server;
mod auth_certificate_not_published;
mod autodiscover_unreachable;
mod connector_certificate_missing;
mod expired;
mod expiring_soon;
mod hostname_mismatch;
mod iis_binding_invalid;
mod incomplete_chain;
mod internal_name_in_san;
mod internal_transport_certificate_invalid;
mod issuer_not_approved;
mod missing_autodiscover_san;
mod missing_mail_san;
mod multiple_iis_certificates;
mod not_yet_valid;
mod probe_failed;
mod san_count_over_limit;
mod smtp_certificate_selection;
mod stale_smtp_binding;
mod starttls_not_offered;
mod status_not_valid;
mod untrusted_issuer;
mod weak_key;
mod weak_signature;
mod wildcard_on_pop_imap;

pub use connector_certificate_missing::parse_tls_certificate_name;
pub use internal_name_in_san::internal_name_reason;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::inventory::{Binding, Certificate, Endpoint, Inventory, Organisation};

pub use pack::{load_pack, ConfiguredRule, PackError, PackInfo, RuleSet};

/// Finding severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// Which certificates a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Server (end-entity) certificates only: CA certificates are not judged by name rules.
    EndEntity,
    /// Every certificate, CA certificates included (expiry, key and signature strength).
    All,
}

/// The fixed description of a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub default_severity: Severity,
    pub default_enabled: bool,
    pub scope: Scope,
    pub rationale: &'static str,
    /// Remediation text; `{thumbprint}`, `{subject}`, `{not_after}`, `{server}` and the hit's
    /// own values (`{connector}`, `{fqdn}` …) are filled in per finding.
    pub remediation: &'static str,
    /// Remediation for a finding on an Edge Transport server, when [`RuleMeta::remediation`]
    /// speaks of IIS or virtual directories (an Edge server has neither).
    pub edge_remediation: Option<&'static str>,
    pub references: &'static [&'static str],
}

/// What a rule reports.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    /// Overrides the configured severity (e.g. the expiry window that matched).
    pub severity: Option<Severity>,
    pub message: String,
    /// The values that triggered the finding.
    pub evidence: Map<String, Value>,
    /// The server concerned. Certificate hits without one are repeated for every server the
    /// certificate is bound on.
    pub server: Option<String>,
    /// The Exchange services concerned.
    pub services: Vec<String>,
    /// The certificate concerned (organisation-level rules set it; certificate rules need not).
    pub certificate: Option<usize>,
    /// The probed endpoint concerned (index into the inventory's endpoints).
    pub endpoint: Option<usize>,
    /// Replaces the rule's remediation template (e.g. Auth certificate rollover).
    pub remediation: Option<&'static str>,
    /// Values for the remediation template's placeholders (`{connector}`, `{fqdn}` …).
    pub vars: Vec<(&'static str, String)>,
}

impl Hit {
    /// A hit at the rule's configured severity.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// Adds an evidence value.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    /// Names the endpoint concerned (and its service).
    pub fn at_endpoint(mut self, index: usize, endpoint: &Endpoint) -> Self {
        self.endpoint = Some(index);
        self.services = vec![endpoint.protocol.service().to_string()];
        self
    }

    /// Names the server and services concerned.
    pub fn on(mut self, server: &str, services: Vec<String>) -> Self {
        self.server = Some(server.to_string());
        self.services = services;
        self
    }

    /// Gives the remediation template's `{key}` a value.
    pub fn fill(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.vars.push((key, value.into()));
        self
    }

    /// Names the certificate concerned (organisation-level rules).
    pub fn about(mut self, certificate: Option<usize>) -> Self {
        self.certificate = certificate;
        self
    }

    /// Sets the severity of this hit (overriding the configured one).
    pub fn at(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}

/// Something in scope that a rule could not judge, and why (an export it needs is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub rule: &'static str,
    /// What was not audited (`web binding *:444: of 'Exchange Back End' on EX05`).
    pub subject: String,
    pub reason: String,
    pub server: Option<String>,
}

/// What rules may consult besides the certificate itself.
pub struct Context<'a> {
    /// The evaluation instant (`--at`).
    pub at: DateTime<Utc>,
    pub inventory: &'a Inventory,
    auth_thumbprints: Vec<String>,
    /// Bindings by server short name, and the servers' names as first seen, sorted.
    by_server: HashMap<String, Vec<(usize, &'a Binding)>>,
    servers: Vec<String>,
    /// Endpoints by the certificate index of the leaf they presented.
    serving: HashMap<usize, Vec<usize>>,
    /// What rules could not judge (see [`Context::not_audited`]).
    gaps: std::sync::Mutex<Vec<Gap>>,
    /// Short names of the Edge Transport servers (`Get-ExchangeServer`).
    edge: std::collections::HashSet<String>,
}

/// The subject CN Exchange gives its OAuth signing certificate.
pub const AUTH_CERTIFICATE_CN: &str = "Microsoft Exchange Server Auth Certificate";

impl<'a> Context<'a> {
    /// A context for evaluating `inventory` at `at`.
    pub fn new(inventory: &'a Inventory, at: DateTime<Utc>) -> Self {
        let mut by_server: HashMap<String, Vec<(usize, &'a Binding)>> = HashMap::new();
        let mut servers: Vec<String> = Vec::new();
        for (i, cert) in inventory.certificates.iter().enumerate() {
            for b in &cert.bindings {
                let entry = by_server.entry(server_key(&b.server)).or_default();
                if entry.is_empty() {
                    servers.push(b.server.clone());
                }
                entry.push((i, b));
            }
        }
        servers.sort_by_key(|s| server_key(s));
        let mut serving: HashMap<usize, Vec<usize>> = HashMap::new();
        for (e, endpoint) in inventory.endpoints.iter().enumerate() {
            if let Some(leaf) = endpoint.leaf().and_then(|h| inventory.index_of(h)) {
                serving.entry(leaf).or_default().push(e);
            }
        }
        Self {
            at,
            inventory,
            auth_thumbprints: inventory.organisation.auth_thumbprints(),
            by_server,
            servers,
            serving,
            gaps: std::sync::Mutex::new(Vec::new()),
            edge: inventory
                .organisation
                .servers
                .iter()
                .filter(|s| s.edge)
                .map(|s| server_key(&s.name))
                .collect(),
        }
    }

    /// Records that `rule` could not judge `subject`, and why.
    pub fn not_audited(&self, rule: &'static str, subject: String, reason: impl Into<String>, server: Option<&str>) {
        let gap = Gap {
            rule,
            subject,
            reason: reason.into(),
            server: server.map(str::to_string),
        };
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).push(gap);
    }

    /// True when `Get-ExchangeServer` says `server` is an Edge Transport server.
    pub fn is_edge(&self, server: &str) -> bool {
        !self.edge.is_empty() && self.edge.contains(&server_key(server))
    }

    /// True when a certificate export (Get-ExchangeCertificate, or a store export) was read
    /// for `server`: only then can "not on the server" be said.
    pub fn has_certificate_export(&self, server: &str) -> bool {
        !self.bindings_on(server).is_empty()
    }

    /// The certificate with this SHA-1 thumbprint on `server`, with its binding there.
    pub fn certificate_on(&self, server: &str, thumbprint: &str) -> Option<(usize, &'a Binding)> {
        let certs = &self.inventory.certificates;
        self.bindings_on(server)
            .iter()
            .find(|(i, _)| certs[*i].thumbprint.eq_ignore_ascii_case(thumbprint))
            .copied()
    }

    pub fn organisation(&self) -> &'a Organisation {
        &self.inventory.organisation
    }

    /// The Exchange Auth (OAuth) certificate: named by `Get-AuthConfig`, or by its subject.
    pub fn is_auth_certificate(&self, cert: &Certificate) -> bool {
        self.auth_thumbprints.contains(&cert.thumbprint)
            || cert
                .details
                .common_names
                .iter()
                .any(|cn| cn.eq_ignore_ascii_case(AUTH_CERTIFICATE_CN))
    }

    /// The role `Get-AuthConfig` gives the certificate: `current`, `next` or `previous`
    /// (`subject` when it is only recognised by its subject name).
    pub fn auth_role(&self, cert: &Certificate) -> Option<&'static str> {
        let tp = Some(cert.thumbprint.as_str());
        for a in &self.inventory.organisation.auth_configs {
            if a.current.as_deref() == tp {
                return Some("current");
            }
            if a.next.as_deref() == tp {
                return Some("next");
            }
        }
        for a in &self.inventory.organisation.auth_configs {
            if a.previous.as_deref() == tp {
                return Some("previous");
            }
        }
        self.is_auth_certificate(cert).then_some("subject")
    }

    /// Every (certificate index, binding) on the server whose short name matches `server`.
    pub fn bindings_on(&self, server: &str) -> &[(usize, &'a Binding)] {
        self.by_server
            .get(&server_key(server))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Indices of the endpoints that presented the certificate (by inventory index) as their leaf.
    pub fn endpoints_serving(&self, cert: usize) -> &[usize] {
        self.serving.get(&cert).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Indices of the endpoints that presented `cert` as their leaf.
    pub fn endpoints_serving_cert(&self, cert: &Certificate) -> &[usize] {
        self.inventory
            .index_of(&cert.sha256)
            .map(|i| self.endpoints_serving(i))
            .unwrap_or(&[])
    }

    /// The end-entity leaf an endpoint presented, when the endpoint speaks `protocol`.
    pub fn leaf_served_on(&self, endpoint: &Endpoint, protocol: crate::probe::Protocol) -> Option<&'a Certificate> {
        if endpoint.protocol != protocol {
            return None;
        }
        self.leaf(endpoint).map(|(_, c)| c).filter(|c| !c.details.is_ca)
    }

    /// The Exchange services answering on these endpoints, each once, in first-seen order.
    pub fn services_of_endpoints(&self, endpoints: &[usize]) -> Vec<String> {
        let mut services: Vec<String> = Vec::new();
        for &e in endpoints {
            let s = self.inventory.endpoints[e].protocol.service();
            if !services.iter().any(|x| x == s) {
                services.push(s.to_string());
            }
        }
        services
    }

    /// The leaf an endpoint presented, with its inventory index.
    pub fn leaf(&self, endpoint: &Endpoint) -> Option<(usize, &'a Certificate)> {
        let i = self.inventory.index_of(endpoint.leaf()?)?;
        Some((i, &self.inventory.certificates[i]))
    }

    /// The server an endpoint's host names, when it is a server exports were read for.
    pub fn server_for_host(&self, host: &str) -> Option<&String> {
        let key = server_key(host);
        self.servers.iter().find(|s| server_key(s) == key)
    }

    /// Servers that certificate exports were read for, sorted by short name.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }
}

/// Remediation for an Auth certificate that expires: the rollover procedure.
pub const AUTH_ROLLOVER: &str = "Roll the Auth certificate over before {not_after}: create a new one with New-ExchangeCertificate -KeySize 2048 -PrivateKeyExportable $true -SubjectName 'cn=Microsoft Exchange Server Auth Certificate' -FriendlyName 'Microsoft Exchange Server Auth Certificate' -DomainName @(), stage it with Set-AuthConfig -NewCertificateThumbprint <new thumbprint> -NewCertificateEffectiveDate (Get-Date).AddHours(48), wait until it has replicated to every server, then Set-AuthConfig -PublishCertificate and Set-AuthConfig -ClearPreviousCertificate, and restart MSExchangeServiceHost and the OWA/ECP app pools; if hybrid is configured, re-run the Hybrid Configuration Wizard. (MonitorExchangeAuthCertificate.ps1 from CSS-Exchange automates this.)";

/// Remediation for an expired previous Auth certificate: clear it.
pub const AUTH_CLEAR_PREVIOUS: &str = "The expired certificate {thumbprint} is Get-AuthConfig's previous Auth certificate: clear it with Set-AuthConfig -ClearPreviousCertificate, then remove it with Remove-ExchangeCertificate -Server {server} -Thumbprint {thumbprint}.";

pub use crate::inventory::server_key;

/// Service names of a binding (empty when unknown).
pub fn service_names(binding: &Binding) -> Vec<String> {
    binding
        .services
        .map(|s| s.names().iter().map(|n| n.to_string()).collect())
        .unwrap_or_default()
}

/// A compliance rule. Implementations live one per file in this folder.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Sets a pack parameter; the error names what is wrong with the value.
    fn set_param(&mut self, key: &str, _value: &toml::Value) -> Result<(), String> {
        Err(format!("unknown parameter `{key}` for rule `{}`", self.meta().id))
    }

    /// Checks one certificate for at most one problem (most rules).
    fn check(&self, _cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        None
    }

    /// Checks one certificate; by default the one hit of [`Rule::check`].
    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        self.check(cert, ctx).into_iter().collect()
    }

    /// Checks what spans certificates: servers, connectors, autodiscover.
    fn check_organisation(&self, _ctx: &Context<'_>) -> Vec<Hit> {
        Vec::new()
    }

    /// Checks one probed endpoint (`index` into the inventory's endpoints).
    fn check_endpoint(&self, _index: usize, _endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        Vec::new()
    }
}

/// Every rule this build knows, with default parameters, in report order.
pub fn registry() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(expired::Expired),
        Box::new(expiring_soon::ExpiringSoon::default()),
        Box::new(not_yet_valid::NotYetValid),
        Box::new(untrusted_issuer::UntrustedIssuer::default()),
        Box::new(issuer_not_approved::IssuerNotApproved::default()),
        Box::new(internal_name_in_san::InternalNameInSan),
        Box::new(san_count_over_limit::SanCountOverLimit::default()),
        Box::new(weak_key::WeakKey::default()),
        Box::new(weak_signature::WeakSignature),
        Box::new(missing_autodiscover_san::MissingAutodiscoverSan),
        Box::new(missing_mail_san::MissingMailSan),
        Box::new(wildcard_on_pop_imap::WildcardOnPopImap),
        Box::new(stale_smtp_binding::StaleSmtpBinding),
        Box::new(multiple_iis_certificates::MultipleIisCertificates),
        Box::new(status_not_valid::StatusNotValid),
        Box::new(connector_certificate_missing::ConnectorCertificateMissing),
        Box::new(iis_binding_invalid::IisBindingInvalid::default()),
        Box::new(internal_transport_certificate_invalid::InternalTransportCertificateInvalid::default()),
        Box::new(auth_certificate_missing_on_server::AuthCertificateMissingOnServer),
        Box::new(auth_certificate_not_published::AuthCertificateNotPublished),
        Box::new(smtp_certificate_selection::SmtpCertificateSelection::default()),
        Box::new(hostname_mismatch::HostnameMismatch::default()),
        Box::new(incomplete_chain::IncompleteChain),
        Box::new(probe_failed::ProbeFailed::default()),
        Box::new(starttls_not_offered::StarttlsNotOffered),
        Box::new(autodiscover_unreachable::AutodiscoverUnreachable),
    ]
}

/// A finding as the engine produces it, before it is frozen into the report model.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// Index into the inventory's certificates.
    pub certificate: Option<usize>,
    /// Index into the inventory's endpoints.
    pub endpoint: Option<usize>,
    pub server: Option<String>,
    pub services: Vec<String>,
    pub evidence: Map<String, Value>,
    /// Remediation with the certificate's and server's values filled in.
    pub remediation: String,
}

/// What the rules made of an inventory.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Sorted by severity (most severe first), then rule order, then certificate and server.
    pub findings: Vec<Finding>,
    /// What rules could not judge, in rule order.
    pub gaps: Vec<Gap>,
}

/// Runs every enabled rule of the set over the inventory.
pub fn evaluate(inventory: &Inventory, rules: &RuleSet, at: DateTime<Utc>) -> Evaluation {
    use rayon::prelude::*;
    let ctx = Context::new(inventory, at);
    let mut findings: Vec<Finding> = inventory
        .certificates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, cert)| {
            let ctx = &ctx;
            rules.enabled().flat_map(move |configured| {
                let meta = configured.rule.meta();
                if meta.scope == Scope::EndEntity && cert.details.is_ca {
                    return Vec::new();
                }
                configured
                    .rule
                    .check_certificate(cert, ctx)
                    .into_iter()
                    .flat_map(|hit| per_server(hit, cert))
                    .map(|hit| served_on(hit, i, ctx))
                    .map(|hit| {
                        finding(
                            configured,
                            Hit {
                                certificate: Some(i),
                                ..hit
                            },
                            ctx,
                        )
                    })
                    .collect()
            })
        })
        .collect();
    for (e, endpoint) in inventory.endpoints.iter().enumerate() {
        for configured in rules.enabled() {
            for mut hit in configured.rule.check_endpoint(e, endpoint, &ctx) {
                hit.endpoint = Some(e);
                if hit.certificate.is_none() {
                    hit.certificate = ctx.leaf(endpoint).map(|(i, _)| i);
                }
                if hit.server.is_none() {
                    hit.server = ctx.server_for_host(&endpoint.host).cloned();
                }
                findings.push(finding(configured, hit, &ctx));
            }
        }
    }
    for configured in rules.enabled() {
        for hit in configured.rule.check_organisation(&ctx) {
            findings.push(finding(configured, hit, &ctx));
        }
    }
    let order = |id: &str| {
        rules
            .rules
            .iter()
            .position(|r| r.rule.meta().id == id)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| order(a.rule.id).cmp(&order(b.rule.id)))
            .then_with(|| a.certificate.cmp(&b.certificate))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
            .then_with(|| a.server.cmp(&b.server))
    });
    let mut gaps = ctx.gaps.into_inner().unwrap_or_else(|e| e.into_inner());
    gaps.sort_by(|a, b| {
        order(a.rule)
            .cmp(&order(b.rule))
            .then_with(|| a.server.cmp(&b.server))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    gaps.dedup();
    Evaluation { findings, gaps }
}

/// A certificate hit that names no server is repeated for each server the certificate is
/// bound on, with that server's services.
fn per_server(hit: Hit, cert: &Certificate) -> Vec<Hit> {
    if hit.server.is_some() || hit.endpoint.is_some() || cert.bindings.is_empty() {
        return vec![hit];
    }
    cert.bindings
        .iter()
        .map(|b| Hit {
            server: Some(b.server.clone()),
            services: service_names(b),
            ..hit.clone()
        })
        .collect()
}

/// A certificate hit about a certificate that endpoints presented lists them; when no Exchange
/// binding names a server, the first endpoint (and the services of all) stand for where it is seen.
fn served_on(mut hit: Hit, cert: usize, ctx: &Context<'_>) -> Hit {
    let serving = ctx.endpoints_serving(cert);
    if serving.is_empty() {
        return hit;
    }
    let endpoints = &ctx.inventory.endpoints;
    if serving.len() > 1 && !hit.evidence.contains_key("endpoints") {
        let targets: Vec<String> = serving.iter().map(|&e| endpoints[e].target.clone()).collect();
        hit = hit.with("endpoints", targets);
    }
    if hit.server.is_none() && hit.endpoint.is_none() {
        hit.endpoint = Some(serving[0]);
        hit.services = ctx.services_of_endpoints(serving);
    }
    hit
}

/// Remediation values every finding may use: `{namespace}` (the first client namespace, else
/// `mail.` under the first accepted domain) and `{domain}` (the first accepted domain).
fn organisation_vars(org: &crate::inventory::Organisation) -> [(&'static str, String); 2] {
    let domain = org.autodiscover_domains().into_iter().next();
    let namespace = org
        .namespaces
        .first()
        .map(|n| n.name.clone())
        .or_else(|| domain.as_ref().map(|d| format!("mail.{d}")));
    [
        ("namespace", namespace.unwrap_or_else(|| "<namespace>".into())),
        ("domain", domain.unwrap_or_else(|| "<domain>".into())),
    ]
}

/// Edge Transport servers are not in the organisation's Active Directory: their cmdlets run
/// in the Edge server's own shell, without `-Server`.
const EDGE_SHELL: &str = " (Run these in the Exchange Management Shell on {server} itself: an Edge Transport server is managed locally, without -Server.)";

fn finding(configured: &ConfiguredRule, hit: Hit, ctx: &Context<'_>) -> Finding {
    let inventory = ctx.inventory;
    let meta = configured.rule.meta();
    let on_edge = hit.server.as_deref().is_some_and(|s| ctx.is_edge(s));
    let template = match (hit.remediation, on_edge, meta.edge_remediation) {
        (Some(own), _, _) => own,
        (None, true, Some(edge)) => edge,
        _ => meta.remediation,
    };
    let cert = hit.certificate.map(|i| &inventory.certificates[i]);
    let mut template = template.to_string();
    if on_edge && template.contains("-Server {server}") {
        template = template.replace(" -Server {server}", "");
        template.push_str(EDGE_SHELL);
    }
    let services = (!hit.services.is_empty()).then(|| hit.services.join(","));
    let endpoint = hit.endpoint.map(|e| &inventory.endpoints[e]);
    let known = |key: &str| -> Option<String> {
        if let Some((_, v)) = hit.vars.iter().find(|(k, _)| *k == key) {
            return Some(v.clone());
        }
        match key {
            "server" => hit.server.clone(),
            "services" => services.clone(),
            "endpoint" => endpoint.map(|e| e.target.clone()),
            "host" => endpoint.map(|e| e.host.clone()),
            "thumbprint" => cert.map(|c| c.thumbprint.clone()),
            "subject" => cert.map(|c| c.details.subject.clone()),
            "not_after" => cert.map(|c| c.details.not_after.format("%Y-%m-%d").to_string()),
            _ => organisation_vars(&inventory.organisation)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v),
        }
    };
    let remediation = render_template(&template, known);
    Finding {
        rule: meta,
        severity: hit.severity.unwrap_or(configured.severity),
        message: hit.message,
        certificate: hit.certificate,
        endpoint: hit.endpoint,
        remediation,
        server: hit.server,
        services: hit.services,
        evidence: hit.evidence,
    }
}

/// Fills a remediation template in one pass: each `{key}` takes `known(key)`, or `<key>` (with
/// spaces for underscores) when the value is not known. Inserted values are never scanned
/// again, so a name that contains braces stays as it is.
pub fn render_template(template: &str, known: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let key_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if key_len > 0 && after[key_len..].starts_with('}') {
            let key = &after[..key_len];
            match known(key) {
                Some(value) => out.push_str(&value),
                None => {
                    out.push('<');
                    out.push_str(&key.replace('_', " "));
                    out.push('>');
                }
            }
            rest = &after[key_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Whole days from `at` to `until`, rounded down (negative once `until` has passed).
pub fn days_between(at: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    (until - at).num_seconds().div_euclid(86_400)
}

/// Reads a TOML integer parameter that must be positive.
pub(crate) fn positive_int(key: &str, value: &toml::Value) -> Result<u32, String> {
    value
        .as_integer()
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{key}` must be a positive integer"))
}

/// The names of `wanted` that the certificate's SAN DNS names do not cover (RFC 6125).
pub(crate) fn uncovered_names(cert: &Certificate, wanted: &[String]) -> Vec<String> {
    wanted
        .iter()
        .filter(|n| !crate::x509::names_cover(&cert.details.dns_names, n))
        .cloned()
        .collect()
}

/// The certificate's DNS names followed by `extra` (each once), comma-separated: the
/// `-DomainName` list of a replacement request.
pub(crate) fn names_plus(cert: &Certificate, extra: &[String]) -> String {
    let mut names: Vec<String> = cert.details.dns_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    for n in extra {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names.join(",")
}

/// The hit for an endpoint whose certificate lacks `missing` of the names listed as `key`.
pub(crate) fn endpoint_lacks_names(
    index: usize,
    endpoint: &Endpoint,
    cert: &Certificate,
    missing: Vec<String>,
    key: &str,
    wanted: Vec<String>,
) -> Hit {
    Hit::new(format!(
        "{} serves a certificate that lacks {}.",
        endpoint.target,
        missing.join(", ")
    ))
    .with("missing_names", missing)
    .with(key, wanted)
    .with("dns_names", cert.details.dns_names.clone())
    .at_endpoint(index, endpoint)
}

/// Reads a TOML severity name (`"low"` …).
pub(crate) fn severity_param(key: &str, value: &toml::Value) -> Result<Severity, String> {
    value
        .as_str()
        .ok_or_else(|| format!("`{key}` must be a severity name"))?
        .parse()
}

/// Reads a TOML array of strings.
pub(crate) fn string_list(key: &str, value: &toml::Value) -> Result<Vec<String>, String> {
    let err = || format!("`{key}` must be an array of strings");
    value
        .as_array()
        .ok_or_else(err)?
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(err))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let rules = registry();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        for r in &rules {
            let m = r.meta();
            assert!(m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", m.id);
            assert!(!m.title.is_empty() && !m.rationale.is_empty());
            assert!(!m.references.is_empty(), "{} has no references", m.id);
            assert!(
                m.remediation.contains("Exchange") || m.remediation.contains("-ExchangeCertificate"),
                "{} remediation names no Exchange cmdlet",
                m.id
            );
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
    }

    #[test]
    fn no_remediation_tells_an_edge_server_to_use_iis() {
        // What an Edge Transport server does not have: IIS, client access, virtual directories.
        const NOT_ON_EDGE: [&str; 5] = [
            "iisreset",
            "VirtualDirectory",
            "-Services IIS",
            "Set-ClientAccessService",
            "IIS,",
        ];
        for rule in registry() {
            let m = rule.meta();
            if NOT_ON_EDGE.iter().any(|w| m.remediation.contains(w)) {
                let edge = m
                    .edge_remediation
                    .unwrap_or_else(|| panic!("{} speaks of IIS but has no Edge remediation", m.id));
                for w in NOT_ON_EDGE {
                    assert!(!edge.contains(w), "{}: Edge remediation mentions {w}", m.id);
                }
            }
        }
    }

    #[test]
    fn templates_are_filled_once() {
        let known = |k: &str| match k {
            "server" => Some("EX01".to_string()),
            "connector" => Some("{server} & {evil}".to_string()),
            _ => None,
        };
        assert_eq!(
            render_template(
                "Set-ReceiveConnector '{connector}' on {server}; {new_thumbprint}; $c = @{a=1}",
                known
            ),
            "Set-ReceiveConnector '{server} & {evil}' on EX01; <new thumbprint>; $c = @{a=1}"
        );
    }

    #[test]
    fn days_round_down() {
        let at = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z").unwrap().to_utc();
        let later = DateTime::parse_from_rfc3339("2026-01-02T11:59:59Z").unwrap().to_utc();
        assert_eq!(days_between(at, later), 0);
        let earlier = DateTime::parse_from_rfc3339("2026-01-01T11:00:00Z").unwrap().to_utc();
        assert_eq!(days_between(at, earlier), -1);
    }
}
