//! `expiring-soon`: the certificate ends within one of the pack's windows. Each window has
//! its own severity; the narrowest window that contains the expiry wins.

use serde::Deserialize;

use super::{days_between, Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "expiring-soon",
    title: "Certificate expires soon",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Renewing an Exchange certificate takes a request, a CA turnaround, an import on every server and a service binding: starting late risks an outage when it expires.",
    remediation: "Renew before {not_after}: Get-ExchangeCertificate -Thumbprint {thumbprint} | New-ExchangeCertificate -GenerateRequest -RequestFile <path> (or New-ExchangeCertificate -GenerateRequest for a new one), complete it with Import-ExchangeCertificate on every server, bind it with Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services <services>, and remove the old certificate with Remove-ExchangeCertificate -Thumbprint {thumbprint} once nothing uses it.",
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/renew-certificates",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate",
    ],
};

/// One expiry window: certificates with fewer than `days` days left get `severity`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub days: u32,
    pub severity: Severity,
}

/// Flags certificates that end within a window.
pub struct ExpiringSoon {
    /// Sorted narrowest first.
    windows: Vec<Window>,
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
        }
    }
}

impl Rule for ExpiringSoon {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn set_param(&mut self, key: &str, value: &toml::Value) -> Result<(), String> {
        match key {
            "windows" => {
                let mut windows: Vec<Window> =
                    value.clone().try_into().map_err(|e: toml::de::Error| {
                        format!(
                            "`windows` must be an array of {{ days, severity }} tables: {}",
                            e.message()
                        )
                    })?;
                if windows.is_empty() || windows.iter().any(|w| w.days == 0) {
                    return Err(
                        "`windows` needs at least one window, each with `days` above 0".into(),
                    );
                }
                windows.sort_by_key(|w| w.days);
                self.windows = windows;
                Ok(())
            }
            other => Err(format!(
                "unknown parameter `{other}` for rule `expiring-soon` (expected `windows`)"
            )),
        }
    }

    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        if ctx.at > d.not_after || ctx.at < d.not_before {
            return None;
        }
        let days_left = days_between(ctx.at, d.not_after);
        let window = self
            .windows
            .iter()
            .find(|w| days_left < i64::from(w.days))?;
        let mut hit = Hit::new(format!(
            "Expires on {} ({days_left} day(s) left, inside the {}-day window).",
            d.not_after.format("%Y-%m-%d"),
            window.days
        ))
        .with("not_after", rfc3339(d.not_after))
        .with("days_left", days_left)
        .with("window_days", window.days);
        hit.severity = Some(window.severity);
        Some(hit)
    }
}
