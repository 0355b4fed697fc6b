//! `auth-certificate-not-published`: Get-AuthConfig's next Auth certificate has passed its
//! effective date but has not become the current one.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "auth-certificate-not-published",
    title: "Next Auth certificate past its effective date but not published",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "A staged Auth certificate rollover (Set-AuthConfig -NewCertificateThumbprint … -NewCertificateEffectiveDate) is finished with Set-AuthConfig -PublishCertificate. While Get-AuthConfig still lists the new certificate as next after its effective date, the rollover is half done: the current certificate keeps signing, and when it expires OAuth (hybrid, Exchange Online, Teams) breaks.",
    remediation: "Check that {next_thumbprint} has reached every Mailbox server (`Get-ExchangeServer | Where-Object { -not $_.IsEdgeServer } | ForEach-Object { Get-ExchangeCertificate -Server $_.Name -Thumbprint {next_thumbprint} }` shows it for each server that has it, and an error for one that lacks it), then finish the rollover: `Set-AuthConfig -PublishCertificate`, then `Set-AuthConfig -ClearPreviousCertificate`, restart MSExchangeServiceHost and the OWA/ECP app pools on every server (`Restart-Service MSExchangeServiceHost; Restart-WebAppPool MSExchangeOWAAppPool; Restart-WebAppPool MSExchangeECPAppPool`), and re-run the Hybrid Configuration Wizard if hybrid is configured.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-oauth-certificate",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/set-authconfig",
    ],
};

/// Flags a next Auth certificate that stays next past its effective date.
pub struct AuthCertificateNotPublished;

impl Rule for AuthCertificateNotPublished {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let certs = &ctx.inventory.certificates;
        let find = |t: &str| certs.iter().position(|c| c.thumbprint.eq_ignore_ascii_case(t));
        ctx.organisation()
            .auth_configs
            .iter()
            .filter_map(|config| {
                let next = config.next.as_deref()?;
                let from = config.next_effective?;
                if from > ctx.at || Some(next) == config.current.as_deref() {
                    return None;
                }
                let current_ends = config.current.as_deref().and_then(find).map(|i| certs[i].details.not_after);
                let mut message = format!(
                    "Get-AuthConfig lists {next} as the next Auth certificate, effective since {}, but it has not been published as the current one",
                    from.format("%Y-%m-%d")
                );
                if let (Some(current), Some(end)) = (config.current.as_deref(), current_ends) {
                    message.push_str(&format!(
                        " (the current one, {current}, {} on {})",
                        if end < ctx.at { "expired" } else { "expires" },
                        end.format("%Y-%m-%d")
                    ));
                }
                message.push('.');
                Some(
                    Hit::new(message)
                        .with("next_thumbprint", next)
                        .with("next_effective", rfc3339(from))
                        .with("current_thumbprint", config.current.clone())
                        .with("current_not_after", current_ends.map(rfc3339))
                        .with("auth_config_source", config.source.clone())
                        .about(find(next))
                        .fill("next_thumbprint", next),
                )
            })
            .collect()
    }
}
