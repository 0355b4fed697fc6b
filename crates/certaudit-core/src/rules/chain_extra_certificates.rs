//! `chain-extra-certificates`: an endpoint sends certificates that are on no path from its
//! leaf (another chain's intermediates, a stale cross-certificate) or the same one twice.

use super::chain::ServedShape;
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Endpoint;

static META: RuleMeta = RuleMeta {
    id: "chain-extra-certificates",
    title: "Endpoint sends certificates its chain does not need",
    default_severity: Severity::Low,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Certificates that certify nothing in the chain cost every handshake bytes and round trips, can exceed what small devices accept, and usually mean a store holds intermediates of an old or another CA, which some clients then try and fail to build a path through.",
    remediation: "Serve only the leaf and the intermediates that certify it: remove the unneeded certificates from the Local Computer Intermediate Certification Authorities store of the server behind {endpoint} (`Get-ChildItem Cert:\\LocalMachine\\CA | Where-Object Subject -eq '<subject>' | Remove-Item`), or from the load balancer's bundle, then `iisreset; Restart-Service MSExchangeTransport, MSExchangeIMAP4, MSExchangePOP3`.",
    edge_remediation: Some("Serve only the leaf and the intermediates that certify it: remove the unneeded certificates from the Edge Transport server's Intermediate Certification Authorities store (`Get-ChildItem Cert:\\LocalMachine\\CA`), then `Restart-Service MSExchangeTransport`."),
    references: &["https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2"],
};

/// Flags endpoints that send unrelated or repeated certificates.
pub struct ChainExtraCertificates;

impl Rule for ChainExtraCertificates {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(shape) = ServedShape::of(endpoint, ctx.inventory) else {
            return Vec::new();
        };
        if shape.unrelated.is_empty() && shape.duplicates.is_empty() {
            return Vec::new();
        }
        let names =
            |positions: &[usize]| -> Vec<String> { positions.iter().map(|p| shape.subject(*p).to_string()).collect() };
        let mut parts = Vec::new();
        if !shape.unrelated.is_empty() {
            parts.push(format!(
                "certificates on no path from its leaf ({})",
                names(&shape.unrelated).join("; ")
            ));
        }
        if !shape.duplicates.is_empty() {
            parts.push(format!(
                "the same certificate twice ({})",
                names(&shape.duplicates).join("; ")
            ));
        }
        vec![Hit::new(format!("{} sends {}.", endpoint.target, parts.join(" and ")))
            .with("unrelated", names(&shape.unrelated))
            .with("duplicates", names(&shape.duplicates))
            .with("served_order", shape.order())
            .at_endpoint(index, endpoint)]
    }
}
