//! Rule parameters: how a rule receives its pack table, and the parameter types several rules
//! share.
//!
//! A rule with parameters is itself a `Deserialize` struct with `#[serde(default,
//! deny_unknown_fields)]` (its `Default` holds the defaults) and implements
//! [`super::Rule::configure`] as `*self = params.parse()?`. The pack loader hands it the keys
//! of its table other than `enabled` and `severity`, each with the place it was written, so
//! that a bad key or value is reported at its file:line:column.

use std::cell::Cell;
use std::fmt;
use std::ops::Range;

use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::Severity;

/// One parameter as written in a pack: key and value, with their byte ranges in the file.
#[derive(Debug, Clone)]
pub struct Param {
    pub key: String,
    pub value: toml::Value,
    pub key_span: Range<usize>,
    pub value_span: Range<usize>,
}

/// The parameters a pack gives one rule.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    /// The rule's id, for messages.
    pub rule: &'static str,
    /// Where the rule's table starts (its id in `[rules.<id>]`), for errors that no key owns.
    pub table_span: &'a Range<usize>,
    pub entries: &'a [Param],
}

/// A parameter that cannot be used, with the byte range of the key or value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    pub span: Range<usize>,
    pub message: String,
}

impl Params<'_> {
    /// Deserialises the parameters into `T`, naming the key or value at fault on error.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ParamError> {
        let last = Cell::new(None::<usize>);
        let pairs = self.entries.iter().enumerate().map(|(i, p)| {
            last.set(Some(i));
            (p.key.clone(), p.value.clone())
        });
        let deserializer = MapDeserializer::<_, toml::de::Error>::new(pairs);
        T::deserialize(deserializer).map_err(|e| self.error(e.message(), last.get()))
    }

    /// For rules without parameters: any key is an error.
    pub fn none(&self) -> Result<(), ParamError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct NoParameters {}
        self.parse::<NoParameters>().map(|_| ())
    }

    fn error(&self, message: &str, entry: Option<usize>) -> ParamError {
        let param = entry.and_then(|i| self.entries.get(i));
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let (field, expected) = rest.split_once("`, ").unwrap_or((rest.trim_end_matches('`'), ""));
            let expected = match expected {
                "there are no fields" => "it takes none".to_string(),
                other => other.to_string(),
            };
            return ParamError {
                span: param.map_or_else(|| self.table_span.clone(), |p| p.key_span.clone()),
                message: format!("unknown parameter `{field}` for rule `{}` ({expected})", self.rule),
            };
        }
        match param {
            Some(p) => ParamError {
                span: p.value_span.clone(),
                message: format!("`{}`: {message}", p.key),
            },
            None => ParamError {
                span: self.table_span.clone(),
                message: format!("rule `{}`: {message}", self.rule),
            },
        }
    }
}

/// A positive integer parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Positive(pub u32);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Positive;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive integer")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Positive, E> {
                u32::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Positive)
                    .ok_or_else(|| E::custom(format!("must be a positive integer, not {n}")))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Positive, E> {
                self.visit_i64(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One expiry window: certificates with fewer than `days` days left get `severity`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub days: u32,
    pub severity: Severity,
}

/// Expiry windows, narrowest first: at least one, each with `days` above 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows(Vec<Window>);

impl<'de> Deserialize<'de> for Windows {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Windows;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of { days, severity } tables")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Windows, A::Error> {
                let mut windows = Vec::new();
                while let Some(w) = seq.next_element::<Window>()? {
                    windows.push(w);
                }
                Windows::try_from(windows).map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

impl TryFrom<Vec<Window>> for Windows {
    type Error = &'static str;
    fn try_from(mut windows: Vec<Window>) -> Result<Self, Self::Error> {
        if windows.is_empty() || windows.iter().any(|w| w.days == 0) {
            return Err("needs at least one window, each with `days` above 0");
        }
        windows.sort_by_key(|w| w.days);
        Ok(Self(windows))
    }
}

impl Default for Windows {
    /// 60 days medium, 30 high, 7 critical.
    fn default() -> Self {
        Self(vec![
            Window {
                days: 7,
                severity: Severity::Critical,
            },
            Window {
                days: 30,
                severity: Severity::High,
            },
            Window {
                days: 60,
                severity: Severity::Medium,
            },
        ])
    }
}

impl Windows {
    /// Windows from `(days, severity)` pairs (each `days` above 0), sorted.
    pub fn of(pairs: &[(u32, Severity)]) -> Self {
        let mut windows: Vec<Window> = pairs
            .iter()
            .map(|&(days, severity)| Window { days, severity })
            .collect();
        windows.sort_by_key(|w| w.days);
        Self(windows)
    }

    /// The narrowest window that holds `days_left`.
    pub fn window_for(&self, days_left: i64) -> Option<&Window> {
        self.0.iter().find(|w| days_left < i64::from(w.days))
    }

    /// The windows, narrowest first.
    pub fn as_slice(&self) -> &[Window] {
        &self.0
    }
}

/// A list of SHA-256 digests (64 hex digits), kept in lowercase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct Sha256List(pub Vec<String>);

impl TryFrom<Vec<String>> for Sha256List {
    type Error = String;
    fn try_from(keys: Vec<String>) -> Result<Self, String> {
        if let Some(bad) = keys
            .iter()
            .find(|k| k.len() != 64 || !k.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(format!("entries must be 64 hex digits, got `{bad}`"));
        }
        Ok(Self(keys.iter().map(|k| k.to_ascii_lowercase()).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Example {
        limit: Positive,
        windows: Windows,
    }

    impl Default for Example {
        fn default() -> Self {
            Self {
                limit: Positive(50),
                windows: Windows::default(),
            }
        }
    }

    fn params(entries: &[(&str, toml::Value)]) -> Vec<Param> {
        let mut at = 0;
        entries
            .iter()
            .map(|(k, v)| {
                at += 10;
                Param {
                    key: k.to_string(),
                    value: v.clone(),
                    key_span: at..at + 1,
                    value_span: at + 5..at + 6,
                }
            })
            .collect()
    }

    fn parse(entries: &[(&str, toml::Value)]) -> Result<Example, ParamError> {
        let e = params(entries);
        Params {
            rule: "example",
            table_span: &(0..1),
            entries: &e,
        }
        .parse()
    }

    #[test]
    fn defaults_fill_what_the_pack_leaves_out() {
        let got = parse(&[("limit", toml::Value::Integer(3))]).unwrap();
        assert_eq!(got.limit, Positive(3));
        assert_eq!(got.windows, Windows::default());
    }

    #[test]
    fn errors_name_the_key_or_the_value() {
        let err = parse(&[("limit", 3.into()), ("limt", 4.into())]).unwrap_err();
        assert_eq!(err.span, 20..21, "an unknown key is reported at the key");
        assert!(
            err.message
                .starts_with("unknown parameter `limt` for rule `example` (expected `limit` or `windows`"),
            "{}",
            err.message
        );
        let err = parse(&[("windows", 3.into()), ("limit", (-4).into())]).unwrap_err();
        assert_eq!(err.span, 15..16, "a bad value is reported at the value");
        assert!(err.message.starts_with("`windows`: invalid type"), "{}", err.message);
        let err = parse(&[("limit", (-4).into())]).unwrap_err();
        assert_eq!(err.message, "`limit`: must be a positive integer, not -4");
        let empty = toml::Value::Array(Vec::new());
        let err = parse(&[("windows", empty)]).unwrap_err();
        assert_eq!(
            err.message,
            "`windows`: needs at least one window, each with `days` above 0"
        );
    }

    #[test]
    fn a_rule_without_parameters_refuses_any() {
        let e = params(&[("x", true.into())]);
        let err = Params {
            rule: "plain",
            table_span: &(0..1),
            entries: &e,
        }
        .none()
        .unwrap_err();
        assert_eq!(err.message, "unknown parameter `x` for rule `plain` (it takes none)");
    }

    #[test]
    fn windows_are_sorted_narrowest_first() {
        let w: Windows =
            toml::from_str::<toml::Table>("w = [{ days = 60, severity = \"low\" }, { days = 5, severity = \"high\" }]")
                .unwrap()["w"]
                .clone()
                .try_into()
                .unwrap();
        assert_eq!(w.window_for(4).map(|w| w.severity), Some(Severity::High));
        assert_eq!(w.window_for(30).map(|w| w.severity), Some(Severity::Low));
        assert_eq!(w.window_for(60), None);
    }
}
