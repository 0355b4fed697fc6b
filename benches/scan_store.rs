//! Benchmark: `certaudit scan` over a generated store of 100,000 certificates with JSON output.
//!
//! Run with `cargo bench --bench scan_store` (optionally `-- COUNT` for another size). The store
//! is generated once into `target/bench/store-COUNT/` and reused by later runs: 100 PEM bundles
//! of 100 certificates per 10,000, from mixed issuers (see `issuers`), 10 % expired, 2 % with
//! 60 SANs, 2.5 % with an internal name. Reports wall time and the scan's peak memory (max RSS).

#![allow(clippy::print_stdout, clippy::print_stderr)] // prints its figures

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, SanType,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, PKCS_RSA_SHA256,
};

const RUNS: usize = 3;

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let store = root.join(format!("store-{count}"));
    let anchors = store.with_extension("anchors.pem");
    let complete = store.with_extension("complete");
    if !complete.exists() {
        let t = Instant::now();
        generate(&store, &anchors, count);
        std::fs::write(&complete, "").unwrap();
        eprintln!("generated {count} certificates in {:.1} s", t.elapsed().as_secs_f64());
    }
    let out = root.join("out");
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let (status, max_rss_kib) = run_measured(
            Command::new(env!("CARGO_BIN_EXE_certaudit"))
                .arg("scan")
                .arg(&store)
                .arg("--trust-anchors")
                .arg(&anchors)
                .args(["--at", "2026-06-01", "--format", "json", "--fail-on", "critical", "-o"])
                .arg(&out),
        );
        let elapsed = t.elapsed().as_secs_f64();
        assert!(status < 2, "scan failed with exit code {status}");
        times.push(elapsed);
        peaks.push(max_rss_kib);
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let certs = report["certificates"].as_array().map(Vec::len).unwrap_or(0);
    let findings = report["findings"].as_array().map(Vec::len).unwrap_or(0);
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "scan_store: {certs} certificates, {findings} findings; wall time min {:.2} s, median {:.2} s over {RUNS} runs; peak memory {:.0} MiB (max RSS)",
        times[0],
        times[RUNS / 2],
        peaks.iter().max().copied().unwrap_or(0) as f64 / 1024.0
    );
}

/// Runs the command and returns its exit code and the largest max RSS (KiB) of any child so far.
#[cfg(unix)]
fn run_measured(cmd: &mut Command) -> (i32, i64) {
    let status = cmd.status().expect("start certaudit");
    // SAFETY: rusage is plain data that getrusage fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    (status.code().unwrap_or(-1), usage.ru_maxrss)
}

/// Elsewhere only the exit code is measured (peak memory shows as 0).
#[cfg(not(unix))]
fn run_measured(cmd: &mut Command) -> (i32, i64) {
    (cmd.status().expect("start certaudit").code().unwrap_or(-1), 0)
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

fn generate(store: &PathBuf, anchors: &Path, count: usize) {
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
