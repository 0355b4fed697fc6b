//! `certificate-revoked`: an endpoint's own OCSP staple, signed by the leaf's issuer (or its
//! delegated responder), says the leaf is revoked.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus, StapleStatus};

static META: RuleMeta = RuleMeta {
    id: "certificate-revoked",
    title: "Certificate is revoked",
    default_severity: Severity::Critical,
    default_enabled: true,
    scope: Scope::All,
    rationale: "The CA has revoked the certificate (a key compromise, a mis-issuance, or a replacement it was told about), and the server itself staples the proof. Clients that check revocation refuse the connection; those that do not are exposed to whoever may hold the key.",
    remediation: "Replace the certificate on the server behind {endpoint} now: request a new one with a new key (New-ExchangeCertificate -GenerateRequest), complete it with Import-ExchangeCertificate, bind it with Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services <services> (IIS, SMTP, IMAP, POP as the old one had), run iisreset and restart MSExchangeTransport, then Remove-ExchangeCertificate -Thumbprint {thumbprint}. If the reason is keyCompromise, treat the old key as stolen: find where else it was installed (load balancers, other servers) and replace it there too.",
    edge_remediation: Some("Replace the certificate on the Edge Transport server behind {endpoint} now, in the Edge server's shell: request a new one with a new key (New-ExchangeCertificate -GenerateRequest), complete it with Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, `Restart-Service MSExchangeTransport`, then Remove-ExchangeCertificate -Thumbprint {thumbprint} and re-create the Edge Subscription. If the reason is keyCompromise, treat the old key as stolen and replace it wherever else it was installed."),
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6960",
        "https://www.rfc-editor.org/rfc/rfc6066#section-8",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate",
    ],
};

/// Flags endpoints whose verified staple says the leaf is revoked.
pub struct CertificateRevoked;

impl Rule for CertificateRevoked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        let Some(check) = &endpoint.staple_check else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Ok || check.status != StapleStatus::Revoked {
            return Vec::new();
        }
        let when = check.revoked_at.map(crate::time::rfc3339);
        vec![Hit::new(format!(
            "{} staples an OCSP response from {} saying its certificate was revoked on {}{}.",
            endpoint.target,
            check.responder.as_deref().unwrap_or("its issuer"),
            when.as_deref().unwrap_or("an unknown date"),
            check
                .revocation_reason
                .as_deref()
                .map(|r| format!(" (reason: {r})"))
                .unwrap_or_default()
        ))
        .with("revoked_at", when)
        .with("reason", check.revocation_reason.clone())
        .with("responder", check.responder.clone())
        .with("staple_sha256", check.sha256.clone())
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint)]
    }
}
