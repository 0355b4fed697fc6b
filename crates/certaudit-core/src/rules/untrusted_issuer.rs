//! `untrusted-issuer`: the chain does not validate to a trust anchor (self-signed, unknown
//! CA, missing intermediate, expired issuer, weak or bad signature, wrong key usage).

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::TrustStatus;
use crate::inventory::{Certificate, Services};

static META: RuleMeta = RuleMeta {
    id: "untrusted-issuer",
    title: "Certificate does not chain to a trusted root",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Outlook, mobile devices, browsers and IMAP/POP clients only accept a certificate that chains to a root they trust; anything else produces warnings that teach users to click through, or broken connections.",
    remediation: "Use a certificate from a CA the clients trust: New-ExchangeCertificate -GenerateRequest, submit the request to a public or enterprise CA, Import-ExchangeCertificate, then `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}` and `Remove-ExchangeCertificate -Thumbprint {thumbprint}`. If only intermediates are missing, import them into the server's Intermediate Certification Authorities store; if the issuer is your enterprise CA, make sure clients trust its root and pass that root to certaudit with --trust-anchors.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
        "https://www.rfc-editor.org/rfc/rfc5280#section-6",
    ],
};

/// Flags server certificates whose trust evaluation did not reach an anchor. With Exchange
/// bindings it judges what clients see: IIS, IMAP, POP and UM at the configured severity; a
/// certificate bound only to SMTP/Federation, or to nothing, at `unexposed_severity` and not at
/// all when self-signed (opportunistic server-to-server TLS); the Auth certificate never.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UntrustedIssuer {
    unexposed_severity: Severity,
}

impl Default for UntrustedIssuer {
    fn default() -> Self {
        Self {
            unexposed_severity: Severity::Low,
        }
    }
}

/// Services whose clients validate the certificate.
const CLIENT_FACING: u32 = Services::IIS | Services::IMAP | Services::POP | Services::UM | Services::UM_CALL_ROUTER;

impl Rule for UntrustedIssuer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        let trust = &cert.trust;
        if trust.status.is_trusted() || trust.status == TrustStatus::NotEvaluated || ctx.is_auth_certificate(cert) {
            return Vec::new();
        }
        let hit = Hit::new(format!("Clients will not trust it: {}.", trust.detail))
            .with("trust_status", trust.status.as_str())
            .with("issuer", cert.details.issuer.clone());
        let serving = ctx.endpoints_serving_cert(cert);
        if cert.bindings.is_empty() && serving.is_empty() {
            return vec![hit];
        }
        let mut hits: Vec<Hit> = cert
            .bindings
            .iter()
            .filter_map(|b| {
                let mut h = hit.clone().on(&b.server, service_names(b));
                match b.services {
                    Some(s) if !s.any(CLIENT_FACING) => {
                        if cert.details.self_signed {
                            return None;
                        }
                        h.severity = Some(self.unexposed_severity);
                        h = h.with("exposure", "not bound to a client-facing service");
                    }
                    Some(_) => h = h.with("exposure", "bound to a client-facing service"),
                    None => h = h.with("exposure", "services unknown"),
                }
                Some(h)
            })
            .collect();
        if let Some(&first) = serving.first() {
            let endpoints = &ctx.inventory.endpoints;
            let client_facing = serving
                .iter()
                .copied()
                .find(|&e| endpoints[e].protocol.is_client_facing());
            let e = client_facing.unwrap_or(first);
            let mut h = hit.at_endpoint(e, &endpoints[e]);
            h.services = ctx.services_of_endpoints(serving);
            if client_facing.is_some() {
                h = h.with("exposure", "served on a client-facing port");
            } else {
                h.severity = Some(self.unexposed_severity);
                h = h.with(
                    "exposure",
                    "served only on SMTP port 25 (opportunistic TLS between servers)",
                );
            }
            hits.push(h);
        }
        hits
    }
}
