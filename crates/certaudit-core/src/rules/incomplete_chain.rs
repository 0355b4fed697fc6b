//! `incomplete-chain`: an endpoint does not send the intermediates needed to reach a trust
//! anchor, although the certificate does chain to one with issuers known from elsewhere.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "incomplete-chain",
    title: "Endpoint does not send its intermediate certificates",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "A server must send its intermediate CA certificates. Browsers often repair a missing intermediate from cache or AIA, but Outlook on some platforms, ActiveSync devices, Java and .NET clients and most mail servers do not, so the same certificate works for some users and fails for others.",
    remediation: "Install the issuing CA's intermediate certificate(s) on the Exchange server behind {endpoint} ({server}): import them into the Local Computer Intermediate Certification Authorities store (`Import-Certificate -FilePath <intermediate.cer> -CertStoreLocation Cert:\\LocalMachine\\CA`), or re-import the full chain with Import-ExchangeCertificate from the CA's PKCS#7/PFX; then `iisreset; Restart-Service MSExchangeTransport, MSExchangeIMAP4, MSExchangePOP3` so the full chain is served. Where a load balancer terminates TLS, configure the chain there.",
    edge_remediation: Some("Install the issuing CA's intermediate certificate(s) on the Edge Transport server {server}: `Import-Certificate -FilePath <intermediate.cer> -CertStoreLocation Cert:\\LocalMachine\\CA`, or re-import the full chain with Import-ExchangeCertificate from the CA's PKCS#7/PFX in the Edge server's shell; then `Restart-Service MSExchangeTransport` so the full chain is served."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2",
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
    ],
};

/// Flags endpoints whose served chain stops short while the full chain is trusted.
pub struct IncompleteChain;

impl Rule for IncompleteChain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        if endpoint.status != EndpointStatus::Ok {
            return Vec::new();
        }
        let (Some((_, cert)), Some(served)) = (ctx.leaf(endpoint), &endpoint.served_chain) else {
            return Vec::new();
        };
        if served.complete || !cert.trust.status.is_trusted() {
            return Vec::new();
        }
        let message = match &served.missing_issuer {
            Some(issuer) => format!(
                "{} sends {} certificate(s) but not the certificate of issuer '{issuer}'; the chain is only complete with an intermediate known from elsewhere.",
                endpoint.target,
                endpoint.chain.len()
            ),
            None => format!("{}: {}.", endpoint.target, served.detail),
        };
        let mut hit = Hit::new(message)
            .with("served_certificates", endpoint.chain.len())
            .with("served_chain", endpoint.chain.clone())
            .with("full_chain", cert.trust.detail.clone())
            .at_endpoint(index, endpoint);
        if let Some(issuer) = &served.missing_issuer {
            hit = hit.with("missing_issuer", issuer.clone());
        }
        vec![hit]
    }
}
