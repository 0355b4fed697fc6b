//! Evidence integrity and accepted risk: the SHA256SUMS manifest, the scan metadata, and
//! waivers (matching, expiry, unused, malformed files).

use crate::common;

use std::process::Command;

use common::{read_report, scan, scan_path, Leaf, Scratch};

fn waiver(rule: &str, selector: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\nrule = \"{rule}\"\n{selector}\nreason = \"Partner relay, replaced in Q1\"\nowner = \"mail-team@contoso.com\"\nexpires = \"{expires}\"\n\n"
    )
}

#[test]
fn the_manifest_verifies_with_sha256sum_and_fails_after_a_change() {
    let s = Scratch::new();
    s.put("a.pem", Leaf::new("mail.contoso.com").self_signed());
    let run = scan_path(&s, &s.store(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = s.out();
    let manifest = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let names: Vec<&str> = manifest.lines().map(|l| l.split_once("  ").unwrap().1).collect();
    assert_eq!(
        names,
        [
            "report.html",
            "report.csv",
            "certificates.csv",
            "not-audited.csv",
            "report.json"
        ]
    );
    let check = || {
        Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&out)
            .output()
            .expect("sha256sum (coreutils) must be installed")
    };
    let ok = check();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let mut bytes = std::fs::read(out.join("report.csv")).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    std::fs::write(out.join("report.csv"), bytes).unwrap();
    let bad = check();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("report.csv: FAILED"));
}

#[test]
fn metadata_records_the_command_line_and_host() {
    let s = Scratch::new();
    s.put("a.pem", Leaf::new("mail.contoso.com").self_signed());
    let run = scan(&s, &["--pfx-password-env", "CERTAUDIT_TEST_PASSWORD_UNSET"]);
    // The variable is unset: a configuration error, and nothing is written.
    assert_eq!(run.code, 2);
    let out = s.out();
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args([
            "scan",
            s.store().to_str().unwrap(),
            "--at",
            common::AT,
            "--format",
            "json,html,csv",
        ])
        .args([
            "--pfx-password-env",
            "CERTAUDIT_EVIDENCE_PW",
            "-o",
            out.to_str().unwrap(),
        ])
        .env("CERTAUDIT_EVIDENCE_PW", "s3cret-never-shown")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = read_report(&out.join("report.json"), "evidence");
    let line: Vec<&str> = report.scan.command_line.iter().map(String::as_str).collect();
    assert_eq!(line[1], "scan");
    assert!(line.contains(&"CERTAUDIT_EVIDENCE_PW"));
    assert!(!report.scan.host.is_empty());
    for f in ["report.json", "report.html", "report.csv"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.contains("s3cret-never-shown"), "{f} holds the password");
    }
}

#[test]
fn waivers_apply_expire_and_go_unused() {
    let s = Scratch::new();
    s.put("partner.pem", Leaf::new("relay.partner.com").self_signed());
    let first = scan(&s, &[]);
    assert_eq!(first.code, 1);
    let thumbprint = first.certificate("relay.partner.com").thumbprint.clone();
    assert_eq!(first.findings("untrusted-issuer").len(), 1);

    let file = [
        waiver(
            "untrusted-issuer",
            &format!("thumbprint = \"{thumbprint}\""),
            "2026-12-31",
        ),
        waiver(
            "untrusted-issuer",
            &format!("thumbprint = \"{thumbprint}\""),
            "2026-05-31",
        ),
        waiver("expired", "server = \"EX09\"", "2026-12-31"),
    ]
    .concat();
    let path = s.side("waivers.toml", &file);
    let run = scan(&s, &["--waivers", path.to_str().unwrap(), "--format", "json,csv"]);
    assert_eq!(run.code, 0, "the waived finding does not fail the scan: {}", run.stderr);
    let report = run.report();
    let f = &run.findings("untrusted-issuer")[0];
    let w = f.waiver.as_ref().unwrap();
    assert_eq!(w.owner, "mail-team@contoso.com");
    assert_eq!(w.expires, "2026-12-31");
    assert_eq!(report.summary.waived, 1);
    assert_eq!(report.summary.findings.high, 0, "waived findings are not counted");
    assert_eq!(report.summary.result.as_str(), "pass");
    let statuses: Vec<(&str, usize)> = report.waivers.iter().map(|w| (w.status.as_str(), w.matched)).collect();
    assert_eq!(statuses, [("applied", 1), ("expired", 1), ("unused", 0)]);
    assert_eq!(report.scan.waivers.as_ref().unwrap().sha256.len(), 64);
    assert!(run.stderr.contains("waiver at line"), "{}", run.stderr);
    let csv = std::fs::read_to_string(s.out().join("report.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with("waived,waiver_reason,waiver_owner,waiver_expires,protocols"),
        "{header}"
    );
    assert!(
        csv.contains(",yes,\"Partner relay, replaced in Q1\",mail-team@contoso.com,2026-12-31,"),
        "{csv}"
    );

    // Only an expired waiver: the finding counts again.
    let path = s.side(
        "old.toml",
        waiver(
            "untrusted-issuer",
            &format!("thumbprint = \"{thumbprint}\""),
            "2026-05-31",
        ),
    );
    let run = scan(&s, &["--waivers", path.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.findings("untrusted-issuer")[0].waiver.is_none());
    assert_eq!(run.report().waivers[0].status.as_str(), "expired");
}

#[test]
fn a_malformed_waiver_file_is_an_error_naming_the_line() {
    let s = Scratch::new();
    s.put("a.pem", Leaf::new("mail.contoso.com").self_signed());
    let path = s.side(
        "bad.toml",
        "[[waiver]]\nrule = \"untrusted-issuer\"\nserver = \"EX01\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next week\"\n",
    );
    let run = scan(&s, &["--waivers", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml:6:"), "{}", run.stderr);
    assert!(!s.out().join("report.json").exists());
}
