//! Rule packs (TOML): which rules run, at which severity, with which parameters.
//!
//! ```toml
//! id = "exchange-baseline"
//! description = "…"
//! [rules.expiring-soon]
//! enabled = true
//! windows = [{ days = 60, severity = "medium" }]
//! ```
//! Rules a pack does not mention keep their defaults. Unknown rule ids, unknown keys and bad
//! values are errors that name the file and line.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::params::{Param, Params};
use super::{registry, Rule, Severity};
use crate::text_position::LineIndex;

/// The default pack, compiled into the binary.
pub const BASELINE: &str = include_str!("../../../../rules/exchange-baseline.toml");
/// The name under which the built-in pack is reported.
pub const BASELINE_NAME: &str = "<built-in>/rules/exchange-baseline.toml";

/// A pack that cannot be used, with the place that is wrong.
#[derive(Debug, thiserror::Error)]
pub struct PackError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "rule pack {}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "rule pack {}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// `--pack FILE` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadPackError {
    #[error("rule pack {}: cannot read: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Invalid(#[from] PackError),
}

/// Identity of the pack in force, as recorded in the report.
#[derive(Debug, Clone)]
pub struct PackInfo {
    pub id: String,
    pub description: String,
    /// SHA-256 of the pack's text.
    pub sha256: String,
    /// Where the pack came from (a path, or the built-in name).
    pub source: String,
}

/// A rule as configured by a pack.
pub struct ConfiguredRule {
    pub rule: Box<dyn Rule>,
    pub enabled: bool,
    pub severity: Severity,
}

/// Every known rule, configured by one pack.
pub struct RuleSet {
    pub pack: PackInfo,
    pub rules: Vec<ConfiguredRule>,
}

impl RuleSet {
    /// The enabled rules, in registry order.
    pub fn enabled(&self) -> impl Iterator<Item = &ConfiguredRule> {
        self.rules.iter().filter(|r| r.enabled)
    }

    /// The expiry windows of the pack's enabled rules (none when it does not warn of expiry).
    pub fn expiry_windows(&self) -> super::ExpiryWindows {
        self.enabled().find_map(|r| r.rule.expiry_windows()).unwrap_or_default()
    }

    /// The built-in baseline pack.
    pub fn baseline() -> Result<Self, PackError> {
        load_pack(BASELINE_NAME, BASELINE)
    }

    /// The pack at `path` (`--pack FILE`), or the built-in baseline.
    pub fn load(path: Option<&Path>) -> Result<Self, LoadPackError> {
        let Some(path) = path else {
            return Ok(Self::baseline()?);
        };
        let text = crate::files::read_option_text(path).map_err(|source| LoadPackError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(load_pack(&path.display().to_string(), &text)?)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// Parses and applies a pack. `file` names it in errors.
pub fn load_pack(file: &str, text: &str) -> Result<RuleSet, PackError> {
    let lines = LineIndex::new(text);
    let at = |span: Range<usize>, message: String| {
        let (line, column) = lines.position(span.start);
        PackError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    let raw: RawPack = toml::from_str(text).map_err(|e| {
        let (line, column) = lines.toml_error(&e);
        PackError {
            file: file.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    if raw.id.trim().is_empty() {
        return Err(at(0..0, "`id` must not be empty".into()));
    }
    let mut rules: Vec<ConfiguredRule> = registry()
        .into_iter()
        .map(|rule| ConfiguredRule {
            enabled: rule.meta().default_enabled,
            severity: rule.meta().default_severity,
            rule,
        })
        .collect();
    for (id, settings) in raw.rules {
        let Some(configured) = rules.iter_mut().find(|r| r.rule.meta().id == id.get_ref().as_str()) else {
            let known: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
            return Err(at(
                id.span(),
                format!("unknown rule id `{}` (known rules: {})", id.get_ref(), known.join(", ")),
            ));
        };
        let mut params = Vec::new();
        for (key, value) in settings {
            let (key_span, value_span) = (key.span(), value.span());
            match key.get_ref().as_str() {
                "enabled" => match value.get_ref().as_bool() {
                    Some(b) => configured.enabled = b,
                    None => return Err(at(value_span, "`enabled` must be true or false".into())),
                },
                "severity" => match value.get_ref().as_str().map(str::parse::<Severity>) {
                    Some(Ok(s)) => configured.severity = s,
                    Some(Err(e)) => return Err(at(value_span, format!("`severity`: {e}"))),
                    None => return Err(at(value_span, "`severity` must be a string".into())),
                },
                _ => params.push(Param {
                    key: key.into_inner(),
                    value: value.into_inner(),
                    key_span,
                    value_span,
                }),
            }
        }
        let params = Params {
            rule: configured.rule.meta().id,
            table_span: &id.span(),
            entries: &params,
        };
        configured.rule.configure(params).map_err(|e| at(e.span, e.message))?;
    }
    Ok(RuleSet {
        pack: PackInfo {
            id: raw.id,
            description: raw.description,
            sha256: crate::digest::sha256_hex(text.as_bytes()),
            source: file.to_string(),
        },
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_loads_and_disables_issuer_policy() {
        let set = RuleSet::baseline().unwrap();
        assert_eq!(set.pack.id, "exchange-baseline");
        let approved = set
            .rules
            .iter()
            .find(|r| r.rule.meta().id == "issuer-not-approved")
            .unwrap();
        assert!(!approved.enabled);
        assert_eq!(set.rules.len(), registry().len());
    }

    #[test]
    fn the_baseline_lists_every_rule() {
        for rule in registry() {
            assert!(
                BASELINE.contains(&format!("[rules.{}]", rule.meta().id)),
                "{} is missing from rules/exchange-baseline.toml",
                rule.meta().id
            );
        }
    }

    #[test]
    fn unknown_rule_names_the_line() {
        let err = load_pack("p.toml", "id = \"x\"\n\n[rules.no-such-rule]\nenabled = true\n")
            .err()
            .unwrap();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("no-such-rule"), "{}", err.message);
        assert!(err.to_string().starts_with("rule pack p.toml:3:"), "{err}");
    }

    #[test]
    fn unknown_key_and_bad_values_name_the_line() {
        let err = load_pack("p.toml", "id = \"x\"\n[rules.expired]\nenabeld = true\n")
            .err()
            .unwrap();
        assert_eq!((err.line, err.message.contains("enabeld")), (3, true), "{err}");
        let err = load_pack("p.toml", "id = \"x\"\n[rules.expired]\nseverity = \"urgent\"\n")
            .err()
            .unwrap();
        assert_eq!(err.line, 3, "{err}");
        let err = load_pack("p.toml", "id = \"x\"\n[rules.san-count-over-limit]\n\nlimit = -4\n")
            .err()
            .unwrap();
        assert_eq!(err.line, 4, "{err}");
        let err = load_pack("p.toml", "id = \"x\"\ncolour = \"blue\"\n").err().unwrap();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn pack_changes_severity_and_parameters() {
        let set = load_pack(
            "p.toml",
            "id = \"strict\"\n[rules.weak-key]\nseverity = \"critical\"\nmin_rsa_bits = 3072\n[rules.expired]\nenabled = false\n",
        )
        .unwrap();
        let weak = set.rules.iter().find(|r| r.rule.meta().id == "weak-key").unwrap();
        assert_eq!(weak.severity, Severity::Critical);
        assert!(
            !set.rules
                .iter()
                .find(|r| r.rule.meta().id == "expired")
                .unwrap()
                .enabled
        );
    }
}
