//! The `certaudit` binary: parse the command line (`cli.rs`), merge it with `--config` into
//! the library's options, run the library, print, and return the exit code `outcome` decides.
//! The only place that prints, installs the Ctrl-C handler or draws a progress bar.

// The binary is where printing and exiting belong (the library lints against both).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod cli;
mod diff_text;
mod interactive;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::FromArgMatches;

use certaudit::options::{self, Cmd, Settings};
use certaudit::outcome::{self, EXIT_INCOMPLETE, EXIT_UNUSABLE};
use certaudit::settings::{self, Purpose};
use certaudit::terminal::printable;
use certaudit_core::checklist;
use certaudit_core::history;
use certaudit_core::inventory::EndpointStatus;
use certaudit_core::report::{verdict, Report, Verdict};
use certaudit_core::rules::{RuleSet, Severity};
use certaudit_core::scan::{self, ScanOptions};
use certaudit_core::waivers::WaiverOutcome;
use cli::{
    CheckArgs, ChecklistArgs, Cli, Command, CompletionsArgs, DiffArgs, HistoryArgs, ManArgs, OutputFormat, RulesArgs,
    ScanArgs,
};

fn main() -> ExitCode {
    let parsed = cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
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
    // The scan options of the command, read through the option table.
    let given = |name: &str, cmd: Cmd| {
        matches
            .subcommand_matches(name)
            .map(|m| options::from_matches(cmd, m))
            .unwrap_or_default()
    };
    let code = match cli.command {
        Command::Scan(args) => run_scan(*args, given("scan", Cmd::Scan)),
        Command::Checklist(args) => run_checklist(*args, given("checklist", Cmd::Checklist)),
        Command::Check(args) => run_check(*args, given("check", Cmd::Check)),
        Command::Rules(args) => run_rules(args),
        Command::History(args) => run_history(args),
        Command::Diff(args) => run_diff(args),
        Command::Completions(args) => run_completions(args),
        Command::Man(args) => run_man(args),
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
pub(crate) fn say(text: &str) {
    let _ = writeln!(io::stderr().lock(), "certaudit: {text}");
}

fn run_scan(args: ScanArgs, given: Settings) -> u8 {
    let options = match options(given, args.scope.config.as_deref(), Purpose::Scan) {
        Ok(o) => o,
        Err(e) => return fail(e.as_ref()),
    };
    let hooks = interactive::hooks(true, !options.probe.targets.is_empty());
    let done = match scan::run(&options, &hooks) {
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
        let count = |status: WaiverOutcome| report.waivers.iter().filter(|w| w.status == status).count();
        say(&format!(
            "waivers: {} applied ({} finding(s) waived), {} expired, {} unused",
            count(WaiverOutcome::Applied),
            report.summary.waived,
            count(WaiverOutcome::Expired),
            count(WaiverOutcome::Unused)
        ));
        for w in report.waivers.iter().filter(|w| w.status != WaiverOutcome::Applied) {
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
    if let (Some(path), Some(id)) = (&options.history.location, done.history_id) {
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
        let reused = match done.reused_verifications {
            Some(n) if n > 0 => format!("; {n} chain verification(s) reused from earlier scans"),
            _ => String::new(),
        };
        say(&format!(
            "history: recorded scan #{id} in {}{since}{reused}",
            printable(&path.display().to_string())
        ));
    }
    let code = outcome::exit_code(report);
    // The process ends here: freeing a report of 100,000 certificates piece by piece would
    // only delay the exit (about 0.1 s); the operating system takes the memory back at once.
    std::mem::forget(done);
    code
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

fn run_check(args: CheckArgs, given: Settings) -> u8 {
    const UNKNOWN: u8 = certaudit::check::State::Unknown as u8;
    let report = match options(given, args.scope.config.as_deref(), Purpose::Check) {
        Ok(o) => {
            let hooks = interactive::hooks(false, !o.probe.targets.is_empty());
            scan::evaluate(&o, &hooks).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    match report {
        Ok(report) => {
            let (state, text) = certaudit::check::evaluate(&report, args.warning, args.critical);
            out(&text);
            state as u8
        }
        Err(e) => {
            out(&format!("CERTAUDIT UNKNOWN - {}\n", printable(&e)));
            UNKNOWN
        }
    }
}

fn run_checklist(args: ChecklistArgs, given: Settings) -> u8 {
    let options = match options(given, args.scope.config.as_deref(), Purpose::Checklist) {
        Ok(o) => o,
        Err(e) => return fail(e.as_ref()),
    };
    let at = options.rules.at.unwrap_or_else(chrono::Utc::now);
    let before = args.before.unwrap_or_else(|| checklist::default_before(at));
    let hooks = interactive::hooks(true, !options.probe.targets.is_empty());
    let report = match scan::evaluate(&options, &hooks) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    print_input_warnings(&report);
    if verdict::nothing_audited(&report) {
        say(&format!(
            "error: {}: no checklist written",
            printable(&report.summary.result_detail)
        ));
        return EXIT_INCOMPLETE;
    }
    let plan = checklist::build(&report, at, before);
    match checklist::write_all(&plan, &options.report.out) {
        Ok(written) => {
            say(&format!(
                "{} renewal plan(s) for certificates in service expiring before {} or with findings; {} certificate(s) not in service left out",
                plan.plans.len(),
                certaudit_core::time::rfc3339(plan.before),
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
        Err(e) => fail(&e),
    }
}

/// The command line's settings over those of `--config FILE`, validated for `purpose`.
fn options(
    command_line: Settings,
    config: Option<&Path>,
    purpose: Purpose,
) -> Result<ScanOptions, Box<dyn std::error::Error>> {
    let file = match config {
        Some(path) => certaudit::config::load(path)?,
        None => Settings::default(),
    };
    let args = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    Ok(settings::resolve(&command_line.over(file), purpose, args)?)
}

fn run_rules(args: RulesArgs) -> u8 {
    let set = match RuleSet::load(args.pack.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
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

/// `certaudit completions SHELL`: the completion script, generated from the clap definitions.
fn run_completions(args: CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli::command(), "certaudit", &mut script);
    out(&String::from_utf8_lossy(&script));
    0
}

/// `certaudit man [--dir DIR]`: manual pages generated from the clap definitions.
fn run_man(args: ManArgs) -> u8 {
    let command = cli::command();
    match args.dir {
        Some(dir) => {
            let written = std::fs::create_dir_all(&dir).and_then(|()| clap_mangen::generate_to(command, &dir));
            match written {
                Ok(()) => {
                    say(&format!("wrote the manual pages into {}", dir.display()));
                    0
                }
                Err(e) => {
                    say(&format!("--dir {}: cannot write the manual pages: {e}", dir.display()));
                    EXIT_UNUSABLE
                }
            }
        }
        None => {
            let mut page = Vec::new();
            if let Err(e) = clap_mangen::Man::new(command).render(&mut page) {
                say(&format!("cannot render the manual page: {e}"));
                return EXIT_UNUSABLE;
            }
            out(&String::from_utf8_lossy(&page));
            0
        }
    }
}

fn run_history(args: HistoryArgs) -> u8 {
    let listed = history::open_existing(&args.history).and_then(|h| h.scans());
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
    let result = history::open_existing(&args.history.history).and_then(|h| {
        let (a, b) = h.pair(args.a, args.b)?;
        let before = h.snapshot(a.id)?;
        let after = h.snapshot(b.id)?;
        let mut changes = certaudit_core::history::diff(&before, &after);
        changes.warnings = certaudit_core::history::comparability(&a, &b);
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
                OutputFormat::Text => out(&diff_text::changes_text(&changes, &a, &b)),
            }
            0
        }
        Err(e) => {
            say(&format!("error: {}", printable(&e.to_string())));
            EXIT_UNUSABLE
        }
    }
}

/// Reports an error that stopped the command: nothing was scanned or written (exit code 2).
fn fail(e: &dyn std::error::Error) -> u8 {
    say(&format!("error: {}", printable(&e.to_string())));
    EXIT_UNUSABLE
}
