//! Snapshots of what people and tools read from a scan of the sample organisation: the CSVs,
//! the Prometheus textfile, the Markdown checklist and the terminal output of `scan`,
//! `checklist`, `check` and `rules`. A change to any of them shows up as a reviewed diff
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test` then `git diff`).
//!
//! The sample pins its evaluation instant, so the outputs are stable; what is not (the report
//! folder, the scan's own time and duration) is replaced before comparing.

use std::path::Path;
use std::process::Command;

use crate::common::{Run, Scratch};

const CONFIG: &str = "samples/contoso/audit.toml";

/// Replaces what differs from run to run: the report folder, and the scan's clock; and writes
/// the sample's paths with `/` (on Windows they have `\`), so one snapshot serves both.
fn stable(text: &str, out: &Path) -> String {
    unix_paths(&text.replace(out.to_str().unwrap(), "<out>"))
        .lines()
        .map(|line| {
            for clock in ["certaudit_scan_duration_seconds ", "certaudit_scan_timestamp_seconds "] {
                if line.starts_with(clock) {
                    return format!("{clock}<clock>");
                }
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `<out>\x` and `samples\contoso\…` with `/`, up to the end of the path (in Markdown a
/// backslash is escaped: `samples\\contoso` is one separator too).
fn unix_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_path = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<out>\\") || rest.starts_with("samples\\") {
            in_path = true;
        } else if c.is_whitespace() || matches!(c, '"' | ',' | ')' | ':' | ';') {
            in_path = false;
        }
        if in_path && c == '\\' {
            out.push('/');
            rest = rest.strip_prefix("\\\\").unwrap_or(&rest[1..]);
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Runs from the repository root, where the sample's relative paths hold.
fn in_repo(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report: None,
    }
}

#[test]
fn sample_scan_outputs() {
    let s = Scratch::new();
    let out = s.out();
    let o = out.to_str().unwrap();
    let run = in_repo(&[
        "scan",
        "--config",
        CONFIG,
        "-o",
        o,
        "-f",
        "csv,prometheus",
        "--no-history",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    insta::assert_snapshot!("scan_terminal", stable(&run.stderr, &out));
    insta::assert_snapshot!("report_csv", stable(&read("report.csv"), &out));
    insta::assert_snapshot!("certificates_csv", stable(&read("certificates.csv"), &out));
    insta::assert_snapshot!("report_prom", stable(&read("report.prom"), &out));
}

#[test]
fn sample_checklist_markdown() {
    let s = Scratch::new();
    let out = s.out();
    let run = in_repo(&["checklist", "--config", CONFIG, "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 3, "the sample is incomplete on purpose: {}", run.stderr);
    insta::assert_snapshot!("checklist_terminal", stable(&run.stderr, &out));
    let md = std::fs::read_to_string(out.join("checklist.md")).unwrap();
    insta::assert_snapshot!("checklist_md", stable(&md, &out));
}

#[test]
fn sample_check_and_rules() {
    let check = in_repo(&["check", "--config", CONFIG]);
    assert_eq!(check.code, 2, "CRITICAL");
    insta::assert_snapshot!("check_stdout", unix_paths(&check.stdout));
    let rules = in_repo(&["rules"]);
    assert_eq!(rules.code, 0);
    insta::assert_snapshot!("rules_stdout", rules.stdout);
}

#[test]
fn windows_paths_read_as_unix_ones() {
    assert_eq!(
        unix_paths("from samples\\contoso\\exports\\EX01\\a.xml (x) and <out>\\report.csv"),
        "from samples/contoso/exports/EX01/a.xml (x) and <out>/report.csv"
    );
    assert_eq!(unix_paths("samples\\\\contoso\\\\a.xml: y"), "samples/contoso/a.xml: y");
    assert_eq!(unix_paths("C:\\Audit stays"), "C:\\Audit stays");
}
