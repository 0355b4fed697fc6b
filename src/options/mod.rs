//! Every scan option, declared once. An [`Opt`] carries its flag, its configuration-file key,
//! its value's parser, its default and its help; [`OPTIONS`] lists them. From the table come
//! the command line's arguments ([`args_for`]), the configuration file's keys
//! (`config.rs`), the merge of the two ([`Settings::over`]: the command line wins) and the
//! defaults; `settings.rs` resolves the merged values into the library's per-stage options.
//!
//! Adding an option: a `static` in `defs.rs` (whose `apply` hands its value to the stage that
//! uses it) plus its line in [`OPTIONS`], and its use in that stage (ARCHITECTURE.md).

mod defs;

use std::any::Any;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use certaudit_core::scan::ScanOptions;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches};

pub use defs::*;

/// The commands that take scan options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Scan,
    Checklist,
    Check,
}

/// The commands that audit a scope: every scope option is theirs.
pub const SCOPE: &[Cmd] = &[Cmd::Scan, Cmd::Checklist, Cmd::Check];

/// How many values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A switch: present or not (`--no-history`); `true`/`false` in the file.
    Flag,
    /// One value (`--timeout 10`).
    One,
    /// A list: repeated flags, or positional values; a list in the file. A list is taken
    /// whole from one source, never mixed.
    Many,
    /// A list written comma-separated on the command line (`-f html,csv`).
    CommaList,
}

/// How a value is written in the configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileValue {
    /// A string, read by the option's parser.
    Text,
    /// A path, relative to the file's folder unless absolute.
    Path,
    /// An integer.
    Integer,
    /// A number (integer or decimal).
    Number,
    /// `true` or `false` (flags).
    Bool,
}

/// A parser of a raw command-line value.
pub type ParseOs<E> = fn(&OsStr) -> Result<E, String>;

/// One option: everything about it, in one place.
pub struct Opt<E: 'static> {
    /// Its name in [`Settings`] and clap's id.
    pub id: &'static str,
    /// The long flag (`--timeout`), or `None` for the positional `INPUT`.
    pub long: Option<&'static str>,
    pub short: Option<char>,
    /// Its key in the configuration file.
    pub key: &'static str,
    /// A `--no-…` flag whose key says the positive (`protocol_scan = false` is
    /// `--no-protocol-scan`).
    pub key_negates: bool,
    pub value_name: &'static str,
    pub help: &'static str,
    pub shape: Shape,
    pub file: FileValue,
    /// The commands that take it.
    pub commands: &'static [Cmd],
    /// Parses one value as the command line or the file gives it.
    pub parse: fn(&str) -> Result<E, String>,
    /// Parses a command-line value that need not be UTF-8 (a path on Unix).
    pub parse_os: Option<ParseOs<E>>,
    /// The values it accepts, listed in `--help` (empty: any text `parse` takes).
    pub possible: fn() -> Vec<(&'static str, &'static str)>,
    /// Its value when neither the command line nor the file gives one.
    pub default: Option<fn() -> E>,
    /// The default as `--help` shows it (`[default: …]`).
    pub shown_default: Option<fn() -> String>,
    /// An option it cannot be given with (on the command line).
    pub conflicts_with: Option<&'static str>,
    /// Hands its value to the stage that uses it. `None` for the few options that
    /// `settings::resolve` combines with others (the scope, the password, the report folder
    /// and the history).
    pub apply: Option<Apply>,
}

/// Puts an option's value (read from the merged settings) into the stage's options.
pub type Apply = fn(&Settings, &mut ScanOptions);

/// A clap value parser over the raw argument, for values that need not be UTF-8.
#[derive(Clone)]
struct OsParse<E>(ParseOs<E>);

impl<E: Clone + Send + Sync + 'static> TypedValueParser for OsParse<E> {
    type Value = E;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&Arg>, value: &OsStr) -> Result<E, clap::Error> {
        (self.0)(value).map_err(|e| {
            let name = arg.map(|a| a.to_string()).unwrap_or_default();
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for {name}: {e}\n"),
            )
            .with_cmd(cmd)
        })
    }
}

/// Nothing listed: any value `parse` takes.
pub fn any_value() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}

/// What one source (the command line, the file) says, by option id. Values are typed by
/// their option: `E` for one value, `Vec<E>` for lists, `bool` for flags.
#[derive(Clone, Default)]
pub struct Settings(BTreeMap<&'static str, Arc<dyn Any + Send + Sync>>);

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Settings {
    /// These settings, with what they leave unset taken from `lower` (the command line over
    /// the configuration file).
    pub fn over(mut self, lower: Settings) -> Settings {
        for (id, value) in lower.0 {
            self.0.entry(id).or_insert(value);
        }
        self
    }

    /// True when this source gives the option.
    pub fn has<E>(&self, opt: &Opt<E>) -> bool {
        self.0.contains_key(opt.id)
    }

    /// Sets an option's value (for tests and callers that build settings by hand).
    pub fn set<E: Clone + Send + Sync + 'static>(&mut self, opt: &Opt<E>, value: E) {
        match opt.shape {
            Shape::Many | Shape::CommaList => self.0.insert(opt.id, Arc::new(vec![value])),
            Shape::One | Shape::Flag => self.0.insert(opt.id, Arc::new(value)),
        };
    }

    /// Sets a list option's values.
    pub fn set_list<E: Clone + Send + Sync + 'static>(&mut self, opt: &Opt<E>, values: Vec<E>) {
        self.0.insert(opt.id, Arc::new(values));
    }

    /// A one-value option's value: given, else its default.
    pub fn get<E: Clone + 'static>(&self, opt: &Opt<E>) -> Option<E> {
        self.given::<E>(opt.id).or_else(|| opt.default.map(|d| d()))
    }

    /// A one-value option that has a default: given, else the default.
    pub fn value<E: Clone + Default + 'static>(&self, opt: &Opt<E>) -> E {
        self.get(opt).unwrap_or_default()
    }

    /// A list option's values, when a source gives it.
    pub fn get_list<E: Clone + 'static>(&self, opt: &Opt<E>) -> Option<Vec<E>> {
        self.0.get(opt.id).and_then(|v| v.downcast_ref::<Vec<E>>()).cloned()
    }

    /// A list option's values (empty when no source gives it).
    pub fn list<E: Clone + 'static>(&self, opt: &Opt<E>) -> Vec<E> {
        self.get_list(opt).unwrap_or_default()
    }

    /// A flag: true when a source sets it.
    pub fn flag(&self, opt: &Opt<bool>) -> bool {
        self.given::<bool>(opt.id).unwrap_or(false)
    }

    fn given<E: Clone + 'static>(&self, id: &str) -> Option<E> {
        self.0.get(id).and_then(|v| v.downcast_ref::<E>()).cloned()
    }
}

/// What every option does, whatever its value's type: the table's view of an [`Opt`].
pub trait AnyOpt: Sync {
    fn id(&self) -> &'static str;
    /// Its key in the configuration file.
    fn key(&self) -> &'static str;
    fn commands(&self) -> &'static [Cmd];
    /// Its command-line argument, with the default in its help.
    fn arg(&self) -> Arg;
    /// Reads it from parsed arguments into `into`, when the command line gives it.
    fn read_matches(&self, m: &ArgMatches, into: &mut Settings);
    /// Hands its value to its stage, when it does so by itself.
    fn apply(&self, s: &Settings, options: &mut ScanOptions);
    /// Reads it from a configuration file's value (paths relative to `base`) into `into`.
    fn read_file_value(&self, value: &toml::Value, base: &Path, into: &mut Settings) -> Result<(), String>;
}

impl<E: Clone + Send + Sync + 'static> AnyOpt for Opt<E> {
    fn id(&self) -> &'static str {
        self.id
    }

    fn key(&self) -> &'static str {
        self.key
    }

    fn commands(&self) -> &'static [Cmd] {
        self.commands
    }

    fn arg(&self) -> Arg {
        let mut help = self.help.to_string();
        if let Some(shown) = self.shown_default {
            help = format!("{help} [default: {}]", shown());
        }
        let mut arg = Arg::new(self.id).help(help).value_name(self.value_name);
        if let Some(long) = self.long {
            arg = arg.long(long);
        }
        if let Some(short) = self.short {
            arg = arg.short(short);
        }
        if let Some(other) = self.conflicts_with {
            arg = arg.conflicts_with(other);
        }
        if self.shape == Shape::Flag {
            return arg.action(ArgAction::SetTrue);
        }
        let parse = self.parse;
        let possible = (self.possible)();
        arg = if let Some(parse_os) = self.parse_os {
            arg.value_parser(OsParse(parse_os))
        } else if possible.is_empty() {
            arg.value_parser(move |text: &str| parse(text))
        } else {
            let values = possible.into_iter().map(|(name, help)| {
                let value = PossibleValue::new(name);
                if help.is_empty() {
                    value
                } else {
                    value.help(help)
                }
            });
            arg.value_parser(PossibleValuesParser::new(values).try_map(move |text| parse(&text)))
        };
        match self.shape {
            Shape::Many => arg.action(ArgAction::Append),
            Shape::CommaList => arg.action(ArgAction::Append).value_delimiter(','),
            Shape::One | Shape::Flag => arg.action(ArgAction::Set),
        }
    }

    fn read_matches(&self, m: &ArgMatches, into: &mut Settings) {
        // Only what the command line gives: an absent option leaves the setting to the file.
        let given = matches!(
            m.value_source(self.id),
            Some(clap::parser::ValueSource::CommandLine | clap::parser::ValueSource::EnvVariable)
        );
        if !given {
            return;
        }
        match self.shape {
            Shape::Flag => {
                if m.get_flag(self.id) {
                    into.0.insert(self.id, Arc::new(true));
                }
            }
            Shape::One => {
                if let Some(v) = m.get_one::<E>(self.id) {
                    into.0.insert(self.id, Arc::new(v.clone()));
                }
            }
            Shape::Many | Shape::CommaList => {
                let values: Vec<E> = m.get_many::<E>(self.id).into_iter().flatten().cloned().collect();
                if !values.is_empty() {
                    into.0.insert(self.id, Arc::new(values));
                }
            }
        }
    }

    fn apply(&self, s: &Settings, options: &mut ScanOptions) {
        if let Some(apply) = self.apply {
            apply(s, options);
        }
    }

    fn read_file_value(&self, value: &toml::Value, base: &Path, into: &mut Settings) -> Result<(), String> {
        match self.shape {
            Shape::Flag => match value {
                toml::Value::Boolean(b) => {
                    into.0.insert(self.id, Arc::new(*b != self.key_negates));
                    Ok(())
                }
                other => Err(invalid_type(other, "true or false")),
            },
            Shape::One => {
                let v = self.file_value(value, base)?;
                into.0.insert(self.id, Arc::new(v));
                Ok(())
            }
            Shape::Many | Shape::CommaList => {
                let toml::Value::Array(items) = value else {
                    return Err(invalid_type(value, "a list"));
                };
                let values = items
                    .iter()
                    .map(|item| self.file_value(item, base))
                    .collect::<Result<Vec<E>, String>>()?;
                into.0.insert(self.id, Arc::new(values));
                Ok(())
            }
        }
    }
}

impl<E> Opt<E> {
    /// One value as the file writes it, read by `parse`.
    fn file_value(&self, value: &toml::Value, base: &Path) -> Result<E, String> {
        let text = match (self.file, value) {
            (FileValue::Text, toml::Value::String(s)) => s.clone(),
            (FileValue::Path, toml::Value::String(s)) => {
                let p = Path::new(s);
                let joined = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    lexical_join(base, p)
                };
                joined.to_string_lossy().into_owned()
            }
            (FileValue::Integer, toml::Value::Integer(n)) => n.to_string(),
            (FileValue::Number, toml::Value::Integer(n)) => n.to_string(),
            (FileValue::Number, toml::Value::Float(x)) => x.to_string(),
            (FileValue::Text | FileValue::Path, other) => return Err(invalid_type(other, "a string")),
            (FileValue::Integer, other) => return Err(invalid_type(other, "an integer")),
            (FileValue::Number, other) => return Err(invalid_type(other, "a number")),
            (FileValue::Bool, other) => return Err(invalid_type(other, "true or false")),
        };
        (self.parse)(&text)
    }
}

fn invalid_type(value: &toml::Value, expected: &str) -> String {
    format!("invalid type: {} `{value}`, expected {expected}", value.type_str())
}

/// `base/p` with `.` and `..` folded where the path allows it (`samples/contoso/../../reports`
/// is `reports`), so that the paths printed and recorded are the ones a person would write.
pub fn lexical_join(base: &Path, p: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in base.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if out.has_root() => {} // `/..` is `/`
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The arguments of `command`, in table order.
pub fn args_for(command: Cmd) -> Vec<Arg> {
    OPTIONS
        .iter()
        .filter(|o| o.commands().contains(&command))
        .map(|o| o.arg())
        .collect()
}

/// What the command line of `command` says.
pub fn from_matches(command: Cmd, m: &ArgMatches) -> Settings {
    let mut s = Settings::default();
    for o in OPTIONS.iter().filter(|o| o.commands().contains(&command)) {
        o.read_matches(m, &mut s);
    }
    s
}

/// The option whose configuration-file key is `key`.
pub fn by_key(key: &str) -> Option<&'static dyn AnyOpt> {
    OPTIONS.iter().copied().find(|o| o.key() == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn every_option_has_one_id_one_key_and_one_flag() {
        let mut ids = std::collections::BTreeSet::new();
        let mut keys = std::collections::BTreeSet::new();
        let mut flags = std::collections::BTreeSet::new();
        for o in OPTIONS {
            assert!(ids.insert(o.id()), "id {} twice", o.id());
            assert!(keys.insert(o.key()), "key {} twice", o.key());
            if let Some(long) = o.arg().get_long() {
                assert!(flags.insert(long.to_string()), "--{long} twice");
            }
            assert!(!o.commands().is_empty(), "{} belongs to no command", o.id());
        }
    }

    #[test]
    fn the_command_line_wins_and_lists_are_never_mixed() {
        let mut cli = Settings::default();
        cli.set_list(&INPUTS, vec![PathBuf::from("a.pem")]);
        cli.set(&CONCURRENCY, 8);
        let mut file = Settings::default();
        file.set_list(&INPUTS, vec!["store".into(), "exports".into()]);
        file.set(&CONCURRENCY, 64);
        file.set_list(&DOMAINS, vec!["contoso.com".to_string()]);
        file.set(&NO_HISTORY, true);
        let merged = cli.over(file);
        assert_eq!(merged.list(&INPUTS), [PathBuf::from("a.pem")]);
        assert_eq!(merged.value(&CONCURRENCY), 8);
        assert_eq!(merged.list(&DOMAINS), ["contoso.com"]);
        assert!(merged.flag(&NO_HISTORY));
        assert_eq!(
            Settings::default().value(&CONCURRENCY),
            certaudit_core::probe::DEFAULT_CONCURRENCY
        );
    }

    #[test]
    fn the_readme_documents_every_option_and_key() {
        let readme = include_str!("../../README.md");
        let keys = readme
            .split("reads every option from a TOML file")
            .nth(1)
            .and_then(|rest| rest.split("repeatable\noptions take lists").next())
            .unwrap_or("");
        assert!(
            !keys.is_empty(),
            "the README's list of configuration keys was not found"
        );
        for o in OPTIONS {
            assert!(
                keys.contains(&format!("`{}`", o.key())),
                "README: key `{}` not listed",
                o.key()
            );
            if let Some(long) = o.arg().get_long() {
                assert!(
                    readme.contains(&format!("| `--{long}")) || readme.contains(&format!(", --{long}")),
                    "README: --{long} not in the options table"
                );
            }
        }
    }

    #[test]
    fn relative_paths_fold_dot_dot() {
        // Paths compare by component, so the expectations hold with either separator.
        let j = |b: &str, p: &str| lexical_join(Path::new(b), Path::new(p));
        assert_eq!(j("samples/contoso", "../../reports/x"), Path::new("reports/x"));
        assert_eq!(j("samples/contoso", "store"), Path::new("samples/contoso/store"));
        assert_eq!(j("", "./a"), Path::new("a"));
        assert_eq!(j("a", "../../b"), Path::new("../b"));
        assert_eq!(j("/etc", "../../x"), Path::new("/x"));
        assert_eq!(j("a", ".."), Path::new("."));
    }
}
