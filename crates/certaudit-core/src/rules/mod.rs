//! Evaluate: the rule trait, the registry of every rule, and the engine that runs a pack.
//!
//! One rule per file. Each rule has a stable kebab-case id (the README lists them), a title, a default
//! severity, a rationale, remediation text naming the Exchange cmdlet to use, and references.

pub mod pack;
pub mod params;

mod auth;
mod chain;
mod context;
mod engine;
mod registry;
mod remediation;
mod san;
mod severity;

mod auth_certificate_missing_on_server;
mod auth_certificate_not_published;
mod autodiscover_unreachable;
mod certificate_revoked;
mod chain_extra_certificates;
mod chain_includes_root;
mod chain_out_of_order;
mod connector_certificate_missing;
mod expired;
mod expiring_soon;
mod hostname_mismatch;
mod iis_binding_invalid;
mod incomplete_chain;
mod inconsistent_certificate_across_addresses;
mod internal_name_in_san;
mod internal_transport_certificate_invalid;
mod issuer_not_approved;
mod legacy_protocol_enabled;
mod missing_autodiscover_san;
mod missing_mail_san;
mod multiple_iis_certificates;
mod must_staple_without_staple;
mod not_yet_valid;
mod ocsp_staple_invalid;
mod probe_failed;
mod san_count_over_limit;
mod served_certificate_not_bound;
mod smtp_certificate_selection;
mod sni_dependent_certificate;
mod stale_smtp_binding;
mod starttls_not_offered;
mod status_not_valid;
mod untrusted_issuer;
mod weak_cipher_negotiated;
mod weak_key;
mod weak_signature;
mod wildcard_on_pop_imap;

use serde_json::{Map, Value};

use crate::inventory::{Certificate, Endpoint};

pub use auth::AUTH_CERTIFICATE_CN;
pub use context::{Context, Gap};
pub use engine::{evaluate, Evaluation, Finding};
pub use pack::{load_pack, ConfiguredRule, LoadPackError, PackError, PackInfo, RuleSet};
pub use params::{ParamError, Params};
pub use registry::registry;
pub use remediation::{render_template, Part, Remediation};
pub use severity::Severity;

/// The rules stage's options: the pack, the waivers, the evaluation instant and the
/// severity at which findings fail the scan.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    /// `--pack FILE` (default: the built-in exchange-baseline).
    pub pack: Option<std::path::PathBuf>,
    /// `--waivers FILE`.
    pub waivers: Option<std::path::PathBuf>,
    /// `--at`: the evaluation instant (default: when the scan starts).
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// `--fail-on`.
    pub fail_on: Severity,
}

/// A pack's expiry windows, narrowest first: the general ones and the Exchange Auth
/// certificate's own. Empty when the pack does not warn of expiry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpiryWindows {
    pub general: Vec<params::Window>,
    pub auth: Vec<params::Window>,
}

impl ExpiryWindows {
    /// The severity of the narrowest window that holds `days_left` (`auth`: the Auth
    /// certificate's windows); None outside every window.
    pub fn severity(&self, days_left: i64, auth: bool) -> Option<Severity> {
        let windows = if auth { &self.auth } else { &self.general };
        windows
            .iter()
            .find(|w| days_left < i64::from(w.days))
            .map(|w| w.severity)
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

    /// Gives `{key}` a value when it is known; otherwise the text shows `<key>`.
    pub fn fill_known(self, key: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.fill(key, value),
            None => self,
        }
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

/// A compliance rule. Implementations live one per file in this folder.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Takes the rule's pack parameters (every key of its table but `enabled` and
    /// `severity`). A rule with parameters deserialises itself: `*self = params.parse()?`;
    /// one without refuses every key.
    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        params.none()
    }

    /// The expiry windows this rule warns in (`expiring-soon`), for presenters that colour
    /// days left the way the pack judges them.
    fn expiry_windows(&self) -> Option<ExpiryWindows> {
        None
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
