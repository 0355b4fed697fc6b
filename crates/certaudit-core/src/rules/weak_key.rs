//! `weak-key`: RSA keys below 2048 bits, EC keys below 256 bits, and DSA keys.

use serde::Deserialize;

use super::params::{ParamError, Params, Positive};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Certificate;

static META: RuleMeta = RuleMeta {
    id: "weak-key",
    title: "Weak public key",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "RSA keys under 2048 bits and EC keys under 256 bits are below NIST SP 800-131A and the CA/Browser Forum minimums; modern clients reject them.",
    remediation: "Request a new certificate with a stronger key: `New-ExchangeCertificate -GenerateRequest -KeySize 2048 -SubjectName '{subject}' -DomainName {names}` (or -KeySize 4096), Import-ExchangeCertificate, `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services {services}`, then `Remove-ExchangeCertificate -Thumbprint {thumbprint}`.",
    edge_remediation: None,
    references: &[
        "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final",
        "https://cabforum.org/working-groups/server/baseline-requirements/requirements/",
    ],
};

/// Flags keys below the configured minimum sizes.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeakKey {
    min_rsa_bits: Positive,
    min_ec_bits: Positive,
}

impl Default for WeakKey {
    fn default() -> Self {
        Self {
            min_rsa_bits: Positive(2048),
            min_ec_bits: Positive(256),
        }
    }
}

impl Rule for WeakKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check(&self, cert: &Certificate, _ctx: &Context<'_>) -> Option<Hit> {
        let key = &cert.details.key;
        let minimum = match key.algorithm.as_str() {
            "RSA" => self.min_rsa_bits.0,
            "EC" => self.min_ec_bits.0,
            "DSA" => u32::MAX,
            _ => return None,
        };
        if key.bits >= minimum {
            return None;
        }
        let message = if key.algorithm == "DSA" {
            format!("DSA key ({} bits): DSA is no longer accepted for TLS.", key.bits)
        } else {
            format!(
                "{} key of {} bits, below the minimum of {minimum}.",
                key.algorithm, key.bits
            )
        };
        let hit = Hit::new(message)
            .with("algorithm", key.algorithm.clone())
            .with("bits", key.bits)
            .with("curve", key.curve.clone())
            .with("minimum_bits", (minimum != u32::MAX).then_some(minimum));
        // The new request keeps the names the weak certificate carries.
        Some(match cert.details.dns_names.is_empty() {
            true => hit,
            false => hit.fill("names", super::san::names_plus(cert, &[])),
        })
    }
}
