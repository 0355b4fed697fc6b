//! The command line as users drive it: report schema, exit codes, escaping, packs, formats.

use crate::common;

use common::*;
use serde_json::Value;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn sample_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["scan"];
    args.extend(SAMPLE);
    args.extend(["-o", out]);
    args.extend_from_slice(extra);
    args
}

fn run_in_repo(args: &[&str], out: &std::path::Path) -> Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(REPO)
        .args(args)
        .output()
        .unwrap();
    let path = out.join("report.json");
    let report = path.exists().then(|| read_report(&path, &args.join(" ")));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report,
    }
}

#[test]
fn the_sample_organisation_triggers_every_rule_and_has_clean_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let out_s = out.to_str().unwrap();
    let run = run_in_repo(&sample_args(out_s, &[]), &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for rule in [
        "expired",
        "expiring-soon",
        "not-yet-valid",
        "untrusted-issuer",
        "internal-name-in-san",
        "san-count-over-limit",
        "weak-key",
        "weak-signature",
        "missing-autodiscover-san",
        "missing-mail-san",
        "wildcard-on-pop-imap",
        "stale-smtp-binding",
        "multiple-iis-certificates",
        "status-not-valid",
        "connector-certificate-missing",
        "iis-binding-invalid",
        "internal-transport-certificate-invalid",
        "auth-certificate-missing-on-server",
        "auth-certificate-not-published",
        "smtp-certificate-selection",
    ] {
        assert!(!run.findings(rule).is_empty(), "sample triggers no {rule}");
    }
    // Bindings from the exports: per server, with services; EX03's are unknown.
    let mail = run
        .report()
        .certificates
        .iter()
        .find(|c| c.subject == "CN=mail.contoso.com, O=Contoso, C=US" && c.days_left > 60)
        .unwrap();
    let servers: Vec<(&str, bool)> = mail
        .bindings
        .iter()
        .map(|b| (b.server.as_str(), b.services_known))
        .collect();
    assert_eq!(
        servers,
        [
            ("ex01.contoso.com", true),
            ("ex03.contoso.com", false),
            ("ex04.contoso.com", true)
        ],
        "EX04's signed payloads are read like EX01's bare ones"
    );
    // The setup self-signed certificate (SMTP only) and the Auth certificate are not untrusted.
    for cn in ["EX01", "Microsoft Exchange Server Auth Certificate"] {
        assert!(run.findings_for("untrusted-issuer", cn).is_empty(), "{cn}");
    }
    let sevs: Vec<&str> = run
        .findings("expiring-soon")
        .iter()
        .map(|f| f.severity.as_str())
        .collect();
    for s in ["critical", "high", "medium"] {
        assert!(sevs.contains(&s), "expiring-soon windows: {sevs:?}");
    }
    // Clean certificates: trusted, and no finding at all.
    for cn in ["mail.contoso.com, O=Contoso, C=US", "autodiscover.contoso.com"] {
        let clean: Vec<&CertificateEntry> = run
            .report()
            .certificates
            .iter()
            .filter(|c| c.subject.contains(cn) && c.days_left > 60)
            .collect();
        assert_eq!(clean.len(), 1, "{cn}");
        assert_eq!(clean[0].trust.status, TrustStatus::Trusted);
        let any = run
            .report()
            .findings
            .iter()
            .any(|f| f.certificate.as_deref() == Some(clean[0].sha256.as_str()));
        assert!(!any, "{cn} should be clean");
    }
    // The regulated pack adds issuer-not-approved for the partner certificate.
    let out2 = tmp.path().join("r2");
    let run = run_in_repo(
        &sample_args(
            out2.to_str().unwrap(),
            &["--pack", "rules/approved-issuers.example.toml"],
        ),
        &out2,
    );
    let f = run.findings_for("issuer-not-approved", "partner.fabrikam.com");
    assert_eq!(f.len(), 1, "{}", run.stderr);
    assert!(run.findings_for("issuer-not-approved", "smtp.contoso.com").is_empty());
}

#[test]
fn the_json_report_carries_every_schema_field() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let run = run_in_repo(&sample_args(out.to_str().unwrap(), &["--format", "json"]), &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The wire format itself: read as JSON, not through the report types.
    let raw = json(&out.join("report.json"));
    let r = &raw;
    assert_eq!(r["schema"], "certaudit.report/v1");
    let has = |v: &Value, keys: &[&str], what: &str| {
        for k in keys {
            assert!(v.get(k).is_some(), "{what} lacks `{k}`: {v}");
        }
    };
    has(
        r,
        &[
            "schema",
            "tool",
            "scan",
            "summary",
            "certificates",
            "endpoints",
            "findings",
        ],
        "report",
    );
    has(&r["tool"], &["name", "version"], "tool");
    has(
        &r["scan"],
        &["started_at", "finished_at", "evaluated_at", "pack", "inputs"],
        "scan",
    );
    has(&r["scan"]["pack"], &["id", "sha256"], "pack");
    for i in r["scan"]["inputs"].as_array().unwrap() {
        has(i, &["path", "sha256", "kind", "certificates", "error"], "input");
    }
    has(
        &r["summary"],
        &["certificates", "endpoints", "findings", "waived"],
        "summary",
    );
    has(
        &r["summary"]["findings"],
        &["critical", "high", "medium", "low", "info"],
        "summary.findings",
    );
    for c in r["certificates"].as_array().unwrap() {
        has(
            c,
            &[
                "sha256",
                "thumbprint",
                "subject",
                "issuer",
                "serial",
                "not_before",
                "not_after",
                "days_left",
                "dns_names",
                "ip_addresses",
                "key",
                "signature_algorithm",
                "self_signed",
                "trust",
                "bindings",
                "sources",
            ],
            "certificate",
        );
        has(&c["key"], &["algorithm", "bits"], "key");
        has(&c["trust"], &["status", "detail"], "trust");
        let sha = c["sha256"].as_str().unwrap();
        assert!(sha.len() == 64 && sha.chars().all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));
        let tp = c["thumbprint"].as_str().unwrap();
        assert!(tp.len() == 40 && tp.chars().all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase()));
        assert!(c["not_after"].as_str().unwrap().ends_with('Z'));
    }
    for f in r["findings"].as_array().unwrap() {
        has(
            f,
            &[
                "rule",
                "severity",
                "title",
                "message",
                "certificate",
                "endpoint",
                "server",
                "services",
                "evidence",
                "remediation",
                "references",
                "waiver",
            ],
            "finding",
        );
        assert!(
            !f["evidence"].as_object().unwrap().is_empty(),
            "finding without evidence: {f}"
        );
        let rem = f["remediation"].as_str().unwrap();
        assert!(rem.contains("ExchangeCertificate"), "{rem}");
        let left_over = rem.split('{').skip(1).any(|after| {
            let key: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            !key.is_empty() && after[key.len()..].starts_with('}')
        });
        assert!(!left_over, "a placeholder is left: {rem}");
        if let Some(server) = f["server"].as_str() {
            if rem.contains("-Server ") {
                assert!(rem.contains(&format!("-Server {server}")), "{rem}");
            }
        }
        // Server-level findings (several IIS certificates on one server) name no certificate.
        let Some(sha) = f["certificate"].as_str() else { continue };
        let thumb = r["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["sha256"] == sha)
            .unwrap()["thumbprint"]
            .as_str()
            .unwrap();
        // Every -Thumbprint argument is this certificate's, or a <placeholder> for another one.
        for arg in rem.split("-Thumbprint ").skip(1) {
            assert!(arg.starts_with(thumb) || arg.starts_with('<'), "{rem}");
        }
    }
    // Counts add up.
    let counted: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .map(|s| r["summary"]["findings"][s].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, r["findings"].as_array().unwrap().len());
    // Findings come most severe first.
    let rank = |s: &str| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let ranks: Vec<usize> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| rank(f["severity"].as_str().unwrap()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn exit_codes_follow_fail_on() {
    let s = Scratch::new();
    let ca = root("Exit Root");
    s.put("clean.pem", Leaf::new("clean.example.com").issued_by(&ca));
    let run = scan_trusting(&s, &ca, &[]);
    assert_eq!(run.code, 0, "clean input: {}", run.stderr);
    assert_eq!(run.report().summary.result, Verdict::Pass);

    s.put(
        "soon.pem",
        Leaf::new("soon.example.com")
            .valid(date(2026, 1, 1), date(2026, 6, 20))
            .issued_by(&ca),
    ); // high
    let run = scan_trusting(&s, &ca, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.report().summary.result, Verdict::Fail);
    let run = scan_trusting(&s, &ca, &["--fail-on", "critical"]);
    assert_eq!(run.code, 0, "a high finding does not fail --fail-on critical");
    let run = scan_trusting(&s, &ca, &["--fail-on", "info"]);
    assert_eq!(run.code, 1);
}

#[test]
fn unusable_arguments_exit_2() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    for extra in [
        vec!["--format", "pdf"],
        vec!["--at", "yesterday"],
        vec!["--fail-on", "urgent"],
        vec!["--pack", "/no/such/pack.toml"],
        vec!["--trust-anchors", "/no/such/anchors.pem"],
        vec!["--no-public-roots"],
        vec!["--pfx-password-env", "CERTAUDIT_SURELY_UNSET_VARIABLE"],
    ] {
        let run = scan(&s, &extra);
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
    }
    let run = certaudit(&["scan"], None);
    assert_eq!(run.code, 2, "no input at all");
}

#[test]
fn a_bad_pack_names_the_file_and_line() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let pack = s.side(
        "bad.toml",
        "id = \"bad\"\n\n[rules.expired]\nenabled = true\n\n[rules.expird]\nenabled = true\n",
    );
    let run = scan(&s, &["--pack", pack.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml:6:"), "{}", run.stderr);
    assert!(run.stderr.contains("expird"), "{}", run.stderr);
    let run = certaudit(&["rules", "--pack", pack.to_str().unwrap()], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml:6:"));
}

#[test]
fn rules_lists_the_pack() {
    let run = certaudit(&["rules"], None);
    assert_eq!(run.code, 0);
    let line = |id: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} missing"))
            .to_string()
    };
    assert!(line("issuer-not-approved").contains(" no "));
    assert!(line("expired").contains(" yes ") && line("expired").contains("critical"));
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains(" yes ") || l.contains(" no "))
            .count(),
        std::fs::read_to_string(format!("{REPO}/rules/exchange-baseline.toml"))
            .unwrap()
            .matches("\n[rules.")
            .count(),
        "every rule of the baseline is listed"
    );
    let pack = format!("{REPO}/rules/approved-issuers.example.toml");
    let run = certaudit(&["rules", "--pack", &pack], None);
    assert!(run.stdout.contains("approved-issuers-example"));
    let approved = run
        .stdout
        .lines()
        .find(|l| l.starts_with("issuer-not-approved "))
        .unwrap();
    assert!(approved.contains(" yes "));
}

#[test]
fn html_escapes_certificate_fields() {
    let s = Scratch::new();
    let ca = root("Escape Root");
    // The hostile value as CN (RFC 4514-escaped in the subject) and as a SAN (shown as is),
    // and a hostile file name.
    s.put(
        "<img src=x onerror=alert(2)>.pem",
        Leaf::new("xss.example.com")
            .cn("<script>alert(1)</script>")
            .names(&["<script>alert(1)</script>"])
            .valid(date(2025, 1, 1), date(2026, 1, 1))
            .issued_by(&ca),
    );
    let anchor = s.side("anchor.pem", ca.pem());
    let out = s.out();
    let run = scan_path(&s, &s.store(), &["--trust-anchors", anchor.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "raw markup reached the HTML"
    );
    assert!(
        !html.contains("<img src=x"),
        "raw markup from a file name reached the HTML"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "escaped SAN missing"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;.pem"),
        "escaped file name missing"
    );
    assert!(
        !html.contains("<script"),
        "the report is self-contained and runs no script"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("<link"),
        "no external assets"
    );
}

#[test]
fn csv_neutralises_formula_subjects() {
    let s = Scratch::new();
    let ca = root("Csv Root");
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    s.put(
        "evil.pem",
        Leaf::new("evil.example.com")
            .cn(evil)
            .names(&["@SUM(1+1)", "evil.example.com"])
            .valid(date(2025, 1, 1), date(2026, 1, 1))
            .issued_by(&ca),
    );
    let anchor = s.side("anchor.pem", ca.pem());
    let out = s.out();
    scan_path(
        &s,
        &s.store(),
        &["--format", "csv", "--trust-anchors", anchor.to_str().unwrap()],
    );
    let bytes = std::fs::read(out.join("report.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        headers,
        [
            "severity",
            "rule",
            "title",
            "server",
            "services",
            "endpoint",
            "subject",
            "thumbprint",
            "not_after",
            "days_left",
            "message",
            "remediation",
            "waived",
            "waiver_reason",
            "waiver_owner",
            "waiver_expires",
            "protocols"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 1);
    // Findings only: the verdict is in report.json and report.html, never a row here.
    for row in &rows {
        assert!(
            certaudit_core::rules::Severity::NAMES.contains(&&row[0]),
            "a row that is not a finding: {row:?}"
        );
        // The DN keeps the hostile value, behind its attribute name.
        assert_eq!(&row[6], r#"CN==HYPERLINK(\"http://evil.example\"\,\"x\")"#);
        for (i, cell) in row.iter().enumerate() {
            if i == 9 {
                continue; // days_left is a number we write, not text from a certificate
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell: {cell}"
            );
        }
        assert_eq!(&row[9], "-151", "days_left stays a number");
    }
    assert!(
        !out.join("report.json").exists() && !out.join("report.html").exists(),
        "only the requested format"
    );
    // certificates.csv, written beside report.csv, follows the same rules.
    let bytes = std::fs::read(out.join("certificates.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let leaf = rows
        .iter()
        .find(|r| r[2].contains("HYPERLINK"))
        .expect("the leaf's row");
    let names = headers.iter().position(|h| h == "dns_names").unwrap();
    assert_eq!(
        &leaf[names], "'@SUM(1+1);evil.example.com",
        "the SAN that looks like a formula"
    );
    for row in &rows {
        for (header, cell) in headers.iter().zip(row.iter()) {
            if header == "days_left" {
                continue;
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell in {header}: {cell}"
            );
        }
    }
}

#[test]
fn default_out_folder_is_a_utc_timestamp_under_reports() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(s.dir.path())
        .args(["scan", "store", "--at", AT])
        .output()
        .unwrap();
    assert!(output.status.code().unwrap() < 2);
    let dirs: Vec<_> = std::fs::read_dir(s.dir.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1);
    assert!(
        s.dir.path().join("reports/history.sqlite").is_file(),
        "the history defaults to reports/history.sqlite"
    );
    let name = dirs[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.len() == 16 && name.ends_with('Z') && name.contains('T'), "{name}");
    for f in ["report.json", "report.csv", "report.html"] {
        assert!(dirs[0].join(f).exists(), "{f}");
    }
}

#[test]
fn completions_and_manual_pages_come_from_the_clap_definitions() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let bash = run(&["completions", "bash"]);
    assert!(bash.contains("complete -F _certaudit"), "a bash completion function");
    for word in ["checklist", "--fail-on", "--title", "--pfx-password-file"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let s = Scratch::new();
    // A syntax check by bash itself (not on Windows, which has no bash).
    #[cfg(unix)]
    {
        let script = s.side("certaudit.bash", &bash);
        let syntax = std::process::Command::new("bash")
            .arg("-n")
            .arg(&script)
            .output()
            .unwrap();
        assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
    }
    assert!(run(&["completions", "powershell"]).contains("Register-ArgumentCompleter"));
    assert!(run(&["completions", "zsh"]).starts_with("#compdef certaudit"));

    let page = run(&["man"]);
    assert!(page.contains(".TH certaudit 1"), "{page}");
    assert!(page.contains("certaudit\\-scan(1)"), "the page lists the subcommands");
    let dir = s.dir.path().join("man");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success());
    let scan = std::fs::read_to_string(dir.join("certaudit-scan.1")).unwrap();
    assert!(scan.contains("\\-\\-fail\\-on"), "certaudit-scan.1 documents --fail-on");
    for sub in ["checklist", "check", "rules", "history", "diff", "completions", "man"] {
        assert!(dir.join(format!("certaudit-{sub}.1")).exists(), "no page for {sub}");
    }
}
