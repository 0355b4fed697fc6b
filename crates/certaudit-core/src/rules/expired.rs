//! `expired`: the certificate is not valid any more at the evaluation instant.

use super::auth::{AUTH_CLEAR_PREVIOUS, AUTH_ROLLOVER};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::time::days_between;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "expired",
    title: "Certificate has expired",
    default_severity: Severity::Critical,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Clients refuse an expired certificate: Outlook, mobile devices and browsers show errors or stop connecting, and partner servers that require TLS stop accepting mail.",
    remediation: "Replace it: create a request with New-ExchangeCertificate -GenerateRequest (or renew with `Get-ExchangeCertificate -Thumbprint {thumbprint} | New-ExchangeCertificate -GenerateRequest`), complete it with Import-ExchangeCertificate, bind the new certificate with `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}`, then remove the expired one with `Remove-ExchangeCertificate -Thumbprint {thumbprint}`.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/renew-certificates",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/remove-exchangecertificate",
    ],
};

/// Flags certificates whose notAfter is before the evaluation instant.
pub struct Expired;

impl Rule for Expired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cert: &Certificate, ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        if ctx.at <= d.not_after {
            return None;
        }
        let days = -days_between(ctx.at, d.not_after);
        let mut hit = Hit::new(format!(
            "Expired on {} ({days} day(s) before the evaluation instant).",
            d.not_after.format("%Y-%m-%d")
        ))
        .with("not_after", rfc3339(d.not_after))
        .with("days_expired", days);
        match ctx.auth_role(cert) {
            Some("previous") => {
                hit.severity = Some(Severity::Low);
                hit.remediation = Some(AUTH_CLEAR_PREVIOUS);
                hit = hit.with("auth_certificate", "previous");
            }
            Some(role) => {
                hit.remediation = Some(AUTH_ROLLOVER);
                hit = hit.with("auth_certificate", role);
            }
            None => {}
        }
        Some(hit)
    }
}
