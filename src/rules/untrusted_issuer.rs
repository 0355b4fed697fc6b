//! `untrusted-issuer`: the chain does not validate to a trust anchor (self-signed, unknown
//! CA, missing intermediate, expired issuer, weak or bad signature, wrong key usage).

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::trust::TrustStatus;

static META: RuleMeta = RuleMeta {
    id: "untrusted-issuer",
    title: "Certificate does not chain to a trusted root",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Outlook, mobile devices, browsers and IMAP/POP clients only accept a certificate that chains to a root they trust; anything else produces warnings that teach users to click through, or broken connections.",
    remediation: "Use a certificate from a CA the clients trust: New-ExchangeCertificate -GenerateRequest, submit the request to a public or enterprise CA, Import-ExchangeCertificate, then Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services <services> and Remove-ExchangeCertificate -Thumbprint {thumbprint}. If only intermediates are missing, import them into the server's Intermediate Certification Authorities store; if the issuer is your enterprise CA, make sure clients trust its root and pass that root to certaudit with --trust-anchors.",
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
        "https://www.rfc-editor.org/rfc/rfc5280#section-6",
    ],
};

/// Flags server certificates whose trust evaluation did not reach an anchor.
pub struct UntrustedIssuer;

impl Rule for UntrustedIssuer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_certificate(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        let trust = &cert.trust;
        if trust.status.is_trusted() || trust.status == TrustStatus::NotEvaluated {
            return None;
        }
        Some(
            Hit::new(format!("Clients will not trust it: {}.", trust.detail))
                .with("trust_status", trust.status.as_str())
                .with("issuer", cert.details.issuer.clone()),
        )
    }
}
