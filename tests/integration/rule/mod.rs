//! Every rule, in process, one file per rule (`rule/<rule_id>.rs`): an inventory built by the
//! test, judged by the library (`scan::judge`: trust, then the baseline pack or a pack given
//! here), without a process or a file. Each rule has a case that triggers it, one that must
//! not, and a snapshot of its finding as report.json shows it (`rule/snapshots/`, with the
//! test-time certificates' fingerprints replaced by stable names). The end-to-end tests
//! (`rules.rs`, `bindings.rs`, `probe.rs`) check the same rules through the binary.

use chrono::{DateTime, Utc};
use serde_json::Value;

use certaudit_core::digest::sha256_hex;
use certaudit_core::inventory::{
    AuthConfig, AutodiscoverCheck, Binding, Certificate, CheckStatus, Connector, Endpoint, EndpointStatus, ErrorKind,
    Inventory, ProbeError, Protocol, Services, Source, SourceKind, TransportService, WebBinding,
};
use certaudit_core::report::model::{AuditRef, RunInfo};
use certaudit_core::report::Report;
use certaudit_core::rules::{load_pack, Evaluation, Finding, RuleSet, Severity};
use certaudit_core::trust::TrustAnchors;
use certaudit_core::x509::CertDetails;

use crate::common::{ca, date, der, fixture, root, Ca, Leaf, AT};

mod auth_certificate_missing_on_server;
mod auth_certificate_not_published;
mod autodiscover_unreachable;
mod certificate_revoked;
mod chain_extra_certificates;
mod chain_includes_root;
mod chain_out_of_order;
mod connector_certificate_missing;
mod expired;
mod expiring_soon;
mod hostname_mismatch;
mod iis_binding_invalid;
mod incomplete_chain;
mod inconsistent_certificate_across_addresses;
mod internal_name_in_san;
mod internal_transport_certificate_invalid;
mod issuer_not_approved;
mod legacy_protocol_enabled;
mod missing_autodiscover_san;
mod missing_mail_san;
mod multiple_iis_certificates;
mod must_staple_without_staple;
mod not_yet_valid;
mod ocsp_staple_invalid;
mod probe_failed;
mod san_count_over_limit;
mod served_certificate_not_bound;
mod smtp_certificate_selection;
mod sni_dependent_certificate;
mod stale_smtp_binding;
mod starttls_not_offered;
mod status_not_valid;
mod untrusted_issuer;
mod weak_cipher_negotiated;
mod weak_key;
mod weak_signature;
mod wildcard_on_pop_imap;

/// An organisation under test.
pub(super) struct World {
    pub(super) inventory: Inventory,
    pub(super) roots: Vec<Vec<u8>>,
    pub(super) pack: Option<String>,
    pub(super) at: DateTime<Utc>,
}

impl World {
    pub(super) fn new() -> Self {
        Self {
            inventory: Inventory::default(),
            roots: Vec::new(),
            pack: None,
            at: certaudit_core::time::parse_instant(AT).unwrap(),
        }
    }

    /// Trusts `root` as an anchor.
    pub(super) fn trust(&mut self, root: &Ca) -> &mut Self {
        self.roots.push(der(&root.pem()));
        self
    }

    /// A certificate read from a store file; returns its index.
    pub(super) fn store(&mut self, pem_or_der: impl Into<Cert>) -> usize {
        let der = pem_or_der.into().0;
        let details = CertDetails::parse(&der).unwrap();
        let n = self.inventory.certificates.len();
        self.inventory.add(Certificate::new(
            der,
            details,
            Source {
                kind: SourceKind::File,
                location: format!("store/{n}.pem"),
            },
        ))
    }

    /// A certificate in the `Get-ExchangeCertificate` export of `server`, bound to `services`.
    pub(super) fn bound(&mut self, pem_or_der: impl Into<Cert>, server: &str, services: u32) -> usize {
        self.bound_with_status(pem_or_der, server, services, "Valid")
    }

    pub(super) fn bound_with_status(
        &mut self,
        pem_or_der: impl Into<Cert>,
        server: &str,
        services: u32,
        status: &str,
    ) -> usize {
        let der = pem_or_der.into().0;
        let details = CertDetails::parse(&der).unwrap();
        let mut cert = Certificate::new(
            der,
            details,
            Source {
                kind: SourceKind::Export,
                location: format!("exports/{server}/Get-ExchangeCertificate.xml"),
            },
        );
        cert.bindings.push(Binding {
            server: server.into(),
            services: Some(Services(services)),
            status: Some(status.into()),
            self_signed: None,
            root_ca_type: None,
            source: format!("exports/{server}/Get-ExchangeCertificate.xml"),
        });
        self.inventory.add(cert)
    }

    pub(super) fn thumbprint(&self, index: usize) -> String {
        self.inventory.certificates[index].thumbprint.clone()
    }

    /// A probed endpoint that presented `chain` (DER, leaf first), or failed with `error`.
    pub(super) fn endpoint(&mut self, url: &str, protocol: Protocol, chain: Vec<Vec<u8>>, error: Option<ErrorKind>) {
        let host = url.split("://").nth(1).unwrap().split(':').next().unwrap().to_string();
        let mut e = Endpoint::new(url.into(), host, protocol.default_port(), protocol);
        e.chain = chain.iter().map(|d| sha256_hex(d)).collect();
        match error {
            Some(kind) => e.fail(ProbeError::new(kind, "as the test says")),
            None => e.status = EndpointStatus::Ok,
        }
        self.inventory.add_endpoint(e, chain);
    }

    pub(super) fn rules(&self) -> RuleSet {
        match &self.pack {
            Some(text) => load_pack("test.toml", text).unwrap(),
            None => RuleSet::baseline().unwrap(),
        }
    }

    /// Judges the organisation with the baseline pack, or the pack given with [`World::pack`].
    pub(super) fn judge(&mut self) -> Evaluation {
        let rules = self.rules();
        let anchors = TrustAnchors::from_der(self.roots.iter().map(Vec::as_slice)).unwrap();
        certaudit_core::scan::judge(&mut self.inventory, &anchors, &rules, self.at, None)
    }

    /// The findings of `rule` as report.json shows them, sorted, each test-time certificate's
    /// SHA-256, thumbprint, serial and key hash (and each root's key hash) replaced by `<cert N …>` (N: the order the test added
    /// it), so that a snapshot holds whatever keys rcgen made. Takes the inventory: call it
    /// last.
    pub(super) fn report_findings(&mut self, rule: &str) -> Value {
        let names: Vec<(String, String)> = self
            .inventory
            .certificates
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                [
                    (c.sha256.clone(), format!("<cert {i} sha256>")),
                    (c.thumbprint.clone(), format!("<cert {i} thumbprint>")),
                    (c.details.serial.clone(), format!("<cert {i} serial>")),
                ]
            })
            .chain(
                self.inventory
                    .certificates
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.details.spki_sha256.clone(), format!("<cert {i} key sha256>"))),
            )
            .chain(self.roots.iter().enumerate().map(|(i, der)| {
                let details = CertDetails::parse(der).unwrap();
                (details.spki_sha256, format!("<root {i} key sha256>"))
            }))
            .filter(|(value, _)| value.len() >= 8)
            .collect();
        let rules = self.rules();
        let anchors = TrustAnchors::from_der(self.roots.iter().map(Vec::as_slice)).unwrap();
        let mut inventory = std::mem::take(&mut self.inventory);
        let evaluation = certaudit_core::scan::judge(&mut inventory, &anchors, &rules, self.at, None);
        let report = Report::build(
            inventory,
            evaluation,
            &RunInfo {
                started_at: self.at,
                finished_at: self.at,
                duration_seconds: 0.0,
                audit: AuditRef::new(Some("rule tests"), Vec::new()),
                evaluated_at: self.at,
                pack: &rules.pack,
                fail_on: Severity::High,
                probe: None,
                interrupted: false,
                waivers: None,
                command_line: &[],
            },
        );
        let mut findings: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| {
                let mut text = serde_json::to_string(f).unwrap();
                for (value, name) in &names {
                    text = text.replace(value.as_str(), name);
                }
                text
            })
            .collect();
        assert!(!findings.is_empty(), "{rule}: no finding to show");
        findings.sort();
        Value::Array(findings.iter().map(|t| serde_json::from_str(t).unwrap()).collect())
    }
}

/// A certificate as the test has it: PEM text or DER.
pub(super) struct Cert(Vec<u8>);

impl From<String> for Cert {
    fn from(pem: String) -> Self {
        Cert(der(&pem))
    }
}

impl From<Vec<u8>> for Cert {
    fn from(der: Vec<u8>) -> Self {
        Cert(der)
    }
}

pub(super) fn hits<'a>(e: &'a Evaluation, rule: &str) -> Vec<&'a Finding> {
    e.findings.iter().filter(|f| f.rule.id == rule).collect()
}

/// The findings of `rule` about the certificate at `index`.
pub(super) fn hits_on<'a>(e: &'a Evaluation, rule: &str, index: usize) -> Vec<&'a Finding> {
    hits(e, rule)
        .into_iter()
        .filter(|f| f.certificate == Some(index))
        .collect()
}

pub(super) const IIS: u32 = Services::IIS;
pub(super) const SMTP: u32 = Services::SMTP;
pub(super) const IMAP: u32 = Services::IMAP;

pub(super) fn mail(ca: &Ca) -> String {
    Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com", "autodiscover.contoso.com"])
        .issued_by(ca)
}

/// EX01 holds the current Auth certificate; the next one, effective since 2026-05-01, is on
/// no server and unpublished; EX02 holds neither.
pub(super) fn auth_world() -> (World, String) {
    let mut w = World::new();
    let auth = Leaf::new("Microsoft Exchange Server Auth Certificate").names(&[]);
    let current = w.bound(auth.self_signed(), "EX01", 0);
    let next = w.store(auth.self_signed());
    w.bound(Leaf::new("ex02.contoso.com").self_signed(), "EX02", SMTP);
    let (current_tp, next_tp) = (w.thumbprint(current), w.thumbprint(next));
    w.inventory.organisation.auth_configs.push(AuthConfig {
        current: Some(current_tp),
        next: Some(next_tp.clone()),
        next_effective: Some(certaudit_core::time::parse_instant("2026-05-01").unwrap()),
        previous: None,
        source: "test".into(),
    });
    (w, next_tp)
}

/// Three endpoints: one that timed out, an SMTP server that offers no STARTTLS, and a sound
/// HTTPS server (`probe-failed` and `starttls-not-offered` each fire on one of them only).
pub(super) fn failing_endpoints() -> World {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.endpoint(
        "https://mail.contoso.com:443",
        Protocol::Https,
        Vec::new(),
        Some(ErrorKind::Timeout),
    );
    w.endpoint(
        "smtp://mx.contoso.com:25",
        Protocol::Smtp,
        Vec::new(),
        Some(ErrorKind::StarttlsNotOffered),
    );
    w.endpoint(
        "https://ok.contoso.com:443",
        Protocol::Https,
        vec![der(&mail(&r))],
        None,
    );
    w
}

/// Five HTTPS endpoints serving one leaf (issued by "Issuing CA" under "Root") in the
/// shapes chain hygiene judges: 0 in order; 1 root before the intermediate; 2 with another
/// CA's intermediate; 3 with the intermediate twice; 4 in order with the root on top.
pub(super) fn served_chains() -> World {
    let r = root("Root");
    let issuing = ca("Issuing CA", Some(&r), date(2020, 1, 1), date(2035, 1, 1));
    let other = ca(
        "Other Issuing CA",
        Some(&root("Other Root")),
        date(2020, 1, 1),
        date(2035, 1, 1),
    );
    let mut w = World::new();
    w.trust(&r);
    let leaf = der(&mail(&issuing));
    let (inter, top, stray) = (der(&issuing.pem()), der(&r.pem()), der(&other.pem()));
    let chains = [
        vec![leaf.clone(), inter.clone()],
        vec![leaf.clone(), top.clone(), inter.clone()],
        vec![leaf.clone(), inter.clone(), stray],
        vec![leaf.clone(), inter.clone(), inter.clone()],
        vec![leaf, inter, top],
    ];
    for (n, chain) in chains.into_iter().enumerate() {
        w.endpoint(
            &format!("https://mail{n}.contoso.com:443"),
            Protocol::Https,
            chain,
            None,
        );
    }
    w
}

/// The endpoints a rule's findings are about, sorted.
pub(super) fn endpoints_of(e: &Evaluation, rule: &str) -> Vec<usize> {
    let mut v: Vec<usize> = hits(e, rule).iter().filter_map(|f| f.endpoint).collect();
    v.sort_unstable();
    v
}

#[test]
fn every_rule_has_its_own_test_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/rule");
    for rule in certaudit_core::rules::registry() {
        let file = dir.join(format!("{}.rs", rule.meta().id.replace('-', "_")));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("no test file {}", file.display()));
        assert!(text.contains("#[test]"), "{}: no test", file.display());
        assert!(
            text.contains("report_findings("),
            "{}: no snapshot of the finding",
            file.display()
        );
    }
}
