//! `expiring-soon`: the certificate ends within one of the pack's windows. Each window has
//! its own severity; the narrowest window that contains the expiry wins.

use serde::Deserialize;

use super::auth::AUTH_ROLLOVER;
use super::params::{ParamError, Params, Windows};
use super::{Context, ExpiryWindows, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::time::days_between;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "expiring-soon",
    title: "Certificate expires soon",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Renewing an Exchange certificate takes a request, a CA turnaround, an import on every server and a service binding: starting late risks an outage when it expires.",
    remediation: "Renew before {not_after}: `Get-ExchangeCertificate -Thumbprint {thumbprint} | New-ExchangeCertificate -GenerateRequest -RequestFile <path>` (or New-ExchangeCertificate -GenerateRequest for a new one), complete it with Import-ExchangeCertificate on every server, bind it with `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}`, and remove the old certificate with `Remove-ExchangeCertificate -Thumbprint {thumbprint}` once nothing uses it.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/renew-certificates",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate",
    ],
};

/// Flags certificates that end within a window. The Auth certificate has its own windows:
/// its rollover needs 48 hours of replication before the old one expires.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpiringSoon {
    windows: Windows,
    /// Windows for the Exchange Auth certificate.
    auth_windows: Windows,
}

impl Default for ExpiringSoon {
    fn default() -> Self {
        Self {
            windows: Windows::default(),
            auth_windows: Windows::of(&[(14, Severity::Critical), (60, Severity::High)]),
        }
    }
}

impl Rule for ExpiringSoon {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn expiry_windows(&self) -> Option<ExpiryWindows> {
        Some(ExpiryWindows {
            general: self.windows.as_slice().to_vec(),
            auth: self.auth_windows.as_slice().to_vec(),
        })
    }

    fn check(&self, cert: &Certificate, ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        if ctx.at > d.not_after || ctx.at < d.not_before {
            return None;
        }
        let days_left = days_between(ctx.at, d.not_after);
        let auth = ctx.auth_role(cert);
        let windows = if auth.is_some() {
            &self.auth_windows
        } else {
            &self.windows
        };
        let window = windows.window_for(days_left)?;
        let mut hit = Hit::new(format!(
            "Expires on {} ({days_left} day(s) left, inside the {}-day window).",
            d.not_after.format("%Y-%m-%d"),
            window.days
        ))
        .with("not_after", rfc3339(d.not_after))
        .with("days_left", days_left)
        .with("window_days", window.days);
        hit.severity = Some(window.severity);
        if let Some(role) = auth {
            hit.remediation = Some(AUTH_ROLLOVER);
            hit = hit.with("auth_certificate", role);
        }
        Some(hit)
    }
}
