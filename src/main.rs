//! Thin entry point: parse the command line, call the library, map the outcome to an exit code.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use certaudit::checklist;
use certaudit::cli::{
    CheckArgs, ChecklistArgs, Cli, Command, DiffArgs, HistoryArgs, OutputFormat, RulesArgs, ScanArgs, ScopeArgs,
};
use certaudit::history::History;
use certaudit::inputs::Password;
use certaudit::inventory::EndpointStatus;
use certaudit::outcome::{self, Verdict, EXIT_INCOMPLETE, EXIT_UNUSABLE};
use certaudit::probe::{ProbeOptions, ResolveOverrides};
use certaudit::report::{Format, Report};
use certaudit::rules::Severity;
use certaudit::scan::{self, ConfigError, ScanError, ScanOptions};
use certaudit::terminal::printable;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // A monitoring system reads exit code 2 as CRITICAL: for `check`, a usage error is
            // UNKNOWN (3), as the plugin guidelines say.
            let is_check = std::env::args_os().nth(1).is_some_and(|a| a == "check");
            let _ = e.print();
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ if is_check => 3,
                _ => 2,
            };
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Checklist(args) => run_checklist(*args),
        Command::Check(args) => run_check(*args),
        Command::Rules(args) => run_rules(args),
        Command::History(args) => run_history(args),
        Command::Diff(args) => run_diff(args),
    };
    ExitCode::from(code)
}

/// Writes to standard output. A reader that went away (`certaudit rules | head -1`) is not an
/// error: the rest is dropped quietly.
fn out(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// One line to standard error (`certaudit: …`); a closed stderr is ignored.
fn say(text: &str) {
    let _ = writeln!(io::stderr().lock(), "certaudit: {text}");
}

fn run_scan(args: ScanArgs) -> u8 {
    let options = match scan_options(args) {
        Ok(o) => o,
        Err(e) => return fail(&e.into()),
    };
    let done = match scan::run(&options) {
        Ok(done) => done,
        Err(e) => return fail(&e),
    };
    let report = &done.report;
    print_input_warnings(report);
    let counts = &report.summary.findings;
    let summary: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|s| format!("{} {s}", counts.get(*s)))
        .collect();
    let live = if report.scan.probe.is_some() {
        format!(
            ", {} endpoint(s) probed, {} not audited",
            report.summary.endpoints, report.summary.endpoint_errors
        )
    } else {
        String::new()
    };
    say(&format!(
        "{} certificate(s) from {} input(s), {} input error(s){live}; findings: {}; result: {} (--fail-on {})",
        report.summary.certificates,
        report.scan.inputs.len(),
        report.summary.input_errors,
        summary.join(", "),
        report.summary.result,
        report.scan.fail_on,
    ));
    if report.summary.result != Verdict::Pass {
        say(&printable(&report.summary.result_detail));
    }
    if !report.waivers.is_empty() {
        let count = |status: &str| report.waivers.iter().filter(|w| w.status == status).count();
        say(&format!(
            "waivers: {} applied ({} finding(s) waived), {} expired, {} unused",
            count("applied"),
            report.summary.waived,
            count("expired"),
            count("unused")
        ));
        for w in report.waivers.iter().filter(|w| w.status != "applied") {
            say(&format!(
                "warning: waiver at line {} ({}) is {}",
                w.waiver.line,
                printable(&w.waiver.rule),
                w.status
            ));
        }
    }
    if report.scan.interrupted {
        say("the scan was interrupted: the reports say so and its verdict is not pass");
    }
    for path in &done.written {
        say(&format!("wrote {}", printable(&path.display().to_string())));
    }
    if let (Some(path), Some(id)) = (&options.history, done.history_id) {
        let since = match &report.changes {
            Some(c) => format!(
                "; since scan #{}: {} new finding(s), {} resolved, {} certificate(s) appeared, {} disappeared, {} renewed, {} binding change(s)",
                c.since_scan.unwrap_or(0),
                c.new_findings.len(),
                c.resolved_findings.len(),
                c.appeared_certificates.len(),
                c.disappeared_certificates.len(),
                c.renewed_certificates.len(),
                c.binding_moves.len()
            ),
            None if report.summary.result == Verdict::Incomplete || report.scan.interrupted => {
                "; an incomplete scan is recorded but never compared with, nor a baseline".into()
            }
            None => format!(
                "; the first complete scan of audit {}",
                printable(&report.scan.audit.id)
            ),
        };
        say(&format!(
            "history: recorded scan #{id} in {}{since}",
            printable(&path.display().to_string())
        ));
    }
    outcome::exit_code(report)
}

/// Warnings shown on stderr at most; the reports list them all.
const MAX_WARNINGS: usize = 20;

/// Warnings for inputs that could not be read and endpoints that could not be audited (the
/// first [`MAX_WARNINGS`], then how many more the reports list).
fn print_input_warnings(report: &Report) {
    let inputs = report.scan.inputs.iter().filter_map(|i| {
        i.error
            .as_ref()
            .map(|e| format!("warning: {}: {}", printable(&i.path), printable(e)))
    });
    let endpoints = report.endpoints.iter().filter_map(|e| match (&e.error_kind, &e.error) {
        (Some(kind), Some(error)) if e.status == EndpointStatus::Error => Some(format!(
            "warning: {}: {}: {}",
            printable(&e.target),
            kind.as_str(),
            printable(error)
        )),
        _ => None,
    });
    let mut total = 0usize;
    for line in inputs.chain(endpoints) {
        total += 1;
        if total <= MAX_WARNINGS {
            say(&line);
        }
    }
    if total > MAX_WARNINGS {
        say(&format!(
            "warning: … and {} more input or endpoint error(s): see the reports",
            total - MAX_WARNINGS
        ));
    }
}

fn run_check(args: CheckArgs) -> u8 {
    const UNKNOWN: u8 = certaudit::check::State::Unknown as u8;
    let options = scope_options(args.scope, None, Output::none()).map(|mut o| {
        o.probe.progress = false;
        o
    });
    let report = options.map_err(ScanError::from).and_then(|o| scan::evaluate(&o));
    match report {
        Ok(report) => {
            let (state, text) = certaudit::check::evaluate(&report, args.warning, args.critical);
            out(&text);
            state as u8
        }
        Err(e) => {
            out(&format!("CERTAUDIT UNKNOWN - {}\n", printable(&e.to_string())));
            UNKNOWN
        }
    }
}

fn run_checklist(args: ChecklistArgs) -> u8 {
    let config = match load_config(&args.scope) {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    let out_dir = match args.out.clone().or_else(|| config.as_ref().and_then(|c| c.out())) {
        Some(d) => d,
        None => match default_out_folder() {
            Ok(d) => d,
            Err(e) => return fail(&e.into()),
        },
    };
    let output = Output {
        out: Some(out_dir),
        ..Output::none()
    };
    let mut options = match scope_options(args.scope, config, output) {
        Ok(o) => o,
        Err(e) => return fail(&e.into()),
    };
    let at = *options.at.get_or_insert_with(chrono::Utc::now);
    let before = args.before.unwrap_or_else(|| checklist::default_before(at));
    let report = match scan::evaluate(&options) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    print_input_warnings(&report);
    if outcome::nothing_audited(&report) {
        say(&format!(
            "error: {}: no checklist written",
            printable(&report.summary.result_detail)
        ));
        return EXIT_INCOMPLETE;
    }
    let plan = checklist::build(&report, at, before);
    match checklist::write_all(&plan, &options.out) {
        Ok(written) => {
            say(&format!(
                "{} renewal plan(s) for certificates in service expiring before {} or with findings; {} certificate(s) not in service left out",
                plan.plans.len(),
                plan.before,
                plan.not_planned.len()
            ));
            for path in &written {
                say(&format!("wrote {}", printable(&path.display().to_string())));
            }
            if report.summary.not_audited > 0 || report.scan.interrupted {
                say(&format!(
                    "warning: the scan behind this checklist is incomplete ({}): plans may be missing",
                    printable(&report.summary.result_detail)
                ));
                return EXIT_INCOMPLETE;
            }
            0
        }
        Err(e) => fail(&ScanError::Report(e)),
    }
}

/// The options only `scan` has: reports, verdict threshold, history, audit.
struct Output {
    formats: Vec<Format>,
    out: Option<PathBuf>,
    fail_on: Severity,
    history: Option<PathBuf>,
    no_history: bool,
    audit: Option<String>,
}

impl Output {
    /// No reports and no history (`check`, and `checklist` apart from its folder).
    fn none() -> Self {
        Self {
            formats: Vec::new(),
            out: None,
            fail_on: Severity::High,
            history: None,
            no_history: true,
            audit: None,
        }
    }
}

fn load_config(scope: &ScopeArgs) -> Result<Option<certaudit::config::Loaded>, ConfigError> {
    scope
        .config
        .as_deref()
        .map(certaudit::config::load)
        .transpose()
        .map_err(ConfigError::from)
}

fn scan_options(mut args: ScanArgs) -> Result<ScanOptions, ConfigError> {
    let config = load_config(&args.scope)?;
    if let Some(c) = &config {
        c.apply_scan(&mut args);
    }
    let mut formats = args
        .formats
        .unwrap_or_else(|| vec![Format::Html, Format::Csv, Format::Json]);
    let mut seen = Vec::new();
    formats.retain(|f| {
        !seen.contains(f) && {
            seen.push(*f);
            true
        }
    });
    let output = Output {
        formats,
        out: args.out,
        fail_on: args.fail_on.unwrap_or(Severity::High),
        history: args.history,
        no_history: args.no_history,
        audit: args.audit,
    };
    scope_options(args.scope, config, output)
}

fn scope_options(
    mut args: ScopeArgs,
    config: Option<certaudit::config::Loaded>,
    output: Output,
) -> Result<ScanOptions, ConfigError> {
    let config = match config {
        Some(c) => Some(c),
        None => load_config(&args)?,
    };
    if let Some(c) = &config {
        c.apply_scope(&mut args);
    }
    if args.inputs.is_empty() && args.probe.is_empty() && args.targets.is_none() {
        return Err(ConfigError::Invalid {
            what: "nothing to scan".into(),
            message: "give INPUT files or folders, --probe or --targets (on the command line or in --config)".into(),
        });
    }
    let pfx_password = match (&args.pfx_password_env, &args.pfx_password_file) {
        (Some(var), _) => {
            let value = std::env::var(var).map_err(|_| ConfigError::Invalid {
                what: "--pfx-password-env".into(),
                message: format!("environment variable {var} is not set (or not valid UTF-8)"),
            })?;
            Some(Password::new(value, format!("--pfx-password-env {var}")))
        }
        (None, Some(path)) => {
            let text = certaudit::files::read_option_text(path).map_err(|e| ConfigError::Invalid {
                what: format!("--pfx-password-file {}", path.display()),
                message: format!("cannot read: {e}"),
            })?;
            let first = text.lines().next().unwrap_or("").to_string();
            Some(Password::new(first, format!("--pfx-password-file {}", path.display())))
        }
        (None, None) => None,
    };
    // `check` writes nothing: it gets no folder.
    let out = match output.out {
        Some(out) => out,
        None if !output.formats.is_empty() => default_out_folder()?,
        None => PathBuf::new(),
    };
    let (targets, target_texts) = scan::load_targets(&args.probe, args.targets.as_deref())?;
    let probe = ProbeOptions {
        concurrency: usize::from(args.concurrency.unwrap_or(64)),
        timeout: args.timeout.unwrap_or(std::time::Duration::from_secs(10)),
        all_addresses: args.all_addresses,
        resolve: ResolveOverrides::parse(&args.resolve)?,
        progress: true,
        handle_ctrl_c: true,
    };
    let history = (!output.no_history).then(|| output.history.unwrap_or_else(|| default_history(&out)));
    Ok(ScanOptions {
        inputs: args.inputs,
        domains: args.domains,
        namespaces: args.namespaces,
        trust_anchors: args.trust_anchors,
        public_roots: !args.no_public_roots,
        pack: args.pack,
        at: args.at,
        formats: output.formats,
        out,
        fail_on: output.fail_on,
        pfx_password,
        targets,
        target_texts,
        probe,
        resolve_texts: args.resolve,
        waivers: args.waivers,
        command_line: std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect(),
        history,
        audit: output.audit,
    })
}

/// `reports/<UTC timestamp>/`, created now so that two scans started in the same second get
/// different folders (`…Z`, `…Z-2`, `…Z-3` …).
fn default_out_folder() -> Result<PathBuf, ConfigError> {
    let base = PathBuf::from("reports");
    std::fs::create_dir_all(&base).map_err(|e| ConfigError::Invalid {
        what: format!("report folder {}", base.display()),
        message: format!("cannot create: {e}"),
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for n in 1..=1000 {
        let name = if n == 1 { stamp.clone() } else { format!("{stamp}-{n}") };
        let path = base.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(ConfigError::Invalid {
                    what: format!("report folder {}", path.display()),
                    message: format!("cannot create: {e}"),
                })
            }
        }
    }
    Err(ConfigError::Invalid {
        what: "report folder".into(),
        message: format!("1000 folders named {stamp} already exist: pass --out"),
    })
}

/// `history.sqlite` in the folder above the report folder: `reports/history.sqlite` for the
/// default `reports/<timestamp>/`.
fn default_history(out: &Path) -> PathBuf {
    match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join("history.sqlite"),
        _ => PathBuf::from("history.sqlite"),
    }
}

fn run_rules(args: RulesArgs) -> u8 {
    let set = match scan::load_rule_set(args.pack.as_ref()) {
        Ok(s) => s,
        Err(e) => return fail(&e.into()),
    };
    let mut text = format!("pack: {} ({})\n", printable(&set.pack.id), printable(&set.pack.source));
    if !set.pack.description.is_empty() {
        text.push_str(&printable(&set.pack.description));
        text.push('\n');
    }
    text.push('\n');
    let width = set.rules.iter().map(|r| r.rule.meta().id.len()).max().unwrap_or(2);
    text.push_str(&format!("{:<width$}  {:<8} {:<9} TITLE\n", "ID", "ENABLED", "SEVERITY"));
    for r in &set.rules {
        let m = r.rule.meta();
        text.push_str(&format!(
            "{:<width$}  {:<8} {:<9} {}\n",
            m.id,
            if r.enabled { "yes" } else { "no" },
            r.severity.as_str(),
            m.title
        ));
    }
    out(&text);
    0
}

fn run_history(args: HistoryArgs) -> u8 {
    let listed = History::open_existing(&args.history).and_then(|h| h.scans());
    let scans = match listed {
        Ok(s) => s,
        Err(e) => {
            say(&format!("error: {}", printable(&e.to_string())));
            return EXIT_UNUSABLE;
        }
    };
    match args.format {
        OutputFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&scans).unwrap_or_default()
        )),
        OutputFormat::Text => {
            let mut text = format!(
                "{:>5}  {:<20}  {:<10}  {:<24}  {:<22}  {:>5}  {:>5}  {:>4}  FINDINGS (c/h/m/l/i)  SCOPE\n",
                "SCAN", "STARTED", "RESULT", "AUDIT", "PACK", "CERTS", "ENDPT", "N/A"
            );
            for s in &scans {
                let audit = if s.audit.is_empty() { "-" } else { s.audit.as_str() };
                let scope: Vec<&str> = s
                    .scope
                    .iter()
                    .filter(|l| !l.starts_with("pack "))
                    .map(String::as_str)
                    .collect();
                text.push_str(&format!(
                    "{:>5}  {:<20}  {:<10}  {:<24}  {:<22}  {:>5}  {:>5}  {:>4}  {:<20}  {}{}\n",
                    s.id,
                    s.started_at,
                    s.result,
                    printable(audit),
                    printable(if s.pack_id.is_empty() { "-" } else { &s.pack_id }),
                    s.certificates,
                    s.endpoints,
                    s.not_audited,
                    format!("{}/{}/{}/{}/{}", s.critical, s.high, s.medium, s.low, s.info),
                    printable(&scope.join("; ")),
                    if s.interrupted { "  (interrupted)" } else { "" }
                ));
            }
            out(&text);
        }
    }
    0
}

fn run_diff(args: DiffArgs) -> u8 {
    let result = History::open_existing(&args.history.history).and_then(|h| {
        let (a, b) = h.pair(args.a, args.b)?;
        let before = h.snapshot(a.id)?;
        let after = h.snapshot(b.id)?;
        let mut changes = certaudit::history::diff(&before, &after);
        changes.warnings = certaudit::history::comparability(&a, &b);
        Ok((changes, a, b))
    });
    match result {
        Ok((changes, a, b)) => {
            for w in &changes.warnings {
                say(&format!("note: {}", printable(w)));
            }
            match args.history.format {
                OutputFormat::Json => out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&changes).unwrap_or_default()
                )),
                OutputFormat::Text => out(&certaudit::history::changes_text(&changes, &a, &b)),
            }
            0
        }
        Err(e) => {
            say(&format!("error: {}", printable(&e.to_string())));
            EXIT_UNUSABLE
        }
    }
}

fn fail(e: &ScanError) -> u8 {
    say(&format!("error: {}", printable(&e.to_string())));
    EXIT_UNUSABLE
}
