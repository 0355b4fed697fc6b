//! Command-line definitions (clap derive; the README's "Usage" is the contract). The
//! scan options of `scan`, `checklist` and `check` are not written here: they come from the
//! option table (`options/`), which declares each once for the command line and the file.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand};

use certaudit::options::{self, Cmd};
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

    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// `scan`: its options are all in the option table.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// What every auditing command takes besides the option table: the configuration file.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Audit description (TOML) holding any of these options; the command line wins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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

/// `--at`, `--before`: RFC 3339 or a date.
fn instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, certaudit_core::time::BadInstant> {
    certaudit_core::time::parse_instant(text)
}

/// The command line's definition: the derived commands, with the option table's arguments
/// added to the commands that take them.
pub fn command() -> clap::Command {
    let mut command = Cli::command();
    for (name, cmd) in [
        ("scan", Cmd::Scan),
        ("checklist", Cmd::Checklist),
        ("check", Cmd::Check),
    ] {
        command = command.mut_subcommand(name, |sc| sc.args(options::args_for(cmd)));
    }
    command
}
