//! Remediation text: a rule's template and the values of its placeholders, kept apart and
//! rendered only when a report is written, so that a report of many findings holds the text
//! of each template once rather than a copy per finding.
//!
//! In a template, a command an administrator runs as it stands is written between backticks
//! (`` `Get-ExchangeCertificate -Thumbprint {thumbprint}` ``): the text form leaves the marks
//! out, and [`Remediation::parts`] gives the commands apart, for presenters that show them as
//! code to copy. Marks are read in the template only, never in a value put into it.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::powershell;

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

    /// The text in order as prose and commands (empty parts left out).
    pub fn parts(&self) -> Vec<Part> {
        if self.literal {
            return vec![Part::Prose(self.template.to_string())];
        }
        let mut values = self.values.iter();
        let mut parts = Vec::new();
        for (i, piece) in self.template.split('`').enumerate() {
            let mut text = String::new();
            let _ = render_into(
                piece,
                i % 2 == 1,
                |_| values.next().and_then(|v| v.as_deref()),
                &mut text,
            );
            if text.trim().is_empty() {
                continue;
            }
            parts.push(if i % 2 == 1 {
                Part::Command(text)
            } else {
                Part::Prose(text)
            });
        }
        parts
    }
}

/// A piece of a remediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "lowercase")]
pub enum Part {
    /// Words to read.
    Prose(String),
    /// A command to run as it stands.
    Command(String),
}

impl fmt::Display for Remediation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.literal {
            return f.write_str(&self.template);
        }
        let mut values = self.values.iter();
        for (i, piece) in self.template.split('`').enumerate() {
            render_into(piece, i % 2 == 1, |_| values.next().and_then(|v| v.as_deref()), f)?;
        }
        Ok(())
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
    for (i, piece) in template.split('`').enumerate() {
        let _ = render_into(
            piece,
            i % 2 == 1,
            |_| values.next().and_then(|v| v.as_deref()),
            &mut out,
        );
    }
    out
}

/// Writes one piece of a template (`command`: a piece between backticks) with its placeholders
/// filled. In a command a value lands in PowerShell text safely: inside a single-quoted string
/// of the template its quotes are doubled; elsewhere it is kept as it is only when it is plain
/// text ([`powershell::bare_argument`]), else quoted, so a hostile name never becomes a
/// command. Prose takes values as they are, but for `'{key}'` (a quote in prose is often an
/// apostrophe, so only that form counts as a string there).
fn render_into<'v, W: fmt::Write>(
    template: &str,
    command: bool,
    mut known: impl FnMut(&str) -> Option<&'v str>,
    out: &mut W,
) -> fmt::Result {
    let mut rest = template;
    let mut in_string = false;
    while let Some(open) = rest.find('{') {
        let before = &rest[..open];
        out.write_str(before)?;
        if command {
            in_string ^= before.chars().filter(|&c| powershell::is_single_quote(c)).count() % 2 == 1;
        }
        let after = &rest[open + 1..];
        let key_len = key_length(after);
        if key_len > 0 && after[key_len..].starts_with('}') {
            let key = &after[..key_len];
            rest = &after[key_len + 1..];
            let quoted = if command {
                in_string
            } else {
                before.ends_with('\'') && rest.starts_with('\'')
            };
            match known(key) {
                Some(value) if quoted => {
                    let mut inner = String::with_capacity(value.len());
                    powershell::push_quoted_inner(value, &mut inner);
                    out.write_str(&inner)?;
                }
                Some(value) if command => out.write_str(&powershell::bare_argument(value))?,
                Some(value) => out.write_str(value)?,
                None => {
                    out.write_char('<')?;
                    out.write_str(&key.replace('_', " "))?;
                    out.write_char('>')?;
                }
            }
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

    #[test]
    fn commands_come_apart_from_the_prose_and_the_marks_stay_out_of_the_text() {
        let known = |k: &str| match k {
            "thumbprint" => Some("AB`CD".to_string()),
            _ => None,
        };
        let r = Remediation::new(
            Cow::Borrowed("Renew it: `Get-ExchangeCertificate -Thumbprint {thumbprint}`, then `iisreset` on {server}."),
            known,
        );
        assert_eq!(
            r.text(),
            "Renew it: Get-ExchangeCertificate -Thumbprint 'AB`CD', then iisreset on <server>."
        );
        assert_eq!(
            r.parts(),
            vec![
                Part::Prose("Renew it: ".into()),
                Part::Command("Get-ExchangeCertificate -Thumbprint 'AB`CD'".into()),
                Part::Prose(", then ".into()),
                Part::Command("iisreset".into()),
                Part::Prose(" on <server>.".into()),
            ],
            "a backtick in a value is text, never a mark (and PowerShell's escape: quoted)"
        );
        let read_back = Remediation::literal("Run `this`".into());
        assert_eq!(read_back.parts(), vec![Part::Prose("Run `this`".into())]);
    }

    /// Where a value lands in a command: outside every single-quoted string, `calc` would run.
    fn outside_strings(command: &str, needle: &str) -> bool {
        let chars: Vec<char> = command.chars().collect();
        let mut in_string = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if powershell::is_single_quote(c) {
                if in_string && chars.get(i + 1).is_some_and(|&n| powershell::is_single_quote(n)) {
                    i += 2;
                    continue;
                }
                in_string = !in_string;
            } else if !in_string && chars[i..].iter().collect::<String>().starts_with(needle) {
                return true;
            }
            i += 1;
        }
        false
    }

    #[test]
    fn no_value_can_break_out_of_a_command() {
        let mut templates: Vec<&str> = vec![
            crate::rules::auth::AUTH_ROLLOVER,
            crate::rules::auth::AUTH_CLEAR_PREVIOUS,
            crate::rules::iis_binding_invalid::BACK_END_REMEDIATION,
        ];
        for rule in crate::rules::registry::registry() {
            templates.push(rule.meta().remediation);
            templates.extend(rule.meta().edge_remediation);
        }
        let hostile = [
            "x';calc;'",
            "x\u{2019};calc;\u{2019}",
            "a.com,$(calc)",
            "EX01 calc",
            "`calc",
            "x\"; calc; \"",
            "x|calc",
        ];
        for template in templates {
            for value in hostile {
                let r = Remediation::new(Cow::Borrowed(template), |_| Some(value.to_string()));
                for part in r.parts() {
                    if let Part::Command(command) = part {
                        assert!(
                            !outside_strings(&command, "calc"),
                            "{value:?} breaks out of `{command}` (template: {template})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn plain_values_are_written_as_they_are() {
        let r = Remediation::new(
            Cow::Borrowed("`Enable-ExchangeCertificate -Server {server} -Thumbprint {thumbprint} -Services {services}` on '{server}'"),
            |k| match k {
                "server" => Some("EX01".into()),
                "thumbprint" => Some("0BE2D980EE40A32AB411B2F1654A1809FDDEB21E".into()),
                "services" => Some("IIS,SMTP".into()),
                _ => None,
            },
        );
        assert_eq!(
            r.text(),
            "Enable-ExchangeCertificate -Server EX01 -Thumbprint 0BE2D980EE40A32AB411B2F1654A1809FDDEB21E -Services IIS,SMTP on 'EX01'"
        );
        let r = Remediation::new(
            Cow::Borrowed("`Set-ReceiveConnector '{connector}' -Fqdn {fqdn}`; see '{connector}'"),
            |k| match k {
                "connector" => Some("EX01\\Client O'Brien".into()),
                _ => Some("a b".into()),
            },
        );
        assert_eq!(
            r.text(),
            "Set-ReceiveConnector 'EX01\\Client O''Brien' -Fqdn 'a b'; see 'EX01\\Client O''Brien'"
        );
    }
}
