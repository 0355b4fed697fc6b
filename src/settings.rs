//! Settings: what a scan is asked to do, from the command line and from `--config audit.toml`.
//!
//! Each source produces a [`Settings`] value in which every field is optional (the binary's
//! `cli.rs` from the arguments, [`crate::config`] from the file). They are merged once
//! ([`Settings::over`]: the command line wins) and validated once ([`resolve`]) into the
//! library's [`ScanOptions`]. Every default lives here or in the module that owns the value
//! (`probe::DEFAULT_CONCURRENCY`, `probe::DEFAULT_TIMEOUT`), nowhere else.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use certaudit_core::inputs::Password;
use certaudit_core::probe::{self, ProbeOptions, ResolveOverrides, Target, TargetError};
use certaudit_core::report::Format;
use certaudit_core::rules::Severity;
use certaudit_core::scan::ScanOptions;

/// The formats `scan` writes when none are named.
pub const DEFAULT_FORMATS: [Format; 3] = [Format::HTML, Format::CSV, Format::JSON];
/// The severity at which `scan` fails when `--fail-on` is not given.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;
/// The folder under which `scan` and `checklist` make a report folder when none is named.
pub const DEFAULT_REPORTS_ROOT: &str = "reports";

/// Where the PKCS#12 password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// An environment variable (`--pfx-password-env VAR`).
    Env(String),
    /// The first line of a file (`--pfx-password-file FILE`).
    File(PathBuf),
}

/// Settings from one source. `None` means "not said here".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub inputs: Option<Vec<PathBuf>>,
    pub probe: Option<Vec<String>>,
    pub targets: Option<PathBuf>,
    pub resolve: Option<Vec<String>>,
    pub all_addresses: Option<bool>,
    pub concurrency: Option<u16>,
    pub timeout: Option<Duration>,
    pub domains: Option<Vec<String>>,
    pub namespaces: Option<Vec<String>>,
    pub trust_anchors: Option<Vec<PathBuf>>,
    pub no_public_roots: Option<bool>,
    pub pack: Option<PathBuf>,
    pub waivers: Option<PathBuf>,
    pub at: Option<DateTime<Utc>>,
    pub pfx_password: Option<PasswordSource>,
    pub formats: Option<Vec<Format>>,
    pub out: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub history: Option<PathBuf>,
    pub no_history: Option<bool>,
    pub audit: Option<String>,
    /// The title of the HTML report (`--title`).
    pub title: Option<String>,
}

impl Settings {
    /// These settings, with what they leave unset taken from `lower` (the command line over
    /// the configuration file). A list is taken whole from one source, never mixed.
    pub fn over(self, lower: Settings) -> Settings {
        Settings {
            inputs: self.inputs.or(lower.inputs),
            probe: self.probe.or(lower.probe),
            targets: self.targets.or(lower.targets),
            resolve: self.resolve.or(lower.resolve),
            all_addresses: self.all_addresses.or(lower.all_addresses),
            concurrency: self.concurrency.or(lower.concurrency),
            timeout: self.timeout.or(lower.timeout),
            domains: self.domains.or(lower.domains),
            namespaces: self.namespaces.or(lower.namespaces),
            trust_anchors: self.trust_anchors.or(lower.trust_anchors),
            no_public_roots: self.no_public_roots.or(lower.no_public_roots),
            pack: self.pack.or(lower.pack),
            waivers: self.waivers.or(lower.waivers),
            at: self.at.or(lower.at),
            pfx_password: self.pfx_password.or(lower.pfx_password),
            formats: self.formats.or(lower.formats),
            out: self.out.or(lower.out),
            fail_on: self.fail_on.or(lower.fail_on),
            history: self.history.or(lower.history),
            no_history: self.no_history.or(lower.no_history),
            audit: self.audit.or(lower.audit),
            title: self.title.or(lower.title),
        }
    }
}

/// What the command does with the scan: it decides which settings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `scan`: reports, the verdict threshold, the history.
    Scan,
    /// `checklist`: a report folder for the checklist; no reports, no history.
    Checklist,
    /// `check`: nothing written, no history.
    Check,
}

/// Settings that cannot be used: nothing was scanned.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("nothing to scan: give INPUT files or folders, --probe or --targets (on the command line or in --config)")]
    NothingToScan,
    #[error("--pfx-password-env: environment variable {0} is not set (or not valid UTF-8)")]
    PasswordVariable(String),
    #[error("--pfx-password-file {}: cannot read: {source}", path.display())]
    PasswordFile { path: PathBuf, source: std::io::Error },
    #[error("--targets {}: cannot read: {source}", path.display())]
    TargetsFile { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("report folder {}: cannot create: {source}", path.display())]
    ReportFolder { path: PathBuf, source: std::io::Error },
    #[error("report folder: 1000 folders named {0} already exist: pass --out")]
    ReportFolderTaken(String),
}

/// Validates merged settings into the options of a scan made for `purpose`. `command_line`
/// is recorded in the report. Reads the files the settings name (targets, the password file),
/// and for `scan` and `checklist` creates the default report folder when none is named.
pub fn resolve(s: Settings, purpose: Purpose, command_line: Vec<String>) -> Result<ScanOptions, SettingsError> {
    let inputs = s.inputs.unwrap_or_default();
    let probe_texts = s.probe.unwrap_or_default();
    if inputs.is_empty() && probe_texts.is_empty() && s.targets.is_none() {
        return Err(SettingsError::NothingToScan);
    }
    let pfx_password = s.pfx_password.map(password).transpose()?;
    let (targets, target_texts) = load_targets(&probe_texts, s.targets.as_deref())?;
    let resolve_texts = s.resolve.unwrap_or_default();
    let probe = ProbeOptions {
        concurrency: usize::from(s.concurrency.unwrap_or(probe::DEFAULT_CONCURRENCY)),
        timeout: s.timeout.unwrap_or(probe::DEFAULT_TIMEOUT),
        all_addresses: s.all_addresses.unwrap_or(false),
        resolve: ResolveOverrides::parse(&resolve_texts)?,
    };
    let (formats, out, history, at, audit) = match purpose {
        Purpose::Scan => {
            let formats = distinct(s.formats.unwrap_or_else(|| DEFAULT_FORMATS.to_vec()));
            let out = match s.out {
                Some(out) => out,
                None if !formats.is_empty() => default_out_folder()?,
                None => PathBuf::new(),
            };
            let history = (!s.no_history.unwrap_or(false)).then(|| s.history.unwrap_or_else(|| default_history(&out)));
            (formats, out, history, s.at, s.audit)
        }
        Purpose::Checklist => {
            let out = match s.out {
                Some(out) => out,
                None => default_out_folder()?,
            };
            // The checklist plans from the evaluation instant: it is fixed now.
            (Vec::new(), out, None, Some(s.at.unwrap_or_else(Utc::now)), None)
        }
        Purpose::Check => (Vec::new(), PathBuf::new(), None, s.at, None),
    };
    Ok(ScanOptions {
        inputs,
        domains: s.domains.unwrap_or_default(),
        namespaces: s.namespaces.unwrap_or_default(),
        trust_anchors: s.trust_anchors.unwrap_or_default(),
        public_roots: !s.no_public_roots.unwrap_or(false),
        pack: s.pack,
        at,
        formats,
        out,
        fail_on: s.fail_on.unwrap_or(DEFAULT_FAIL_ON),
        pfx_password,
        targets,
        target_texts,
        probe,
        resolve_texts,
        waivers: s.waivers,
        command_line,
        history,
        audit,
        title: s.title.filter(|t| !t.trim().is_empty()),
    })
}

/// Each format once, in the order first named.
fn distinct(formats: Vec<Format>) -> Vec<Format> {
    let mut out: Vec<Format> = Vec::with_capacity(formats.len());
    for f in formats {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

fn password(source: PasswordSource) -> Result<Password, SettingsError> {
    match source {
        PasswordSource::Env(var) => match std::env::var(&var) {
            Ok(value) => Ok(Password::new(value, format!("--pfx-password-env {var}"))),
            Err(_) => Err(SettingsError::PasswordVariable(var)),
        },
        PasswordSource::File(path) => {
            let text =
                certaudit_core::files::read_option_text(&path).map_err(|source| SettingsError::PasswordFile {
                    path: path.clone(),
                    source,
                })?;
            let first = text.lines().next().unwrap_or("").to_string();
            Ok(Password::new(first, format!("--pfx-password-file {}", path.display())))
        }
    }
}

/// Parses `--probe` values and the `--targets` file into targets, and returns them with the
/// targets as given.
pub fn load_targets(probe: &[String], file: Option<&Path>) -> Result<(Vec<Target>, Vec<String>), SettingsError> {
    let mut targets = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for p in probe {
        targets.extend(probe::parse_target(p)?);
        texts.push(p.trim().to_string());
    }
    if let Some(path) = file {
        let text = certaudit_core::files::read_option_text(path).map_err(|source| SettingsError::TargetsFile {
            path: path.to_path_buf(),
            source,
        })?;
        targets.extend(probe::parse_target_list(&path.display().to_string(), &text)?);
        texts.extend(probe::target_lines(&text).map(|(_, line)| line.to_string()));
    }
    Ok((targets, texts))
}

/// `reports/<UTC timestamp>/`, created now so that two scans started in the same second get
/// different folders (`…Z`, `…Z-2`, `…Z-3` …).
fn default_out_folder() -> Result<PathBuf, SettingsError> {
    let base = PathBuf::from(DEFAULT_REPORTS_ROOT);
    std::fs::create_dir_all(&base).map_err(|source| SettingsError::ReportFolder {
        path: base.clone(),
        source,
    })?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for n in 1..=1000 {
        let name = if n == 1 { stamp.clone() } else { format!("{stamp}-{n}") };
        let path = base.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(SettingsError::ReportFolder { path, source }),
        }
    }
    Err(SettingsError::ReportFolderTaken(stamp))
}

/// `history.sqlite` in the folder above the report folder: `reports/history.sqlite` for the
/// default `reports/<timestamp>/`.
fn default_history(out: &Path) -> PathBuf {
    match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join("history.sqlite"),
        _ => PathBuf::from("history.sqlite"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_wins_and_lists_are_never_mixed() {
        let cli = Settings {
            inputs: Some(vec!["a.pem".into()]),
            concurrency: Some(8),
            ..Settings::default()
        };
        let file = Settings {
            inputs: Some(vec!["store".into(), "exports".into()]),
            concurrency: Some(64),
            domains: Some(vec!["contoso.com".into()]),
            no_history: Some(true),
            ..Settings::default()
        };
        let merged = cli.over(file);
        assert_eq!(merged.inputs, Some(vec![PathBuf::from("a.pem")]));
        assert_eq!(merged.concurrency, Some(8));
        assert_eq!(merged.domains, Some(vec!["contoso.com".to_string()]));
        assert_eq!(merged.no_history, Some(true));
    }

    #[test]
    fn defaults_are_filled_once() {
        let s = Settings {
            inputs: Some(vec!["a.pem".into()]),
            formats: Some(vec![Format::JSON, Format::CSV, Format::JSON]),
            out: Some("out/x".into()),
            ..Settings::default()
        };
        let o = resolve(s, Purpose::Scan, Vec::new()).unwrap();
        assert_eq!(o.formats, [Format::JSON, Format::CSV]);
        assert_eq!(o.probe.concurrency, usize::from(probe::DEFAULT_CONCURRENCY));
        assert_eq!(o.probe.timeout, probe::DEFAULT_TIMEOUT);
        assert_eq!(o.fail_on, DEFAULT_FAIL_ON);
        assert_eq!(o.history, Some(PathBuf::from("out/history.sqlite")));
        assert!(o.public_roots);
    }

    #[test]
    fn check_and_checklist_write_no_reports_and_keep_no_history() {
        let s = Settings {
            inputs: Some(vec!["a.pem".into()]),
            formats: Some(vec![Format::JSON]),
            out: Some("out/x".into()),
            history: Some("h.sqlite".into()),
            ..Settings::default()
        };
        let check = resolve(s.clone(), Purpose::Check, Vec::new()).unwrap();
        assert!(check.formats.is_empty() && check.history.is_none());
        let checklist = resolve(s, Purpose::Checklist, Vec::new()).unwrap();
        assert!(checklist.formats.is_empty() && checklist.history.is_none());
        assert_eq!(checklist.out, PathBuf::from("out/x"));
        assert!(checklist.at.is_some(), "the checklist fixes its evaluation instant");
    }

    #[test]
    fn nothing_to_scan_is_an_error() {
        let err = resolve(Settings::default(), Purpose::Scan, Vec::new()).unwrap_err();
        assert!(matches!(err, SettingsError::NothingToScan), "{err}");
    }
}
