//! `--config audit.toml`: every scan option in one file. Keys are the long option names with
//! `_` for `-`; repeatable options take lists; relative paths are relative to the file. The
//! command line wins over the file. Unknown keys and bad values are errors naming file:line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::cli::ScanArgs;
use crate::report::Format;
use crate::rules::pack::{line_col, toml_error_place};
use crate::rules::Severity;

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

/// Reads `path` and applies it under `args`: a value given on the command line is kept, a
/// value only in the file is taken from it (paths made relative to the file's folder).
pub fn apply(path: &Path, args: &mut ScanArgs) -> Result<(), ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |offset: Option<usize>, message: String| {
        let (line, column) = offset.map(|o| line_col(&text, o)).unwrap_or((0, 0));
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let config: AuditConfig = toml::from_str(&text).map_err(|e| {
        let (line, column) = toml_error_place(&text, &e);
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: PathBuf| if p.is_absolute() { p } else { lexical_join(base, &p) };
    let rel_all = |v: Vec<PathBuf>| v.into_iter().map(rel).collect::<Vec<_>>();

    fill_list(&mut args.inputs, config.inputs.map(rel_all));
    fill_list(&mut args.probe, config.probe);
    fill(&mut args.targets, config.targets.map(rel));
    fill_list(&mut args.resolve, config.resolve);
    args.all_addresses |= config.all_addresses.unwrap_or(false);
    if let Some(c) = config.concurrency {
        let span = c.span();
        let n = *c.get_ref();
        let n = u16::try_from(n)
            .ok()
            .filter(|n| (1..=4096).contains(n))
            .ok_or_else(|| invalid(Some(span.start), format!("concurrency {n}: must be 1 to 4096")))?;
        fill(&mut args.concurrency, Some(n));
    }
    if let Some(t) = config.timeout {
        let span = t.span();
        let d = crate::cli::timeout_seconds(*t.get_ref()).map_err(|m| invalid(Some(span.start), m))?;
        fill(&mut args.timeout, Some(d));
    }
    fill_list(&mut args.domains, config.domain);
    fill_list(&mut args.namespaces, config.namespace);
    fill_list(&mut args.trust_anchors, config.trust_anchors.map(rel_all));
    args.no_public_roots |= config.no_public_roots.unwrap_or(false);
    fill(&mut args.pack, config.pack.map(rel));
    fill(&mut args.waivers, config.waivers.map(rel));
    if let Some(at) = config.at {
        let span = at.span();
        let instant = crate::time::parse_instant(at.get_ref()).map_err(|m| invalid(Some(span.start), m))?;
        fill(&mut args.at, Some(instant));
    }
    fill(&mut args.formats, config.format);
    fill(&mut args.out, config.out.map(rel));
    fill(&mut args.fail_on, config.fail_on);
    if args.pfx_password_env.is_none() && args.pfx_password_file.is_none() {
        args.pfx_password_env = config.pfx_password_env;
        args.pfx_password_file = config.pfx_password_file.map(rel);
    }
    fill(&mut args.history, config.history.map(rel));
    args.no_history |= config.no_history.unwrap_or(false);
    Ok(())
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
