//! Scheduled audits: `--config` precedence and errors, the history across changing scans and
//! its diff, migration from an older schema, interrupted and concurrent scans, the Prometheus
//! textfile parsed back, and `check`'s plugin exit codes.

use crate::common;
use crate::support::exchange_writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use certaudit_core::report::changes::{CertRef, Changes, FindingChange};
use certaudit_core::rules::Severity;
use common::*;
use exchange_writer::*;
use serde_json::Value;

const IMAP: u32 = 1;
const IIS: u32 = 8;
const SMTP: u32 = 16;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

// ---------------------------------------------------------------------------------------
// Configuration file

#[test]
fn config_file_paths_are_relative_to_it_and_the_command_line_wins() {
    let s = Scratch::new();
    let ca = root("Config Root");
    // Expires 2026-06-21: expiring-soon, high at --at 2026-06-01.
    s.put(
        "mail.pem",
        Leaf::new("mail.contoso.com")
            .valid(date(2026, 1, 1), date(2026, 6, 21))
            .issued_by(&ca),
    );
    let conf_dir = s.dir.path().join("conf");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::write(conf_dir.join("anchor.pem"), ca.pem()).unwrap();
    std::fs::write(
        conf_dir.join("audit.toml"),
        "inputs = [\"../store\"]\ntrust_anchors = [\"anchor.pem\"]\nno_public_roots = true\nat = \"2026-06-01\"\nformat = [\"json\"]\nout = \"reports/r\"\nfail_on = \"critical\"\nno_history = true\n",
    )
    .unwrap();
    // Run from somewhere else entirely: the paths still resolve against the file.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = conf_dir.join("audit.toml");
    let config = config.to_str().unwrap();
    let o = bin(elsewhere.path(), &["scan", "--config", config]);
    assert_eq!(o.status.code(), Some(0), "fail_on critical from the file: {}", text(&o));
    let report = read_report(&conf_dir.join("reports/r/report.json"), "config");
    assert_eq!(report.summary.certificates, 1);
    assert_eq!(report.findings[0].severity, Severity::High);
    assert!(!conf_dir.join("reports/r/report.html").exists(), "format from the file");
    assert!(
        !conf_dir.join("reports/history.sqlite").exists(),
        "no_history from the file"
    );
    // The command line overrides the file: fail-on, out, format.
    let out2 = s.dir.path().join("cli-out");
    let o = bin(
        elsewhere.path(),
        &[
            "scan",
            "--config",
            config,
            "--fail-on",
            "high",
            "--out",
            out2.to_str().unwrap(),
            "-f",
            "html,json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(out2.join("report.html").exists() && out2.join("report.json").exists());
    assert_eq!(
        read_report(&out2.join("report.json"), "config").scan.fail_on,
        Severity::High
    );
}

#[test]
fn config_errors_name_the_file_and_line() {
    let s = Scratch::new();
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "inputs = [\"store\"]\n\ncolour = \"blue\"\n",
            ":3:",
            &["unknown field `colour`"],
        ),
        (
            "inputs = [\"store\"]\nconcurrency = 0\n",
            ":2:",
            &["concurrency 0", "1 to 4096"],
        ),
        ("inputs = [\"store\"]\ntimeout = \"soon\"\n", ":2:", &["invalid type"]),
        ("inputs = [\"store\"]\nat = \"yesterday\"\n", ":2:", &["yesterday"]),
        ("inputs = [\"store\"]\nfail_on = \"severe\"\n", ":2:", &["severe"]),
    ];
    for (i, (body, place, words)) in cases.iter().enumerate() {
        let path = s.side(&format!("bad{i}.toml"), body);
        let o = bin(s.dir.path(), &["scan", "--config", path.to_str().unwrap()]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{body}: {t}");
        assert!(t.contains(&format!("bad{i}.toml{place}")), "{body}: {t}");
        for w in *words {
            assert!(t.contains(w), "{body}: `{w}` missing from {t}");
        }
    }
    let o = bin(s.dir.path(), &["scan", "--config", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("config missing.toml: cannot read"), "{}", text(&o));
}

// ---------------------------------------------------------------------------------------
// History

/// The changing organisation: certificates in `store/` written per scan.
struct Org {
    s: Scratch,
    ca: Ca,
    history: PathBuf,
}

impl Org {
    fn new() -> Self {
        let s = Scratch::new();
        let history = s.dir.path().join("history.sqlite");
        Self {
            s,
            ca: root("History Root"),
            history,
        }
    }

    /// Replaces the export with `certs` and scans at `at`; returns report.json.
    fn scan(&self, certs: &[(&[u8], u32)], at: &str, n: usize) -> Report {
        let exports: Vec<ExportCert<'_>> = certs
            .iter()
            .map(|(d, s)| ExportCert::bound(d, "ex01.contoso.com", *s))
            .collect();
        self.s
            .put("ex01/Get-ExchangeCertificate.xml", exchange_certificates(&exports));
        let anchor = self.s.side("anchor.pem", self.ca.pem());
        let out = self.s.dir.path().join(format!("r{n}"));
        let o = bin(
            self.s.dir.path(),
            &[
                "scan",
                "store",
                "--trust-anchors",
                anchor.to_str().unwrap(),
                "-d",
                "contoso.com",
                "--at",
                at,
                "-f",
                "json,html",
                "--out",
                out.to_str().unwrap(),
                "--history",
                self.history.to_str().unwrap(),
            ],
        );
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o));
        assert!(text(&o).contains("history: recorded scan #"), "{}", text(&o));
        read_report(&out.join("report.json"), "history")
    }

    fn leaf(&self, names: &[&str], until: (i32, u8, u8)) -> Vec<u8> {
        der(&Leaf::new(names[0])
            .names(names)
            .valid(date(2025, 6, 1), date(until.0, until.1, until.2))
            .issued_by(&self.ca))
    }
}

/// The rules of findings, sorted.
fn rules_of<'a>(rules: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = rules.into_iter().map(str::to_string).collect();
    v.sort();
    v
}

fn changed_rules(list: &[FindingChange]) -> Vec<String> {
    rules_of(list.iter().map(|f| f.rule.as_str()))
}

fn moves(changes: &Changes) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let ids = |v: &[CertRef]| -> Vec<String> { v.iter().map(|c| c.thumbprint.clone()).collect() };
    changes
        .binding_moves
        .iter()
        .map(|m| (format!("{} {}", m.service, m.server), (ids(&m.from), ids(&m.to))))
        .collect()
}

#[test]
fn history_across_three_scans_of_a_changing_organisation() {
    let org = Org::new();
    let names = ["mail.contoso.com", "autodiscover.contoso.com"];
    let old = org.leaf(&names, (2026, 6, 21)); // expiring-soon (high)
    let renewed = org.leaf(&names, (2027, 1, 15));
    let wildcard = org.leaf(&["*.contoso.com"], (2027, 1, 15)); // wildcard-on-pop-imap
    let internal = org.leaf(&["smtp.contoso.local"], (2027, 1, 15)); // internal-name-in-san
    let thumb = |d: &[u8]| thumbprint(d);

    // Scan 1: the old certificate on IIS and SMTP, the wildcard on IMAP.
    let r1 = org.scan(&[(&old, IIS | SMTP), (&wildcard, IMAP)], "2026-06-01", 1);
    assert!(r1.changes.is_none(), "the first scan has nothing to compare with");
    assert_eq!(
        rules_of(r1.findings.iter().map(|f| f.rule.as_str())),
        ["expiring-soon", "wildcard-on-pop-imap"]
    );

    // The next day, same inputs: the days-left countdown changes every message, yet no finding
    // is new or resolved.
    let r1b = org.scan(&[(&old, IIS | SMTP), (&wildcard, IMAP)], "2026-06-02", 11);
    let c = r1b.changes.as_ref().unwrap();
    assert!(c.new_findings.is_empty(), "{c:?}");
    assert!(c.resolved_findings.is_empty(), "{c:?}");
    assert!(c.binding_moves.is_empty(), "{c:?}");

    // Scan 2: renewed (same names, new serial and key) and bound to IIS and SMTP; a new
    // certificate with an internal name joins SMTP.
    let r2 = org.scan(
        &[(&renewed, IIS | SMTP), (&wildcard, IMAP), (&internal, SMTP)],
        "2026-06-03",
        2,
    );
    let c = r2.changes.as_ref().unwrap();
    assert_eq!(c.since_scan, Some(2), "compared with the last complete scan");
    assert_eq!(changed_rules(&c.new_findings), ["internal-name-in-san"]);
    assert_eq!(changed_rules(&c.resolved_findings), ["expiring-soon"]);
    let renewals = &c.renewed_certificates;
    assert_eq!(renewals.len(), 1, "{c:?}");
    assert_eq!(renewals[0].old.thumbprint, thumb(&old));
    assert_eq!(renewals[0].new.thumbprint, thumb(&renewed));
    assert!(renewals[0].note.contains("new serial"));
    let m = moves(c);
    assert_eq!(
        m["IIS ex01"],
        (vec![thumb(&old)], vec![thumb(&renewed)]),
        "IIS moved to the new certificate"
    );
    assert_eq!(m["SMTP ex01"].0, vec![thumb(&old)]);
    let mut to = m["SMTP ex01"].1.clone();
    to.sort();
    let mut expected = vec![thumb(&renewed), thumb(&internal)];
    expected.sort();
    assert_eq!(to, expected);
    let appeared: Vec<&str> = c.appeared_certificates.iter().map(|a| a.thumbprint.as_str()).collect();
    assert_eq!(
        appeared,
        [thumb(&internal).as_str()],
        "the renewal is not listed as appeared"
    );
    assert!(c.disappeared_certificates.is_empty());

    // Scan 3: IMAP moves to the renewed certificate and the wildcard is removed: fixed.
    let r3 = org.scan(&[(&renewed, IIS | SMTP | IMAP), (&internal, SMTP)], "2026-06-04", 3);
    let c = r3.changes.as_ref().unwrap();
    assert_eq!(changed_rules(&c.resolved_findings), ["wildcard-on-pop-imap"]);
    assert!(c.new_findings.is_empty());
    assert_eq!(moves(c)["IMAP ex01"], (vec![thumb(&wildcard)], vec![thumb(&renewed)]));
    assert_eq!(c.disappeared_certificates[0].thumbprint, thumb(&wildcard));
    let html = std::fs::read_to_string(org.s.dir.path().join("r3/report.html")).unwrap();
    assert!(html.contains("Changes since the last scan") && html.contains("binding moved"));

    // `history` lists the four scans; `diff` defaults to the last two and takes ids.
    let h = org.history.to_str().unwrap();
    let o = bin(org.s.dir.path(), &["history", "--history", h, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let scans: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(scans.as_array().unwrap().len(), 4);
    let o = bin(org.s.dir.path(), &["diff", "--history", h, "--format", "json"]);
    let last_two: Changes = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(last_two.resolved_findings, c.resolved_findings);
    let o = bin(
        org.s.dir.path(),
        &["diff", "1", "4", "--history", h, "--format", "json"],
    );
    let whole: Changes = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        changed_rules(&whole.resolved_findings),
        ["expiring-soon", "wildcard-on-pop-imap"]
    );
    assert_eq!(changed_rules(&whole.new_findings), ["internal-name-in-san"]);
    let o = bin(org.s.dir.path(), &["diff", "1", "4", "--history", h]);
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(
        t.contains("changes from scan #1") && t.contains("~ renewed") && t.contains("- finding high expiring-soon"),
        "{t}"
    );
    let o = bin(org.s.dir.path(), &["diff", "1", "99", "--history", h]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no scan 99"));
}

#[test]
fn an_older_schema_is_migrated_and_its_scans_kept() {
    let s = Scratch::new();
    let path = s.dir.path().join("old.sqlite");
    {
        // A database as the first schema version left it, with one scan.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        certaudit_core::history::sqlite::schema::migrate_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO scans (started_at, finished_at, evaluated_at, tool_version, command_line, host, result,
                certificates, critical, high, medium, low, info)
             VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z', '0.0.1', 'certaudit scan x', 'h', 'pass', 1, 0, 0, 0, 0, 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO certificates VALUES (1, 'aa', 'AA', 'CN=old', 'CN=ca', '01', '2027-01-01T00:00:00Z', 10, 'old.contoso.com')",
            [],
        )
        .unwrap();
        let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1);
    }
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let out = s.out();
    let o = bin(
        s.dir.path(),
        &[
            "scan",
            "store",
            "--at",
            AT,
            "--out",
            out.to_str().unwrap(),
            "--history",
            path.to_str().unwrap(),
        ],
    );
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o));
    let report = read_report(&out.join("report.json"), "migrated");
    // The migrated scan belongs to no audit: it is kept, never compared with automatically.
    assert!(report.changes.is_none(), "{:?}", report.changes);
    let o = bin(s.dir.path(), &["diff", "1", "2", "--history", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("different audits"), "{}", text(&o));
    assert!(text(&o).contains("- certificate AA CN=old"), "{}", text(&o));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, certaudit_core::history::sqlite::schema::CURRENT);
    let scans: i64 = conn.query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).unwrap();
    assert_eq!(scans, 2);
    // A database from a newer certaudit is refused, not damaged.
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let o = bin(s.dir.path(), &["history", "--history", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("schema version 99 is newer"), "{}", text(&o));
}

#[cfg(unix)]
#[test]
fn an_interrupted_scan_is_recorded_as_such_and_never_a_baseline() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let history = s.dir.path().join("h.sqlite");
    let h = history.to_str().unwrap();
    let scan = |n: usize, extra: &[&str]| {
        let out = s.dir.path().join(format!("r{n}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certaudit"));
        // One audit for the three scans, although the second has more in scope.
        cmd.args([
            "scan",
            "store",
            "--at",
            AT,
            "--history",
            h,
            "-f",
            "json",
            "--audit",
            "nightly",
            "--out",
        ])
        .arg(&out)
        .arg("--trust-anchors")
        .arg(fixture("root.pem"))
        .args(extra)
        .current_dir(s.dir.path());
        (cmd, out)
    };
    let (mut first, _) = scan(1, &[]);
    assert_eq!(
        first.status().unwrap().code(),
        Some(0),
        "a clean certificate, trusted: pass"
    );
    // Listeners that accept and never answer; one probe at a time, so Ctrl-C during the first
    // leaves the second unprobed (the first ends at its deadline).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target2 = format!("https://127.0.0.1:{}", unused.local_addr().unwrap().port());
    let (mut second, out2) = scan(
        2,
        &[
            "--probe",
            &target,
            "--probe",
            &target2,
            "--concurrency",
            "1",
            "--timeout",
            "3",
        ],
    );
    let child = second
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _held = listener.accept().unwrap();
    // SAFETY: sending SIGINT to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(130));
    let interrupted = read_report(&out2.join("report.json"), "interrupted");
    assert_eq!(interrupted.summary.result, Verdict::Incomplete, "never a pass");
    assert!(
        interrupted.changes.is_none(),
        "an interrupted scan is not compared either"
    );
    let (mut third, out3) = scan(3, &[]);
    assert_eq!(third.status().unwrap().code(), Some(0));
    let o = bin(s.dir.path(), &["history", "--history", h, "--format", "json"]);
    let scans: Value = serde_json::from_slice(&o.stdout).unwrap();
    let flags: Vec<bool> = scans
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["interrupted"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [false, true, false]);
    let results: Vec<&str> = scans
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(results[1], "incomplete");
    assert!(scans.as_array().unwrap().iter().all(|s| s["audit"] == "nightly"));
    assert_eq!(
        read_report(&out3.join("report.json"), "after")
            .changes
            .and_then(|c| c.since_scan),
        Some(1),
        "the interrupted scan is skipped"
    );
    let conn = rusqlite::Connection::open(&history).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn two_scans_at_once_both_land_in_the_history() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let history = s.dir.path().join("h.sqlite");
    let children: Vec<_> = (0..4)
        .map(|n| {
            Command::new(env!("CARGO_BIN_EXE_certaudit"))
                .current_dir(s.dir.path())
                .args(["scan", "store", "--at", AT, "-f", "json", "--history"])
                .arg(&history)
                .arg("--out")
                .arg(s.dir.path().join(format!("r{n}")))
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let conn = rusqlite::Connection::open(&history).unwrap();
    let scans: i64 = conn.query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).unwrap();
    assert_eq!(scans, 4);
    let seen: i64 = conn
        .query_row("SELECT count(*) FROM scan_certs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 4, "each scan's rows complete");
    let stored: i64 = conn.query_row("SELECT count(*) FROM certs", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 1, "the certificate is stored once");
}

// ---------------------------------------------------------------------------------------
// Monitoring outputs

/// One sample of the exposition format: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text format (what node-exporter's textfile collector reads).
fn parse_prometheus(text: &str) -> (Vec<Sample>, BTreeMap<String, (bool, bool)>) {
    let mut samples = Vec::new();
    let mut meta: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            meta.entry(rest.split(' ').next().unwrap().into()).or_default().0 = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            assert_eq!(parts.next(), Some("gauge"));
            meta.entry(name.into()).or_default().1 = true;
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "stray line {line:?}");
        let (name, rest) = match line.find('{') {
            Some(i) => (&line[..i], &line[i..]),
            None => line.split_at(line.find(' ').unwrap()),
        };
        let mut labels = BTreeMap::new();
        let mut rest = rest;
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices();
            let mut key = String::new();
            let mut end = 0;
            while let Some((i, c)) = chars.next() {
                match c {
                    '}' => {
                        end = i + 1;
                        break;
                    }
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().map(|x| x.1), Some('"'));
                        let mut value = String::new();
                        loop {
                            match chars.next().unwrap().1 {
                                '\\' => match chars.next().unwrap().1 {
                                    'n' => value.push('\n'),
                                    c => value.push(c),
                                },
                                '"' => break,
                                c => value.push(c),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    c => key.push(c),
                }
            }
            rest = &body[end..];
        }
        let value: f64 = rest.trim().parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
        samples.push((name.to_string(), labels, value));
    }
    (samples, meta)
}

#[test]
fn the_prometheus_textfile_parses_back_to_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = bin(
        repo,
        &[
            "scan",
            "--config",
            "samples/contoso/audit.toml",
            "--no-history",
            "-f",
            "prometheus,json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = read_report(&out.join("report.json"), "prometheus");
    let prom = std::fs::read_to_string(out.join("report.prom")).unwrap();
    let (samples, meta) = parse_prometheus(&prom);
    for (name, _, _) in &samples {
        assert_eq!(meta.get(name), Some(&(true, true)), "{name} lacks HELP or TYPE");
    }
    // Days left per certificate and binding, as in report.json.
    for cert in report.certificates.iter().filter(|c| !c.is_ca) {
        let series: Vec<&Sample> = samples
            .iter()
            .filter(|(n, l, _)| n == "certaudit_certificate_days_left" && l["thumbprint"] == cert.thumbprint)
            .collect();
        assert!(!series.is_empty(), "no series for {}", cert.subject);
        for (_, labels, v) in &series {
            assert_eq!(*v as i64, cert.days_left);
            assert_eq!(labels["subject"], cert.subject);
        }
        let servers: Vec<&str> = series.iter().map(|(_, l, _)| l["server"].as_str()).collect();
        for b in &cert.bindings {
            assert!(servers.contains(&b.server.as_str()), "{servers:?}");
        }
    }
    let iis = samples
        .iter()
        .find(|(n, l, _)| n == "certaudit_certificate_days_left" && l["services"] == "IIS,SMTP")
        .expect("the current mail certificate on IIS and SMTP");
    assert_eq!(iis.1["server"], "ex01.contoso.com");
    // Findings by severity and rule add up to the summary.
    for sev in ["critical", "high", "medium", "low", "info"] {
        let sum: f64 = samples
            .iter()
            .filter(|(n, l, _)| n == "certaudit_findings" && l["severity"] == sev)
            .map(|s| s.2)
            .sum();
        assert_eq!(
            sum as usize,
            report.summary.findings.get(sev.parse::<Severity>().unwrap()),
            "{sev}"
        );
    }
    let one = |name: &str| samples.iter().find(|(n, _, _)| n == name).unwrap().2;
    // The sample fails, and EX03's services are unknown: not everything in scope was audited.
    assert_eq!(one("certaudit_scan_success"), 0.0);
    assert_eq!(one("certaudit_scan_passed"), 0.0);
    assert_eq!(one("certaudit_not_audited") as usize, report.summary.not_audited);
    assert!(one("certaudit_not_audited") >= 1.0);
    let verdicts: Vec<(String, f64)> = samples
        .iter()
        .filter(|(n, _, _)| n == "certaudit_scan_verdict")
        .map(|(_, l, v)| (l["verdict"].as_str().to_string(), *v))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("pass".to_string(), 0.0),
            ("fail".to_string(), 1.0),
            ("incomplete".to_string(), 0.0)
        ]
    );
    let duration = one("certaudit_scan_duration_seconds");
    assert!(
        duration > 0.0 && duration.fract() != 0.0,
        "fractions of a second: {duration}"
    );
    assert!(one("certaudit_scan_timestamp_seconds") > 1.7e9);
    assert!(
        !out.join(".report.prom.partial").exists(),
        "written beside, then renamed"
    );
}

#[test]
fn check_prints_one_status_line_and_exits_with_the_plugin_codes() {
    let s = Scratch::new();
    let ca = root("Check Root");
    let anchor = s.side("anchor.pem", ca.pem());
    let anchor = anchor.to_str().unwrap().to_string();
    let check = |cert_until: Option<(i32, u8, u8)>, extra: &[&str]| {
        let _ = std::fs::remove_file(s.store().join("c.pem"));
        if let Some((y, m, d)) = cert_until {
            s.put(
                "c.pem",
                Leaf::new("mail.contoso.com")
                    .valid(date(2026, 1, 1), date(y, m, d))
                    .issued_by(&ca),
            );
        }
        let mut args = vec!["check", "store", "--trust-anchors", &anchor, "--at", AT];
        args.extend_from_slice(extra);
        let o = bin(s.dir.path(), &args);
        (
            o.status.code().unwrap(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = check(Some((2027, 1, 1)), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("CERTAUDIT OK - no unwaived finding in 1 certificate(s)"),
        "{out}"
    );
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains(" | critical=0 high=0 medium=0 low=0 info=0"),
        "{out}"
    );
    // 45 days left: medium → WARNING.
    let (code, out) = check(Some((2026, 7, 16)), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("CERTAUDIT WARNING - 1 medium unwaived finding(s)"),
        "{out}"
    );
    assert!(out.contains("\nmedium expiring-soon"), "detail line: {out}");
    // Expired: critical → CRITICAL; thresholds move the line.
    let (code, out) = check(Some((2026, 5, 1)), &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("CERTAUDIT CRITICAL - "), "{out}");
    // 20 days: high; with --critical critical it is only a WARNING.
    let (code, _) = check(Some((2026, 6, 21)), &[]);
    assert_eq!(code, 2);
    let (code, out) = check(Some((2026, 6, 21)), &["--critical", "critical"]);
    assert_eq!(code, 1, "{out}");
    // Nothing readable, a bad option, an unreadable pack: UNKNOWN.
    let (code, out) = check(None, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("CERTAUDIT UNKNOWN - nothing in scope could be audited"),
        "{out}"
    );
    let (code, _) = check(Some((2027, 1, 1)), &["--bogus"]);
    assert_eq!(code, 3);
    let (code, out) = check(Some((2027, 1, 1)), &["--pack", "missing.toml"]);
    assert_eq!(code, 3);
    assert!(out.starts_with("CERTAUDIT UNKNOWN - rule pack missing.toml"), "{out}");
    // check writes no report and no history.
    assert!(!s.dir.path().join("reports").exists());
}
