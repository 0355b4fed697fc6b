//! Command-line definitions (clap derive). The contract is DESIGN.md's "CLI contract".

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;
use crate::rules::Severity;

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
    /// List the rules of a pack: id, enabled, severity, title.
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders (read recursively): .pem .crt .cer .der .p7b .p7c .pfx .p12, and
    /// Exchange exports (.xml from Export-Clixml, .json from ConvertTo-Json).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,

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

    /// Evaluate as of this instant (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_instant)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,

    /// Report formats, comma-separated.
    #[arg(
        short = 'f',
        long = "format",
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "html,csv,json"
    )]
    pub formats: Vec<Format>,

    /// Report folder (default: reports/<UTC timestamp>/).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Exit 1 if a finding at or above this severity remains.
    #[arg(long = "fail-on", value_name = "SEVERITY", default_value = "high")]
    pub fail_on: Severity,

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
