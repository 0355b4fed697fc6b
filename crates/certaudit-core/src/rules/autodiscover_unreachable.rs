//! `autodiscover-unreachable`: `https://autodiscover.<domain>/autodiscover/autodiscover.xml`
//! does not answer like Exchange with a valid certificate.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};

static META: RuleMeta = RuleMeta {
    id: "autodiscover-unreachable",
    title: "Autodiscover does not answer for an accepted domain",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Outlook and mobile clients configure themselves through autodiscover.<domain> for the domain of the user's address; if the name does not resolve, the certificate does not validate, or the server does not answer like Exchange, profile creation and free/busy, OAB and out-of-office fail or fall back to slower, warning-prone paths.",
    remediation: "Publish autodiscover.{domain} in DNS (A or CNAME to {namespace}, or an SRV record _autodiscover._tcp.{domain}), make sure the certificate bound to IIS carries autodiscover.{domain} and chains to a public root (`Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services IIS; iisreset`), check the virtual directory (`Get-AutodiscoverVirtualDirectory`, `Get-ClientAccessService | Format-List AutoDiscoverServiceInternalUri`), and test with the Microsoft Remote Connectivity Analyzer.",
    edge_remediation: Some("An Edge Transport server serves no client access (no web sites, no autodiscover, no virtual directories): do not enable web services on {server}. Check why a client-access name is served there (DNS or a load balancer pointing clients at the Edge) and point clients at the Mailbox servers' namespace; the Edge certificate needs only its connectors' names, bound with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` in the Edge server's shell."),
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/autodiscover",
        "https://testconnectivity.microsoft.com/",
    ],
};

/// Flags accepted domains whose autodiscover check failed.
pub struct AutodiscoverUnreachable;

impl Rule for AutodiscoverUnreachable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        ctx.inventory
            .autodiscover
            .iter()
            .filter_map(|check| {
                let error = check.error.as_ref()?;
                Some(
                    Hit::new(format!(
                        "Autodiscover for {} ({}) does not answer like Exchange: {}.",
                        check.domain, check.url, error.message
                    ))
                    .with("domain", check.domain.clone())
                    .with("url", check.url.clone())
                    .with("address", check.address.clone())
                    .with("kind", error.kind.as_str())
                    .with("http_status", check.http_status)
                    .with("error", error.message.clone())
                    .fill("domain", check.domain.clone()),
                )
            })
            .collect()
    }
}
