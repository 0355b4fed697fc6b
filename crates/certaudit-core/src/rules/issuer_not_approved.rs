//! `issuer-not-approved`: the issuer is outside the pack's approved list (for regulated
//! organisations). Issuers are listed by distinguished name or by the SHA-256 of the
//! issuer's public key (SubjectPublicKeyInfo), which survives CA re-issuance.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use serde::Deserialize;

use super::params::{ParamError, Params, Sha256List};
use crate::inventory::Certificate;
use crate::x509::normalise_dn;

static META: RuleMeta = RuleMeta {
    id: "issuer-not-approved",
    title: "Issuer is not on the approved list",
    default_severity: Severity::High,
    default_enabled: false,
    scope: Scope::EndEntity,
    rationale: "Regulated organisations allow only certificates from contracted or internal CAs; a certificate from any other issuer is outside policy even when clients trust it.",
    remediation: "Re-issue the certificate from an approved CA: New-ExchangeCertificate -GenerateRequest, submit the request to the approved CA, Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}`, then `Remove-ExchangeCertificate -Thumbprint {thumbprint}`.",
    edge_remediation: None,
    references: &["https://learn.microsoft.com/en-us/powershell/module/exchange/new-exchangecertificate"],
};

/// Flags certificates whose issuer matches neither an approved name nor an approved key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IssuerNotApproved {
    /// Approved issuer distinguished names.
    issuers: DistinguishedNames,
    /// Lowercase hex SHA-256 of approved issuer public keys.
    #[serde(rename = "issuer_key_sha256")]
    issuer_keys: Sha256List,
}

/// Distinguished names, kept normalised for comparison.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "Vec<String>")]
struct DistinguishedNames(Vec<String>);

impl From<Vec<String>> for DistinguishedNames {
    fn from(names: Vec<String>) -> Self {
        Self(names.iter().map(|n| normalise_dn(n)).collect())
    }
}

impl Rule for IssuerNotApproved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        if self.issuers.0.contains(&normalise_dn(&cert.details.issuer)) {
            return None;
        }
        let key = cert.trust.issuer_key_sha256.as_deref();
        if key.is_some_and(|k| self.issuer_keys.0.iter().any(|a| a == k)) {
            return None;
        }
        Some(
            Hit::new(format!(
                "Issued by '{}', which is not an approved issuer.",
                cert.details.issuer
            ))
            .with("issuer", cert.details.issuer.clone())
            .with("issuer_key_sha256", key.map(str::to_string)),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::x509::normalise_dn;

    #[test]
    fn dn_comparison_ignores_case_and_spaces() {
        assert_eq!(
            normalise_dn("CN=Contoso CA, O=Contoso"),
            normalise_dn("cn=contoso ca,o=CONTOSO")
        );
        assert_ne!(normalise_dn("CN=Contoso CA"), normalise_dn("CN=Contoso CA 2"));
    }
}
