//! `hostname-mismatch`: a probed endpoint presents a certificate that does not cover the host
//! probed (RFC 6125: SAN DNS names only, a wildcard only as the whole leftmost label).

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Endpoint;
use crate::inventory::Protocol;
use crate::x509::{dns_name_matches, names_cover};

static META: RuleMeta = RuleMeta {
    id: "hostname-mismatch",
    title: "Endpoint certificate does not cover the host name",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Clients check that the certificate names the host they connected to, by its subject alternative names only (RFC 6125; the subject CN is ignored), a wildcard covering exactly one leftmost label. A mismatch means warnings in Outlook and browsers and failed connections for mobile devices and IMAP/POP clients; on port 25 it fails partners that enforce MTA-STS or DANE.",
    remediation: "Serve a certificate that carries {host}: request one with New-ExchangeCertificate -GenerateRequest -DomainName {host},… (every client namespace and autodiscover name), complete it with Import-ExchangeCertificate, bind it with `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services <IIS,SMTP,IMAP,POP as needed>`, for POP/IMAP also Set-ImapSettings/Set-PopSettings -X509CertificateName {host}, and run `iisreset` for HTTPS; if a load balancer terminates TLS for {endpoint}, install the certificate there.",
    edge_remediation: Some("Serve a certificate that carries {host} on the Edge Transport server {server}: in its Exchange Management Shell, `New-ExchangeCertificate -GenerateRequest -RequestFile <path> -DomainName {host}`, Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, make the receive connector announce that name (`Set-ReceiveConnector -Fqdn {host}`), re-create the Edge Subscription and `Restart-Service MSExchangeTransport`; if a load balancer terminates TLS for {endpoint}, install the certificate there."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6125#section-6.4",
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
    ],
};

/// Flags endpoints whose leaf does not cover the probed host. Port 25 at
/// `server_to_server_severity`; targets given as IP addresses at `address_severity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostnameMismatch {
    server_to_server_severity: Severity,
    address_severity: Severity,
}

impl Default for HostnameMismatch {
    fn default() -> Self {
        Self {
            server_to_server_severity: Severity::Medium,
            address_severity: Severity::Low,
        }
    }
}

impl Rule for HostnameMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some((_, cert)) = ctx.leaf(endpoint) else {
            return Vec::new();
        };
        let d = &cert.details;
        if d.is_ca {
            return Vec::new();
        }
        let host = endpoint.host.as_str();
        let covered = if endpoint.ip_literal {
            host.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| d.ip_addresses.contains(&ip))
        } else {
            names_cover(&d.dns_names, host)
        };
        if covered {
            return Vec::new();
        }
        let cn_only = !endpoint.ip_literal && d.common_names.iter().any(|cn| dns_name_matches(cn, host));
        let names = if d.dns_names.is_empty() {
            "no DNS name at all".to_string()
        } else {
            d.dns_names.join(", ")
        };
        let mut message = format!(
            "{} presents a certificate for {names}, which does not cover {host}",
            endpoint.target
        );
        if cn_only {
            message.push_str(" (only the subject CN names it, and clients ignore the CN)");
        }
        if endpoint.ip_literal {
            message.push_str(" (probed by address: probe the name clients use, with --resolve NAME=ADDR for one node)");
        }
        message.push('.');
        let mut hit = Hit::new(message)
            .with("host", host)
            .with("dns_names", d.dns_names.clone())
            .with(
                "ip_addresses",
                d.ip_addresses.iter().map(|ip| ip.to_string()).collect::<Vec<_>>(),
            )
            .with("common_names", d.common_names.clone())
            .with("cn_would_match", cn_only)
            .at_endpoint(index, endpoint);
        if endpoint.ip_literal {
            hit.severity = Some(self.address_severity);
        } else if endpoint.protocol == Protocol::Smtp {
            hit.severity = Some(self.server_to_server_severity);
        }
        vec![hit]
    }
}
