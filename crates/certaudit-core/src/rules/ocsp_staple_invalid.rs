//! `ocsp-staple-invalid`: an endpoint staples an OCSP response that proves nothing: unreadable
//! or unsuccessful, badly signed or signed by a responder the issuer did not authorise, stale,
//! for another certificate, or one whose responder does not know the leaf. A staple whose
//! issuer is not at hand cannot be judged: it is recorded as not audited.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus, StapleStatus};

static META: RuleMeta = RuleMeta {
    id: "ocsp-staple-invalid",
    title: "OCSP staple is stale, badly signed or for another certificate",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "A server that staples an OCSP response saves its clients a lookup only when the response is the CA's current answer for the certificate it serves. A stale response, one for an old certificate, or one that does not verify makes strict clients (and every client of a Must-Staple certificate) fail the handshake, and shows that the server no longer refreshes its staple, often because it cannot reach the CA's responder.",
    remediation: "On the server behind {endpoint}, let it fetch fresh OCSP responses again: allow outbound HTTP to the responder URL in the certificate's Authority Information Access (proxy and firewall; `certutil -url` on the certificate tests it), and check that the certificate Exchange serves is the one the staple is for (after a renewal, `iisreset` or a restart of the load balancer's TLS service clears an old staple). Where a load balancer or reverse proxy terminates TLS, fix its OCSP stapling settings or turn stapling off rather than serve a bad staple.",
    edge_remediation: Some("On the Edge Transport server behind {endpoint}, let Schannel fetch fresh OCSP responses again: allow outbound HTTP to the responder URL in the certificate's Authority Information Access (`certutil -url` on the certificate tests it), then `Restart-Service MSExchangeTransport`. Where a load balancer or reverse proxy terminates TLS in front of it, fix its OCSP stapling settings or turn stapling off rather than serve a bad staple."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6960#section-3.2",
        "https://www.rfc-editor.org/rfc/rfc6066#section-8",
    ],
};

/// Flags endpoints whose staple did not verify or says nothing about the leaf.
pub struct OcspStapleInvalid;

impl Rule for OcspStapleInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        let Some(check) = &endpoint.staple_check else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Ok {
            return Vec::new();
        }
        match check.status {
            StapleStatus::Invalid | StapleStatus::Unknown => {}
            StapleStatus::Unverifiable => {
                ctx.not_audited(
                    META.id,
                    format!("the OCSP staple of {}", endpoint.target),
                    check.detail.clone(),
                    None,
                );
                return Vec::new();
            }
            StapleStatus::Good | StapleStatus::Revoked => return Vec::new(),
        }
        vec![Hit::new(format!(
            "{} staples an OCSP response that proves nothing: {}.",
            endpoint.target, check.detail
        ))
        .with("status", check.status.as_str())
        .with("detail", check.detail.clone())
        .with("this_update", check.this_update.map(crate::time::rfc3339))
        .with("next_update", check.next_update.map(crate::time::rfc3339))
        .with("responder", check.responder.clone())
        .with("staple_sha256", check.sha256.clone())
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint)]
    }
}
