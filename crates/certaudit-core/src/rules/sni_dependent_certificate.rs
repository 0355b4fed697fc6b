//! `sni-dependent-certificate`: an HTTPS name serves another leaf to a handshake without SNI
//! (health checks, load-balancer probes, old clients and some scanners send none).

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "sni-dependent-certificate",
    title: "HTTPS serves another certificate without SNI",
    default_severity: Severity::Low,
    default_enabled: true,
    scope: Scope::All,
    rationale: "A client that sends no SNI (load-balancer health checks, monitoring, old ActiveSync devices and Windows XP-era clients, some SMTP relays using HTTPS APIs) gets the server's default binding rather than the certificate meant for the name. When that default is another, expired or self-signed certificate, those clients fail while browsers work, which is hard to diagnose.",
    remediation: "Make the default binding serve the same certificate: in IIS on the server behind {endpoint}, the `*:443:` binding of Default Web Site (no host name, SNI not required) should hold the certificate enabled for IIS (`Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services IIS`, then check with `Get-WebBinding -Name 'Default Web Site'` and `netsh http show sslcert`), and `iisreset`; where a load balancer terminates TLS, set its default certificate to the same one.",
    edge_remediation: Some("An Edge Transport server serves no HTTPS to clients: where {endpoint} answers on an Edge server, the listener belongs to something else on it (a reverse proxy or load balancer in front): set that listener's default certificate to the one it serves with SNI, or stop it if nothing should listen there."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6066#section-3",
        "https://learn.microsoft.com/en-us/iis/get-started/whats-new-in-iis-8/iis-80-server-name-indication-sni-ssl-scalability",
    ],
};

/// Flags HTTPS endpoints whose leaf without SNI is another certificate.
pub struct SniDependentCertificate;

impl Rule for SniDependentCertificate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let (Some(plain), Some(leaf)) = (endpoint.leaf_without_sni.as_deref(), endpoint.leaf()) else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Ok || plain == leaf {
            return Vec::new();
        }
        let thumbprint = |sha: &str| {
            ctx.inventory
                .get(sha)
                .map(|c| c.thumbprint.clone())
                .unwrap_or_else(|| format!("SHA-256 {sha}"))
        };
        let subject = |sha: &str| ctx.inventory.get(sha).map(|c| c.details.subject.clone());
        let (with_sni, without_sni) = (thumbprint(leaf), thumbprint(plain));
        vec![Hit::new(format!(
            "{} serves {with_sni} to clients that send SNI and {without_sni}{} to clients that send none.",
            endpoint.target,
            subject(plain).map(|s| format!(" ({s})")).unwrap_or_default()
        ))
        .with("with_sni", with_sni)
        .with("without_sni", without_sni)
        .with("without_sni_subject", subject(plain))
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint)]
    }
}
