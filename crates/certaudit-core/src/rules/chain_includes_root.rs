//! `chain-includes-root`: an endpoint sends the self-signed root of its chain. Clients never
//! use it (a root is trusted because they hold it, not because it is sent).

use super::chain::ServedShape;
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Endpoint;

static META: RuleMeta = RuleMeta {
    id: "chain-includes-root",
    title: "Endpoint sends its root certificate",
    default_severity: Severity::Info,
    default_enabled: true,
    scope: Scope::All,
    rationale: "A root certificate is trusted because the client already holds it; sending it adds bytes to every handshake and changes nothing, and a sent root that differs from the one clients hold (an expired or cross-signed copy) can mislead path building.",
    remediation: "Leave the root out of the served chain: keep it only in the Trusted Root Certification Authorities store of the server behind {endpoint}, not among its intermediates or in the certificate's PFX/PKCS#7 chain (or the load balancer's bundle), then `iisreset; Restart-Service MSExchangeTransport, MSExchangeIMAP4, MSExchangePOP3`.",
    edge_remediation: Some("Leave the root out of the served chain: on the Edge Transport server {server}, keep it only in the Trusted Root Certification Authorities store, not among the intermediates or in the certificate's PFX/PKCS#7 chain, then `Restart-Service MSExchangeTransport`."),
    references: &["https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2"],
};

/// Flags endpoints that send the root at the top of their chain.
pub struct ChainIncludesRoot;

impl Rule for ChainIncludesRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(shape) = ServedShape::of(endpoint, ctx.inventory) else {
            return Vec::new();
        };
        let Some(root) = shape.root() else {
            return Vec::new();
        };
        vec![Hit::new(format!(
            "{} sends its root certificate '{}'.",
            endpoint.target,
            shape.subject(root)
        ))
        .with("root", shape.subject(root))
        .with("served_order", shape.order())
        .at_endpoint(index, endpoint)]
    }
}
