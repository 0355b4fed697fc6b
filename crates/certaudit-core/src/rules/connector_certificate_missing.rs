//! `connector-certificate-missing`: a connector's `TlsCertificateName` (`<I>issuer<S>subject`)
//! matches no valid certificate on its server.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::parse_tls_certificate_name;
use crate::x509::normalise_dn;

static META: RuleMeta = RuleMeta {
    id: "connector-certificate-missing",
    title: "Connector names a certificate the server does not have",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "A receive or send connector with TlsCertificateName uses exactly that issuer and subject for TLS; if no valid certificate on the server matches (after a renewal from another CA, or an expiry), mail flow over that connector falls back or fails, typically the hybrid connectors to Exchange Online.",
    remediation: "Point the connector at the current certificate: `$c = Get-ExchangeCertificate -Server {server} -Thumbprint {replacement_thumbprint}; {set_connector} '{connector}' -TlsCertificateName \"<I>$($c.Issuer)<S>$($c.Subject)\"`; in hybrid, re-run the Hybrid Configuration Wizard so the Exchange Online connectors match too.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/powershell/module/exchange/set-receiveconnector",
        "https://learn.microsoft.com/en-us/exchange/hybrid-deployment/certificate-requirements",
    ],
};

/// Flags connectors whose named certificate is missing or not valid on their servers.
pub struct ConnectorCertificateMissing;

impl Rule for ConnectorCertificateMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let certs = &ctx.inventory.certificates;
        let mut hits = Vec::new();
        for connector in &ctx.organisation().connectors {
            let Some(name) = connector.tls_certificate_name.as_deref() else {
                continue;
            };
            let Some((issuer, subject)) = parse_tls_certificate_name(name) else {
                hits.push(
                    Hit::new(format!(
                        "{} connector '{}' has a TlsCertificateName that is not <I>issuer<S>subject.",
                        connector.kind, connector.name
                    ))
                    .with("connector", connector.name.clone())
                    .with("tls_certificate_name", name),
                );
                continue;
            };
            for server in &connector.servers {
                let on_server = ctx.bindings_on(server);
                if on_server.is_empty() {
                    ctx.not_audited(
                        META.id,
                        format!(
                            "TlsCertificateName of {} connector '{}' on {server}",
                            connector.kind, connector.name
                        ),
                        format!("no Get-ExchangeCertificate export was read for {server}"),
                        Some(server),
                    );
                    continue;
                }
                let same_name: Vec<usize> = on_server
                    .iter()
                    .filter(|(i, _)| {
                        normalise_dn(&certs[*i].details.issuer) == normalise_dn(&issuer)
                            && normalise_dn(&certs[*i].details.subject) == normalise_dn(&subject)
                    })
                    .map(|(i, _)| *i)
                    .collect();
                let valid = on_server.iter().any(|(i, b)| {
                    same_name.contains(i)
                        && certs[*i].details.not_before <= ctx.at
                        && ctx.at <= certs[*i].details.not_after
                        && b.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("Valid"))
                });
                if valid {
                    continue;
                }
                let why = if same_name.is_empty() {
                    "no certificate on the server has that issuer and subject"
                } else {
                    "the certificates with that issuer and subject are expired, not yet valid or not Valid in Exchange"
                };
                let mut hit = Hit::new(format!(
                    "{} connector '{}' on {server} uses TlsCertificateName {name}, but {why}.",
                    connector.kind, connector.name
                ))
                .with("connector", connector.name.clone())
                .with("connector_kind", connector.kind.clone())
                .with("tls_certificate_name", name)
                .with(
                    "matching_certificates",
                    same_name
                        .iter()
                        .map(|&i| certs[i].thumbprint.clone())
                        .collect::<Vec<_>>(),
                )
                .on(server, vec!["SMTP".into()])
                .fill("connector", connector.cmdlet_identity())
                .fill(
                    "set_connector",
                    if connector.is_receive() {
                        "Set-ReceiveConnector"
                    } else {
                        "Set-SendConnector"
                    },
                )
                .fill_known("replacement_thumbprint", replacement(ctx, server, &subject));
                hit.certificate = same_name.first().copied();
                hits.push(hit);
            }
        }
        hits
    }
}

/// A usable SMTP certificate on `server` to point the connector at: one with the subject the
/// connector named (a renewal from another CA), else any SMTP-enabled CA-issued one.
fn replacement(ctx: &Context<'_>, server: &str, subject: &str) -> Option<String> {
    let certs = &ctx.inventory.certificates;
    let usable = |i: usize, b: &crate::inventory::Binding| {
        let d = &certs[i].details;
        d.not_before <= ctx.at
            && ctx.at <= d.not_after
            && !d.self_signed
            && b.services.is_some_and(|s| s.any(crate::inventory::Services::SMTP))
            && b.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("Valid"))
    };
    let on = ctx.bindings_on(server);
    on.iter()
        .filter(|(i, b)| usable(*i, b) && normalise_dn(&certs[*i].details.subject) == normalise_dn(subject))
        .chain(on.iter().filter(|(i, b)| usable(*i, b)))
        .max_by_key(|(i, _)| {
            (
                normalise_dn(&certs[*i].details.subject) == normalise_dn(subject),
                certs[*i].details.not_after,
            )
        })
        .map(|(i, _)| certs[*i].thumbprint.clone())
}
