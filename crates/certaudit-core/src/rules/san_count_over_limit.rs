//! `san-count-over-limit`: more subject alternative names than the pack allows.

use serde::Deserialize;

use super::params::{ParamError, Params, Positive};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;

static META: RuleMeta = RuleMeta {
    id: "san-count-over-limit",
    title: "Too many subject alternative names",
    default_severity: Severity::Low,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "SAN certificates beyond about 50 names grow every TLS handshake, cost more, and tie many services to one renewal; Exchange needs only its client namespaces and autodiscover names.",
    remediation: "Consolidate on shared namespaces ({namespace}, autodiscover.{domain}) instead of per-server names, then request a smaller certificate with New-ExchangeCertificate -GenerateRequest -DomainName <names> and bind it with Enable-ExchangeCertificate; remove {thumbprint} once it is replaced.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports",
    ],
};

/// Flags certificates with more SAN entries (DNS names and IP addresses) than `limit`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SanCountOverLimit {
    limit: Positive,
}

impl Default for SanCountOverLimit {
    fn default() -> Self {
        Self { limit: Positive(50) }
    }
}

impl Rule for SanCountOverLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        let count = cert.details.dns_names.len() + cert.details.ip_addresses.len();
        (count > self.limit.0 as usize).then(|| {
            Hit::new(format!(
                "{count} subject alternative names, above the limit of {}.",
                self.limit.0
            ))
            .with("san_count", count)
            .with("limit", self.limit.0)
        })
    }
}
