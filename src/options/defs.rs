//! The scan options, one definition each, in the order `--help` lists them. The stage that
//! uses each is named in its comment; `settings.rs` hands the value to it.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use certaudit_core::probe;
use certaudit_core::report::{Format, FORMATS};
use certaudit_core::rules::Severity;

use super::{any_value, AnyOpt, Cmd, FileValue, Opt, Shape, SCOPE};

/// Every scan option, in the order `--help` lists them.
pub static OPTIONS: &[&dyn AnyOpt] = &[
    &INPUTS,
    &PROBE,
    &TARGETS,
    &RESOLVE,
    &ALL_ADDRESSES,
    &NO_AUTODISCOVER,
    &NO_PROTOCOL_SCAN,
    &PROBE_SERVERS,
    &CONCURRENCY,
    &TIMEOUT,
    &DOMAINS,
    &NAMESPACES,
    &TRUST_ANCHORS,
    &NO_PUBLIC_ROOTS,
    &PACK,
    &WAIVERS,
    &AT,
    &PFX_PASSWORD_ENV,
    &PFX_PASSWORD_FILE,
    &FORMATS_OPT,
    &OUT,
    &FAIL_ON,
    &HISTORY,
    &NO_HISTORY,
    &AUDIT,
    &TITLE,
];

const SCAN: &[Cmd] = &[Cmd::Scan];

fn text(s: &str) -> Result<String, String> {
    Ok(s.to_string())
}

fn path(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

fn path_os(s: &std::ffi::OsStr) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

fn flag(_: &str) -> Result<bool, String> {
    Ok(true)
}

/// An option with the settings every option starts from; the definitions say what differs.
const fn base<E>(id: &'static str, key: &'static str, parse: fn(&str) -> Result<E, String>) -> Opt<E> {
    Opt {
        id,
        long: None,
        short: None,
        key,
        key_negates: false,
        value_name: "",
        help: "",
        shape: Shape::One,
        file: FileValue::Text,
        commands: SCOPE,
        parse,
        parse_os: None,
        possible: any_value,
        default: None,
        shown_default: None,
        conflicts_with: None,
        apply: None,
    }
}

// ---- collect ------------------------------------------------------------------------------

pub static INPUTS: Opt<PathBuf> = Opt {
    value_name: "INPUT",
    help: "Files or folders (read recursively): .pem .crt .cer .der .p7b .p7c .pfx .p12, and Exchange exports (.xml from Export-Clixml, .json from ConvertTo-Json)",
    shape: Shape::Many,
    file: FileValue::Path,
    parse_os: Some(path_os),
    ..base("inputs", "inputs", path)
};

pub static DOMAINS: Opt<String> = Opt {
    long: Some("domain"),
    short: Some('d'),
    value_name: "DOMAIN",
    help: "Accepted domain of the organisation (adds to those in exports), repeatable",
    shape: Shape::Many,
    apply: Some(|s, o| o.collect.domains = s.list(&DOMAINS)),
    ..base("domains", "domain", text)
};

pub static NAMESPACES: Opt<String> = Opt {
    long: Some("namespace"),
    short: Some('n'),
    value_name: "FQDN",
    help: "Client namespace such as mail.contoso.com (adds to those in exports), repeatable",
    shape: Shape::Many,
    apply: Some(|s, o| o.collect.namespaces = s.list(&NAMESPACES)),
    ..base("namespaces", "namespace", text)
};

pub static PFX_PASSWORD_ENV: Opt<String> = Opt {
    long: Some("pfx-password-env"),
    value_name: "VAR",
    help: "Environment variable holding the PKCS#12 password (the empty password is tried first)",
    conflicts_with: Some("pfx_password_file"),
    ..base("pfx_password_env", "pfx_password_env", text)
};

pub static PFX_PASSWORD_FILE: Opt<PathBuf> = Opt {
    long: Some("pfx-password-file"),
    value_name: "FILE",
    help: "File whose first line is the PKCS#12 password",
    file: FileValue::Path,
    parse_os: Some(path_os),
    ..base("pfx_password_file", "pfx_password_file", path)
};

// ---- probe --------------------------------------------------------------------------------

pub static PROBE: Opt<String> = Opt {
    long: Some("probe"),
    short: Some('p'),
    value_name: "TARGET",
    help: "Live endpoint `[scheme://]host[:port]` (https, smtp, submission, smtps, imap, imaps, pop3, pop3s); a bare host expands to the Exchange client set. Repeatable",
    shape: Shape::Many,
    ..base("probe", "probe", text)
};

pub static TARGETS: Opt<PathBuf> = Opt {
    long: Some("targets"),
    value_name: "FILE",
    help: "File with one TARGET per line ('#' starts a comment)",
    file: FileValue::Path,
    parse_os: Some(path_os),
    ..base("targets", "targets", path)
};

pub static RESOLVE: Opt<String> = Opt {
    long: Some("resolve"),
    value_name: "HOST[:PORT]=ADDR",
    help:
        "Connect to ADDR (IP, optionally with :port) when probing HOST (HOST:PORT: only HOST's targets on that port); SNI and name checks still use HOST. Repeatable",
    shape: Shape::Many,
    ..base("resolve", "resolve", text)
};

pub static ALL_ADDRESSES: Opt<bool> = Opt {
    long: Some("all-addresses"),
    help: "Probe every address a name resolves to, each as its own endpoint (default: the first)",
    shape: Shape::Flag,
    file: FileValue::Bool,
    apply: Some(|s, o| o.probe.options.all_addresses = s.flag(&ALL_ADDRESSES)),
    ..base("all_addresses", "all_addresses", flag)
};

pub static NO_AUTODISCOVER: Opt<bool> = Opt {
    long: Some("no-autodiscover"),
    help:
        "Do not check autodiscover for the accepted domains when probing (the report records that it was not asked for)",
    shape: Shape::Flag,
    file: FileValue::Bool,
    apply: Some(|s, o| o.probe.options.autodiscover = !s.flag(&NO_AUTODISCOVER)),
    ..base("no_autodiscover", "no_autodiscover", flag)
};

pub static NO_PROTOCOL_SCAN: Opt<bool> = Opt {
    long: Some("no-protocol-scan"),
    help: "Do not ask each probed endpoint which of SSLv3, TLS 1.0, 1.1, 1.2 and 1.3 it accepts (one handshake per endpoint instead of five; the report records that it was not asked for)",
    shape: Shape::Flag,
    file: FileValue::Bool,
    key_negates: true,
    apply: Some(|s, o| o.probe.options.protocol_scan = !s.flag(&NO_PROTOCOL_SCAN)),
    ..base("no_protocol_scan", "protocol_scan", flag)
};

pub static PROBE_SERVERS: Opt<bool> = Opt {
    long: Some("probe-servers"),
    help: "Probe every Exchange server the exports name, at its FQDN, on the ports its roles and settings imply (443, 444, 25 and 587 where its Receive connectors listen, 993, 995), and compare the certificate each serves with the one Exchange binds there",
    shape: Shape::Flag,
    file: FileValue::Bool,
    apply: Some(|s, o| o.probe.options.probe_servers = s.flag(&PROBE_SERVERS)),
    ..base("probe_servers", "probe_servers", flag)
};

fn concurrency(s: &str) -> Result<u16, String> {
    let n: i64 = s.trim().parse().map_err(|_| format!("`{s}` is not a whole number"))?;
    probe::concurrency_from(n).map_err(|e| e.to_string())
}

pub static CONCURRENCY: Opt<u16> = Opt {
    long: Some("concurrency"),
    value_name: "N",
    help: "Probes in flight at once",
    file: FileValue::Integer,
    default: Some(|| probe::DEFAULT_CONCURRENCY),
    shown_default: Some(|| probe::DEFAULT_CONCURRENCY.to_string()),
    apply: Some(|s, o| o.probe.options.concurrency = usize::from(s.value(&CONCURRENCY))),
    ..base("concurrency", "concurrency", concurrency)
};

/// A positive number of seconds (fractions allowed, at most one hour).
fn seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    probe::timeout_from_seconds(secs).map_err(|e| e.to_string())
}

pub static TIMEOUT: Opt<Duration> = Opt {
    long: Some("timeout"),
    value_name: "SECS",
    help: "Deadline of one probe in seconds, DNS and the whole dialogue included",
    file: FileValue::Number,
    default: Some(|| probe::DEFAULT_TIMEOUT),
    shown_default: Some(|| probe::DEFAULT_TIMEOUT.as_secs_f64().to_string()),
    apply: Some(|s, o| o.probe.options.timeout = s.value(&TIMEOUT)),
    ..base("timeout", "timeout", seconds)
};

// ---- trust --------------------------------------------------------------------------------

pub static TRUST_ANCHORS: Opt<PathBuf> = Opt {
    long: Some("trust-anchors"),
    value_name: "PEM",
    help: "Roots trusted in addition to the bundled public roots (PEM or DER), repeatable",
    shape: Shape::Many,
    file: FileValue::Path,
    parse_os: Some(path_os),
    apply: Some(|s, o| o.trust.anchor_files = s.list(&TRUST_ANCHORS)),
    ..base("trust_anchors", "trust_anchors", path)
};

pub static NO_PUBLIC_ROOTS: Opt<bool> = Opt {
    long: Some("no-public-roots"),
    help: "Trust only --trust-anchors, not the bundled Mozilla roots",
    shape: Shape::Flag,
    file: FileValue::Bool,
    apply: Some(|s, o| o.trust.public_roots = !s.flag(&NO_PUBLIC_ROOTS)),
    ..base("no_public_roots", "no_public_roots", flag)
};

// ---- rules --------------------------------------------------------------------------------

pub static PACK: Opt<PathBuf> = Opt {
    long: Some("pack"),
    value_name: "FILE",
    help: "Rule pack (default: the built-in exchange-baseline)",
    file: FileValue::Path,
    parse_os: Some(path_os),
    apply: Some(|s, o| o.rules.pack = s.get(&PACK)),
    ..base("pack", "pack", path)
};

pub static WAIVERS: Opt<PathBuf> = Opt {
    long: Some("waivers"),
    value_name: "FILE",
    help: "Accepted-risk waivers (TOML): waived findings stay in the reports but do not fail the scan",
    file: FileValue::Path,
    parse_os: Some(path_os),
    apply: Some(|s, o| o.rules.waivers = s.get(&WAIVERS)),
    ..base("waivers", "waivers", path)
};

fn instant(s: &str) -> Result<DateTime<Utc>, String> {
    certaudit_core::time::parse_instant(s).map_err(|e| e.to_string())
}

pub static AT: Opt<DateTime<Utc>> = Opt {
    long: Some("at"),
    value_name: "TIME",
    help: "Evaluate as of this instant (RFC 3339 or YYYY-MM-DD; default: now)",
    apply: Some(|s, o| o.rules.at = s.get(&AT)),
    ..base("at", "at", instant)
};

/// The severity at which `scan` fails when `--fail-on` is not given.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;

fn severity(s: &str) -> Result<Severity, String> {
    s.parse::<Severity>().map_err(|e| e.to_string())
}

pub static FAIL_ON: Opt<Severity> = Opt {
    long: Some("fail-on"),
    value_name: "SEVERITY",
    help: "Exit 1 if a finding at or above this severity remains",
    commands: SCAN,
    possible: || Severity::NAMES.iter().map(|n| (*n, "")).collect(),
    default: Some(|| DEFAULT_FAIL_ON),
    shown_default: Some(|| DEFAULT_FAIL_ON.as_str().to_string()),
    apply: Some(|s, o| o.rules.fail_on = s.get(&FAIL_ON).unwrap_or(DEFAULT_FAIL_ON)),
    ..base("fail_on", "fail_on", severity)
};

// ---- report -------------------------------------------------------------------------------

fn format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// The formats `scan` writes when none are named.
pub const DEFAULT_FORMATS: [Format; 3] = [Format::HTML, Format::CSV, Format::JSON];

pub static FORMATS_OPT: Opt<Format> = Opt {
    long: Some("format"),
    short: Some('f'),
    value_name: "LIST",
    help: "Report formats, comma-separated",
    shape: Shape::CommaList,
    commands: SCAN,
    possible: || FORMATS.iter().map(|f| (f.as_str(), f.help())).collect(),
    shown_default: Some(|| DEFAULT_FORMATS.map(|f| f.as_str()).join(",")),
    ..base("formats", "format", format)
};

pub static OUT: Opt<PathBuf> = Opt {
    long: Some("out"),
    short: Some('o'),
    value_name: "DIR",
    help: "Folder for the reports (scan) or the checklist (checklist) [default: reports/<UTC timestamp>/, made unique when a scan in the same second took it]",
    file: FileValue::Path,
    parse_os: Some(path_os),
    commands: &[Cmd::Scan, Cmd::Checklist],
    ..base("out", "out", path)
};

pub static TITLE: Opt<String> = Opt {
    long: Some("title"),
    value_name: "TEXT",
    help: "Title of the HTML report [default: \"Certificate audit — \" and the accepted domains]",
    commands: SCAN,
    apply: Some(|s, o| o.report.title = s.get(&TITLE).filter(|t| !t.trim().is_empty())),
    ..base("title", "title", text)
};

// ---- history ------------------------------------------------------------------------------

pub static HISTORY: Opt<PathBuf> = Opt {
    long: Some("history"),
    value_name: "PATH",
    help: "Scan history database (SQLite) [default: history.sqlite in the folder above the report folder, i.e. reports/history.sqlite for the default report folder]",
    file: FileValue::Path,
    parse_os: Some(path_os),
    commands: SCAN,
    ..base("history", "history", path)
};

pub static NO_HISTORY: Opt<bool> = Opt {
    long: Some("no-history"),
    help: "Do not record this scan in the history (and do not compare with the last one)",
    shape: Shape::Flag,
    file: FileValue::Bool,
    commands: SCAN,
    conflicts_with: Some("history"),
    ..base("no_history", "no_history", flag)
};

pub static AUDIT: Opt<String> = Opt {
    long: Some("audit"),
    value_name: "NAME",
    help: "The audit this scan belongs to: the history compares scans of one audit only [default: a fingerprint of the inputs, targets and pack]",
    commands: SCAN,
    apply: Some(|s, o| o.history.audit = s.get(&AUDIT)),
    ..base("audit", "audit", text)
};
