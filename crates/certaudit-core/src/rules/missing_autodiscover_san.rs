//! `missing-autodiscover-san`: a certificate bound to IIS lacks `autodiscover.<domain>` for an
//! accepted domain (a wildcard for the domain covers it).

use super::san::{endpoint_lacks_names, uncovered_names};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::Protocol;
use crate::inventory::{Certificate, Endpoint, Services};

static META: RuleMeta = RuleMeta {
    id: "missing-autodiscover-san",
    title: "IIS certificate lacks an autodiscover name",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Outlook and mobile clients look up autodiscover.<domain> for every accepted domain; if the certificate that serves IIS does not carry that name, users see certificate warnings or profiles fail to configure.",
    remediation: "Request a certificate that carries autodiscover.<domain> for each accepted domain (`New-ExchangeCertificate -GenerateRequest -DomainName {names}`), complete it with Import-ExchangeCertificate -Server {server}, bind it with `Enable-ExchangeCertificate -Server {server} -Thumbprint <new thumbprint> -Services IIS`, then `iisreset`; or publish an SRV record _autodiscover._tcp.{domain} for domains that cannot be added.",
    edge_remediation: Some("An Edge Transport server serves no client access (no web sites, no autodiscover, no virtual directories): do not enable web services on {server}. Check why a client-access name is served there (DNS or a load balancer pointing clients at the Edge) and point clients at the Mailbox servers' namespace; the Edge certificate needs only its connectors' names, bound with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` in the Edge server's shell."),
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/autodiscover",
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
    ],
};

/// Flags IIS-bound certificates, and certificates served on HTTPS endpoints, without
/// autodiscover names for the accepted domains.
pub struct MissingAutodiscoverSan;

impl Rule for MissingAutodiscoverSan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        if cert.bindings.is_empty() {
            return Vec::new();
        }
        let domains = ctx.organisation().autodiscover_domains();
        let missing = missing_names(cert, &domains);
        if missing.is_empty() {
            return Vec::new();
        }
        let names = super::san::names_plus(cert, &missing);
        cert.bindings
            .iter()
            .filter(|b| b.services.is_some_and(|s| s.any(Services::IIS)) && !ctx.is_edge(&b.server))
            .map(|b| {
                Hit::new(format!(
                    "Bound to IIS on {} but lacks {}.",
                    b.server,
                    missing.join(", ")
                ))
                .with("missing_names", missing.clone())
                .with("accepted_domains", domains.clone())
                .with("dns_names", cert.details.dns_names.clone())
                .on(&b.server, service_names(b))
                .fill("names", names.clone())
            })
            .collect()
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(cert) = ctx.leaf_served_on(endpoint, Protocol::Https) else {
            return Vec::new();
        };
        let domains = ctx.organisation().autodiscover_domains();
        let missing = missing_names(cert, &domains);
        if missing.is_empty() {
            return Vec::new();
        }
        let names = super::san::names_plus(cert, &missing);
        vec![endpoint_lacks_names(index, endpoint, cert, missing, "accepted_domains", domains).fill("names", names)]
    }
}

/// `autodiscover.<domain>` names the certificate does not cover.
fn missing_names(cert: &Certificate, domains: &[String]) -> Vec<String> {
    let wanted: Vec<String> = domains.iter().map(|d| format!("autodiscover.{d}")).collect();
    uncovered_names(cert, &wanted)
}
