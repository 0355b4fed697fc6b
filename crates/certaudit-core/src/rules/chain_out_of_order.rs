//! `chain-out-of-order`: an endpoint sends its chain in another order than leaf, then each
//! certificate's issuer (RFC 5246 section 7.4.2; TLS 1.3 clients tolerate it, many mail
//! servers and older clients do not).

use super::chain::ServedShape;
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Endpoint;

static META: RuleMeta = RuleMeta {
    id: "chain-out-of-order",
    title: "Endpoint sends its chain out of order",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "TLS 1.2 requires the server's certificate first and each following certificate to certify the one before it. Browsers and TLS 1.3 stacks reorder, but Schannel-based and Java clients, ActiveSync devices and many SMTP servers build the chain from the order sent and fail, so the same certificate works for some clients and not for others.",
    remediation: "Serve the chain leaf first, then its issuing CA, then each CA above it: on Exchange, re-import the certificate with its chain (Import-ExchangeCertificate from the CA's PKCS#7 or a PFX built with the chain in order) and remove stray intermediates from the Local Computer Intermediate Certification Authorities store (`Get-ChildItem Cert:\\LocalMachine\\CA`), then `iisreset; Restart-Service MSExchangeTransport, MSExchangeIMAP4, MSExchangePOP3`. Where a load balancer or reverse proxy terminates TLS for {endpoint}, fix the order of its certificate bundle there.",
    edge_remediation: Some("Serve the chain leaf first, then its issuing CA, then each CA above it: on the Edge Transport server {server}, re-import the certificate with its chain (Import-ExchangeCertificate from the CA's PKCS#7 or a PFX built with the chain in order) and remove stray intermediates from `Cert:\\LocalMachine\\CA`, then `Restart-Service MSExchangeTransport`."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2",
        "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2",
    ],
};

/// Flags endpoints whose path from the leaf is not sent in order.
pub struct ChainOutOfOrder;

impl Rule for ChainOutOfOrder {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(shape) = ServedShape::of(endpoint, ctx.inventory) else {
            return Vec::new();
        };
        if !shape.out_of_order() {
            return Vec::new();
        }
        let expected: Vec<String> = shape.path.iter().map(|p| shape.subject(*p).to_string()).collect();
        vec![Hit::new(format!(
            "{} sends its chain as {}, where the path from the leaf is {}.",
            endpoint.target,
            shape.order().join(" → "),
            expected.join(" → ")
        ))
        .with("served_order", shape.order())
        .with("expected_order", expected)
        .at_endpoint(index, endpoint)]
    }
}
