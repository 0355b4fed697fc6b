//! `--config audit.toml`: every scan option in one file, read into a [`Settings`] value that
//! the command line's settings go over. Keys are the long option names with `_` for `-`;
//! repeatable options take lists; relative paths are relative to the file. Unknown keys and
//! bad values are errors naming file:line:column.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::settings::{PasswordSource, Settings};
use certaudit_core::report::Format;
use certaudit_core::rules::Severity;
use certaudit_core::text_position::LineIndex;

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
    /// The HTML report's title (see `--title`).
    pub title: Option<String>,
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

/// Reads and validates the file at `path`.
pub fn load(path: &Path) -> Result<Settings, ConfigFileError> {
    let text = certaudit_core::files::read_option_text(path).map_err(|source| ConfigFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Validates the text of a configuration file; `path` names it in errors and anchors its
/// relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Settings, ConfigFileError> {
    let lines = LineIndex::new(text);
    let invalid = |offset: Option<usize>, message: String| {
        let (line, column) = offset.map(|o| lines.position(o)).unwrap_or((0, 0));
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let config: AuditConfig = toml::from_str(text).map_err(|e| {
        let (line, column) = lines.toml_error(&e);
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let concurrency = config
        .concurrency
        .map(|c| {
            certaudit_core::probe::concurrency_from(*c.get_ref())
                .map_err(|e| invalid(Some(c.span().start), e.to_string()))
        })
        .transpose()?;
    let timeout = config
        .timeout
        .map(|t| {
            certaudit_core::probe::timeout_from_seconds(*t.get_ref())
                .map_err(|e| invalid(Some(t.span().start), e.to_string()))
        })
        .transpose()?;
    let at = config
        .at
        .map(|at| {
            certaudit_core::time::parse_instant(at.get_ref()).map_err(|e| invalid(Some(at.span().start), e.to_string()))
        })
        .transpose()?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: PathBuf| if p.is_absolute() { p } else { lexical_join(base, &p) };
    let rel_all = |v: Vec<PathBuf>| v.into_iter().map(rel).collect::<Vec<_>>();
    let pfx_password = match (config.pfx_password_env, config.pfx_password_file) {
        (Some(var), _) => Some(PasswordSource::Env(var)),
        (None, Some(file)) => Some(PasswordSource::File(rel(file))),
        (None, None) => None,
    };
    Ok(Settings {
        inputs: config.inputs.map(rel_all),
        probe: config.probe,
        targets: config.targets.map(rel),
        resolve: config.resolve,
        all_addresses: config.all_addresses,
        concurrency,
        timeout,
        domains: config.domain,
        namespaces: config.namespace,
        trust_anchors: config.trust_anchors.map(rel_all),
        no_public_roots: config.no_public_roots,
        pack: config.pack.map(rel),
        waivers: config.waivers.map(rel),
        at,
        pfx_password,
        formats: config.format,
        out: config.out.map(rel),
        fail_on: config.fail_on,
        history: config.history.map(rel),
        no_history: config.no_history,
        audit: config.audit,
        title: config.title,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
