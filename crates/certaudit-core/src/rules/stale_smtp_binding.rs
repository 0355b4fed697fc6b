//! `stale-smtp-binding`: a certificate still bound to SMTP that is expired, or superseded on
//! the same server by a real successor bound to SMTP or IIS. The Auth certificate is never
//! stale, and no certificate is stale merely for being self-signed (the setup certificate
//! serves internal transport by design).
//!
//! A successor is real only when it was issued later *and* expires later, carries every name
//! of the old certificate, and is itself usable: inside its validity, not weak (RSA of 2048
//! bits or more, EC of 256 or more, no SHA-1/MD5 signature), and trusted — or self-signed like
//! the certificate it replaces. A newer RSA-1024/SHA-1 certificate for the same names does not
//! make a sound certificate stale.

use std::collections::BTreeSet;

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::Protocol;
use crate::inventory::{Certificate, Endpoint, Services};
use crate::x509::is_weak_signature_algorithm;

static META: RuleMeta = RuleMeta {
    id: "stale-smtp-binding",
    title: "Old certificate still bound to SMTP",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Renewals leave the old certificate behind with its SMTP binding; transport may keep presenting it to partners (expired or superseded), which breaks TLS-enforced connectors and confuses audits.",
    remediation: "Make sure the new certificate holds SMTP on {server} (`Enable-ExchangeCertificate -Server {server} -Thumbprint {new_thumbprint} -Services SMTP`; answer no to replacing the default SMTP certificate only if it is the internal transport one), check connectors that name it (TlsCertificateName), then remove the old one: `Remove-ExchangeCertificate -Server {server} -Thumbprint {thumbprint}`.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/renew-certificates",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/remove-exchangecertificate",
    ],
};

/// Flags expired or superseded certificates that keep the SMTP service, and SMTP endpoints that
/// serve an expired certificate or an older one than HTTPS serves for the same host.
pub struct StaleSmtpBinding;

/// The names a certificate is for: its SAN DNS names, else its common names (lowercase).
fn names(cert: &Certificate) -> BTreeSet<String> {
    let source = if cert.details.dns_names.is_empty() {
        &cert.details.common_names
    } else {
        &cert.details.dns_names
    };
    source.iter().map(|n| n.to_ascii_lowercase()).collect()
}

/// True when `new` really replaces `old` (see the module documentation).
fn supersedes(new: &Certificate, old: &Certificate, ctx: &Context<'_>) -> bool {
    let (n, o) = (&new.details, &old.details);
    let old_names = names(old);
    let usable_now = n.not_before <= ctx.at && ctx.at <= n.not_after;
    let trusted = new.trust.status.is_trusted() || (n.self_signed && o.self_signed);
    new.sha256 != old.sha256
        && n.not_before > o.not_before
        && n.not_after > o.not_after
        && !old_names.is_empty()
        && names(new).is_superset(&old_names)
        && usable_now
        && !n.is_ca
        && !n.key.is_weak_by_default()
        && !is_weak_signature_algorithm(&n.signature_algorithm)
        && trusted
}

impl Rule for StaleSmtpBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Vec<Hit> {
        let on_smtp = cert
            .bindings
            .iter()
            .any(|b| b.services.is_some_and(|s| s.any(Services::SMTP)));
        if !on_smtp || ctx.is_auth_certificate(cert) {
            return Vec::new();
        }
        let mine = names(cert);
        let certs = &ctx.inventory.certificates;
        let mut hits = Vec::new();
        for b in cert
            .bindings
            .iter()
            .filter(|b| b.services.is_some_and(|s| s.any(Services::SMTP)))
        {
            if ctx.at > cert.details.not_after {
                hits.push(
                    Hit::new(format!(
                        "Expired on {} but still bound to SMTP on {}.",
                        cert.details.not_after.format("%Y-%m-%d"),
                        b.server
                    ))
                    .with("reason", "expired")
                    .with("not_after", crate::time::rfc3339(cert.details.not_after))
                    .on(&b.server, service_names(b)),
                );
                continue;
            }
            let newer = ctx.bindings_on(&b.server).iter().find(|(i, other)| {
                other.services.is_some_and(|s| s.any(Services::SMTP | Services::IIS))
                    && supersedes(&certs[*i], cert, ctx)
            });
            if let Some((i, _)) = newer {
                let n = &certs[*i];
                hits.push(
                    Hit::new(format!(
                        "Superseded on {} by {} (issued {}) for the same names, but still bound to SMTP.",
                        b.server,
                        n.thumbprint,
                        n.details.not_before.format("%Y-%m-%d")
                    ))
                    .with("reason", "superseded")
                    .with("newer_thumbprint", n.thumbprint.clone())
                    .with("names", mine.iter().cloned().collect::<Vec<_>>())
                    .on(&b.server, service_names(b))
                    .fill("new_thumbprint", n.thumbprint.clone()),
                );
            }
        }
        hits
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        if !endpoint.protocol.is_smtp() {
            return Vec::new();
        }
        let Some((_, cert)) = ctx.leaf(endpoint) else {
            return Vec::new();
        };
        if ctx.is_auth_certificate(cert) || cert.details.is_ca {
            return Vec::new();
        }
        if ctx.at > cert.details.not_after {
            return vec![Hit::new(format!(
                "{} serves {}, which expired on {}.",
                endpoint.target,
                cert.thumbprint,
                cert.details.not_after.format("%Y-%m-%d")
            ))
            .with("reason", "expired")
            .with("not_after", crate::time::rfc3339(cert.details.not_after))
            .at_endpoint(index, endpoint)];
        }
        let endpoints = &ctx.inventory.endpoints;
        let newer = endpoints.iter().find_map(|other| {
            if other.protocol != Protocol::Https || other.host != endpoint.host {
                return None;
            }
            let (_, c) = ctx.leaf(other)?;
            supersedes(c, cert, ctx).then_some((other, c))
        });
        match newer {
            Some((https, n)) => vec![Hit::new(format!(
                "{} serves {} (issued {}), older than {} (issued {}) that {} serves for the same host.",
                endpoint.target,
                cert.thumbprint,
                cert.details.not_before.format("%Y-%m-%d"),
                n.thumbprint,
                n.details.not_before.format("%Y-%m-%d"),
                https.target
            ))
            .with("reason", "superseded")
            .with("newer_thumbprint", n.thumbprint.clone())
            .with("https_endpoint", https.target.clone())
            .at_endpoint(index, endpoint)
            .fill("new_thumbprint", n.thumbprint.clone())],
            None => Vec::new(),
        }
    }
}
