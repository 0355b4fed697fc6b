//! Thin entry point: parse the command line, call the library, map the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use certaudit::checklist;
use certaudit::cli::{
    CheckArgs, ChecklistArgs, Cli, Command, DiffArgs, HistoryArgs, OutputFormat, RulesArgs, ScanArgs,
};
use certaudit::history::History;
use certaudit::inputs::Password;
use certaudit::inventory::EndpointStatus;
use certaudit::outcome::{self, EXIT_UNUSABLE};
use certaudit::probe::{ProbeOptions, ResolveOverrides};
use certaudit::report::Format;
use certaudit::rules::Severity;
use certaudit::scan::{self, ConfigError, ScanError, ScanOptions};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // A monitoring system reads exit code 2 as CRITICAL: for `check`, a usage error is
            // UNKNOWN (3), as the plugin guidelines say.
            let is_check = std::env::args().nth(1).as_deref() == Some("check");
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

fn run_scan(args: ScanArgs) -> u8 {
    let options = match scan_options(args) {
        Ok(o) => o,
        Err(e) => return fail(&e.into()),
    };
    match scan::run(&options) {
        Ok(done) => {
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
            eprintln!(
                "certaudit: {} certificate(s) from {} input(s), {} input error(s){live}; findings: {}; result: {} (--fail-on {})",
                report.summary.certificates,
                report.scan.inputs.len(),
                report.summary.input_errors,
                summary.join(", "),
                report.summary.result,
                report.scan.fail_on,
            );
            if !report.waivers.is_empty() {
                let count = |status: &str| report.waivers.iter().filter(|w| w.status == status).count();
                eprintln!(
                    "certaudit: waivers: {} applied ({} finding(s) waived), {} expired, {} unused",
                    count("applied"),
                    report.summary.waived,
                    count("expired"),
                    count("unused")
                );
                for w in report.waivers.iter().filter(|w| w.status != "applied") {
                    eprintln!(
                        "certaudit: warning: waiver at line {} ({}) is {}",
                        w.waiver.line, w.waiver.rule, w.status
                    );
                }
            }
            if report.scan.interrupted {
                eprintln!("certaudit: the scan was interrupted: the reports are marked as incomplete");
            }
            for path in &done.written {
                eprintln!("certaudit: wrote {}", path.display());
            }
            if let (Some(id), Some(path)) = (done.history_id, &options.history) {
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
                    None => "; the first complete scan in this history".into(),
                };
                eprintln!("certaudit: history: recorded scan #{id} in {}{since}", path.display());
            }
            if outcome::nothing_read(report) {
                eprintln!("certaudit: error: no certificate could be read from the inputs");
            }
            outcome::exit_code(report)
        }
        Err(e) => fail(&e),
    }
}

/// Warnings for inputs that could not be read and endpoints that could not be audited.
fn print_input_warnings(report: &certaudit::report::Report) {
    for input in &report.scan.inputs {
        if let Some(error) = &input.error {
            eprintln!("certaudit: warning: {}: {error}", input.path);
        }
    }
    for endpoint in &report.endpoints {
        if let (Some(kind), Some(error)) = (&endpoint.error_kind, &endpoint.error) {
            if endpoint.status == EndpointStatus::Error {
                eprintln!("certaudit: warning: {}: {}: {error}", endpoint.target, kind.as_str());
            }
        }
    }
}

fn run_check(args: CheckArgs) -> u8 {
    const UNKNOWN: u8 = certaudit::check::State::Unknown as u8;
    let mut options = match scan_options(args.scan) {
        Ok(o) => o,
        Err(e) => {
            println!("CERTAUDIT UNKNOWN - {e}");
            return UNKNOWN;
        }
    };
    options.probe.progress = false;
    match scan::evaluate(&options) {
        Ok(report) => {
            let (state, text) = certaudit::check::evaluate(&report, args.warning, args.critical);
            print!("{text}");
            state as u8
        }
        Err(e) => {
            println!("CERTAUDIT UNKNOWN - {e}");
            UNKNOWN
        }
    }
}

fn run_checklist(args: ChecklistArgs) -> u8 {
    let mut options = match scan_options(args.scan) {
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
    if outcome::nothing_read(&report) {
        eprintln!("certaudit: error: no certificate could be read from the inputs");
        return EXIT_UNUSABLE;
    }
    let plan = checklist::build(&report, at, before);
    match checklist::write_all(&plan, &options.out) {
        Ok(written) => {
            eprintln!(
                "certaudit: {} renewal plan(s) for certificates in service expiring before {} or with findings; {} certificate(s) not in service left out",
                plan.plans.len(),
                plan.before,
                plan.not_planned.len()
            );
            for path in &written {
                eprintln!("certaudit: wrote {}", path.display());
            }
            0
        }
        Err(e) => fail(&ScanError::Report(e)),
    }
}

fn scan_options(mut args: ScanArgs) -> Result<ScanOptions, ConfigError> {
    if let Some(path) = args.config.clone() {
        certaudit::config::apply(&path, &mut args)?;
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
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                what: format!("--pfx-password-file {}", path.display()),
                message: format!("cannot read: {e}"),
            })?;
            let first = text.lines().next().unwrap_or("").to_string();
            Some(Password::new(first, format!("--pfx-password-file {}", path.display())))
        }
        (None, None) => None,
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("reports").join(chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()));
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
    let (targets, target_texts) = scan::load_targets(&args.probe, args.targets.as_deref())?;
    let probe = ProbeOptions {
        concurrency: usize::from(args.concurrency.unwrap_or(64)),
        timeout: args.timeout.unwrap_or(std::time::Duration::from_secs(10)),
        all_addresses: args.all_addresses,
        resolve: ResolveOverrides::parse(&args.resolve)?,
        progress: true,
        handle_ctrl_c: true,
    };
    let history = (!args.no_history).then(|| args.history.unwrap_or_else(|| default_history(&out)));
    Ok(ScanOptions {
        inputs: args.inputs,
        domains: args.domains,
        namespaces: args.namespaces,
        trust_anchors: args.trust_anchors,
        public_roots: !args.no_public_roots,
        pack: args.pack,
        at: args.at,
        formats,
        out,
        fail_on: args.fail_on.unwrap_or(Severity::High),
        pfx_password,
        targets,
        target_texts,
        probe,
        resolve_texts: args.resolve,
        waivers: args.waivers,
        command_line: std::env::args().collect(),
        history,
    })
}

/// `history.sqlite` in the folder above the report folder: `reports/history.sqlite` for the
/// default `reports/<timestamp>/`.
fn default_history(out: &std::path::Path) -> PathBuf {
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
    println!("pack: {} ({})", set.pack.id, set.pack.source);
    if !set.pack.description.is_empty() {
        println!("{}", set.pack.description);
    }
    println!();
    let width = set.rules.iter().map(|r| r.rule.meta().id.len()).max().unwrap_or(2);
    println!("{:<width$}  {:<8} {:<9} TITLE", "ID", "ENABLED", "SEVERITY");
    for r in &set.rules {
        let m = r.rule.meta();
        println!(
            "{:<width$}  {:<8} {:<9} {}",
            m.id,
            if r.enabled { "yes" } else { "no" },
            r.severity.as_str(),
            m.title
        );
    }
    0
}

/// Opens an existing history database (it is not created just to be read).
fn open_history(path: &std::path::Path) -> Result<History, String> {
    if !path.exists() {
        return Err(format!(
            "history {}: does not exist (scans record into it unless --no-history)",
            path.display()
        ));
    }
    History::open(path).map_err(|e| e.to_string())
}

fn run_history(args: HistoryArgs) -> u8 {
    let listed = open_history(&args.history).and_then(|h| h.scans().map_err(|e| e.to_string()));
    let scans = match listed {
        Ok(s) => s,
        Err(e) => {
            eprintln!("certaudit: error: {e}");
            return EXIT_UNUSABLE;
        }
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&scans).unwrap_or_default()),
        OutputFormat::Text => {
            println!(
                "{:>5}  {:<20}  {:<20}  {:<6}  {:>5}  {:>5}  FINDINGS (critical/high/medium/low/info)",
                "SCAN", "STARTED", "EVALUATED AT", "RESULT", "CERTS", "ENDPT"
            );
            for s in &scans {
                println!(
                    "{:>5}  {:<20}  {:<20}  {:<6}  {:>5}  {:>5}  {}/{}/{}/{}/{}{}",
                    s.id,
                    s.started_at,
                    s.evaluated_at,
                    s.result,
                    s.certificates,
                    s.endpoints,
                    s.critical,
                    s.high,
                    s.medium,
                    s.low,
                    s.info,
                    if s.interrupted { "  interrupted" } else { "" }
                );
            }
        }
    }
    0
}

fn run_diff(args: DiffArgs) -> u8 {
    let result = open_history(&args.history.history).and_then(|h| {
        let (a, b) = h.pair(args.a, args.b).map_err(|e| e.to_string())?;
        let before = h.snapshot(a.id).map_err(|e| e.to_string())?;
        let after = h.snapshot(b.id).map_err(|e| e.to_string())?;
        Ok((certaudit::history::diff(&before, &after), a, b))
    });
    match result {
        Ok((changes, a, b)) => {
            match args.history.format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&changes).unwrap_or_default()),
                OutputFormat::Text => print!("{}", certaudit::history::changes_text(&changes, &a, &b)),
            }
            0
        }
        Err(e) => {
            eprintln!("certaudit: error: {e}");
            EXIT_UNUSABLE
        }
    }
}

fn fail(e: &ScanError) -> u8 {
    eprintln!("certaudit: error: {e}");
    EXIT_UNUSABLE
}
