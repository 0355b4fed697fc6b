//! Evaluate: the rule trait, the registry of every rule, and the engine that runs a pack.
//!
//! One rule per file. Each rule has a stable kebab-case id (see DESIGN.md), a title, a default
//! severity, a rationale, remediation text naming the Exchange cmdlet to use, and references.

pub mod pack;

mod expired;
mod expiring_soon;
mod internal_name_in_san;
mod issuer_not_approved;
mod not_yet_valid;
mod san_count_over_limit;
mod untrusted_issuer;
mod weak_key;
mod weak_signature;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::inventory::{Certificate, Inventory};

pub use pack::{load_pack, PackError, PackInfo, RuleSet};

/// Finding severity, ordered from least to most severe.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// Which certificates a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Server (end-entity) certificates only: CA certificates are not judged by name rules.
    EndEntity,
    /// Every certificate, CA certificates included (expiry, key and signature strength).
    All,
}

/// The fixed description of a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub default_severity: Severity,
    pub default_enabled: bool,
    pub scope: Scope,
    pub rationale: &'static str,
    /// Remediation text; `{thumbprint}`, `{subject}` and `{not_after}` are filled in per finding.
    pub remediation: &'static str,
    pub references: &'static [&'static str],
}

/// What a rule reports about one certificate.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Overrides the configured severity (e.g. the expiry window that matched).
    pub severity: Option<Severity>,
    pub message: String,
    /// The values that triggered the finding.
    pub evidence: Map<String, Value>,
}

impl Hit {
    /// A hit at the rule's configured severity.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            severity: None,
            message: message.into(),
            evidence: Map::new(),
        }
    }

    /// Adds an evidence value.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }
}

/// What rules may consult besides the certificate itself.
pub struct Context<'a> {
    /// The evaluation instant (`--at`).
    pub at: DateTime<Utc>,
    pub inventory: &'a Inventory,
}

/// A compliance rule. Implementations live one per file in this folder.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Sets a pack parameter; the error names what is wrong with the value.
    fn set_param(&mut self, key: &str, _value: &toml::Value) -> Result<(), String> {
        Err(format!(
            "unknown parameter `{key}` for rule `{}`",
            self.meta().id
        ))
    }

    /// Checks one certificate.
    fn check_certificate(&self, cert: &Certificate, ctx: &Context<'_>) -> Option<Hit>;
}

/// Every rule this build knows, with default parameters, in report order.
pub fn registry() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(expired::Expired),
        Box::new(expiring_soon::ExpiringSoon::default()),
        Box::new(not_yet_valid::NotYetValid),
        Box::new(untrusted_issuer::UntrustedIssuer),
        Box::new(issuer_not_approved::IssuerNotApproved::default()),
        Box::new(internal_name_in_san::InternalNameInSan),
        Box::new(san_count_over_limit::SanCountOverLimit::default()),
        Box::new(weak_key::WeakKey::default()),
        Box::new(weak_signature::WeakSignature),
    ]
}

/// A finding as the engine produces it, before it is frozen into the report model.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// Index into the inventory's certificates.
    pub certificate: Option<usize>,
    pub evidence: Map<String, Value>,
    /// Remediation with the certificate's values filled in.
    pub remediation: String,
}

/// Runs every enabled rule of the set over the inventory. Findings come out sorted by
/// severity (most severe first), then rule order, then certificate order.
pub fn evaluate(inventory: &Inventory, rules: &RuleSet, at: DateTime<Utc>) -> Vec<Finding> {
    use rayon::prelude::*;
    let ctx = Context { at, inventory };
    let mut findings: Vec<Finding> = inventory
        .certificates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, cert)| {
            let ctx = &ctx;
            rules.enabled().filter_map(move |configured| {
                let meta = configured.rule.meta();
                if meta.scope == Scope::EndEntity && cert.details.is_ca {
                    return None;
                }
                let hit = configured.rule.check_certificate(cert, ctx)?;
                Some(Finding {
                    rule: meta,
                    severity: hit.severity.unwrap_or(configured.severity),
                    message: hit.message,
                    certificate: Some(i),
                    evidence: hit.evidence,
                    remediation: fill_remediation(meta.remediation, cert),
                })
            })
        })
        .collect();
    let order = |id: &str| {
        rules
            .rules
            .iter()
            .position(|r| r.rule.meta().id == id)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| order(a.rule.id).cmp(&order(b.rule.id)))
            .then_with(|| a.certificate.cmp(&b.certificate))
    });
    findings
}

/// Fills `{thumbprint}`, `{subject}` and `{not_after}` into a remediation template.
pub fn fill_remediation(template: &str, cert: &Certificate) -> String {
    template
        .replace("{thumbprint}", &cert.thumbprint)
        .replace("{subject}", &cert.details.subject)
        .replace(
            "{not_after}",
            &cert.details.not_after.format("%Y-%m-%d").to_string(),
        )
}

/// Whole days from `at` to `until`, rounded down (negative once `until` has passed).
pub fn days_between(at: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    (until - at).num_seconds().div_euclid(86_400)
}

/// Reads a TOML integer parameter that must be positive.
pub(crate) fn positive_int(key: &str, value: &toml::Value) -> Result<u32, String> {
    value
        .as_integer()
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{key}` must be a positive integer"))
}

/// Reads a TOML array of strings.
pub(crate) fn string_list(key: &str, value: &toml::Value) -> Result<Vec<String>, String> {
    let err = || format!("`{key}` must be an array of strings");
    value
        .as_array()
        .ok_or_else(err)?
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(err))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let rules = registry();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        for r in &rules {
            let m = r.meta();
            assert!(
                m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                m.id
            );
            assert!(!m.title.is_empty() && !m.rationale.is_empty());
            assert!(!m.references.is_empty(), "{} has no references", m.id);
            assert!(
                m.remediation.contains("Exchange")
                    || m.remediation.contains("-ExchangeCertificate"),
                "{} remediation names no Exchange cmdlet",
                m.id
            );
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
    }

    #[test]
    fn days_round_down() {
        let at = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let later = DateTime::parse_from_rfc3339("2026-01-02T11:59:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(days_between(at, later), 0);
        let earlier = DateTime::parse_from_rfc3339("2026-01-01T11:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(days_between(at, earlier), -1);
    }
}
