//! Command-line definitions (clap derive; the contract is DESIGN.md's "CLI contract") and
//! their translation into the library's [`Settings`]. Nothing here validates what the library
//! validates again: values are parsed by the library's own parsers.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand};

use certaudit::settings::{self, PasswordSource, Settings};
use certaudit_core::probe::{self, MAX_CONCURRENCY};
use certaudit_core::report::Format;
use certaudit_core::rules::Severity;

/// Compliance scanner and audit reporter for the TLS certificates of Exchange organisations.
#[derive(Debug, Parser)]
#[command(name = "certaudit", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read certificate stores, evaluate them with a rule pack and write reports.
    Scan(Box<ScanArgs>),
    /// Pre-renewal checklist: scan like `scan`, then write checklist.html, .md and .json with a
    /// renewal plan for each certificate in service that expires before --before or has findings.
    Checklist(Box<ChecklistArgs>),
    /// Nagios/Icinga plugin: scan like `scan` (no files written, no history) and print one status
    /// line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Check(Box<CheckArgs>),
    /// List the rules of a pack: id, enabled, severity, title.
    Rules(RulesArgs),
    /// List the scans recorded in the history database.
    History(HistoryArgs),
    /// What changed between two recorded scans (default: the last two complete scans).
    Diff(DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to standard output.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output, or write one per command into --dir.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write certaudit.1 and a page per command (certaudit-scan.1 …) into this folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Text for people or JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// History database [default: reports/history.sqlite].
    #[arg(long, value_name = "PATH", default_value = certaudit_core::history::DEFAULT_PATH)]
    pub history: PathBuf,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier scan's id (see `certaudit history`).
    #[arg(value_name = "A")]
    pub a: Option<i64>,

    /// The later scan's id [default: the last complete scan].
    #[arg(value_name = "B")]
    pub b: Option<i64>,

    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// WARNING when the worst unwaived finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "medium", value_parser = severity())]
    pub warning: Severity,

    /// CRITICAL when the worst unwaived finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = severity())]
    pub critical: Severity,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// Plan certificates that expire before this instant (RFC 3339 or YYYY-MM-DD; default: 60
    /// days after the evaluation instant).
    #[arg(long, value_name = "DATE", value_parser = instant)]
    pub before: Option<chrono::DateTime<chrono::Utc>>,

    /// Folder for checklist.html, checklist.md and checklist.json (default: reports/<UTC
    /// timestamp>/).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// `scan`: what to audit, plus the reports, the verdict threshold and the history.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,

    /// Report formats, comma-separated: html, csv, json, prometheus.
    #[arg(short = 'f', long = "format", value_name = "LIST", value_delimiter = ',', value_parser = format())]
    pub formats: Option<Vec<Format>>,

    /// Report folder [default: reports/<UTC timestamp>/, made unique when a scan in the same
    /// second took it].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Exit 1 if a finding at or above this severity remains.
    #[arg(long = "fail-on", value_name = "SEVERITY", value_parser = severity())]
    pub fail_on: Option<Severity>,

    /// Scan history database (SQLite) [default: history.sqlite in the folder above the report
    /// folder, i.e. reports/history.sqlite for the default report folder].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Do not record this scan in the history (and do not compare with the last one).
    #[arg(long = "no-history", conflicts_with = "history")]
    pub no_history: bool,

    /// The audit this scan belongs to: the history compares scans of one audit only [default:
    /// a fingerprint of the inputs, targets and pack].
    #[arg(long, value_name = "NAME")]
    pub audit: Option<String>,

    /// Title of the HTML report [default: "Certificate audit — " and the accepted domains].
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

/// What to audit and how: shared by `scan`, `checklist` and `check`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Files or folders (read recursively): .pem .crt .cer .der .p7b .p7c .pfx .p12, and
    /// Exchange exports (.xml from Export-Clixml, .json from ConvertTo-Json).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Audit description (TOML) holding any of these options; the command line wins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Live endpoint `[scheme://]host[:port]` (https, smtp, submission, smtps, imap, imaps, pop3,
    /// pop3s); a bare host expands to the Exchange client set. Repeatable.
    #[arg(short = 'p', long = "probe", value_name = "TARGET")]
    pub probe: Vec<String>,

    /// File with one TARGET per line ('#' starts a comment).
    #[arg(long = "targets", value_name = "FILE")]
    pub targets: Option<PathBuf>,

    /// Connect to ADDR (IP, optionally with :port) when probing HOST; SNI and name checks still
    /// use HOST. Repeatable.
    #[arg(long = "resolve", value_name = "HOST=ADDR")]
    pub resolve: Vec<String>,

    /// Probe every address a name resolves to, each as its own endpoint (default: the first).
    #[arg(long = "all-addresses")]
    pub all_addresses: bool,

    /// Probes in flight at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_CONCURRENCY)))]
    pub concurrency: Option<u16>,

    /// Deadline of one probe in seconds, DNS and the whole dialogue included.
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub timeout: Option<std::time::Duration>,

    /// Accepted domain of the organisation (adds to those in exports), repeatable.
    #[arg(short = 'd', long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,

    /// Client namespace such as mail.contoso.com (adds to those in exports), repeatable.
    #[arg(short = 'n', long = "namespace", value_name = "FQDN")]
    pub namespaces: Vec<String>,

    /// Roots trusted in addition to the bundled public roots (PEM or DER), repeatable.
    #[arg(long = "trust-anchors", value_name = "PEM")]
    pub trust_anchors: Vec<PathBuf>,

    /// Trust only --trust-anchors, not the bundled Mozilla roots.
    #[arg(long = "no-public-roots")]
    pub no_public_roots: bool,

    /// Rule pack (default: the built-in exchange-baseline).
    #[arg(long, value_name = "FILE")]
    pub pack: Option<PathBuf>,

    /// Accepted-risk waivers (TOML): waived findings stay in the reports but do not fail the scan.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,

    /// Evaluate as of this instant (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long, value_name = "TIME", value_parser = instant)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,

    /// Environment variable holding the PKCS#12 password (the empty password is tried first).
    #[arg(long = "pfx-password-env", value_name = "VAR", conflicts_with = "pfx_password_file")]
    pub pfx_password_env: Option<String>,

    /// File whose first line is the PKCS#12 password.
    #[arg(long = "pfx-password-file", value_name = "FILE")]
    pub pfx_password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Rule pack (default: the built-in exchange-baseline).
    #[arg(long, value_name = "FILE")]
    pub pack: Option<PathBuf>,
}

/// `--fail-on`, `--warning`, `--critical`: a severity name.
fn severity() -> impl TypedValueParser<Value = Severity> {
    PossibleValuesParser::new(Severity::NAMES).try_map(|s| s.parse::<Severity>())
}

/// `--format`: a report format name.
fn format() -> impl TypedValueParser<Value = Format> {
    let values = certaudit_core::report::FORMATS
        .iter()
        .map(|f| PossibleValue::new(f.as_str()).help(f.help()));
    PossibleValuesParser::new(values).try_map(|s| s.parse::<Format>())
}

/// `--at`, `--before`: RFC 3339 or a date.
fn instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, certaudit_core::time::BadInstant> {
    certaudit_core::time::parse_instant(text)
}

/// `--timeout`: a positive number of seconds (fractions allowed, at most one hour).
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    probe::timeout_from_seconds(secs).map_err(|e| e.to_string())
}

/// The command line's definition, with the library's defaults shown in the help of the
/// options whose default the library decides (so they are written in one place only).
pub fn command() -> clap::Command {
    let concurrency = probe::DEFAULT_CONCURRENCY.to_string();
    let timeout = probe::DEFAULT_TIMEOUT.as_secs_f64().to_string();
    let formats: Vec<&str> = settings::DEFAULT_FORMATS.iter().map(|f| f.as_str()).collect();
    let formats = formats.join(",");
    let fail_on = settings::DEFAULT_FAIL_ON.as_str();
    let with_default = |arg: clap::Arg, value: &str| {
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        arg.help(format!("{help} [default: {value}]"))
    };
    let mut command = Cli::command();
    for name in ["scan", "checklist", "check"] {
        command = command.mut_subcommand(name, |sc| {
            let sc = sc
                .mut_arg("concurrency", |a| with_default(a, &concurrency))
                .mut_arg("timeout", |a| with_default(a, &timeout));
            if name == "scan" {
                sc.mut_arg("formats", |a| with_default(a, &formats))
                    .mut_arg("fail_on", |a| with_default(a, fail_on))
            } else {
                sc
            }
        });
    }
    command
}

/// `Some(list)` when the list has entries: an empty list leaves the setting to the file.
fn listed<T: Clone>(list: &[T]) -> Option<Vec<T>> {
    (!list.is_empty()).then(|| list.to_vec())
}

/// `Some(true)` when the flag is given: an absent flag leaves the setting to the file.
fn flag(given: bool) -> Option<bool> {
    given.then_some(true)
}

impl ScopeArgs {
    /// The scope as the command line states it.
    pub fn settings(&self) -> Settings {
        Settings {
            inputs: listed(&self.inputs),
            probe: listed(&self.probe),
            targets: self.targets.clone(),
            resolve: listed(&self.resolve),
            all_addresses: flag(self.all_addresses),
            concurrency: self.concurrency,
            timeout: self.timeout,
            domains: listed(&self.domains),
            namespaces: listed(&self.namespaces),
            trust_anchors: listed(&self.trust_anchors),
            no_public_roots: flag(self.no_public_roots),
            pack: self.pack.clone(),
            waivers: self.waivers.clone(),
            at: self.at,
            pfx_password: match (&self.pfx_password_env, &self.pfx_password_file) {
                (Some(var), _) => Some(PasswordSource::Env(var.clone())),
                (None, Some(file)) => Some(PasswordSource::File(file.clone())),
                (None, None) => None,
            },
            ..Settings::default()
        }
    }
}

impl ScanArgs {
    /// Everything `scan` was told on the command line.
    pub fn settings(&self) -> Settings {
        Settings {
            formats: self.formats.clone(),
            out: self.out.clone(),
            fail_on: self.fail_on,
            history: self.history.clone(),
            no_history: flag(self.no_history),
            audit: self.audit.clone(),
            title: self.title.clone(),
            ..self.scope.settings()
        }
    }
}

impl ChecklistArgs {
    /// Everything `checklist` was told on the command line.
    pub fn settings(&self) -> Settings {
        Settings {
            out: self.out.clone(),
            ..self.scope.settings()
        }
    }
}
