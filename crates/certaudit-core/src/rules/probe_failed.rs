//! `probe-failed`: a target that could not be audited (DNS, refused, timeout, TLS alert,
//! protocol error), with the kind and the server's own words.

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::ErrorKind;
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "probe-failed",
    title: "Endpoint could not be audited",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "An endpoint that cannot be audited is a gap in the evidence: its certificate may be expired or wrong without the report showing it, and a service clients rely on may be down or misconfigured.",
    remediation: "Check that {endpoint} resolves and is reachable from where certaudit runs (DNS, firewall, load balancer) and that the Exchange service behind it is running and healthy (`Test-ServiceHealth -Server {server}`, `Get-ServerComponentState -Identity {server}`, `Get-Service MSExchange*`); then scan again. Remove targets that are not meant to be offered.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/get-servercomponentstate",
    ],
};

/// Flags endpoints in error, except a missing STARTTLS (its own rule) and probes never started.
/// Ports of an expanded bare host that fail otherwise than by refusal are at `expanded_severity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeFailed {
    expanded_severity: Severity,
}

impl Default for ProbeFailed {
    fn default() -> Self {
        Self {
            expanded_severity: Severity::Info,
        }
    }
}

impl Rule for ProbeFailed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        let Some(error) = &endpoint.error else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Error
            || matches!(error.kind, ErrorKind::StarttlsNotOffered | ErrorKind::Interrupted)
        {
            return Vec::new();
        }
        let mut hit = Hit::new(format!("{} could not be audited: {}.", endpoint.target, error.message))
            .with("kind", error.kind.as_str())
            .with("error", error.message.clone())
            .with("address", endpoint.address.clone())
            .at_endpoint(index, endpoint);
        if endpoint.expanded {
            hit.severity = Some(self.expanded_severity);
            hit = hit.with("expanded", true);
        }
        vec![hit]
    }
}
