//! Settings resolved: the merged [`Settings`] (the command line over `--config`, see
//! `options/`) validated once into the library's per-stage options ([`ScanOptions`]): what
//! to collect, trust, probe, judge, report and remember. Each stage gets only its own.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::options::{self, Settings};
use certaudit_core::history::HistoryOptions;
use certaudit_core::inputs::{CollectOptions, Password, ReadOptions};
use certaudit_core::probe::{self, ProbeOptions, ProbeScope, ResolveOverrides, Target, TargetError};
use certaudit_core::report::{Format, ReportOptions};
use certaudit_core::rules::RulesOptions;
use certaudit_core::scan::ScanOptions;
use certaudit_core::trust::TrustOptions;

/// The folder under which `scan` and `checklist` make a report folder when none is named.
pub const DEFAULT_REPORTS_ROOT: &str = "reports";

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
pub fn resolve(s: &Settings, purpose: Purpose, command_line: Vec<String>) -> Result<ScanOptions, SettingsError> {
    let inputs = s.list(&options::INPUTS);
    let probe_texts = s.list(&options::PROBE);
    let targets_file = s.get(&options::TARGETS);
    if inputs.is_empty() && probe_texts.is_empty() && targets_file.is_none() {
        return Err(SettingsError::NothingToScan);
    }
    let (targets, target_texts) = load_targets(&probe_texts, targets_file.as_deref())?;
    let resolve_texts = s.list(&options::RESOLVE);
    let mut options = ScanOptions {
        collect: CollectOptions {
            inputs,
            read: ReadOptions {
                pfx_password: password(s)?,
            },
            ..CollectOptions::default()
        },
        trust: TrustOptions {
            anchor_files: Vec::new(),
            public_roots: true,
        },
        probe: ProbeScope {
            targets,
            target_texts,
            options: ProbeOptions {
                resolve: ResolveOverrides::parse(&resolve_texts)?,
                ..ProbeOptions::default()
            },
            resolve_texts,
        },
        rules: RulesOptions {
            pack: None,
            waivers: None,
            at: None,
            fail_on: options::DEFAULT_FAIL_ON,
        },
        report: ReportOptions::default(),
        history: HistoryOptions::default(),
        command_line,
    };
    // Each option that hands its value to its stage by itself does so here.
    for option in options::OPTIONS {
        option.apply(s, &mut options);
    }
    match purpose {
        Purpose::Scan => {
            let formats = distinct(
                s.get_list(&options::FORMATS_OPT)
                    .unwrap_or_else(|| options::DEFAULT_FORMATS.to_vec()),
            );
            let out = match s.get(&options::OUT) {
                Some(out) => out,
                None if !formats.is_empty() => default_out_folder()?,
                None => PathBuf::new(),
            };
            if !s.flag(&options::NO_HISTORY) {
                options.history.location = Some(s.get(&options::HISTORY).unwrap_or_else(|| default_history(&out)));
            }
            options.report.formats = formats;
            options.report.out = out;
        }
        Purpose::Checklist => {
            options.report.out = match s.get(&options::OUT) {
                Some(out) => out,
                None => default_out_folder()?,
            };
            // The checklist plans from the evaluation instant: it is fixed now.
            options.rules.at = Some(options.rules.at.unwrap_or_else(Utc::now));
        }
        Purpose::Check => {}
    }
    if purpose != Purpose::Scan {
        // Only `scan` writes reports and keeps a history.
        options.report.title = None;
        options.history.audit = None;
    }
    Ok(options)
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

/// The PKCS#12 password `--pfx-password-env` or `--pfx-password-file` names, read now.
fn password(s: &Settings) -> Result<Option<Password>, SettingsError> {
    if let Some(var) = s.get(&options::PFX_PASSWORD_ENV) {
        return match std::env::var(&var) {
            Ok(value) => Ok(Some(Password::new(value, format!("--pfx-password-env {var}")))),
            Err(_) => Err(SettingsError::PasswordVariable(var)),
        };
    }
    let Some(path) = s.get(&options::PFX_PASSWORD_FILE) else {
        return Ok(None);
    };
    let text = certaudit_core::files::read_option_text(&path).map_err(|source| SettingsError::PasswordFile {
        path: path.clone(),
        source,
    })?;
    let first = text.lines().next().unwrap_or("").to_string();
    Ok(Some(Password::new(
        first,
        format!("--pfx-password-file {}", path.display()),
    )))
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
    use certaudit_core::probe;

    fn with_input() -> Settings {
        let mut s = Settings::default();
        s.set_list(&options::INPUTS, vec![PathBuf::from("a.pem")]);
        s
    }

    #[test]
    fn defaults_are_filled_once() {
        let mut s = with_input();
        s.set_list(&options::FORMATS_OPT, vec![Format::JSON, Format::CSV, Format::JSON]);
        s.set(&options::OUT, PathBuf::from("out/x"));
        let o = resolve(&s, Purpose::Scan, Vec::new()).unwrap();
        assert_eq!(o.report.formats, [Format::JSON, Format::CSV]);
        assert_eq!(o.probe.options.concurrency, usize::from(probe::DEFAULT_CONCURRENCY));
        assert_eq!(o.probe.options.timeout, probe::DEFAULT_TIMEOUT);
        assert_eq!(o.rules.fail_on, options::DEFAULT_FAIL_ON);
        assert_eq!(o.history.location, Some(PathBuf::from("out/history.sqlite")));
        assert!(o.trust.public_roots);
    }

    #[test]
    fn check_and_checklist_write_no_reports_and_keep_no_history() {
        let mut s = with_input();
        s.set_list(&options::FORMATS_OPT, vec![Format::JSON]);
        s.set(&options::OUT, PathBuf::from("out/x"));
        s.set(&options::HISTORY, PathBuf::from("h.sqlite"));
        let check = resolve(&s, Purpose::Check, Vec::new()).unwrap();
        assert!(check.report.formats.is_empty() && check.history.location.is_none());
        let checklist = resolve(&s, Purpose::Checklist, Vec::new()).unwrap();
        assert!(checklist.report.formats.is_empty() && checklist.history.location.is_none());
        assert_eq!(checklist.report.out, PathBuf::from("out/x"));
        assert!(
            checklist.rules.at.is_some(),
            "the checklist fixes its evaluation instant"
        );
    }

    #[test]
    fn nothing_to_scan_is_an_error() {
        let err = resolve(&Settings::default(), Purpose::Scan, Vec::new()).unwrap_err();
        assert!(matches!(err, SettingsError::NothingToScan), "{err}");
    }
}
