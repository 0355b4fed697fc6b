//! Bounded work for every input: hostile files of each kind that once cost minutes, gigabytes
//! or the whole run. Each case runs the real binary under a 30-second watchdog, measures its
//! peak memory, and checks that the run wrote its reports, recorded the hostile input as an
//! error (or read it once, where it is valid), and still reported the good certificate beside
//! it. The committed regression corpus (`fuzz/regressions/`) goes through the library too.

use crate::common;
use crate::support::hostile;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const LIMIT: Duration = Duration::from_secs(30);
const MEMORY_LIMIT_KIB: i64 = 1024 * 1024;

/// The end of a bounded run: exit code, peak memory (KiB), wall time, report.
struct Bounded {
    code: Option<i32>,
    peak_kib: i64,
    elapsed: Duration,
    stderr: String,
    report: Option<Report>,
}

impl Bounded {
    fn report(&self) -> &Report {
        self.report
            .as_ref()
            .unwrap_or_else(|| panic!("no report.json; stderr:\n{}", self.stderr))
    }
    fn input(&self, name: &str) -> &InputEntry {
        self.report()
            .scan
            .inputs
            .iter()
            .find(|i| i.path.ends_with(name))
            .unwrap_or_else(|| panic!("no input {name}"))
    }
    /// Within 30 s and 1 GiB, not killed, and the good certificate beside is reported.
    fn check_bounds(&self, what: &str) {
        assert!(self.elapsed < LIMIT, "{what}: {:?}", self.elapsed);
        assert!(
            self.peak_kib < MEMORY_LIMIT_KIB,
            "{what}: peak {} MiB",
            self.peak_kib / 1024
        );
        assert!(
            matches!(self.code, Some(0 | 1 | 3)),
            "{what}: exit {:?}\n{}",
            self.code,
            self.stderr
        );
        let good = self
            .report()
            .certificates
            .iter()
            .any(|c| c.subject.contains("leaf.fixture.example.com"));
        assert!(
            good,
            "{what}: the good certificate beside the hostile input is reported"
        );
    }
}

/// `certaudit scan STORE` with the fixture root as anchor, every format, under the watchdog.
fn scan_bounded(s: &Scratch, extra: &[&str]) -> Bounded {
    std::fs::copy(fixture("rsa2048.pem"), s.store().join("good.pem")).unwrap();
    let out = s.out();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certaudit"));
    cmd.arg("scan")
        .arg(s.store())
        .args(["--trust-anchors", fixture("root.pem").to_str().unwrap()])
        .args(["--at", AT, "-f", "json,html,csv", "--no-history", "-o"])
        .arg(&out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let (code, peak_kib, elapsed, stderr) = run_bounded(cmd);
    // Read straight into the report types: these reports run to hundreds of megabytes, past
    // what the schema check is for (see `common::read_report`).
    let report = std::fs::read(out.join("report.json"))
        .ok()
        .map(|b| serde_json::from_slice::<Report>(&b).unwrap());
    for f in ["report.html", "report.csv"] {
        if code.is_some_and(|c| c != 2) {
            assert!(out.join(f).exists(), "{f} not written:\n{stderr}");
        }
    }
    Bounded {
        code,
        peak_kib,
        elapsed,
        stderr,
        report,
    }
}

/// Runs `cmd` and waits for it with `wait4`, which gives this child's own peak memory; a
/// child still running after [`LIMIT`] is killed (and the test then fails on the time).
#[cfg(unix)]
fn run_bounded(mut cmd: Command) -> (Option<i32>, i64, Duration, String) {
    use std::io::Read;
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let watchdog = std::thread::spawn(move || {
        let deadline = start + LIMIT + Duration::from_secs(5);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            // SAFETY: signal 0 only checks that the process exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                return;
            }
        }
        // SAFETY: killing our own child that overran its time.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    });
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; `pid` is our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4 failed");
    let elapsed = start.elapsed();
    let _ = watchdog.join();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    std::mem::forget(child); // already reaped by wait4
    (code, usage.ru_maxrss, elapsed, reader.join().unwrap_or_default())
}

#[cfg(not(unix))]
fn run_bounded(mut cmd: Command) -> (Option<i32>, i64, Duration, String) {
    let start = Instant::now();
    let o = cmd.output().unwrap();
    (
        o.status.code(),
        0,
        start.elapsed(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn good_der() -> Vec<u8> {
    der(&std::fs::read_to_string(fixture("rsa2048.pem")).unwrap())
}

// ---------------------------------------------------------------- reference amplification

#[test]
fn nrbf_references_to_one_value_are_shared() {
    let s = Scratch::new();
    // 4 levels of 40 references, then a 64 KiB string: 40^4 × 64 KiB = 164 GB if copied.
    let stream = hostile::nrbf_amplification(4, 40, 64 * 1024);
    s.put(
        "amplified.xml",
        hostile::export_with_serialization_data(&good_der(), &stream),
    );
    let run = scan_bounded(&s, &[]);
    run.check_bounds("NRBF amplification");
    let i = run.input("amplified.xml");
    assert_eq!(i.certificates, 1, "{i:?}");
}

#[test]
fn clixml_type_name_references_are_shared() {
    let s = Scratch::new();
    // 64 type names (the most a list may hold), 200,000 objects naming them again with
    // <TNRef>: 12.8 million strings if copied.
    s.put("types.xml", hostile::clixml_type_name_references(64, 200_000));
    // A list longer than any PowerShell writes is refused: each of the objects would check
    // every name for every kind of object certaudit reads.
    s.put("long-list.xml", hostile::clixml_type_name_references(2_000, 10));
    let run = scan_bounded(&s, &[]);
    run.check_bounds("TNRef amplification");
    assert!(run.input("types.xml").error.is_none());
    let e = run.input("long-list.xml").error.clone().unwrap();
    assert!(e.contains("more than 64 names"), "{e}");
}

// ---------------------------------------------------------------- floods

#[test]
fn a_flood_of_references_to_one_object_is_read_once() {
    let s = Scratch::new();
    s.put("flood.xml", hostile::clixml_reference_flood(&good_der(), 200_000));
    let run = scan_bounded(&s, &[]);
    run.check_bounds("reference flood");
    let note = run.input("flood.xml").note.clone().unwrap();
    assert!(note.contains("200000 repeated reference(s)"), "{note}");
    let bindings = run.report().certificates[0].bindings.len();
    assert_eq!(bindings, 1);
}

#[test]
fn one_certificate_on_a_hundred_thousand_servers_is_linear() {
    let s = Scratch::new();
    s.put(
        "servers.json",
        hostile::json_one_certificate_on_many_servers(&good_der(), 100_000),
    );
    let run = scan_bounded(&s, &[]);
    run.check_bounds("one certificate on 100,000 servers");
    let cert = run.report().certificates.iter().find(|c| c.bindings.len() == 100_000);
    assert!(cert.is_some(), "every binding kept once");
}

#[test]
fn twenty_thousand_waivers_load_in_one_pass() {
    let s = Scratch::new();
    let w = s.side("waivers.toml", hostile::waivers(20_000));
    let run = scan_bounded(&s, &["--waivers", w.to_str().unwrap()]);
    run.check_bounds("20,000 waivers");
    assert_eq!(run.report().waivers.len(), 20_000);
}

// ---------------------------------------------------------------- key derivation

#[test]
fn scrypt_beyond_the_budget_is_refused_before_any_work() {
    let s = Scratch::new();
    // N = 2^20, r = 8: 1 GiB of memory and tens of seconds.
    s.put("scrypt.pfx", hostile::pfx_scrypt(1 << 20, 8, 1));
    let run = scan_bounded(&s, &[]);
    run.check_bounds("scrypt");
    let e = run.input("scrypt.pfx").error.clone().unwrap();
    assert!(e.contains("scrypt") && e.contains("N=1048576"), "{e}");
    assert_eq!(run.code, Some(3), "the PFX was not audited: incomplete");
}

#[test]
fn many_expensive_safes_are_refused_as_a_whole() {
    let s = Scratch::new();
    // The committed regression file is `hostile::pfx_many_safes(500, 1_000_000)` (written by
    // `examples/hostile_corpus.rs`; making it derives one key, seconds in a debug build). Each
    // safe decrypts under the empty password, so a reader that does not count derives 500 keys.
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/decode/500-safes-1m-iterations.pfx");
    s.put("safes.pfx", std::fs::read(committed).unwrap());
    let run = scan_bounded(&s, &[]);
    run.check_bounds("500 safes of 10^6 iterations");
    let e = run.input("safes.pfx").error.clone().unwrap();
    assert!(e.contains("more than 2000000 key-derivation iterations in all"), "{e}");
    // One derivation above the per-derivation limit is refused by name.
    let s = Scratch::new();
    s.put("one.pfx", hostile::pfx_one_safe(5_000_000));
    let run = scan_bounded(&s, &[]);
    run.check_bounds("one safe of 5·10^6 iterations");
    let e = run.input("one.pfx").error.clone().unwrap();
    assert!(e.contains("encrypted safe #1 (PBKDF2) asks for 5000000"), "{e}");
}

// ---------------------------------------------------------------- special files

#[cfg(unix)]
#[test]
fn special_files_are_never_read_as_inputs_or_options() {
    let s = Scratch::new();
    let fifo = s.dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: creating a FIFO at a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let inner = s.store().join("inner-pipe");
    let c = std::ffi::CString::new(inner.to_str().unwrap()).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // As inputs: the FIFO named on the command line, /dev/zero, the FIFO inside the folder.
    let run = scan_bounded(&s, &[fifo.to_str().unwrap(), "/dev/zero"]);
    run.check_bounds("special files as inputs");
    assert_eq!(run.code, Some(3));
    for name in ["pipe", "/dev/zero", "inner-pipe"] {
        let e = run.input(name).error.clone().unwrap_or_default();
        assert!(e.contains("not a regular file"), "{name}: {e}");
    }
    // As options: each is a configuration error (exit 2) at once, never a blocking read.
    for option in [
        "--config",
        "--pfx-password-file",
        "--trust-anchors",
        "--pack",
        "--waivers",
        "--targets",
    ] {
        for special in [fifo.to_str().unwrap(), "/dev/zero", "/dev/urandom"] {
            let start = Instant::now();
            let o = Command::new(env!("CARGO_BIN_EXE_certaudit"))
                .current_dir(s.dir.path())
                .args(["scan", "store", "--no-history", "-o", "x", option, special])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "{option} {special}");
            assert!(start.elapsed() < Duration::from_secs(10), "{option} {special}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("not a regular file"), "{option} {special}: {err}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let s = Scratch::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.pem");
    std::fs::copy(fixture("rsa2048.pem"), s.dir.path().join(name)).unwrap();
    let out = s.out();
    let o = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .arg("scan")
        .arg(s.dir.path().join(name))
        .args(["-f", "json", "--no-history", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = read_report(&out.join("report.json"), "not UTF-8");
    assert_eq!(report.scan.inputs[0].certificates, 1);
    assert!(report.scan.inputs[0].path.ends_with("caf\u{fffd}.pem"));
}

// ---------------------------------------------------------------- output amplification

#[test]
fn a_million_bad_blocks_make_one_short_error() {
    let s = Scratch::new();
    s.put("bad-blocks.pem", hostile::pem_bad_blocks(1_000_000));
    let run = scan_bounded(&s, &[]);
    run.check_bounds("a million bad PEM blocks");
    let e = run.input("bad-blocks.pem").error.clone().unwrap();
    assert!(e.len() < 20_000, "{} bytes", e.len());
    assert!(
        e.contains("… and 999980 more error(s)"),
        "{}",
        &e[e.len().saturating_sub(200)..]
    );
    assert!(run.stderr.len() < 50_000, "stderr is {} bytes", run.stderr.len());
    let json_len = std::fs::metadata(Path::new(&s.out()).join("report.json"))
        .unwrap()
        .len();
    assert!(json_len < 200_000, "report.json is {json_len} bytes");
}

// ---------------------------------------------------------------- the regression corpus

/// Every committed hostile input goes through the library's decoder and returns.
#[test]
fn the_regression_corpus_decodes_within_bounds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut seen = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap().path();
        for file in std::fs::read_dir(&target).unwrap() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let start = Instant::now();
            let _ = certaudit::fuzzing::run(target.file_name().unwrap().to_str().unwrap(), &bytes);
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{}: {:?}",
                path.display(),
                start.elapsed()
            );
            seen += 1;
        }
    }
    assert!(seen >= 8, "the corpus holds {seen} inputs");
}
