//! Remediation text: a rule's template and the values of its placeholders, kept apart and
//! rendered only when a report is written, so that a report of many findings holds the text
//! of each template once rather than a copy per finding.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A finding's remediation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remediation {
    template: Cow<'static, str>,
    /// The value of each placeholder, in the order the template names them (None: unknown,
    /// shown as `<key>`).
    values: Vec<Option<String>>,
    /// Text read back from a report: shown as it is, never rendered again.
    literal: bool,
}

impl Remediation {
    /// The remediation of `template`, with each placeholder's value taken from `known` now.
    pub fn new(template: Cow<'static, str>, mut known: impl FnMut(&str) -> Option<String>) -> Self {
        let values = placeholders(&template).map(&mut known).collect();
        Self {
            template,
            values,
            literal: false,
        }
    }

    /// A remediation that is already text (read back from a report).
    pub fn literal(text: String) -> Self {
        Self {
            template: Cow::Owned(text),
            values: Vec::new(),
            literal: true,
        }
    }

    /// The text, rendered.
    pub fn text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Remediation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.literal {
            return f.write_str(&self.template);
        }
        let mut values = self.values.iter();
        render_into(&self.template, |_| values.next().and_then(|v| v.as_deref()), f)
    }
}

impl Serialize for Remediation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Remediation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Remediation::literal)
    }
}

/// The placeholders a template names, in order: `{key}` with `key` lowercase letters and `_`.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = template;
    std::iter::from_fn(move || {
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let key_len = key_length(after);
            if key_len > 0 && after[key_len..].starts_with('}') {
                rest = &after[key_len + 1..];
                return Some(&after[..key_len]);
            }
            rest = after;
        }
        None
    })
}

fn key_length(after_brace: &str) -> usize {
    after_brace
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .unwrap_or(after_brace.len())
}

/// Fills a remediation template in one pass: each `{key}` takes `known(key)`, or `<key>` (with
/// spaces for underscores) when the value is not known. Inserted values are never scanned
/// again, so a name that contains braces stays as it is.
pub fn render_template(template: &str, known: impl Fn(&str) -> Option<String>) -> String {
    let values: Vec<Option<String>> = placeholders(template).map(known).collect();
    let mut values = values.iter();
    let mut out = String::with_capacity(template.len() + 64);
    let _ = render_into(template, |_| values.next().and_then(|v| v.as_deref()), &mut out);
    out
}

fn render_into<'v, W: fmt::Write>(
    template: &str,
    mut known: impl FnMut(&str) -> Option<&'v str>,
    out: &mut W,
) -> fmt::Result {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.write_str(&rest[..open])?;
        let after = &rest[open + 1..];
        let key_len = key_length(after);
        if key_len > 0 && after[key_len..].starts_with('}') {
            let key = &after[..key_len];
            match known(key) {
                Some(value) => out.write_str(value)?,
                None => {
                    out.write_char('<')?;
                    out.write_str(&key.replace('_', " "))?;
                    out.write_char('>')?;
                }
            }
            rest = &after[key_len + 1..];
        } else {
            out.write_char('{')?;
            rest = after;
        }
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_once() {
        let known = |k: &str| match k {
            "server" => Some("EX01".to_string()),
            "connector" => Some("{server} & {evil}".to_string()),
            _ => None,
        };
        let template = "Set-ReceiveConnector '{connector}' on {server}; {new_thumbprint}; $c = @{a=1}";
        let want = "Set-ReceiveConnector '{server} & {evil}' on EX01; <new thumbprint>; $c = @{a=1}";
        assert_eq!(render_template(template, known), want);
        let kept = Remediation::new(Cow::Borrowed(template), known);
        assert_eq!(kept.text(), want, "rendered later, the same text");
        assert_eq!(
            serde_json::to_string(&kept).unwrap(),
            serde_json::to_string(want).unwrap()
        );
        let back: Remediation = serde_json::from_str(&serde_json::to_string(&kept).unwrap()).unwrap();
        assert_eq!(back.text(), want, "text read back is never rendered again");
    }
}
