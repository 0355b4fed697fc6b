//! Shared helpers for the integration tests: certificates made with rcgen at test time,
//! and a runner for the real `certaudit` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use serde_json::Value;

pub use certaudit_core::inventory::TrustStatus;
pub use certaudit_core::report::model::{CertificateEntry, FindingEntry, InputEntry};
pub use certaudit_core::report::{Report, Verdict};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The README demo's inputs and options for the sample organisation (paths from the repository).
pub const SAMPLE: [&str; 8] = [
    "samples/contoso/store",
    "samples/contoso/exports",
    "--trust-anchors",
    "samples/contoso/trust-anchors/contoso-root-ca.pem",
    "--pfx-password-file",
    "samples/contoso/pfx-password.txt",
    "--at",
    "2026-06-01",
];

/// DER of the first certificate in a PEM text.
pub fn der(pem: &str) -> Vec<u8> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

/// The evaluation instant most tests use.
pub const AT: &str = "2026-06-01T00:00:00Z";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// A date as rcgen wants it.
/// The real Exchange exports in `../shared/exchange-samples` (or `CERTAUDIT_EXCHANGE_SAMPLES`).
/// When absent the caller skips, saying so; with `CERTAUDIT_REQUIRE_SAMPLES=1` their absence
/// fails the test instead (`.ci/run` says which of the two happened).
pub fn exchange_samples() -> Option<PathBuf> {
    let dir = std::env::var_os("CERTAUDIT_EXCHANGE_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/exchange-samples"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CERTAUDIT_REQUIRE_SAMPLES").as_deref() != Ok("1"),
        "{} is absent and CERTAUDIT_REQUIRE_SAMPLES=1",
        dir.display()
    );
    eprintln!(
        "SKIPPED: {} is absent; the checks against real Exchange exports did not run",
        dir.display()
    );
    None
}

pub fn date(y: i32, m: u8, d: u8) -> time::OffsetDateTime {
    rcgen::date_time_ymd(y, m, d)
}

pub type Ca = CertifiedIssuer<'static, KeyPair>;

/// A CA certificate, self-signed (`parent` None) or issued by `parent`.
pub fn ca(cn: &str, parent: Option<&Ca>, not_before: time::OffsetDateTime, not_after: time::OffsetDateTime) -> Ca {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = not_before;
    p.not_after = not_after;
    let key = KeyPair::generate().unwrap();
    match parent {
        None => CertifiedIssuer::self_signed(p, key).unwrap(),
        Some(parent) => CertifiedIssuer::signed_by(p, key, parent).unwrap(),
    }
}

/// A root valid 2020–2040.
pub fn root(cn: &str) -> Ca {
    ca(cn, None, date(2020, 1, 1), date(2040, 1, 1))
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CommonName, cn);
    d
}

/// What a test leaf looks like.
#[derive(Clone)]
pub struct Leaf {
    pub cn: String,
    pub dns: Vec<String>,
    pub ips: Vec<std::net::IpAddr>,
    pub not_before: time::OffsetDateTime,
    pub not_after: time::OffsetDateTime,
    pub eku: Vec<ExtendedKeyUsagePurpose>,
}

impl Leaf {
    /// A server certificate for `name`, valid 2026-01-01 to 2027-01-01.
    pub fn new(name: &str) -> Self {
        Self {
            cn: name.to_string(),
            dns: vec![name.to_string()],
            ips: Vec::new(),
            not_before: date(2026, 1, 1),
            not_after: date(2027, 1, 1),
            eku: vec![ExtendedKeyUsagePurpose::ServerAuth],
        }
    }
    pub fn valid(mut self, from: time::OffsetDateTime, to: time::OffsetDateTime) -> Self {
        self.not_before = from;
        self.not_after = to;
        self
    }
    pub fn names(mut self, names: &[&str]) -> Self {
        self.dns = names.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn ips(mut self, ips: &[&str]) -> Self {
        self.ips = ips.iter().map(|s| s.parse().unwrap()).collect();
        self
    }
    pub fn cn(mut self, cn: &str) -> Self {
        self.cn = cn.to_string();
        self
    }
    pub fn eku(mut self, eku: Vec<ExtendedKeyUsagePurpose>) -> Self {
        self.eku = eku;
        self
    }

    pub fn params(&self) -> CertificateParams {
        let mut p = CertificateParams::default();
        p.distinguished_name = dn(&self.cn);
        p.subject_alt_names = self
            .dns
            .iter()
            .map(|n| SanType::DnsName(n.clone().try_into().unwrap()))
            .chain(self.ips.iter().map(|ip| SanType::IpAddress(*ip)))
            .collect();
        p.not_before = self.not_before;
        p.not_after = self.not_after;
        p.extended_key_usages = self.eku.clone();
        p
    }

    /// Issued by `issuer`; PEM.
    pub fn issued_by(&self, issuer: &Ca) -> String {
        let key = KeyPair::generate().unwrap();
        self.params().signed_by(&key, issuer).unwrap().pem()
    }

    /// Issued by `issuer`: the certificate and its PKCS#8 key, DER (for test servers).
    pub fn issued_by_with_key(&self, issuer: &Ca) -> (Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let cert = self.params().signed_by(&key, issuer).unwrap();
        (cert.der().to_vec(), key.serialize_der())
    }

    /// Self-signed: the certificate and its PKCS#8 key, DER (for test servers).
    pub fn self_signed_with_key(&self) -> (Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let cert = self.params().self_signed(&key).unwrap();
        (cert.der().to_vec(), key.serialize_der())
    }

    /// Adds a non-critical private extension of `bytes` bytes (to make oversized certificates).
    pub fn params_with_padding(&self, bytes: usize) -> CertificateParams {
        let mut p = self.params();
        p.custom_extensions.push(rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 55555, 1],
            vec![0x41; bytes],
        ));
        p
    }

    /// Self-signed; PEM.
    pub fn self_signed(&self) -> String {
        let key = KeyPair::generate().unwrap();
        self.params().self_signed(&key).unwrap().pem()
    }
}

/// A scratch folder with a store, an anchors file and an output folder.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("store")).unwrap();
        Self { dir }
    }
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    /// Writes a file into the store.
    pub fn put(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.store().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }
    /// Writes a file outside the store (anchors, packs).
    pub fn side(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

/// A finding's evidence, read like JSON: a key the finding does not have is `null`.
pub trait Evidence {
    fn ev(&self, key: &str) -> &Value;
}

impl Evidence for FindingEntry {
    fn ev(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.evidence.get(key).unwrap_or(&NULL)
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// report.json, read into the report types.
    pub report: Option<Report>,
}

impl Run {
    /// The report, read through the report v1 types.
    pub fn report(&self) -> &Report {
        self.report
            .as_ref()
            .unwrap_or_else(|| panic!("no report.json; stderr:\n{}", self.stderr))
    }
    /// Findings of one rule.
    pub fn findings(&self, rule: &str) -> Vec<&FindingEntry> {
        self.report().findings.iter().filter(|f| f.rule == rule).collect()
    }
    /// Findings of one rule for the certificate with this subject CN.
    pub fn findings_for(&self, rule: &str, cn: &str) -> Vec<&FindingEntry> {
        let certs = self.report().certificates_by_sha256();
        let cn = format!("CN={cn}");
        self.findings(rule)
            .into_iter()
            .filter(|f| {
                f.certificate
                    .as_deref()
                    .and_then(|sha| certs.get(sha))
                    .is_some_and(|c| c.subject.contains(&cn))
            })
            .collect()
    }
    /// The record of the input whose path ends with `name` (`\` read as `/`).
    pub fn input(&self, name: &str) -> &InputEntry {
        self.report()
            .scan
            .inputs
            .iter()
            .find(|i| i.path.replace('\\', "/").ends_with(name))
            .unwrap_or_else(|| panic!("no input {name}"))
    }
    /// The certificate entry whose subject contains `CN=cn`.
    pub fn certificate(&self, cn: &str) -> &CertificateEntry {
        self.report()
            .certificates
            .iter()
            .find(|c| c.subject.contains(&format!("CN={cn}")))
            .unwrap_or_else(|| panic!("no certificate CN={cn}"))
    }
}

/// Runs `certaudit ARGS…` in `dir` and returns what it did.
pub fn bin(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A report.json, checked against the documented schema (reports of more than 5,000
/// certificates excepted: validating the hostile tests' reports of hundreds of megabytes
/// would take longer than the tests) and read into the report v1 types.
pub fn read_report(path: &Path, context: &str) -> Report {
    let bytes = std::fs::read(path).unwrap();
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    if raw["certificates"].as_array().is_some_and(|c| c.len() <= 5_000) {
        crate::schema::assert_valid(&raw, context);
    }
    serde_json::from_value(raw).unwrap_or_else(|e| panic!("{}: not a report v1: {e}", path.display()))
}

/// A JSON file, read.
pub fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// An organisation's scratch folder and the root CA that issues its certificates.
pub struct Org {
    pub s: Scratch,
    pub ca: Ca,
}

impl Org {
    pub fn new() -> Self {
        Self {
            s: Scratch::new(),
            ca: root("Contoso Root"),
        }
    }
    /// The DER of a leaf for `names` (the first is the CN), issued by the root.
    pub fn leaf(&self, names: &[&str]) -> Vec<u8> {
        der(&Leaf::new(names[0]).names(names).issued_by(&self.ca))
    }
    /// [`Org::leaf`] valid from `from` to `to` (year, month, day).
    pub fn leaf_valid(&self, names: &[&str], from: (i32, u8, u8), to: (i32, u8, u8)) -> Vec<u8> {
        der(&Leaf::new(names[0])
            .names(names)
            .valid(date(from.0, from.1, from.2), date(to.0, to.1, to.2))
            .issued_by(&self.ca))
    }
    /// Scans the scratch folder trusting the root.
    pub fn run(&self, extra: &[&str]) -> Run {
        scan_trusting(&self.s, &self.ca, extra)
    }
}

/// Runs `certaudit ARGS…` and reads `OUT/report.json` when it exists.
pub fn certaudit(args: &[&str], out: Option<&Path>) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args(args)
        .env_remove("CERTAUDIT_TEST_PASSWORD")
        .output()
        .unwrap();
    let report = out
        .map(|o| o.join("report.json"))
        .filter(|p| p.exists())
        .map(|p| read_report(&p, &args.join(" ")));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report,
    }
}

/// `certaudit scan INPUT --at AT -o OUT EXTRA…` (every format unless EXTRA names some).
pub fn scan_path(s: &Scratch, input: &Path, extra: &[&str]) -> Run {
    let out = s.out();
    let mut args = vec!["scan", input.to_str().unwrap(), "--at", AT, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    certaudit(&args, Some(&out))
}

/// `certaudit scan STORE --at AT -o OUT --format json EXTRA…`
pub fn scan(s: &Scratch, extra: &[&str]) -> Run {
    scan_path(s, &s.store(), &[&["--format", "json"], extra].concat())
}

/// Like [`scan`], with `anchor` written to a file and passed as the only trust anchor.
pub fn scan_trusting(s: &Scratch, anchor: &Ca, extra: &[&str]) -> Run {
    let path = s.side("anchor.pem", anchor.pem());
    let mut args = vec!["--no-public-roots", "--trust-anchors", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let args: Vec<&str> = args.to_vec();
    scan(s, &args)
}

/// `certaudit scan --config samples/contoso/audit.toml -o OUT EXTRA…` from the repository root
/// (the sample's relative paths hold there); the sample always fails (exit 1).
pub fn scan_sample(out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args(["scan", "--config", "samples/contoso/audit.toml", "-o"])
        .arg(out)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
}
