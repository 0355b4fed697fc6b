//! Every input format, the malformed variants of each, and how folders are walked.

use crate::common;

use common::*;

fn copy_fixtures(s: &Scratch, names: &[&str]) {
    for n in names {
        std::fs::copy(fixture(n), s.store().join(n)).unwrap();
    }
}

#[test]
fn pem_der_and_pkcs7_are_decided_by_content() {
    let s = Scratch::new();
    copy_fixtures(
        &s,
        &["bundle.pem", "leaf-with-text-crlf.pem", "chain.p7b", "chain-p7b.pem"],
    );
    // DER with a .cer name, PEM with a .cer name: Windows exports both that way.
    std::fs::copy(fixture("leaf.der"), s.store().join("leaf-der.cer")).unwrap();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("leaf-pem.cer")).unwrap();
    let run = scan(&s, &[]);
    let expect = [
        ("bundle.pem", "pem", 2),
        ("leaf-with-text-crlf.pem", "pem", 1),
        ("chain.p7b", "pkcs7", 2),
        ("chain-p7b.pem", "pkcs7", 2),
        ("leaf-der.cer", "der", 1),
        ("leaf-pem.cer", "pem", 1),
    ];
    for (file, kind, count) in expect {
        let i = run.input(file);
        assert_eq!(i.kind.as_str(), kind, "{file}");
        assert_eq!(i.certificates, count, "{file}");
        assert!(i.error.is_none(), "{file}: {}", i.error.as_deref().unwrap_or_default());
        assert_eq!(i.sha256.as_deref().unwrap().len(), 64);
    }
    // All of them hold the same two certificates: one record each, seen in many places.
    let certs = &run.report().certificates;
    assert_eq!(certs.len(), 2);
    let leaf = run.certificate("leaf.fixture.example.com");
    assert_eq!(leaf.sources.len(), 6);
    // The thumbprint is the SHA-1 of the DER, uppercase, as Exchange shows it.
    let der = std::fs::read(fixture("leaf.der")).unwrap();
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    let expected: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(leaf.thumbprint, expected);
    let sha256 = ring::digest::digest(&ring::digest::SHA256, &der);
    let expected: String = sha256.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(leaf.sha256, expected);
}

#[test]
fn pkcs12_modern_and_legacy_open_with_the_password() {
    let s = Scratch::new();
    copy_fixtures(
        &s,
        &["modern.pfx", "legacy-rc2.pfx", "legacy-3des.pfx", "empty-password.pfx"],
    );
    let pw = s.side("pw.txt", "fixture-pass\n");
    let run = scan(&s, &["--pfx-password-file", pw.to_str().unwrap()]);
    for f in ["modern.pfx", "legacy-rc2.pfx", "legacy-3des.pfx", "empty-password.pfx"] {
        let i = run.input(f);
        assert_eq!(i.kind.as_str(), "pkcs12", "{f}");
        assert_eq!(i.certificates, 2, "{f}: {}", i.error.as_deref().unwrap_or_default());
        assert!(i.error.is_none(), "{f}");
        assert!(i.note.as_deref().unwrap().contains("not kept"), "{f}");
    }
    assert_eq!(run.report().certificates.len(), 2);
}

#[test]
fn pkcs12_password_from_the_environment() {
    let s = Scratch::new();
    copy_fixtures(&s, &["modern.pfx"]);
    let out = s.out();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args([
            "scan",
            s.store().to_str().unwrap(),
            "--at",
            AT,
            "-o",
            out.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(["--pfx-password-env", "CERTAUDIT_TEST_PFX"])
        .env("CERTAUDIT_TEST_PFX", "fixture-pass")
        .output()
        .unwrap();
    assert!(output.status.code().unwrap() < 2);
    let report: Report = read_report(&out.join("report.json"), "report.json");
    assert_eq!(report.scan.inputs[0].certificates, 2);
}

#[test]
fn a_wrong_or_missing_password_is_a_per_file_error_and_the_run_goes_on() {
    let s = Scratch::new();
    copy_fixtures(&s, &["modern.pfx", "legacy-rc2.pfx", "rsa2048.pem"]);
    let run = scan(&s, &[]);
    for f in ["modern.pfx", "legacy-rc2.pfx"] {
        let e = run.input(f).error.as_deref().unwrap().to_string();
        assert!(
            e.contains("wrong or missing password") && e.contains("empty password"),
            "{f}: {e}"
        );
    }
    assert_eq!(run.input("rsa2048.pem").certificates, 1);
    assert!(run.stderr.contains("modern.pfx"), "errors are named on stderr");

    let pw = s.side("pw.txt", "not-the-password\n");
    let run = scan(&s, &["--pfx-password-file", pw.to_str().unwrap()]);
    let e = run.input("modern.pfx").error.as_deref().unwrap().to_string();
    assert!(e.contains("--pfx-password-file"), "{e}");
    let text = std::fs::read_to_string(s.out().join("report.json")).unwrap();
    assert!(
        !text.contains("not-the-password"),
        "a password must never reach a report"
    );
    assert!(!run.stderr.contains("not-the-password"));
}

#[test]
fn private_keys_never_reach_any_report() {
    let s = Scratch::new();
    copy_fixtures(&s, &["modern.pfx"]);
    let key = rcgen::KeyPair::generate().unwrap();
    let ca = root("Key Test Root");
    let cert = Leaf::new("withkey.example.com").issued_by(&ca);
    s.put("with-key.pem", format!("{}{}", key.serialize_pem(), cert));
    let pw = s.side("pw.txt", "fixture-pass\n");
    let out = s.out();
    let run = scan_path(&s, &s.store(), &["--pfx-password-file", pw.to_str().unwrap()]);
    assert_eq!(run.input("with-key.pem").certificates, 1);
    assert!(run
        .input("with-key.pem")
        .note
        .as_deref()
        .unwrap()
        .contains("private key"));
    let key_body: String = key.serialize_pem().lines().nth(1).unwrap().to_string();
    for f in ["report.json", "report.csv", "report.html"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.contains("PRIVATE KEY"), "{f}");
        assert!(!text.contains(&key_body), "{f} holds key material");
        assert!(!text.contains("fixture-pass"), "{f} holds the password");
    }
}

#[test]
fn malformed_files_each_give_a_per_file_error() {
    let s = Scratch::new();
    let der = std::fs::read(fixture("leaf.der")).unwrap();
    s.put("truncated.der", &der[..der.len() / 2]);
    s.put(
        "bad-base64.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB!!!not*base64@@\n-----END CERTIFICATE-----\n",
    );
    s.put("no-end.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
    s.put("empty.cer", "");
    // Deterministic noise that is neither PEM nor DER.
    let mut x: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8 | 0x01
        })
        .collect();
    s.put("random.crt", &noise);
    let pfx = std::fs::read(fixture("modern.pfx")).unwrap();
    s.put("truncated.pfx", &pfx[..pfx.len() / 3]);
    s.put(
        "bad.p7b",
        [
            0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
        ],
    );
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("good.pem")).unwrap();
    let run = scan(&s, &["--trust-anchors", fixture("root.pem").to_str().unwrap()]);
    for (file, words) in [
        ("truncated.der", "X.509"),
        ("bad-base64.pem", "base64"),
        ("no-end.pem", "END"),
        ("empty.cer", "empty"),
        ("random.crt", "neither PEM nor DER"),
        ("truncated.pfx", "PKCS#12"),
        ("bad.p7b", "PKCS#7"),
    ] {
        let i = run.input(file);
        let e = i.error.as_deref().unwrap_or_else(|| panic!("{file} has no error"));
        assert!(e.contains(words), "{file}: {e}");
        assert_eq!(i.certificates, 0, "{file}");
    }
    assert_eq!(run.input("good.pem").certificates, 1);
    assert_eq!(run.report().summary.input_errors, 7);
    assert_eq!(
        run.code, 3,
        "a clean certificate and broken files: errors are recorded, not fatal, and the verdict is incomplete"
    );
    assert_eq!(run.report().summary.result.as_str(), "incomplete");
    assert_eq!(run.report().summary.not_audited, 7);
    let kinds: Vec<&str> = run.report().not_audited.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, ["input"; 7]);
}

#[test]
fn a_bad_block_in_a_bundle_keeps_the_good_ones() {
    let s = Scratch::new();
    let good = std::fs::read_to_string(fixture("rsa2048.pem")).unwrap();
    s.put(
        "mixed.pem",
        format!("{good}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    );
    let run = scan(&s, &[]);
    let i = run.input("mixed.pem");
    assert_eq!(i.certificates, 1);
    assert!(
        i.error.as_deref().unwrap().contains("certificate #2"),
        "{}",
        i.error.as_deref().unwrap_or_default()
    );
}

#[test]
fn folders_are_walked_recursively_and_other_files_skipped() {
    let s = Scratch::new();
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("a.pem")).unwrap();
    std::fs::create_dir_all(s.store().join("deep/deeper")).unwrap();
    std::fs::copy(fixture("leaf.der"), s.store().join("deep/deeper/b.cer")).unwrap();
    s.put("notes.txt", "not a certificate");
    #[cfg(unix)]
    std::os::unix::fs::symlink(s.store(), s.store().join("deep/loop")).unwrap();
    let run = scan(&s, &[]);
    assert_eq!(run.input("b.cer").certificates, 1);
    let notes = run.input("notes.txt");
    assert_eq!(notes.kind.as_str(), "skipped");
    assert!(notes.error.is_none());
    #[cfg(unix)]
    {
        let looped = run.input("loop");
        assert_eq!(looped.kind.as_str(), "skipped");
        assert!(looped.note.as_deref().unwrap().contains("loop"));
    }
    assert_eq!(run.report().certificates.len(), 1);
}

#[test]
fn a_missing_input_is_recorded_and_nothing_read_is_incomplete() {
    let s = Scratch::new();
    let missing = s.dir.path().join("no-such-file.pem");
    let run = scan_path(&s, &missing, &["--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let i = run.input("no-such-file.pem");
    assert!(i.error.as_deref().unwrap().contains("cannot read"));
    assert_eq!(run.report().summary.result.as_str(), "incomplete");
    assert!(
        run.stderr.contains("nothing in scope could be audited"),
        "{}",
        run.stderr
    );
}
