//! `expiring-soon`: the certificate ends within one of the pack's windows. Each window has
//! its own severity; the narrowest window that contains the expiry wins.

use super::params::{parse_windows, Window};
use super::{days_between, Context, Hit, Rule, RuleMeta, Scope, Severity, AUTH_ROLLOVER};
use crate::inventory::Certificate;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "expiring-soon",
    title: "Certificate expires soon",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Renewing an Exchange certificate takes a request, a CA turnaround, an import on every server and a service binding: starting late risks an outage when it expires.",
    remediation: "Renew before {not_after}: Get-ExchangeCertificate -Thumbprint {thumbprint} | New-ExchangeCertificate -GenerateRequest -RequestFile <path> (or New-ExchangeCertificate -GenerateRequest for a new one), complete it with Import-ExchangeCertificate on every server, bind it with Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}, and remove the old certificate with Remove-ExchangeCertificate -Thumbprint {thumbprint} once nothing uses it.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/renew-certificates",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate",
    ],
};

/// Flags certificates that end within a window. The Auth certificate has its own windows:
/// its rollover needs 48 hours of replication before the old one expires.
pub struct ExpiringSoon {
    /// Sorted narrowest first.
    windows: Vec<Window>,
    /// Windows for the Exchange Auth certificate, sorted narrowest first.
    auth_windows: Vec<Window>,
}

impl Default for ExpiringSoon {
    fn default() -> Self {
        Self {
            windows: vec![
                Window {
                    days: 7,
                    severity: Severity::Critical,
                },
                Window {
                    days: 30,
                    severity: Severity::High,
                },
                Window {
                    days: 60,
                    severity: Severity::Medium,
                },
            ],
            auth_windows: vec![
                Window {
                    days: 14,
                    severity: Severity::Critical,
                },
                Window {
                    days: 60,
                    severity: Severity::High,
                },
            ],
        }
    }
}

impl Rule for ExpiringSoon {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn set_param(&mut self, key: &str, value: &toml::Value) -> Result<(), String> {
        match key {
            "windows" => self.windows = parse_windows(key, value)?,
            "auth_windows" => self.auth_windows = parse_windows(key, value)?,
            other => {
                return Err(format!(
                    "unknown parameter `{other}` for rule `expiring-soon` (expected `windows` or `auth_windows`)"
                ))
            }
        }
        Ok(())
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
        let window = windows.iter().find(|w| days_left < i64::from(w.days))?;
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
