//! `multiple-iis-certificates`: more than one certificate bound to IIS on one server.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Services;

static META: RuleMeta = RuleMeta {
    id: "multiple-iis-certificates",
    title: "More than one certificate bound to IIS",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "IIS serves one certificate per binding; when Exchange shows several certificates with the IIS service on a server, which one clients get depends on the last Enable-ExchangeCertificate, and renewals leave the wrong one in place.",
    remediation: "Decide which certificate should serve IIS on {server}, bind it with `Enable-ExchangeCertificate -Server {server} -Thumbprint <thumbprint> -Services IIS`, run `iisreset`, and remove the others once nothing uses them (`Remove-ExchangeCertificate -Server {server} -Thumbprint <old thumbprint>`).",
    edge_remediation: Some("An Edge Transport server serves no client access (no web sites, no autodiscover, no virtual directories): do not enable web services on {server}. Check why a client-access name is served there (DNS or a load balancer pointing clients at the Edge) and point clients at the Mailbox servers' namespace; the Edge certificate needs only its connectors' names, bound with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` in the Edge server's shell."),
    references: &["https://learn.microsoft.com/en-us/exchange/architecture/client-access/assign-certificates-to-services"],
};

/// Flags servers with several IIS-bound certificates.
pub struct MultipleIisCertificates;

impl Rule for MultipleIisCertificates {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let mut hits = Vec::new();
        for server in ctx.servers().iter().filter(|s| !ctx.is_edge(s)) {
            let mut iis: Vec<usize> = ctx
                .bindings_on(server)
                .iter()
                .filter(|(_, b)| b.services.is_some_and(|s| s.any(Services::IIS)))
                .map(|(i, _)| *i)
                .collect();
            iis.sort_unstable();
            iis.dedup();
            if iis.len() < 2 {
                continue;
            }
            let certs = &ctx.inventory.certificates;
            let listed: Vec<String> = iis
                .iter()
                .map(|&i| format!("{} ({})", certs[i].thumbprint, certs[i].details.subject))
                .collect();
            hits.push(
                Hit::new(format!("{} certificates are bound to IIS on {server}.", iis.len()))
                    .with("certificates", listed)
                    .on(server, vec!["IIS".into()]),
            );
        }
        hits
    }
}
