//! `weak-signature`: signed with SHA-1 or MD5 (or MD2). A root's self-signature is not
//! checked by clients, so self-signed CA certificates are not flagged.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::x509::is_weak_signature_algorithm;

static META: RuleMeta = RuleMeta {
    id: "weak-signature",
    title: "Weak signature algorithm",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "SHA-1 and MD5 signatures can be forged (chosen-prefix collisions); browsers, Outlook and Windows reject them for TLS.",
    remediation: "Have the CA re-issue the certificate signed with SHA-256 or better: New-ExchangeCertificate -GenerateRequest, Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}`, then `Remove-ExchangeCertificate -Thumbprint {thumbprint}`. For an enterprise CA, move it to SHA-256 first.",
    edge_remediation: None,
    references: &[
        "https://shattered.io/",
        "https://learn.microsoft.com/en-us/security-updates/securityadvisories/2016/4010323",
    ],
};

/// Flags SHA-1, MD5 and MD2 signatures.
pub struct WeakSignature;

impl Rule for WeakSignature {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        if d.is_ca && d.self_signed {
            return None;
        }
        is_weak_signature_algorithm(&d.signature_algorithm).then(|| {
            Hit::new(format!("Signed with {}.", d.signature_algorithm))
                .with("signature_algorithm", d.signature_algorithm.clone())
        })
    }
}
