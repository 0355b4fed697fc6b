//! Benchmark: `certaudit scan` over a generated store of 100,000 certificates, in the shapes
//! users have, beside what a user would otherwise run.
//!
//! ```sh
//! cargo bench --bench scan_store                 # both mixes, 100,000 certificates
//! cargo bench --bench scan_store -- ec 20000     # one mix, another size
//! ```
//!
//! Each store is generated once into `target/bench/store-MIX-COUNT/` (PEM bundles of 100):
//! - `rsa`: issuers shaped like an Exchange estate (see `issuers`): 50 % RSA-2048
//!   intermediate, 23 % P-256 and 2 % P-384 intermediates under a P-384 root, 15 % a
//!   single-tier root, 5 % a missing intermediate, 5 % self-signed; 10 % expired, 2 % with 60
//!   SANs, 2.5 % with an internal name;
//! - `ec`: like enterprise and CA-archive stores: ECDSA P-256 leaves signed by four P-256
//!   intermediates under one P-256 root; 5 % expired, 2 % with 60 SANs, 3 % with `.local` names.
//!
//! Scenarios, each timed over 3 runs (wall time min / median, peak RSS of the scan process):
//! JSON only; all formats (html, csv, json); a rescan of the unchanged store into a history that
//! holds it; a scan after a change of scope (the history's last scan of the same audit covered
//! half the files); and `benches/compare_pyca.py` (expiry, SAN count and `.local` names only,
//! no chain validation) on the same store.

#![allow(clippy::print_stdout, clippy::print_stderr)] // prints its figures

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, SanType,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, PKCS_RSA_SHA256,
};

const RUNS: usize = 3;
const AT: &str = "2026-06-01";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    Rsa,
    Ec,
}

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Rsa => "rsa",
            Mix::Ec => "ec",
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let mut mixes: Vec<Mix> = args
        .iter()
        .filter_map(|a| match a.as_str() {
            "rsa" => Some(Mix::Rsa),
            "ec" => Some(Mix::Ec),
            _ => None,
        })
        .collect();
    if mixes.is_empty() {
        mixes = vec![Mix::Rsa, Mix::Ec];
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    for mix in mixes {
        let store = root.join(format!("store-{}-{count}", mix.name()));
        let anchors = store.with_extension("anchors.pem");
        let complete = store.with_extension("complete");
        if !complete.exists() {
            let t = Instant::now();
            match mix {
                Mix::Rsa => generate_rsa(&store, &anchors, count),
                Mix::Ec => generate_ec(&store, &anchors, count),
            }
            std::fs::write(&complete, "").unwrap();
            eprintln!(
                "generated the {} store of {count} in {:.1} s",
                mix.name(),
                t.elapsed().as_secs_f64()
            );
        }
        scenarios(mix, &store, &anchors, &root.join("run"));
    }
}

/// A scan of `inputs` with the bench's options, writing into `out`.
fn scan(inputs: &[PathBuf], anchors: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certaudit"));
    cmd.arg("scan")
        .args(inputs)
        .arg("--trust-anchors")
        .arg(anchors)
        .args(["--at", AT, "--fail-on", "critical", "-o"])
        .arg(out)
        .args(extra);
    cmd
}

fn scenarios(mix: Mix, store: &Path, anchors: &Path, work: &Path) {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).unwrap();
    let out = work.join("out");
    let all = vec![store.to_path_buf()];
    let label = |what: &str| format!("{} {what}", mix.name());

    let json = measure(|| scan(&all, anchors, &out, &["-f", "json", "--no-history"]));
    // Only the summary is read: a parent that held the whole report would lend its memory to
    // every later child's peak (Linux counts the parent's RSS at fork in the child's max RSS).
    #[derive(serde::Deserialize)]
    struct Head {
        summary: serde_json::Value,
    }
    let file = std::io::BufReader::new(std::fs::File::open(out.join("report.json")).unwrap());
    let head: Head = serde_json::from_reader(file).unwrap();
    let findings: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|s| head.summary["findings"][s].as_u64())
        .sum();
    println!(
        "scan_store {}: {} certificates, {findings} unwaived findings",
        mix.name(),
        head.summary["certificates"]
    );
    json.print(&label("json"));

    let formats = measure(|| scan(&all, anchors, &out, &["-f", "html,csv,json", "--no-history"]));
    let html = std::fs::metadata(out.join("report.html")).map_or(0, |m| m.len());
    formats.print(&format!(
        "{} (report.html {:.1} MB)",
        label("html,csv,json"),
        html as f64 / 1e6
    ));

    let history = work.join("history.sqlite");
    let recorded = measure_once(scan(
        &all,
        anchors,
        &out,
        &["-f", "json", "--history", history.to_str().unwrap()],
    ));
    recorded.print(&label("json, first scan into a new history"));
    let rescan = measure(|| {
        scan(
            &all,
            anchors,
            &out,
            &["-f", "json", "--history", history.to_str().unwrap()],
        )
    });
    rescan.print(&label("json, rescan of the unchanged store"));

    // The same audit, whose last scan covered half the files.
    let mut files: Vec<PathBuf> = std::fs::read_dir(store).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let half: Vec<PathBuf> = files.iter().step_by(2).cloned().collect();
    let scoped = work.join("scoped.sqlite");
    let base = work.join("scoped-base.sqlite");
    let audit = ["--audit", "bench"];
    let hist = |p: &Path| p.to_str().unwrap().to_string();
    let status = scan(
        &half,
        anchors,
        &work.join("half"),
        &["-f", "json", "--history", &hist(&base), audit[0], audit[1]],
    )
    .status()
    .unwrap();
    assert!(status.code().is_some_and(|c| c < 2), "the half scan failed: {status}");
    let changed = measure(|| {
        std::fs::copy(&base, &scoped).unwrap();
        let _ = std::fs::remove_file(scoped.with_extension("sqlite-wal"));
        scan(
            &all,
            anchors,
            &out,
            &["-f", "json", "--history", &hist(&scoped), audit[0], audit[1]],
        )
    });
    changed.print(&label("json, after a change of scope (same audit, twice the files)"));

    let pyca = measure(|| {
        let mut cmd = Command::new("python3");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare_pyca.py"))
            .arg(store)
            .arg(AT);
        cmd
    });
    pyca.print(&label(
        "pyca/cryptography script (expiry, SAN count, .local; no chains)",
    ));
}

/// Wall time and peak memory of some runs of one command.
struct Measured {
    times: Vec<f64>,
    peak_kib: i64,
}

impl Measured {
    fn print(&self, what: &str) {
        let mut t = self.times.clone();
        t.sort_by(|a, b| a.total_cmp(b));
        println!(
            "  {what}: min {:.2} s, median {:.2} s over {} run(s); peak memory {:.0} MiB",
            t[0],
            t[t.len() / 2],
            t.len(),
            self.peak_kib as f64 / 1024.0
        );
    }
}

fn measure(mut command: impl FnMut() -> Command) -> Measured {
    let mut m = Measured {
        times: Vec::new(),
        peak_kib: 0,
    };
    for _ in 0..RUNS {
        let one = measure_once(command());
        m.times.extend(one.times);
        m.peak_kib = m.peak_kib.max(one.peak_kib);
    }
    m
}

/// Runs the command (its output discarded) and measures it; panics when it fails.
#[cfg(unix)]
fn measure_once(mut cmd: Command) -> Measured {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the command");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; `pid` is our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4 failed");
    std::mem::forget(child); // reaped by wait4
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    assert!(code.is_some_and(|c| c < 2), "{cmd:?} failed: {code:?}");
    Measured {
        times: vec![start.elapsed().as_secs_f64()],
        peak_kib: usage.ru_maxrss,
    }
}

/// Elsewhere only the time is measured (peak memory shows as 0).
#[cfg(not(unix))]
fn measure_once(mut cmd: Command) -> Measured {
    let start = Instant::now();
    let status = cmd.status().expect("start the command");
    assert!(status.code().is_some_and(|c| c < 2), "{cmd:?} failed: {status}");
    Measured {
        times: vec![start.elapsed().as_secs_f64()],
        peak_kib: 0,
    }
}

fn name(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "Bench");
    d.push(DnType::CommonName, cn);
    d
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    p
}

/// One issuer of the generated store and the share of leaves it signs (in percent).
struct IssuerMix {
    issuer: CertifiedIssuer<'static, KeyPair>,
    percent: usize,
}

fn rsa_key(file: &str) -> KeyPair {
    let pem = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(file)).unwrap();
    KeyPair::from_pem_and_sign_algo(&pem, &PKCS_RSA_SHA256).unwrap()
}

/// Roots and intermediates shaped like an Exchange estate's issuers: mostly RSA-2048 CAs
/// (public and AD CS), ECDSA intermediates under a P-384 root, a P-384 intermediate like
/// Let's Encrypt's E-series, and a single-tier enterprise root that signs leaves itself.
fn issuers(anchor_pem: &mut String, intermediates_pem: &mut String) -> Vec<IssuerMix> {
    let rsa_root = CertifiedIssuer::self_signed(ca_params("Bench RSA Root"), rsa_key("bench-rsa-root.key")).unwrap();
    let rsa_inter = CertifiedIssuer::signed_by(
        ca_params("Bench RSA Intermediate"),
        rsa_key("bench-rsa-intermediate.key"),
        &rsa_root,
    )
    .unwrap();
    let ec_root = CertifiedIssuer::self_signed(
        ca_params("Bench ECC Root"),
        KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap(),
    )
    .unwrap();
    let p256_inter = CertifiedIssuer::signed_by(
        ca_params("Bench ECC P-256 Intermediate"),
        KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap(),
        &ec_root,
    )
    .unwrap();
    let p384_inter = CertifiedIssuer::signed_by(
        ca_params("Bench ECC P-384 Intermediate"),
        KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap(),
        &ec_root,
    )
    .unwrap();
    let corp_root = CertifiedIssuer::self_signed(
        ca_params("Bench Enterprise Root"),
        KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap(),
    )
    .unwrap();
    for root in [&rsa_root, &ec_root, &corp_root] {
        anchor_pem.push_str(&root.pem());
    }
    // An issuer that is neither an anchor nor in the store: its leaves miss their intermediate.
    let unknown_root = CertifiedIssuer::self_signed(
        ca_params("Bench Unknown Root"),
        KeyPair::generate_for(&PKCS_ED25519).unwrap(),
    )
    .unwrap();
    let unknown = CertifiedIssuer::signed_by(
        ca_params("Bench Unknown Intermediate"),
        KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap(),
        &unknown_root,
    )
    .unwrap();
    for inter in [&rsa_inter, &p256_inter, &p384_inter] {
        intermediates_pem.push_str(&inter.pem());
    }
    vec![
        IssuerMix {
            issuer: rsa_inter,
            percent: 50,
        },
        IssuerMix {
            issuer: p256_inter,
            percent: 23,
        },
        IssuerMix {
            issuer: p384_inter,
            percent: 2,
        },
        IssuerMix {
            issuer: corp_root,
            percent: 15,
        },
        IssuerMix {
            issuer: unknown,
            percent: 5,
        },
        // The remaining 5 % are self-signed, like Exchange's own server certificates.
    ]
}

fn generate_rsa(store: &Path, anchors: &Path, count: usize) {
    let _ = std::fs::remove_dir_all(store);
    std::fs::create_dir_all(store).unwrap();
    let mut anchor_pem = String::new();
    let mut intermediates_pem = String::new();
    let mix = issuers(&mut anchor_pem, &mut intermediates_pem);
    std::fs::write(anchors, anchor_pem).unwrap();
    std::fs::write(store.join("intermediates.pem"), intermediates_pem).unwrap();
    let leaf_keys: Vec<KeyPair> = (0..16).map(|_| KeyPair::generate().unwrap()).collect();
    let per_file = 100;
    let mut bundle = String::new();
    for n in 0..count {
        let mut p = CertificateParams::default();
        let host = format!("host{n}.bench{}.example.com", n % 97);
        p.distinguished_name = name(&host);
        let mut sans = vec![host.clone()];
        if n % 50 == 0 {
            sans.extend((0..60).map(|i| format!("alt{i}.{host}")));
        }
        if n % 40 == 0 {
            sans.push(format!("srv{n}.contoso.local"));
        }
        p.subject_alt_names = sans
            .into_iter()
            .map(|s| SanType::DnsName(s.try_into().unwrap()))
            .collect();
        p.not_before = rcgen::date_time_ymd(2025, 1 + (n % 12) as u8, 1);
        p.not_after = if n % 10 == 0 {
            rcgen::date_time_ymd(2026, 3, 1)
        } else {
            rcgen::date_time_ymd(2027, 1 + (n % 12) as u8, 1)
        };
        let key = &leaf_keys[n % leaf_keys.len()];
        let mut slot = (n * 37) % 100; // spreads each issuer's share over the store
        let issuer = mix.iter().find(|m| {
            if slot < m.percent {
                return true;
            }
            slot -= m.percent;
            false
        });
        let cert = match issuer {
            Some(m) => p.signed_by(key, &m.issuer).unwrap(),
            None => p.self_signed(key).unwrap(),
        };
        bundle.push_str(&cert.pem());
        if (n + 1) % per_file == 0 || n + 1 == count {
            std::fs::write(store.join(format!("bundle-{:05}.pem", n / per_file)), &bundle).unwrap();
            bundle.clear();
        }
    }
}

/// The EC mix: P-256 leaves under four P-256 intermediates and one P-256 root.
fn generate_ec(store: &Path, anchors: &Path, count: usize) {
    let _ = std::fs::remove_dir_all(store);
    std::fs::create_dir_all(store).unwrap();
    let p256 = || KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let root = CertifiedIssuer::self_signed(ca_params("Bench P-256 Root"), p256()).unwrap();
    let intermediates: Vec<CertifiedIssuer<'static, KeyPair>> = (1..=4)
        .map(|i| CertifiedIssuer::signed_by(ca_params(&format!("Bench P-256 Issuing CA {i}")), p256(), &root).unwrap())
        .collect();
    std::fs::write(anchors, root.pem()).unwrap();
    let chain: String = intermediates.iter().map(|i| i.pem()).collect();
    std::fs::write(store.join("intermediates.pem"), chain).unwrap();
    let leaf_keys: Vec<KeyPair> = (0..16).map(|_| p256()).collect();
    let per_file = 100;
    let mut bundle = String::new();
    for n in 0..count {
        let mut p = CertificateParams::default();
        let host = format!("host{n}.site{}.example.com", n % 89);
        p.distinguished_name = name(&host);
        let mut sans = vec![host.clone()];
        if n % 50 == 1 {
            sans.extend((0..59).map(|i| format!("alt{i}.{host}")));
        }
        if (10..13).contains(&(n % 100)) {
            sans.push(format!("srv{n}.corp.local"));
        }
        p.subject_alt_names = sans
            .into_iter()
            .map(|s| SanType::DnsName(s.try_into().unwrap()))
            .collect();
        p.not_before = rcgen::date_time_ymd(2025, 1 + (n % 12) as u8, 1);
        p.not_after = if n % 20 == 3 {
            rcgen::date_time_ymd(2026, 2, 1)
        } else {
            rcgen::date_time_ymd(2027, 1 + (n % 12) as u8, 1)
        };
        let cert = p
            .signed_by(&leaf_keys[n % leaf_keys.len()], &intermediates[n % intermediates.len()])
            .unwrap();
        bundle.push_str(&cert.pem());
        if (n + 1) % per_file == 0 || n + 1 == count {
            std::fs::write(store.join(format!("bundle-{:05}.pem", n / per_file)), &bundle).unwrap();
            bundle.clear();
        }
    }
}
