//! The pipeline of `certaudit scan`: collect → trust → evaluate → report.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::inputs::{self, Password, ReadOptions};
use crate::report::model::RunInfo;
use crate::report::{self, Format, Report, ReportError};
use crate::rules::{self, PackError, RuleSet, Severity};
use crate::trust::{self, AnchorError, TrustAnchors};

/// Everything `scan` needs, already parsed.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub inputs: Vec<PathBuf>,
    /// Accepted domains given on the command line.
    pub domains: Vec<String>,
    /// Client namespaces given on the command line.
    pub namespaces: Vec<String>,
    pub trust_anchors: Vec<PathBuf>,
    pub public_roots: bool,
    pub pack: Option<PathBuf>,
    pub at: Option<DateTime<Utc>>,
    pub formats: Vec<Format>,
    pub out: PathBuf,
    pub fail_on: Severity,
    pub pfx_password: Option<Password>,
}

/// A configuration problem: nothing was scanned (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("rule pack {path}: cannot read: {source}")]
    PackUnreadable { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Anchors(#[from] AnchorError),
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
}

/// Scan failure after configuration: the reports could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// What a finished scan produced.
pub struct ScanOutcome {
    pub report: Report,
    pub written: Vec<PathBuf>,
}

/// Loads `--pack FILE`, or the built-in baseline.
pub fn load_rule_set(pack: Option<&PathBuf>) -> Result<RuleSet, ConfigError> {
    match pack {
        None => Ok(RuleSet::baseline()?),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::PackUnreadable {
                path: path.clone(),
                source,
            })?;
            Ok(rules::load_pack(&path.display().to_string(), &text)?)
        }
    }
}

/// Runs the whole pipeline and writes the reports.
pub fn run(options: &ScanOptions) -> Result<ScanOutcome, ScanError> {
    let started_at = Utc::now();
    let at = options.at.unwrap_or(started_at);
    let rule_set = load_rule_set(options.pack.as_ref())?;
    let anchors = TrustAnchors::load(options.public_roots, &options.trust_anchors).map_err(ConfigError::from)?;
    if anchors.is_empty() {
        return Err(ConfigError::Invalid {
            what: "--no-public-roots".into(),
            message: "no trust anchor left: pass at least one --trust-anchors file".into(),
        }
        .into());
    }
    let read_options = ReadOptions {
        pfx_password: options.pfx_password.clone(),
    };
    let mut inventory = inputs::collect(&options.inputs, &read_options);
    for d in &options.domains {
        inventory.organisation.add_domain(d, "--domain");
    }
    for n in &options.namespaces {
        inventory.organisation.add_namespace(n, "--namespace");
    }
    trust::evaluate_inventory(&mut inventory, &anchors, at);
    let findings = rules::evaluate(&inventory, &rule_set, at);
    let report = Report::build(
        &inventory,
        &findings,
        &RunInfo {
            started_at,
            finished_at: Utc::now(),
            evaluated_at: at,
            pack: &rule_set.pack,
            fail_on: options.fail_on,
        },
    );
    let written = report::write_all(&report, &options.formats, &options.out)?;
    Ok(ScanOutcome { report, written })
}
