//! `must-staple-without-staple`: the served leaf carries the TLS Feature extension with
//! status_request (OCSP Must-Staple, RFC 7633), but the server stapled nothing although the
//! handshake asked for it. An endpoint seen only through a legacy capture (which does not
//! ask) is recorded as not audited.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "must-staple-without-staple",
    title: "Must-Staple certificate served without an OCSP staple",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "A certificate with the TLS Feature extension (OCSP Must-Staple) tells clients to refuse any handshake that does not carry a fresh OCSP response. Firefox and other clients that honour it fail against this endpoint; IIS and Schannel staple only when they can reach the CA's responder, and load balancers often not at all.",
    remediation: "Either make the server behind {endpoint} staple (Schannel staples automatically when it can reach the OCSP responder in the certificate's Authority Information Access: allow that outbound HTTP through the proxy and firewall, then `iisreset`; on a load balancer or reverse proxy, turn OCSP stapling on), or replace the certificate with one requested without the Must-Staple extension (New-ExchangeCertificate -GenerateRequest, Import-ExchangeCertificate, Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services <services>).",
    edge_remediation: Some("On the Edge Transport server behind {endpoint}, either let Schannel staple (it does when it can reach the OCSP responder in the certificate's Authority Information Access: allow that outbound HTTP, then `Restart-Service MSExchangeTransport`), or replace the certificate in the Edge server's shell with one requested without the Must-Staple extension (New-ExchangeCertificate -GenerateRequest, Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`) and re-create the Edge Subscription."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc7633",
        "https://www.rfc-editor.org/rfc/rfc6066#section-8",
    ],
};

/// Flags endpoints that serve a Must-Staple leaf without a staple.
pub struct MustStapleWithoutStaple;

impl Rule for MustStapleWithoutStaple {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        if endpoint.status != EndpointStatus::Ok || endpoint.staple.is_some() {
            return Vec::new();
        }
        let Some(leaf) = endpoint.leaf().and_then(|sha| ctx.inventory.get(sha)) else {
            return Vec::new();
        };
        if !crate::revocation::staple::must_staple(&leaf.der) {
            return Vec::new();
        }
        if !endpoint.staple_requested {
            ctx.not_audited(
                META.id,
                format!("the OCSP staple of {}", endpoint.target),
                "the leaf is Must-Staple, but the certificate was read from a legacy handshake, which does not ask for a staple",
                None,
            );
            return Vec::new();
        }
        vec![Hit::new(format!(
            "{} serves {} (OCSP Must-Staple) without stapling an OCSP response: clients that honour the extension refuse the handshake.",
            endpoint.target, leaf.thumbprint
        ))
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint)]
    }
}
