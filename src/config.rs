//! `--config audit.toml`: every scan option in one file. Keys are the long option names with
//! `_` for `-`; repeatable options take lists; relative paths are relative to the file. The
//! command line wins over the file. Unknown keys and bad values are errors naming file:line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::cli::{ScanArgs, ScopeArgs};
use crate::report::Format;
use crate::rules::Severity;
use crate::text_position::LineIndex;

/// The audit description as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    pub inputs: Option<Vec<PathBuf>>,
    pub probe: Option<Vec<String>>,
    pub targets: Option<PathBuf>,
    pub resolve: Option<Vec<String>>,
    pub all_addresses: Option<bool>,
    pub concurrency: Option<Spanned<i64>>,
    pub timeout: Option<Spanned<f64>>,
    pub domain: Option<Vec<String>>,
    pub namespace: Option<Vec<String>>,
    pub trust_anchors: Option<Vec<PathBuf>>,
    pub no_public_roots: Option<bool>,
    pub pack: Option<PathBuf>,
    pub waivers: Option<PathBuf>,
    pub at: Option<Spanned<String>>,
    pub format: Option<Vec<Format>>,
    pub out: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub pfx_password_env: Option<String>,
    pub pfx_password_file: Option<PathBuf>,
    pub history: Option<PathBuf>,
    pub no_history: Option<bool>,
    /// The audit's name (see `--audit`).
    pub audit: Option<String>,
}

/// The file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("config {path}: cannot read: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("config {path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// A configuration file, read and validated: paths made relative to its folder, numbers and
/// times checked. Apply it under the command line with [`Loaded::apply_scope`] and friends.
#[derive(Debug)]
pub struct Loaded {
    config: AuditConfig,
    concurrency: Option<u16>,
    timeout: Option<std::time::Duration>,
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Reads and validates the file at `path`.
pub fn load(path: &Path) -> Result<Loaded, ConfigFileError> {
    let text = crate::files::read_option_text(path).map_err(|source| ConfigFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Validates the text of a configuration file; `path` names it in errors and anchors its
/// relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Loaded, ConfigFileError> {
    let text = text.to_string();
    let lines = LineIndex::new(&text);
    let invalid = |offset: Option<usize>, message: String| {
        let (line, column) = offset.map(|o| lines.position(o)).unwrap_or((0, 0));
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let mut config: AuditConfig = toml::from_str(&text).map_err(|e| {
        let (line, column) = lines.toml_error(&e);
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let concurrency = match config.concurrency.take() {
        Some(c) => {
            let span = c.span();
            let n = *c.get_ref();
            Some(
                u16::try_from(n)
                    .ok()
                    .filter(|n| (1..=4096).contains(n))
                    .ok_or_else(|| invalid(Some(span.start), format!("concurrency {n}: must be 1 to 4096")))?,
            )
        }
        None => None,
    };
    let timeout = match config.timeout.take() {
        Some(t) => {
            let span = t.span();
            Some(crate::cli::timeout_seconds(*t.get_ref()).map_err(|m| invalid(Some(span.start), m))?)
        }
        None => None,
    };
    let at = match config.at.take() {
        Some(at) => {
            let span = at.span();
            Some(crate::time::parse_instant(at.get_ref()).map_err(|m| invalid(Some(span.start), m))?)
        }
        None => None,
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: PathBuf| if p.is_absolute() { p } else { lexical_join(base, &p) };
    let rel_all = |v: Vec<PathBuf>| v.into_iter().map(rel).collect::<Vec<_>>();
    let c = &mut config;
    c.inputs = c.inputs.take().map(rel_all);
    c.targets = c.targets.take().map(rel);
    c.trust_anchors = c.trust_anchors.take().map(rel_all);
    c.pack = c.pack.take().map(rel);
    c.waivers = c.waivers.take().map(rel);
    c.out = c.out.take().map(rel);
    c.pfx_password_file = c.pfx_password_file.take().map(rel);
    c.history = c.history.take().map(rel);
    Ok(Loaded {
        config,
        concurrency,
        timeout,
        at,
    })
}

impl Loaded {
    /// Fills what the command line left unset of the scope (what to audit and how).
    pub fn apply_scope(&self, args: &mut ScopeArgs) {
        let c = &self.config;
        fill_list(&mut args.inputs, c.inputs.clone());
        fill_list(&mut args.probe, c.probe.clone());
        fill(&mut args.targets, c.targets.clone());
        fill_list(&mut args.resolve, c.resolve.clone());
        args.all_addresses |= c.all_addresses.unwrap_or(false);
        fill(&mut args.concurrency, self.concurrency);
        fill(&mut args.timeout, self.timeout);
        fill_list(&mut args.domains, c.domain.clone());
        fill_list(&mut args.namespaces, c.namespace.clone());
        fill_list(&mut args.trust_anchors, c.trust_anchors.clone());
        args.no_public_roots |= c.no_public_roots.unwrap_or(false);
        fill(&mut args.pack, c.pack.clone());
        fill(&mut args.waivers, c.waivers.clone());
        fill(&mut args.at, self.at);
        if args.pfx_password_env.is_none() && args.pfx_password_file.is_none() {
            args.pfx_password_env = c.pfx_password_env.clone();
            args.pfx_password_file = c.pfx_password_file.clone();
        }
    }

    /// Fills what the command line left unset of `scan`'s own options (reports, verdict
    /// threshold, history, audit name).
    pub fn apply_scan(&self, args: &mut ScanArgs) {
        let c = &self.config;
        fill(&mut args.formats, c.format.clone());
        fill(&mut args.out, c.out.clone());
        fill(&mut args.fail_on, c.fail_on);
        fill(&mut args.history, c.history.clone());
        args.no_history |= c.no_history.unwrap_or(false);
        fill(&mut args.audit, c.audit.clone());
    }

    /// The report folder the file names, if any (`checklist` writes there).
    pub fn out(&self) -> Option<PathBuf> {
        self.config.out.clone()
    }
}

/// `base/p` with `.` and `..` folded where the path allows it (`samples/contoso/../../reports`
/// is `reports`), so that the paths printed and recorded are the ones a person would write.
fn lexical_join(base: &Path, p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
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

/// Keeps the command line's value; takes the file's when the command line had none.
fn fill<T>(cli: &mut Option<T>, file: Option<T>) {
    if cli.is_none() {
        *cli = file;
    }
}

/// Keeps the command line's list when it has one; else the file's.
fn fill_list<T>(cli: &mut Vec<T>, file: Option<Vec<T>>) {
    if cli.is_empty() {
        if let Some(v) = file {
            *cli = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_fold_dot_dot() {
        let j = |b: &str, p: &str| lexical_join(Path::new(b), Path::new(p)).display().to_string();
        assert_eq!(j("samples/contoso", "../../reports/x"), "reports/x");
        assert_eq!(j("samples/contoso", "store"), "samples/contoso/store");
        assert_eq!(j("", "./a"), "a");
        assert_eq!(j("a", "../../b"), "../b");
        assert_eq!(j("/etc", "../../x"), "/x");
        assert_eq!(j("a", ".."), ".");
    }
}
