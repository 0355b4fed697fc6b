//! A scan that audited nothing never passes: the three verdicts across every output and the
//! exit code, one history per audit, and command-line hygiene (closed pipes, help texts,
//! default folders, password errors, foreign databases, control characters).

use crate::common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value of an unlabelled Prometheus sample.
fn gauge(prom: &str, name: &str) -> f64 {
    prom.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{prom}"))
        .trim()
        .parse()
        .unwrap()
}

fn badge(html: &str) -> String {
    let at = html.find("class=\"result ").expect("a verdict badge");
    html[at..].split('<').next().unwrap().to_string()
}

// ---------------------------------------------------------------- nothing audited

#[test]
fn an_unresolvable_host_is_unknown_not_ok() {
    let s = Scratch::new();
    let o = bin(
        s.dir.path(),
        &["check", "--probe", "mail.doesnotexist.invalid", "--timeout", "3"],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("CERTAUDIT UNKNOWN - nothing in scope could be audited"),
        "{}",
        stdout(&o)
    );
    let out = s.out();
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "--probe",
            "mail.doesnotexist.invalid",
            "--timeout",
            "3",
            "-f",
            "json",
            "--no-history",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let r = read_report(&out.join("report.json"), "unresolvable");
    assert_eq!(r.summary.result, Verdict::Incomplete);
    assert!(stderr(&o).contains("result: incomplete"), "{}", stderr(&o));
}

#[test]
fn a_host_whose_ports_are_all_closed_is_unknown() {
    // Nothing listens on 127.0.0.2: every port of the client set refuses the connection.
    let s = Scratch::new();
    let o = bin(s.dir.path(), &["check", "--probe", "127.0.0.2", "--timeout", "3"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.starts_with("CERTAUDIT UNKNOWN - "), "{text}");
    assert!(
        text.contains("not audited: 127.0.0.2: no port of the client set could be audited: 7 refused"),
        "{text}"
    );
}

#[test]
fn a_missing_input_writes_an_incomplete_report_that_is_never_a_baseline() {
    let s = Scratch::new();
    let history = s.dir.path().join("h.sqlite");
    let h = history.to_str().unwrap();
    let out1 = s.dir.path().join("r1");
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "/nonexistent/certs.pfx",
            "-f",
            "json,html,csv,prometheus",
            "--history",
            h,
            "--audit",
            "weekly",
            "-o",
            out1.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let r = read_report(&out1.join("report.json"), "missing input");
    assert_eq!(r.summary.result, Verdict::Incomplete);
    assert_eq!(r.not_audited[0].kind, "input");
    let html = std::fs::read_to_string(out1.join("report.html")).unwrap();
    assert_eq!(badge(&html), "class=\"result incomplete\">INCOMPLETE");
    assert!(!html.contains("class=\"result pass\""));
    let prom = std::fs::read_to_string(out1.join("report.prom")).unwrap();
    assert_eq!(gauge(&prom, "certaudit_scan_passed"), 0.0);
    assert_eq!(gauge(&prom, "certaudit_scan_success"), 0.0);
    assert_eq!(gauge(&prom, "certaudit_inputs_unreadable"), 1.0);
    assert!(prom.contains("certaudit_scan_verdict{verdict=\"incomplete\"} 1"));
    let csv = std::fs::read_to_string(out1.join("report.csv")).unwrap();
    assert!(
        !csv.contains("verdict") && !csv.contains("not-audited"),
        "findings only: {csv}"
    );
    let not_audited = std::fs::read_to_string(out1.join("not-audited.csv")).unwrap();
    let rows: Vec<&str> = not_audited.lines().collect();
    assert_eq!(rows[0], "\u{feff}kind,subject,server,rule,reason", "{not_audited}");
    assert!(
        rows[1].starts_with("input,") && rows[1].contains("/nonexistent/certs.pfx"),
        "{not_audited}"
    );
    // The next real scan of the audit is not compared with it.
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let out2 = s.dir.path().join("r2");
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "--trust-anchors",
            fixture("root.pem").to_str().unwrap(),
            "--at",
            AT,
            "-f",
            "json",
            "--history",
            h,
            "--audit",
            "weekly",
            "-o",
            out2.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        read_report(&out2.join("report.json"), "next").changes.is_none(),
        "no baseline: nothing to compare with"
    );
    let listed = bin(s.dir.path(), &["history", "--history", h, "--format", "json"]);
    let scans: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let results: Vec<&str> = scans
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["incomplete", "pass"]);
}

#[test]
fn a_wrong_pfx_password_is_not_a_success() {
    let s = Scratch::new();
    std::fs::copy(fixture("modern.pfx"), s.store().join("mail.pfx")).unwrap();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("ok.pem")).unwrap();
    let pw = s.side("pw.txt", "wrong-password\n");
    let out = s.out();
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "--pfx-password-file",
            pw.to_str().unwrap(),
            "--trust-anchors",
            fixture("root.pem").to_str().unwrap(),
            "--at",
            AT,
            "-f",
            "json,prometheus",
            "--no-history",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--pfx-password-env") && err.contains("--pfx-password-file"),
        "the error says how to give the password: {err}"
    );
    assert!(!err.contains("wrong-password"), "the password never appears");
    let prom = std::fs::read_to_string(out.join("report.prom")).unwrap();
    assert_eq!(gauge(&prom, "certaudit_scan_success"), 0.0);
    assert_eq!(gauge(&prom, "certaudit_inputs_unreadable"), 1.0);
    assert_eq!(gauge(&prom, "certaudit_not_audited"), 1.0);
}

// ---------------------------------------------------------------- one history per audit

#[test]
fn two_audits_in_one_history_do_not_see_each_other() {
    let s = Scratch::new();
    let history = s.dir.path().join("h.sqlite");
    let h = history.to_str().unwrap().to_string();
    let run = |n: usize, extra: &[&str]| -> Report {
        let out = s.dir.path().join(format!("r{n}"));
        let mut args: Vec<&str> = SAMPLE.to_vec();
        args.insert(0, "scan");
        args.extend_from_slice(&["-f", "json", "--history", &h, "-o", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_certaudit"))
            .current_dir(REPO)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        read_report(&out.join("report.json"), "demo")
    };
    let demo1 = run(1, &[]);
    let policy = run(2, &["--pack", "rules/approved-issuers.example.toml"]);
    let demo2 = run(3, &[]);
    assert_ne!(
        demo1.scan.audit.id, policy.scan.audit.id,
        "the pack is part of the scope"
    );
    assert!(demo1.changes.is_none());
    assert!(
        policy.changes.is_none(),
        "a different audit: not compared with the demo"
    );
    let changes = demo2.changes.as_ref().unwrap();
    assert_eq!(
        changes.since_scan,
        Some(1),
        "compared with the demo, not the policy run"
    );
    assert!(changes.resolved_findings.is_empty());
    assert!(changes.new_findings.is_empty());
    // history lists audit, pack, scope and verdict; diff without arguments stays in one audit.
    let o = bin(s.dir.path(), &["history", "--history", &h]);
    let text = stdout(&o);
    assert!(
        text.contains("approved-issuers-example") && text.contains("exchange-baseline"),
        "{text}"
    );
    assert!(text.contains("scope-") && text.contains("input "), "{text}");
    assert!(text.contains(" fail "), "{text}");
    let o = bin(s.dir.path(), &["diff", "--history", &h]);
    assert!(stdout(&o).starts_with("changes from scan #1 "), "{}", stdout(&o));
    // Across audits, diff says so.
    let o = bin(s.dir.path(), &["diff", "1", "2", "--history", &h]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("different audits") && stderr(&o).contains("different rule packs"),
        "{}",
        stderr(&o)
    );
    // Each change row names the certificate (thumbprint and subject) it is about.
    let added = stdout(&o);
    let rows: Vec<&str> = added
        .lines()
        .filter(|l| l.starts_with("+ finding issuer-not-approved") || l.contains(" issuer-not-approved ("))
        .collect();
    assert!(!rows.is_empty(), "{added}");
    for row in rows {
        assert!(
            row.split(['(', ','])
                .nth(1)
                .is_some_and(|on| on.trim().len() > 40 && on.contains("CN=")),
            "{row}"
        );
    }
}

#[test]
fn a_foreign_database_is_refused_not_converted() {
    let s = Scratch::new();
    let path = s.dir.path().join("app.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let o = bin(s.dir.path(), &["history", "--history", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a certaudit history") && stderr(&o).contains("invoices"),
        "{}",
        stderr(&o)
    );
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "-f",
            "json",
            "-o",
            "out",
            "--history",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is left as it was");
    let text = s.side("notes.sqlite", "just text");
    let o = bin(s.dir.path(), &["diff", "--history", text.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an SQLite database"), "{}", stderr(&o));
}

// ---------------------------------------------------------------- command-line hygiene

/// Runs `args` with standard output closed before the program writes to it.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn writing_to_a_closed_pipe_ends_quietly() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let h = s.dir.path().join("h.sqlite");
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "-f",
            "json",
            "-o",
            "out",
            "--history",
            h.to_str().unwrap(),
        ],
    );
    assert!(o.status.code().is_some_and(|c| c <= 3));
    for args in [
        vec!["rules"],
        vec!["history", "--history", h.to_str().unwrap()],
        vec!["history", "--history", h.to_str().unwrap(), "--format", "json"],
        vec!["check", "store"],
    ] {
        let (code, err) = with_closed_stdout(s.dir.path(), &args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(code, Some(101), "{args:?}: {err}");
        assert!(code.is_some(), "{args:?} ended by a signal");
    }
}

#[test]
fn each_command_offers_only_the_options_it_uses() {
    let s = Scratch::new();
    let check = stdout(&bin(s.dir.path(), &["check", "--help"]));
    for unused in ["--out", "--format", "--history", "--no-history", "--fail-on", "--audit"] {
        assert!(!check.contains(unused), "check --help offers {unused}:\n{check}");
    }
    assert!(check.contains("--warning") && check.contains("--probe"));
    let checklist = stdout(&bin(s.dir.path(), &["checklist", "--help"]));
    assert!(
        !checklist.contains("--format") && !checklist.contains("--history"),
        "{checklist}"
    );
    assert!(checklist.contains("--out") && checklist.contains("--before"));
    let o = bin(s.dir.path(), &["checklist", "store", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "checklist -f is not offered");
    let scan = stdout(&bin(s.dir.path(), &["scan", "--help"]));
    assert!(
        scan.contains("history.sqlite in the folder above the report folder"),
        "the real default of --history: {scan}"
    );
}

#[test]
fn scans_in_the_same_second_get_their_own_folders() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    // Take the default folders of the next few seconds, so that the scan meets a taken one.
    let now = chrono::Utc::now();
    let taken: Vec<std::path::PathBuf> = (0..5)
        .map(|n| {
            let stamp = (now + chrono::Duration::seconds(n))
                .format("%Y%m%dT%H%M%SZ")
                .to_string();
            let p = s.dir.path().join("reports").join(stamp);
            std::fs::create_dir_all(&p).unwrap();
            p
        })
        .collect();
    let o = bin(s.dir.path(), &["scan", "store", "-f", "json", "--no-history"]);
    assert!(o.status.code().is_some_and(|c| c <= 3), "{}", stderr(&o));
    for t in &taken {
        assert!(
            std::fs::read_dir(t).unwrap().next().is_none(),
            "{} was written into",
            t.display()
        );
    }
    let written: Vec<String> = std::fs::read_dir(s.dir.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains('-'))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(s
        .dir
        .path()
        .join("reports")
        .join(&written[0])
        .join("report.json")
        .exists());
}

/// A certificate whose subject holds an ESC: `check`, `history` and `diff` show it escaped.
#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let s = Scratch::new();
    let ca = root("Esc Root");
    let evil = "evil\u{1b}[2J\u{1b}]0;owned\u{7}";
    s.put(
        "evil.pem",
        Leaf::new("evil.contoso.com")
            .cn(evil)
            .valid(date(2025, 1, 1), date(2026, 6, 10))
            .issued_by(&ca),
    );
    let anchor = s.side("anchor.pem", ca.pem());
    let a = anchor.to_str().unwrap();
    let h = s.dir.path().join("h.sqlite");
    let hs = h.to_str().unwrap();
    let check = bin(s.dir.path(), &["check", "store", "--trust-anchors", a, "--at", AT]);
    let first = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "--trust-anchors",
            a,
            "--at",
            "2026-01-01",
            "-f",
            "json",
            "-o",
            "r1",
            "--history",
            hs,
        ],
    );
    assert!(first.status.code().is_some_and(|c| c <= 1), "{}", stderr(&first));
    let second = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "--trust-anchors",
            a,
            "--at",
            AT,
            "-f",
            "json",
            "-o",
            "r2",
            "--history",
            hs,
        ],
    );
    assert!(second.status.code().is_some_and(|c| c <= 1));
    let diff = bin(s.dir.path(), &["diff", "--history", hs]);
    let history = bin(s.dir.path(), &["history", "--history", hs]);
    for (what, o) in [
        ("check", &check),
        ("diff", &diff),
        ("history", &history),
        ("scan", &second),
    ] {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}'),
            "{what}: raw control character in {all:?}"
        );
    }
    assert!(stdout(&check).contains("evil\\u{1b}[2J"), "{}", stdout(&check));
    assert!(stdout(&diff).contains("CN=evil\\u{1b}"), "{}", stdout(&diff));
}
