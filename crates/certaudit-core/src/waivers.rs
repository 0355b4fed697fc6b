//! Waivers (accepted risk): `--waivers FILE`, TOML.
//!
//! ```toml
//! [[waiver]]
//! rule = "untrusted-issuer"
//! thumbprint = "3F2A…"                        # any combination of thumbprint, endpoint, server
//! endpoint = "smtp://mx1.contoso.com:25"
//! server = "EX01"
//! reason = "Partner relay, replaced in the Q1 migration"
//! owner = "mail-team@contoso.com"
//! expires = "2027-03-31"                      # the last day it applies
//! ```
//! A waived finding stays in every report, marked with its waiver, and does not count toward
//! `--fail-on`. An expired waiver no longer applies; one that matched nothing is unused.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::inventory::server_key;
use crate::rules::registry;
use crate::text_position::LineIndex;

/// A waiver file that cannot be used, with the place that is wrong.
#[derive(Debug, thiserror::Error)]
pub struct WaiverError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for WaiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "waivers {}: {}", self.file, self.message),
            line => write!(f, "waivers {}:{}:{}: {}", self.file, line, self.column, self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: Spanned<String>,
    thumbprint: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    server: Option<String>,
    reason: Spanned<String>,
    owner: Spanned<String>,
    expires: Spanned<String>,
}

/// One accepted risk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Waiver {
    /// Line of the `[[waiver]]` table, for people reading the report.
    pub line: usize,
    pub rule: String,
    /// Uppercase SHA-1 thumbprint, as Exchange shows it.
    pub thumbprint: Option<String>,
    /// `scheme://host:port`.
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies (`YYYY-MM-DD`), or the instant given.
    pub expires: String,
    /// The first instant it no longer applies.
    #[serde(skip)]
    pub ends_at: DateTime<Utc>,
}

/// The waivers of one scan and where they came from.
#[derive(Debug, Clone)]
pub struct WaiverSet {
    pub source: String,
    pub sha256: String,
    pub waivers: Vec<Waiver>,
}

/// What a waiver did in a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverOutcome {
    /// It waived findings.
    Applied,
    /// Past its date: it applies no more.
    Expired,
    /// Nothing matched it.
    Unused,
}

impl WaiverOutcome {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverOutcome::Applied => "applied",
            WaiverOutcome::Expired => "expired",
            WaiverOutcome::Unused => "unused",
        }
    }
}

impl std::fmt::Display for WaiverOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of a waiver in a scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverStatus {
    #[serde(flatten)]
    pub waiver: Waiver,
    pub status: WaiverOutcome,
    /// Findings it waived (applied), or would have waived (expired).
    pub matched: usize,
}

impl Waiver {
    /// True when the waiver covers a finding of `rule` about these things.
    pub fn covers(&self, rule: &str, thumbprint: Option<&str>, endpoint: Option<&str>, server: Option<&str>) -> bool {
        self.rule == rule
            && self.thumbprint.as_deref().is_none_or(|t| thumbprint == Some(t))
            && self.endpoint.as_deref().is_none_or(|e| endpoint == Some(e))
            && self
                .server
                .as_deref()
                .is_none_or(|s| server.is_some_and(|f| server_key(f) == server_key(s)))
    }
}

/// Reads and checks a waiver file.
pub fn load(path: &Path) -> Result<WaiverSet, WaiverError> {
    let file = path.display().to_string();
    let text = crate::files::read_option_text(path).map_err(|e| WaiverError {
        file: file.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(&file, &text)
}

/// Parses waivers from `text`; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<WaiverSet, WaiverError> {
    let lines = LineIndex::new(text);
    let at = |span: Range<usize>, message: String| {
        let (line, column) = lines.position(span.start);
        WaiverError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, column) = lines.toml_error(&e);
        WaiverError {
            file: file.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
    let mut waivers = Vec::new();
    for spanned in raw.waiver {
        let table = spanned.span();
        let w = spanned.into_inner();
        if !ids.contains(&w.rule.get_ref().as_str()) {
            return Err(at(w.rule.span(), format!("unknown rule id `{}`", w.rule.get_ref())));
        }
        if w.thumbprint.is_none() && w.endpoint.is_none() && w.server.is_none() {
            return Err(at(
                table,
                "a waiver must name what it covers: `thumbprint`, `endpoint`, `server`, or a combination".into(),
            ));
        }
        for field in [&w.reason, &w.owner] {
            if field.get_ref().trim().is_empty() {
                return Err(at(field.span(), "`reason` and `owner` must not be empty".into()));
            }
        }
        let thumbprint = match &w.thumbprint {
            Some(t) => {
                let clean: String = t
                    .get_ref()
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != ':')
                    .collect();
                if clean.len() != 40 || !clean.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(at(
                        t.span(),
                        "`thumbprint` must be 40 hex digits (SHA-1, as Exchange shows it)".into(),
                    ));
                }
                Some(clean.to_ascii_uppercase())
            }
            None => None,
        };
        let endpoint = match &w.endpoint {
            Some(e) => match crate::probe::parse_target(e.get_ref()) {
                Ok(targets) if targets.len() == 1 => Some(targets[0].url()),
                Ok(_) => {
                    return Err(at(
                        e.span(),
                        "`endpoint` must name one endpoint: scheme://host[:port]".into(),
                    ))
                }
                Err(err) => return Err(at(e.span(), err.problem.to_string())),
            },
            None => None,
        };
        let ends_at = expiry(w.expires.get_ref()).map_err(|e| at(w.expires.span(), format!("`expires`: {e}")))?;
        waivers.push(Waiver {
            line: lines.position(table.start).0,
            rule: w.rule.into_inner(),
            thumbprint,
            endpoint,
            server: w.server,
            reason: w.reason.into_inner(),
            owner: w.owner.into_inner(),
            expires: w.expires.into_inner(),
            ends_at,
        });
    }
    Ok(WaiverSet {
        source: file.to_string(),
        sha256: crate::digest::sha256_hex(text.as_bytes()),
        waivers,
    })
}

/// A date is the last day the waiver applies (it ends at the next midnight UTC); an RFC 3339
/// instant is the moment it ends.
fn expiry(text: &str) -> Result<DateTime<Utc>, crate::time::BadInstant> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    crate::time::parse_instant(text).map(|midnight| midnight + chrono::Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[waiver]]
rule = "untrusted-issuer"
thumbprint = "3f 2a 9c 00 00000000000000000000000000000001"
server = "ex01"
reason = "Partner relay"
owner = "mail-team@contoso.com"
expires = "2027-03-31"

[[waiver]]
rule = "starttls-not-offered"
endpoint = "SMTP://MX1.contoso.com"
reason = "Legacy relay"
owner = "ops"
expires = "2027-01-01T12:00:00Z"
"#;

    #[test]
    fn parses_and_normalises() {
        let set = parse("w.toml", GOOD).unwrap();
        assert_eq!(set.waivers.len(), 2);
        let w = &set.waivers[0];
        assert_eq!(
            w.thumbprint.as_deref(),
            Some("3F2A9C0000000000000000000000000000000001")
        );
        assert_eq!(w.line, 2);
        assert_eq!(crate::time::rfc3339(w.ends_at), "2027-04-01T00:00:00Z");
        assert_eq!(set.waivers[1].endpoint.as_deref(), Some("smtp://mx1.contoso.com:25"));
        assert_eq!(crate::time::rfc3339(set.waivers[1].ends_at), "2027-01-01T12:00:00Z");
    }

    #[test]
    fn matching_needs_every_named_selector() {
        let set = parse("w.toml", GOOD).unwrap();
        let w = &set.waivers[0];
        let tp = w.thumbprint.clone().unwrap();
        assert!(w.covers("untrusted-issuer", Some(&tp), None, Some("EX01.contoso.com")));
        assert!(!w.covers("untrusted-issuer", Some(&tp), None, Some("EX02")));
        assert!(!w.covers("untrusted-issuer", Some(&tp), None, None));
        assert!(!w.covers("expired", Some(&tp), None, Some("EX01")));
        let e = &set.waivers[1];
        assert!(e.covers("starttls-not-offered", None, Some("smtp://mx1.contoso.com:25"), None));
        assert!(!e.covers("starttls-not-offered", None, Some("smtp://mx2.contoso.com:25"), None));
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line, words) in [
            ("[[waiver]]\nrule = \"expird\"\nserver = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n", 2, "unknown rule id"),
            ("[[waiver]]\nrule = \"expired\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n", 1, "must name what it covers"),
            ("[[waiver]]\nrule = \"expired\"\nserver = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n", 6, "expires"),
            ("[[waiver]]\nrule = \"expired\"\nserver = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\nnote = 1\n", 7, "unknown field"),
            ("[[waiver]]\nrule = \"expired\"\nthumbprint = \"XYZ\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n", 3, "40 hex"),
            ("[[waiver]]\nrule = \"expired\"\nserver = \"a\"\nreason = \"\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n", 4, "must not be empty"),
            ("[[waiver]]\nrule = \"expired\"\nserver = \"a\"\nreason = \"r\"\nexpires = \"2027-01-01\"\n", 1, "owner"),
        ] {
            let e = parse("w.toml", text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.to_string().contains(words), "{e}");
            assert!(e.to_string().starts_with(&format!("waivers w.toml:{line}:")), "{e}");
        }
    }
}
