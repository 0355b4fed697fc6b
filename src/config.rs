//! `--config audit.toml`: every scan option in one file, read through the option table
//! (`options/`) into a [`Settings`] value that the command line's settings go over. Keys are
//! the options' keys (the long option names with `_` for `-`); repeatable options take lists;
//! relative paths are relative to the file. Unknown keys and bad values are errors naming
//! file:line:column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::options::{self, Settings};
use certaudit_core::text_position::LineIndex;

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
    let invalid = |offset: usize, message: String| {
        let (line, column) = lines.position(offset);
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> = toml::from_str(text).map_err(|e| {
        let (line, column) = lines.toml_error(&e);
        ConfigFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut settings = Settings::default();
    for (key, value) in &table {
        let Some(option) = options::by_key(key.get_ref()) else {
            let known: Vec<String> = options::OPTIONS.iter().map(|o| format!("`{}`", o.key())).collect();
            return Err(invalid(
                key.span().start,
                format!(
                    "unknown field `{}`, expected one of {}",
                    key.get_ref(),
                    known.join(", ")
                ),
            ));
        };
        option
            .read_file_value(value.get_ref(), base, &mut settings)
            .map_err(|message| invalid(value.span().start, format!("{}: {message}", key.get_ref())))?;
    }
    // Only one source of the PKCS#12 password, as on the command line.
    if settings.has(&options::PFX_PASSWORD_ENV) && settings.has(&options::PFX_PASSWORD_FILE) {
        let at = table
            .keys()
            .find(|k| k.get_ref() == options::PFX_PASSWORD_FILE.key)
            .map(|k| k.span().start)
            .unwrap_or(0);
        return Err(invalid(
            at,
            "pfx_password_env and pfx_password_file cannot both be given".to_string(),
        ));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn keys_read_through_the_option_table_with_paths_relative_to_the_file() {
        let s = parse(
            Path::new("samples/contoso/audit.toml"),
            "inputs = [\"store\", \"/abs\"]\nconcurrency = 8\ntimeout = 2.5\nformat = [\"json\"]\nno_history = true\nout = \"../../reports/x\"\n",
        )
        .unwrap();
        assert_eq!(
            s.list(&options::INPUTS),
            [PathBuf::from("samples/contoso/store"), PathBuf::from("/abs")]
        );
        assert_eq!(s.value(&options::CONCURRENCY), 8);
        assert_eq!(s.value(&options::TIMEOUT), std::time::Duration::from_millis(2500));
        assert_eq!(s.list(&options::FORMATS_OPT), [certaudit_core::report::Format::JSON]);
        assert!(s.flag(&options::NO_HISTORY));
        assert_eq!(s.get(&options::OUT), Some(PathBuf::from("reports/x")));
    }

    #[test]
    fn errors_name_the_line_and_the_key() {
        let err = parse(Path::new("a.toml"), "inputs = []\n\ncolour = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("config a.toml:3:1: unknown field `colour`"), "{err}");
        let err = parse(Path::new("a.toml"), "timeout = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.toml:1:11: timeout: invalid type: string"), "{err}");
        let err = parse(Path::new("a.toml"), "concurrency = 0\n").unwrap_err().to_string();
        assert!(err.contains("concurrency 0: must be 1 to 4096"), "{err}");
    }
}
