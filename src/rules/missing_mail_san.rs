//! `missing-mail-san`: a certificate bound to IIS or SMTP lacks a client namespace
//! (from `--namespace` and the virtual directories' internal and external URLs).

use super::{endpoint_lacks_names, service_names, uncovered_names, Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Certificate, Endpoint, Services};
use crate::probe::Protocol;

static META: RuleMeta = RuleMeta {
    id: "missing-mail-san",
    title: "Certificate lacks a client namespace",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Only one certificate serves all of IIS (OWA, EAS, EWS, MAPI, OAB, Autodiscover) and it must carry every namespace clients use; a missing name means certificate warnings or failed connections for the clients that use it.",
    remediation: "Request a certificate that carries every client namespace (New-ExchangeCertificate -GenerateRequest -DomainName <all namespaces>), complete it with Import-ExchangeCertificate -Server {server}, bind it with Enable-ExchangeCertificate -Server {server} -Thumbprint <new thumbprint> -Services IIS,SMTP and run iisreset; or point the virtual directories' InternalUrl/ExternalUrl (Set-OwaVirtualDirectory and the other Set-*VirtualDirectory cmdlets) at names the certificate carries.",
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/network-ports",
    ],
};

/// Flags IIS/SMTP-bound certificates, and certificates served on HTTPS endpoints, that miss
/// client namespaces.
pub struct MissingMailSan;

impl Rule for MissingMailSan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        if cert.bindings.is_empty() {
            return Vec::new();
        }
        let namespaces: Vec<String> = ctx.organisation().namespaces.iter().map(|n| n.name.clone()).collect();
        if namespaces.is_empty() || ctx.is_auth_certificate(cert) {
            return Vec::new();
        }
        let missing = uncovered_names(cert, &namespaces);
        if missing.is_empty() {
            return Vec::new();
        }
        cert.bindings
            .iter()
            .filter(|b| {
                b.services.is_some_and(|s| {
                    // A self-signed certificate bound only to SMTP is the internal transport certificate.
                    s.any(Services::IIS) || (s.any(Services::SMTP) && !cert.details.self_signed)
                })
            })
            .map(|b| {
                Hit::new(format!(
                    "Bound to {} on {} but lacks {}.",
                    service_names(b).join(", "),
                    b.server,
                    missing.join(", ")
                ))
                .with("missing_names", missing.clone())
                .with("namespaces", namespaces.clone())
                .with("dns_names", cert.details.dns_names.clone())
                .on(&b.server, service_names(b))
            })
            .collect()
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(cert) = ctx.leaf_served_on(endpoint, Protocol::Https) else {
            return Vec::new();
        };
        let namespaces: Vec<String> = ctx.organisation().namespaces.iter().map(|n| n.name.clone()).collect();
        let missing = uncovered_names(cert, &namespaces);
        if missing.is_empty() {
            return Vec::new();
        }
        vec![endpoint_lacks_names(
            index,
            endpoint,
            cert,
            missing,
            "namespaces",
            namespaces,
        )]
    }
}
