//! `missing-mail-san`: a certificate bound to IIS or SMTP lacks a client namespace
//! (from `--namespace` and the virtual directories' internal and external URLs). On an Edge
//! Transport server, which has no client namespaces, the SMTP certificate is judged against
//! the FQDNs its connectors announce instead.

use super::san::{endpoint_lacks_names, uncovered_names};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::Protocol;
use crate::inventory::{Certificate, Endpoint, Services};

static META: RuleMeta = RuleMeta {
    id: "missing-mail-san",
    title: "Certificate lacks a client namespace",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Only one certificate serves all of IIS (OWA, EAS, EWS, MAPI, OAB, Autodiscover) and it must carry every namespace clients use; a missing name means certificate warnings or failed connections for the clients that use it.",
    remediation: "Request a certificate that carries every client namespace (`New-ExchangeCertificate -GenerateRequest -DomainName {names}`), complete it with Import-ExchangeCertificate -Server {server}, bind it with `Enable-ExchangeCertificate -Server {server} -Thumbprint <new thumbprint> -Services IIS,SMTP` and run `iisreset`; or point the virtual directories' InternalUrl/ExternalUrl (Set-OwaVirtualDirectory and the other Set-*VirtualDirectory cmdlets) at names the certificate carries.",
    edge_remediation: Some("Request a certificate for the names the Edge Transport server's connectors announce ({names}) in the Exchange Management Shell on {server}: `New-ExchangeCertificate -GenerateRequest -RequestFile <path> -DomainName {names}`, complete it with Import-ExchangeCertificate, bind it with `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, or set the connectors' FQDN (Set-ReceiveConnector -Fqdn) to a name the certificate carries; then re-create the Edge Subscription (New-EdgeSubscription on {server}, then on a Mailbox server) and run `Start-EdgeSynchronization`."),
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
        if cert.bindings.is_empty() || ctx.is_auth_certificate(cert) {
            return Vec::new();
        }
        let namespaces: Vec<String> = ctx.organisation().namespaces.iter().map(|n| n.name.clone()).collect();
        cert.bindings
            .iter()
            .filter_map(|b| {
                let services = b.services?;
                let edge = ctx.is_edge(&b.server);
                // A self-signed certificate bound only to SMTP is the internal transport certificate.
                let judged = if edge {
                    services.any(Services::SMTP) && !cert.details.self_signed
                } else {
                    services.any(Services::IIS) || (services.any(Services::SMTP) && !cert.details.self_signed)
                };
                if !judged {
                    return None;
                }
                // An Edge Transport server has no client namespaces: its certificate must carry
                // the FQDNs its connectors announce.
                let (wanted, key) = if edge {
                    let fqdns = connector_fqdns(&b.server, ctx);
                    if fqdns.is_empty() {
                        ctx.not_audited(
                            META.id,
                            format!(
                                "certificate {} on the Edge Transport server {}",
                                cert.thumbprint, b.server
                            ),
                            format!("no receive or send connector export names an FQDN for {}", b.server),
                            Some(&b.server),
                        );
                        return None;
                    }
                    (fqdns, "connector_fqdns")
                } else {
                    (namespaces.clone(), "namespaces")
                };
                let missing = uncovered_names(cert, &wanted);
                if missing.is_empty() {
                    return None;
                }
                Some(
                    Hit::new(format!(
                        "Bound to {} on {}{} but lacks {}.",
                        service_names(b).join(", "),
                        b.server,
                        if edge { " (Edge Transport)" } else { "" },
                        missing.join(", ")
                    ))
                    .with("missing_names", missing.clone())
                    .with(key, wanted)
                    .with("dns_names", cert.details.dns_names.clone())
                    .on(&b.server, service_names(b))
                    .fill("names", super::san::names_plus(cert, &missing)),
                )
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
        let names = super::san::names_plus(cert, &missing);
        vec![endpoint_lacks_names(index, endpoint, cert, missing, "namespaces", namespaces).fill("names", names)]
    }
}

/// The FQDNs the connectors of `server` announce (receive connectors on it, send connectors
/// that use it as a source), lowercase, each once.
fn connector_fqdns(server: &str, ctx: &Context<'_>) -> Vec<String> {
    let key = crate::inventory::server_key(server);
    let mut fqdns: Vec<String> = ctx
        .organisation()
        .connectors
        .iter()
        .filter(|c| c.servers.iter().any(|s| crate::inventory::server_key(s) == key))
        .filter_map(|c| c.fqdn.as_deref())
        .map(|f| f.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|f| !f.is_empty())
        .collect();
    fqdns.sort();
    fqdns.dedup();
    fqdns
}
