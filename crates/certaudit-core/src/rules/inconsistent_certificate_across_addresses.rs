//! `inconsistent-certificate-across-addresses`: the addresses of one name (with
//! `--all-addresses`, or several `--resolve` for one host) serve different leaf certificates on
//! one port: one node of a pool is still on the old certificate, or was never renewed.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "inconsistent-certificate-across-addresses",
    title: "Addresses of one name serve different certificates",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Behind a load-balanced or DNS round-robin name, each node must serve the same certificate. When one node still serves the old one, clients fail or succeed depending on which node they reach, and the outage appears only when that certificate expires: the classic incident after a renewal that was not imported on every server.",
    remediation: "Import the current certificate on every server behind {endpoint} (Export-ExchangeCertificate from a server that has it, Import-ExchangeCertificate on the others, `Get-ExchangeServer | ForEach-Object { Get-ExchangeCertificate -Server $_.Name -Thumbprint <current thumbprint> }` to check), bind it there with Enable-ExchangeCertificate -Services for the service on this port, and remove the old certificate once no node serves it.",
    edge_remediation: None,
    references: &["https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates"],
};

/// Compares the leaves the addresses of one target served; reported once, on the first.
pub struct InconsistentCertificateAcrossAddresses;

impl Rule for InconsistentCertificateAcrossAddresses {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let same_target: Vec<(usize, &Endpoint)> = ctx
            .inventory
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.target == endpoint.target && e.status == EndpointStatus::Ok)
            .collect();
        if same_target.first().map(|(i, _)| *i) != Some(index) || same_target.len() < 2 {
            return Vec::new();
        }
        let served: Vec<(String, String)> = same_target
            .iter()
            .map(|(_, e)| {
                let thumbprint = ctx.leaf(e).map(|(_, c)| c.thumbprint.clone()).unwrap_or_default();
                (e.address.clone().unwrap_or_default(), thumbprint)
            })
            .collect();
        let mut distinct: Vec<&str> = served.iter().map(|(_, t)| t.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 {
            return Vec::new();
        }
        let listed: Vec<String> = served.iter().map(|(a, t)| format!("{a} serves {t}")).collect();
        vec![Hit::new(format!(
            "The addresses of {} serve {} different certificates: {}.",
            endpoint.target,
            distinct.len(),
            listed.join("; ")
        ))
        .with(
            "served",
            served
                .iter()
                .map(|(a, t)| serde_json::json!({ "address": a, "thumbprint": t }))
                .collect::<Vec<_>>(),
        )
        .at_endpoint(index, endpoint)]
    }
}
