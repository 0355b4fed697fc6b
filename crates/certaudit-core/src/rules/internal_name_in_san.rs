//! `internal-name-in-san`: a SAN or CN holds a non-public name (a top-level domain that is
//! not a public suffix, such as `.local`, `.lan`, `.corp`, `.internal`; a single-label
//! name) or a private, loopback, link-local or otherwise reserved IP address.

use std::net::IpAddr;

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::names::{internal_name_reason, reserved_ip_reason};

static META: RuleMeta = RuleMeta {
    id: "internal-name-in-san",
    title: "Internal name or address in the certificate",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Public CAs stopped issuing certificates for internal names and reserved addresses in 2015; such names reveal internal topology and tie clients to names only valid inside the network. Exchange works with public names inside and outside (split DNS).",
    remediation: "Point internal URLs at the public namespace (Set-OwaVirtualDirectory, Set-EcpVirtualDirectory, Set-WebServicesVirtualDirectory, Set-ActiveSyncVirtualDirectory, Set-OabVirtualDirectory, Set-MapiVirtualDirectory -InternalUrl https://{namespace}/…, Set-ClientAccessService -AutoDiscoverServiceInternalUri) with split DNS, then request a certificate without internal names: `New-ExchangeCertificate -GenerateRequest -DomainName {public_names}`, Import-ExchangeCertificate, Enable-ExchangeCertificate, and `Remove-ExchangeCertificate -Thumbprint {thumbprint}`.",
    edge_remediation: Some("An Edge Transport server's certificate needs only the public names its connectors announce: in the Exchange Management Shell on {server}, request one with `New-ExchangeCertificate -GenerateRequest -RequestFile <path> -DomainName {public_names}`, complete it with Import-ExchangeCertificate, bind it with `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, re-create the Edge Subscription (New-EdgeSubscription), then `Remove-ExchangeCertificate -Thumbprint {thumbprint}`."),
    references: &[
        "https://cabforum.org/2013/02/14/guidance-on-the-deprecation-of-internal-server-names-and-reserved-ip-addresses/",
        "https://www.rfc-editor.org/rfc/rfc6761",
        "https://www.rfc-editor.org/rfc/rfc6890",
    ],
};

/// Flags non-public DNS names and reserved IP addresses.
pub struct InternalNameInSan;

impl Rule for InternalNameInSan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        let mut found: Vec<serde_json::Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // A CN that is not a host name (e.g. "Microsoft Exchange Server Auth Certificate") names nothing.
        let host_like = |n: &&String| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | '_' | ':'))
        };
        for (field, name) in d
            .dns_names
            .iter()
            .map(|n| ("SAN", n))
            .chain(d.common_names.iter().filter(host_like).map(|n| ("CN", n)))
        {
            let reason = match name.parse::<IpAddr>() {
                Ok(ip) => reserved_ip_reason(ip).map(str::to_string),
                Err(_) => internal_name_reason(name),
            };
            if let Some(reason) = reason {
                if seen.insert(name.to_ascii_lowercase()) {
                    found.push(serde_json::json!({ "name": name, "field": field, "reason": reason }));
                }
            }
        }
        for ip in &d.ip_addresses {
            if let Some(reason) = reserved_ip_reason(*ip) {
                found.push(serde_json::json!({ "name": ip.to_string(), "field": "SAN IP", "reason": reason }));
            }
        }
        if found.is_empty() {
            return None;
        }
        let names: Vec<&str> = found.iter().filter_map(|f| f["name"].as_str()).collect();
        let hit = Hit::new(format!("Non-public name(s): {}.", names.join(", ")));
        // The new request keeps the certificate's public names (when it has any).
        let public: Vec<String> = d
            .dns_names
            .iter()
            .filter(|n| !seen.contains(&n.to_ascii_lowercase()))
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let hit = match public.is_empty() {
            true => hit,
            false => hit.fill("public_names", public.join(",")),
        };
        Some(hit.with("names", found))
    }
}
