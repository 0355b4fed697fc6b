//! `status-not-valid`: Exchange reports a status other than Valid.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::service_names;
use crate::inventory::Certificate;

static META: RuleMeta = RuleMeta {
    id: "status-not-valid",
    title: "Exchange reports the certificate as not valid",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Get-ExchangeCertificate's Status is Exchange's own verdict on the server: Revoked, Untrusted, Invalid or DateInvalid certificates break the services they are bound to, and RevocationCheckFailure often means the server cannot reach the CA's CRL.",
    remediation: "Check the certificate on {server} with `Get-ExchangeCertificate -Server {server} -Thumbprint {thumbprint} | Format-List Status,*`; for RevocationCheckFailure let the server reach the CRL/OCSP URLs (proxy, firewall); for Untrusted import the issuing CA chain; for Revoked, Invalid or DateInvalid replace it (New-ExchangeCertificate -GenerateRequest, Import-ExchangeCertificate, Enable-ExchangeCertificate) and remove it with `Remove-ExchangeCertificate -Server {server} -Thumbprint {thumbprint}`; complete a PendingRequest with Import-ExchangeCertificate.",
    edge_remediation: None,
    references: &["https://learn.microsoft.com/en-us/powershell/module/exchange/get-exchangecertificate"],
};

/// Flags bindings whose Exchange status is known and not `Valid`.
pub struct StatusNotValid;

/// How serious each status is: revoked or untrusted certificates break services.
fn severity_of(status: &str) -> Option<Severity> {
    match status {
        "Revoked" | "Untrusted" | "Invalid" => Some(Severity::High),
        "PendingRequest" | "Unknown" => Some(Severity::Low),
        _ => None,
    }
}

impl Rule for StatusNotValid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, _ctx: &Context<'_>) -> Vec<Hit> {
        cert.bindings
            .iter()
            .filter_map(|b| {
                let status = b.status.as_deref()?;
                if status.eq_ignore_ascii_case("Valid") {
                    return None;
                }
                let mut hit = Hit::new(format!("Exchange on {} reports status {status}.", b.server))
                    .with("status", status)
                    .on(&b.server, service_names(b));
                hit.severity = severity_of(status);
                Some(hit)
            })
            .collect()
    }
}
