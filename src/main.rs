//! Thin entry point: parse the command line, call the library, map the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use certaudit::checklist;
use certaudit::cli::{ChecklistArgs, Cli, Command, RulesArgs, ScanArgs};
use certaudit::inputs::Password;
use certaudit::inventory::EndpointStatus;
use certaudit::outcome::{self, EXIT_UNUSABLE};
use certaudit::probe::{ProbeOptions, ResolveOverrides};
use certaudit::rules::Severity;
use certaudit::scan::{self, ConfigError, ScanError, ScanOptions};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Checklist(args) => run_checklist(*args),
        Command::Rules(args) => run_rules(args),
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

fn scan_options(args: ScanArgs) -> Result<ScanOptions, ConfigError> {
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
    let mut formats = args.formats;
    formats.dedup();
    let (targets, target_texts) = scan::load_targets(&args.probe, args.targets.as_deref())?;
    let probe = ProbeOptions {
        concurrency: usize::from(args.concurrency),
        timeout: args.timeout,
        all_addresses: args.all_addresses,
        resolve: ResolveOverrides::parse(&args.resolve)?,
        progress: true,
        handle_ctrl_c: true,
    };
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
        fail_on: args.fail_on,
        pfx_password,
        targets,
        target_texts,
        probe,
        resolve_texts: args.resolve,
        waivers: args.waivers,
        command_line: std::env::args().collect(),
    })
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
    println!("{:<28} {:<8} {:<9} TITLE", "ID", "ENABLED", "SEVERITY");
    for r in &set.rules {
        let m = r.rule.meta();
        println!(
            "{:<28} {:<8} {:<9} {}",
            m.id,
            if r.enabled { "yes" } else { "no" },
            r.severity.as_str(),
            m.title
        );
    }
    0
}

fn fail(e: &ScanError) -> u8 {
    eprintln!("certaudit: error: {e}");
    EXIT_UNUSABLE
}
