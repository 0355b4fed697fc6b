//! `internal-transport-certificate-invalid`: the certificate `Get-TransportService` names as a
//! server's internal transport certificate is missing from that server, expired, or inside
//! the expiry windows.

use serde::Deserialize;

use super::params::{ParamError, Params, Windows};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::time::days_between;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "internal-transport-certificate-invalid",
    title: "Internal transport certificate missing, expired or expiring",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Exchange servers authenticate and encrypt SMTP among themselves (and with Edge Transport servers) with each server's internal transport certificate, the one Get-TransportService names in InternalTransportCertificateThumbprint (usually the self-signed certificate setup created, valid five years). When it is removed or expires, mail flow between servers and to the Edge Subscription fails or falls back, and Edge Synchronization stops.",
    remediation: "Give {server} a new internal transport certificate: `New-ExchangeCertificate -Server {server} -Services SMTP` creates a self-signed one and asks to overwrite the default SMTP certificate (answer Yes), or `Enable-ExchangeCertificate -Server {server} -Thumbprint <thumbprint> -Services SMTP` for an existing certificate (answer Yes); check it with `Get-TransportService {server} | Format-List InternalTransportCertificateThumbprint`, then `Restart-Service MSExchangeTransport` on {server}. On an Edge Transport server, re-create the Edge Subscription afterwards (New-EdgeSubscription on the Edge, then on a Mailbox server).",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/powershell/module/exchange/get-transportservice",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate",
        "https://learn.microsoft.com/en-us/exchange/architecture/edge-transport-servers/edge-subscriptions",
    ],
};

/// Flags internal transport certificates that are missing, expired or expiring.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InternalTransportCertificateInvalid {
    windows: Windows,
}

impl Rule for InternalTransportCertificateInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let mut hits = Vec::new();
        for t in &ctx.organisation().transport_services {
            let server = t.server.as_str();
            let Some(thumbprint) = t.internal_transport_certificate.as_deref() else {
                ctx.not_audited(
                    META.id,
                    format!("internal transport certificate of {server}"),
                    format!("{} holds no InternalTransportCertificateThumbprint", t.source),
                    Some(server),
                );
                continue;
            };
            if !ctx.has_certificate_export(server) {
                ctx.not_audited(
                    META.id,
                    format!("internal transport certificate {thumbprint} of {server}"),
                    format!("no Get-ExchangeCertificate export was read for {server}"),
                    Some(server),
                );
                continue;
            }
            let base = |message: String| {
                Hit::new(message)
                    .with("internal_transport_certificate", thumbprint)
                    .with("transport_service_source", t.source.clone())
                    .on(server, vec!["SMTP".into()])
            };
            let Some((i, _)) = ctx.certificate_on(server, thumbprint) else {
                hits.push(base(format!(
                    "Get-TransportService names {thumbprint} as the internal transport certificate of {server}, but that certificate is not on {server}."
                ))
                .at(Severity::Critical));
                continue;
            };
            let d = &ctx.inventory.certificates[i].details;
            let days_left = days_between(ctx.at, d.not_after);
            let hit = if ctx.at > d.not_after {
                base(format!(
                    "The internal transport certificate of {server} ({thumbprint}) expired on {}.",
                    d.not_after.format("%Y-%m-%d")
                ))
                .at(Severity::Critical)
            } else if let Some(w) = self.windows.window_for(days_left) {
                base(format!(
                    "The internal transport certificate of {server} ({thumbprint}) expires on {} ({days_left} day(s) left, inside the {}-day window).",
                    d.not_after.format("%Y-%m-%d"),
                    w.days
                ))
                .at(w.severity)
                .with("window_days", w.days)
            } else {
                continue;
            };
            hits.push(
                hit.about(Some(i))
                    .with("not_after", rfc3339(d.not_after))
                    .with("days_left", days_left),
            );
        }
        hits
    }
}
