//! `not-yet-valid`: the certificate's validity starts after the evaluation instant.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "not-yet-valid",
    title: "Certificate is not valid yet",
    default_severity: Severity::Medium,
    default_enabled: true,
    scope: Scope::All,
    rationale: "A certificate whose validity has not started is rejected by clients; it usually means a wrong server clock or a certificate bound too early.",
    remediation: "Check the server clock (`w32tm /query /status`) and the certificate's NotBefore ({subject}); do not bind it with Enable-ExchangeCertificate -Thumbprint {thumbprint} before its validity starts.",
    edge_remediation: None,
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5"],
};

/// Flags certificates whose notBefore is after the evaluation instant.
pub struct NotYetValid;

impl Rule for NotYetValid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cert: &Certificate, ctx: &Context<'_>) -> Option<Hit> {
        let d = &cert.details;
        (ctx.at < d.not_before).then(|| {
            Hit::new(format!("Valid only from {}.", rfc3339(d.not_before))).with("not_before", rfc3339(d.not_before))
        })
    }
}
