//! `wildcard-on-pop-imap`: a wildcard certificate bound to POP or IMAP.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::{Certificate, Endpoint, Services};

static META: RuleMeta = RuleMeta {
    id: "wildcard-on-pop-imap",
    title: "Wildcard certificate bound to POP or IMAP",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "POP and IMAP pick their certificate by X509CertificateName; with a wildcard certificate bound, Exchange cannot match the name and clients may be served the wrong certificate. Microsoft advises against binding wildcards to POP/IMAP.",
    remediation: "Name the certificate explicitly: `Set-ImapSettings -Server {server} -X509CertificateName {pop_imap_name}` and `Set-PopSettings -Server {server} -X509CertificateName {pop_imap_name}` (a name the certificate carries), then restart the MSExchangeIMAP4/MSExchangePOP3 services; or bind a certificate with that explicit name using `Enable-ExchangeCertificate -Server {server} -Thumbprint <thumbprint> -Services POP,IMAP`.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/clients/pop3-and-imap4/configure-imap4",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/set-imapsettings",
    ],
};

/// Flags wildcard certificates with the POP or IMAP service, or served on a POP/IMAP endpoint.
pub struct WildcardOnPopImap;

impl Rule for WildcardOnPopImap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        if cert.bindings.is_empty() {
            return Vec::new();
        }
        let wildcards = wildcard_names(cert);
        if wildcards.is_empty() {
            return Vec::new();
        }
        let name = pop_imap_name(&wildcards, ctx);
        cert.bindings
            .iter()
            .filter(|b| b.services.is_some_and(|s| s.any(Services::POP | Services::IMAP)) && !ctx.is_edge(&b.server))
            .map(|b| {
                Hit::new(format!(
                    "Wildcard certificate ({}) bound to POP/IMAP on {}.",
                    wildcards.join(", "),
                    b.server
                ))
                .with("wildcard_names", wildcards.clone())
                .on(&b.server, service_names(b))
                .fill_known("pop_imap_name", name.clone())
            })
            .collect()
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        if !endpoint.protocol.is_pop_or_imap() {
            return Vec::new();
        }
        let Some((_, cert)) = ctx.leaf(endpoint) else {
            return Vec::new();
        };
        let wildcards = wildcard_names(cert);
        if wildcards.is_empty() {
            return Vec::new();
        }
        vec![Hit::new(format!(
            "{} serves a wildcard certificate ({}).",
            endpoint.target,
            wildcards.join(", ")
        ))
        .fill_known("pop_imap_name", pop_imap_name(&wildcards, ctx))
        .with("wildcard_names", wildcards)
        .at_endpoint(index, endpoint)]
    }
}

/// An explicit name for X509CertificateName: the client namespace the wildcard covers (the
/// first, by name), else `mail.` under the wildcard's domain.
fn pop_imap_name(wildcards: &[String], ctx: &Context<'_>) -> Option<String> {
    ctx.organisation()
        .namespaces
        .iter()
        .map(|n| n.name.clone())
        .find(|n| wildcards.iter().any(|w| crate::x509::dns_name_matches(w, n)))
        .or_else(|| {
            wildcards
                .first()
                .map(|w| format!("mail.{}", w.trim_start_matches("*.")))
        })
}

/// The certificate's wildcard names (SAN and CN), lowercase, sorted.
fn wildcard_names(cert: &Certificate) -> Vec<String> {
    let mut wildcards: Vec<String> = cert
        .details
        .dns_names
        .iter()
        .chain(cert.details.common_names.iter())
        .filter(|n| n.starts_with("*."))
        .map(|n| n.to_ascii_lowercase())
        .collect();
    wildcards.sort();
    wildcards.dedup();
    wildcards
}
