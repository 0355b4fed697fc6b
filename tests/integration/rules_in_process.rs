//! Every rule, in process: an inventory built by the test, judged by the library
//! (`scan::judge`: trust, then the baseline pack or a pack given here), without a process
//! or a file. Each rule has a case that triggers it and one that must not. The end-to-end
//! tests (`rules.rs`, `bindings.rs`, `probe.rs`) check the same rules through the binary.

use chrono::{DateTime, Utc};

use certaudit_core::digest::sha256_hex;
use certaudit_core::inventory::{
    AuthConfig, AutodiscoverCheck, Binding, Certificate, CheckStatus, Connector, Endpoint, EndpointStatus, ErrorKind,
    Inventory, ProbeError, Protocol, Services, Source, SourceKind, TransportService, WebBinding,
};
use certaudit_core::rules::{load_pack, Evaluation, Finding, RuleSet, Severity};
use certaudit_core::trust::TrustAnchors;
use certaudit_core::x509::CertDetails;

use crate::common::{ca, date, der, fixture, root, Ca, Leaf, AT};

/// An organisation under test.
struct World {
    inventory: Inventory,
    roots: Vec<Vec<u8>>,
    pack: Option<String>,
    at: DateTime<Utc>,
}

impl World {
    fn new() -> Self {
        Self {
            inventory: Inventory::default(),
            roots: Vec::new(),
            pack: None,
            at: certaudit_core::time::parse_instant(AT).unwrap(),
        }
    }

    /// Trusts `root` as an anchor.
    fn trust(&mut self, root: &Ca) -> &mut Self {
        self.roots.push(der(&root.pem()));
        self
    }

    /// A certificate read from a store file; returns its index.
    fn store(&mut self, pem_or_der: impl Into<Cert>) -> usize {
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
    fn bound(&mut self, pem_or_der: impl Into<Cert>, server: &str, services: u32) -> usize {
        self.bound_with_status(pem_or_der, server, services, "Valid")
    }

    fn bound_with_status(&mut self, pem_or_der: impl Into<Cert>, server: &str, services: u32, status: &str) -> usize {
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

    fn thumbprint(&self, index: usize) -> String {
        self.inventory.certificates[index].thumbprint.clone()
    }

    /// A probed endpoint that presented `chain` (DER, leaf first), or failed with `error`.
    fn endpoint(&mut self, url: &str, protocol: Protocol, chain: Vec<Vec<u8>>, error: Option<ErrorKind>) {
        let host = url.split("://").nth(1).unwrap().split(':').next().unwrap().to_string();
        let mut e = Endpoint::new(url.into(), host, protocol.default_port(), protocol);
        e.chain = chain.iter().map(|d| sha256_hex(d)).collect();
        match error {
            Some(kind) => e.fail(ProbeError::new(kind, "as the test says")),
            None => e.status = EndpointStatus::Ok,
        }
        self.inventory.add_endpoint(e, chain);
    }

    /// Judges the organisation with the baseline pack, or the pack given with [`World::pack`].
    fn judge(&mut self) -> Evaluation {
        let rules = match &self.pack {
            Some(text) => load_pack("test.toml", text).unwrap(),
            None => RuleSet::baseline().unwrap(),
        };
        let anchors = TrustAnchors::from_der(self.roots.iter().map(Vec::as_slice)).unwrap();
        certaudit_core::scan::judge(&mut self.inventory, &anchors, &rules, self.at, None)
    }
}

/// A certificate as the test has it: PEM text or DER.
struct Cert(Vec<u8>);

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

fn hits<'a>(e: &'a Evaluation, rule: &str) -> Vec<&'a Finding> {
    e.findings.iter().filter(|f| f.rule.id == rule).collect()
}

/// The findings of `rule` about the certificate at `index`.
fn hits_on<'a>(e: &'a Evaluation, rule: &str, index: usize) -> Vec<&'a Finding> {
    hits(e, rule)
        .into_iter()
        .filter(|f| f.certificate == Some(index))
        .collect()
}

const IIS: u32 = Services::IIS;
const SMTP: u32 = Services::SMTP;
const IMAP: u32 = Services::IMAP;

fn mail(ca: &Ca) -> String {
    Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com", "autodiscover.contoso.com"])
        .issued_by(ca)
}

// ------------------------------------------------------------------ certificate rules

#[test]
fn expired() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let old = w.store(
        Leaf::new("old.example.com")
            .valid(date(2025, 1, 1), date(2026, 5, 1))
            .issued_by(&r),
    );
    let current = w.store(Leaf::new("current.example.com").issued_by(&r));
    let e = w.judge();
    let h = hits_on(&e, "expired", old);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::Critical);
    assert_eq!(h[0].evidence["days_expired"], 31);
    assert!(hits_on(&e, "expired", current).is_empty());
}

#[test]
fn expiring_soon() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let soon = w.store(
        Leaf::new("soon.example.com")
            .valid(date(2026, 1, 1), date(2026, 6, 21))
            .issued_by(&r),
    );
    let later = w.store(
        Leaf::new("later.example.com")
            .valid(date(2026, 1, 1), date(2026, 8, 30))
            .issued_by(&r),
    );
    let e = w.judge();
    assert_eq!(hits_on(&e, "expiring-soon", soon)[0].severity, Severity::High);
    assert!(hits_on(&e, "expiring-soon", later).is_empty());
    // A pack's windows replace the defaults.
    w.pack = Some("id = \"p\"\n[rules.expiring-soon]\nwindows = [{ days = 120, severity = \"low\" }]\n".into());
    let e = w.judge();
    assert_eq!(hits_on(&e, "expiring-soon", later)[0].severity, Severity::Low);
}

#[test]
fn not_yet_valid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let future = w.store(
        Leaf::new("future.example.com")
            .valid(date(2026, 7, 1), date(2027, 7, 1))
            .issued_by(&r),
    );
    let now = w.store(Leaf::new("now.example.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "not-yet-valid", future).len(), 1);
    assert!(hits_on(&e, "not-yet-valid", now).is_empty());
}

#[test]
fn untrusted_issuer() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let self_signed = w.bound(Leaf::new("self.contoso.com").self_signed(), "EX01", IIS);
    let trusted = w.bound(mail(&r), "EX02", IIS);
    let stray = root("Stray Root");
    let smtp_only = w.bound(Leaf::new("relay.contoso.com").issued_by(&stray), "EX01", SMTP);
    let transport_default = w.bound(
        Leaf::new("EX01").names(&["ex01.contoso.com"]).self_signed(),
        "EX01",
        SMTP,
    );
    let e = w.judge();
    let h = hits_on(&e, "untrusted-issuer", self_signed);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::High, "clients of IIS validate the chain");
    assert_eq!(h[0].evidence["trust_status"], "self-signed");
    assert_eq!(
        hits_on(&e, "untrusted-issuer", smtp_only)[0].severity,
        Severity::Low,
        "opportunistic SMTP does not validate"
    );
    assert!(
        hits_on(&e, "untrusted-issuer", transport_default).is_empty(),
        "Exchange's own self-signed transport certificate is how SMTP between servers works"
    );
    assert!(hits_on(&e, "untrusted-issuer", trusted).is_empty());
}

#[test]
fn issuer_not_approved() {
    let approved = root("Approved Root");
    let other = root("Other Root");
    let mut w = World::new();
    w.trust(&approved).trust(&other);
    let good = w.store(Leaf::new("a.contoso.com").issued_by(&approved));
    let bad = w.store(Leaf::new("b.contoso.com").issued_by(&other));
    assert!(
        hits(&w.judge(), "issuer-not-approved").is_empty(),
        "off in the baseline"
    );
    w.pack = Some("id = \"p\"\n[rules.issuer-not-approved]\nenabled = true\nissuers = [\"CN=Approved Root\"]\n".into());
    let e = w.judge();
    assert_eq!(hits_on(&e, "issuer-not-approved", bad).len(), 1);
    assert!(hits_on(&e, "issuer-not-approved", good).is_empty());
}

#[test]
fn internal_name_in_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let internal = w.store(
        Leaf::new("mail.contoso.com")
            .names(&["mail.contoso.com", "ex01.contoso.local"])
            .ips(&["10.0.0.5"])
            .issued_by(&r),
    );
    let public = w.store(mail(&r));
    let e = w.judge();
    let h = hits_on(&e, "internal-name-in-san", internal);
    assert_eq!(h.len(), 1);
    let names: Vec<&str> = h[0].evidence["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ex01.contoso.local", "10.0.0.5"]);
    assert!(hits_on(&e, "internal-name-in-san", public).is_empty());
}

#[test]
fn san_count_over_limit() {
    let r = root("Root");
    let many: Vec<String> = (0..51).map(|i| format!("host{i}.contoso.com")).collect();
    let fifty: Vec<&str> = many[..50].iter().map(String::as_str).collect();
    let all: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut w = World::new();
    w.trust(&r);
    let over = w.store(Leaf::new("host0.contoso.com").names(&all).issued_by(&r));
    let at_limit = w.store(Leaf::new("host0.contoso.com").names(&fifty).issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "san-count-over-limit", over)[0].evidence["san_count"], 51);
    assert!(hits_on(&e, "san-count-over-limit", at_limit).is_empty());
}

#[test]
fn weak_key() {
    let r = root("Root");
    let mut w = World::new();
    let rsa1024 = w.store(der(&std::fs::read_to_string(fixture("rsa1024.pem")).unwrap()));
    let p256 = w.store(Leaf::new("ec.contoso.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "weak-key", rsa1024).len(), 1);
    assert!(hits_on(&e, "weak-key", p256).is_empty());
    w.pack = Some("id = \"p\"\n[rules.weak-key]\nmin_ec_bits = 384\n".into());
    assert_eq!(
        hits_on(&w.judge(), "weak-key", p256).len(),
        1,
        "the pack raises the EC minimum"
    );
}

#[test]
fn weak_signature() {
    let r = root("Root");
    let mut w = World::new();
    let sha1 = w.store(der(&std::fs::read_to_string(fixture("sha1.pem")).unwrap()));
    let sha256 = w.store(Leaf::new("ok.contoso.com").issued_by(&r));
    let e = w.judge();
    assert_eq!(hits_on(&e, "weak-signature", sha1).len(), 1);
    assert!(hits_on(&e, "weak-signature", sha256).is_empty());
}

// ------------------------------------------------------------------ binding rules

#[test]
fn missing_autodiscover_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.inventory.organisation.add_domain("contoso.com", "test");
    let lacking = w.bound(Leaf::new("mail.contoso.com").issued_by(&r), "EX01", IIS);
    let complete = w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    let h = hits_on(&e, "missing-autodiscover-san", lacking);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
    assert!(hits_on(&e, "missing-autodiscover-san", complete).is_empty());
}

#[test]
fn missing_mail_san() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.inventory.organisation.add_namespace("mail.contoso.com", "test");
    let lacking = w.bound(Leaf::new("owa.contoso.com").issued_by(&r), "EX01", IIS);
    let complete = w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    assert_eq!(hits_on(&e, "missing-mail-san", lacking).len(), 1);
    assert!(hits_on(&e, "missing-mail-san", complete).is_empty());
}

#[test]
fn wildcard_on_pop_imap() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let wildcard = Leaf::new("*.contoso.com").names(&["*.contoso.com"]);
    let on_imap = w.bound(wildcard.issued_by(&r), "EX01", IMAP | IIS);
    let on_iis = w.bound(wildcard.issued_by(&r), "EX02", IIS);
    let e = w.judge();
    assert_eq!(hits_on(&e, "wildcard-on-pop-imap", on_imap).len(), 1);
    assert!(hits_on(&e, "wildcard-on-pop-imap", on_iis).is_empty());
}

#[test]
fn stale_smtp_binding() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let expired = w.bound(
        Leaf::new("smtp.contoso.com")
            .valid(date(2025, 1, 1), date(2026, 3, 1))
            .issued_by(&r),
        "EX01",
        SMTP,
    );
    let current = w.bound(Leaf::new("smtp2.contoso.com").issued_by(&r), "EX01", SMTP);
    let e = w.judge();
    let h = hits_on(&e, "stale-smtp-binding", expired);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["reason"], "expired");
    assert!(hits_on(&e, "stale-smtp-binding", current).is_empty());
}

#[test]
fn multiple_iis_certificates() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(mail(&r), "EX01", IIS);
    w.bound(Leaf::new("owa.contoso.com").issued_by(&r), "EX01", IIS);
    w.bound(mail(&r), "EX02", IIS);
    let e = w.judge();
    let h = hits(&e, "multiple-iis-certificates");
    assert_eq!(h.len(), 1, "EX02 has one IIS certificate");
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
}

#[test]
fn status_not_valid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let pending = w.bound_with_status(Leaf::new("a.contoso.com").issued_by(&r), "EX01", 0, "PendingRequest");
    let valid = w.bound(Leaf::new("b.contoso.com").issued_by(&r), "EX01", IIS);
    let e = w.judge();
    assert_eq!(
        hits_on(&e, "status-not-valid", pending)[0].evidence["status"],
        "PendingRequest"
    );
    assert!(hits_on(&e, "status-not-valid", valid).is_empty());
}

#[test]
fn connector_certificate_missing() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(mail(&r), "EX01", SMTP);
    let connector = |name: &str, subject: &str| Connector {
        kind: "Send".into(),
        name: name.into(),
        servers: vec!["EX01".into()],
        tls_certificate_name: Some(format!("<I>CN=Root<S>{subject}")),
        source: "test".into(),
        ..Connector::default()
    };
    w.inventory
        .organisation
        .connectors
        .push(connector("Partner", "CN=partner.contoso.com"));
    w.inventory
        .organisation
        .connectors
        .push(connector("Outbound", "CN=mail.contoso.com"));
    let e = w.judge();
    let h = hits(&e, "connector-certificate-missing");
    assert_eq!(h.len(), 1, "the connector naming mail.contoso.com finds it");
    assert_eq!(h[0].evidence["connector"], "Partner");
}

#[test]
fn iis_binding_invalid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = w.bound(mail(&r), "EX01", IIS);
    let thumbprint = w.thumbprint(good);
    let binding = |hash: &str, port: u16, site: &str| WebBinding {
        server: Some("EX01".into()),
        server_origin: None,
        site: site.into(),
        protocol: "https".into(),
        binding_information: format!("*:{port}:"),
        address: "*".into(),
        port,
        host_header: None,
        certificate_hash: Some(hash.into()),
        certificate_store: Some("MY".into()),
        source: "test".into(),
    };
    w.inventory
        .organisation
        .web_bindings
        .push(binding(&thumbprint, 443, WebBinding::FRONT_END_SITE));
    w.inventory
        .organisation
        .web_bindings
        .push(binding(&"AB".repeat(20), 444, WebBinding::BACK_END_SITE));
    let e = w.judge();
    let h = hits(&e, "iis-binding-invalid");
    assert_eq!(h.len(), 1, "the front end binding names the IIS certificate");
    assert_eq!(h[0].evidence["site"], WebBinding::BACK_END_SITE);
    assert_eq!(h[0].severity, Severity::Critical);
}

#[test]
fn internal_transport_certificate_invalid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = w.bound(Leaf::new("ex01.contoso.com").issued_by(&r), "EX01", SMTP);
    w.bound(mail(&r), "EX02", SMTP);
    let transport = |server: &str, thumbprint: String| TransportService {
        server: server.into(),
        internal_transport_certificate: Some(thumbprint),
        source: "test".into(),
    };
    let t = w.thumbprint(good);
    w.inventory.organisation.transport_services.push(transport("EX01", t));
    w.inventory
        .organisation
        .transport_services
        .push(transport("EX02", "CD".repeat(20)));
    let e = w.judge();
    let h = hits(&e, "internal-transport-certificate-invalid");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].server.as_deref(), Some("EX02"));
    assert_eq!(h[0].severity, Severity::Critical);
}

/// EX01 holds the current Auth certificate; the next one, effective since 2026-05-01, is on
/// no server and unpublished; EX02 holds neither.
fn auth_world() -> (World, String) {
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

#[test]
fn auth_certificate_missing_on_server() {
    let (mut w, _) = auth_world();
    let missing = |e: &Evaluation| {
        let mut m: Vec<(String, String)> = hits(e, "auth-certificate-missing-on-server")
            .iter()
            .map(|f| {
                (
                    f.server.clone().unwrap(),
                    f.evidence["auth_role"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        m.sort_unstable();
        m
    };
    let pair = |s: &str, r: &str| (s.to_string(), r.to_string());
    assert_eq!(
        missing(&w.judge()),
        [pair("EX01", "next"), pair("EX02", "current"), pair("EX02", "next")]
    );
    // Before its effective date the next certificate is only staged: not yet needed anywhere.
    w.at = certaudit_core::time::parse_instant("2026-04-01").unwrap();
    assert_eq!(missing(&w.judge()), [pair("EX02", "current")]);
}

#[test]
fn auth_certificate_not_published() {
    let (mut w, next) = auth_world();
    let e = w.judge();
    let h = hits(&e, "auth-certificate-not-published");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["next_thumbprint"], next.as_str());
    w.at = certaudit_core::time::parse_instant("2026-04-01").unwrap();
    assert!(hits(&w.judge(), "auth-certificate-not-published").is_empty());
}

#[test]
fn smtp_certificate_selection() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    w.bound(Leaf::new("ex01.contoso.com").issued_by(&r), "EX01", SMTP);
    w.bound(Leaf::new("ex02.contoso.com").issued_by(&r), "EX02", SMTP);
    w.bound(mail(&r), "EX02", SMTP | IIS);
    let receive = |server: &str| Connector {
        kind: "Receive".into(),
        name: format!("Default Frontend {server}"),
        servers: vec![server.into()],
        fqdn: Some("mail.contoso.com".into()),
        bindings: vec!["0.0.0.0:25".into()],
        permission_groups: vec!["AnonymousUsers".into()],
        transport_role: Some("FrontendTransport".into()),
        source: "test".into(),
        ..Connector::default()
    };
    w.inventory.organisation.connectors.push(receive("EX01"));
    w.inventory.organisation.connectors.push(receive("EX02"));
    let e = w.judge();
    let h = hits(&e, "smtp-certificate-selection");
    assert_eq!(h.len(), 1, "EX02 holds a certificate for mail.contoso.com");
    assert_eq!(h[0].server.as_deref(), Some("EX01"));
    assert_eq!(h[0].evidence["exposure"], "internet");
}

// ------------------------------------------------------------------ live rules

#[test]
fn hostname_mismatch() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = der(&mail(&r));
    let other = der(&Leaf::new("other.contoso.com").issued_by(&r));
    w.endpoint("https://mail.contoso.com:443", Protocol::Https, vec![good], None);
    w.endpoint("https://owa.contoso.com:443", Protocol::Https, vec![other], None);
    let e = w.judge();
    let h = hits(&e, "hostname-mismatch");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].endpoint, Some(1));
}

#[test]
fn incomplete_chain() {
    let r = root("Root");
    let issuing = ca("Issuing CA", Some(&r), date(2020, 1, 1), date(2035, 1, 1));
    let mut w = World::new();
    w.trust(&r);
    w.store(issuing.pem());
    let leaf = der(&mail(&issuing));
    let intermediate = der(&issuing.pem());
    w.endpoint(
        "https://mail.contoso.com:443",
        Protocol::Https,
        vec![leaf.clone()],
        None,
    );
    w.endpoint(
        "https://mail2.contoso.com:443",
        Protocol::Https,
        vec![leaf, intermediate],
        None,
    );
    let e = w.judge();
    let h = hits(&e, "incomplete-chain");
    assert_eq!(h.len(), 1, "the second server sends its intermediate");
    assert_eq!(h[0].endpoint, Some(0));
    assert_eq!(h[0].evidence["missing_issuer"], "CN=Issuing CA");
}

#[test]
fn probe_failed_and_starttls_not_offered() {
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
    let e = w.judge();
    let failed = hits(&e, "probe-failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].endpoint, Some(0));
    assert_eq!(failed[0].evidence["kind"], "timeout");
    let starttls = hits(&e, "starttls-not-offered");
    assert_eq!(starttls.len(), 1);
    assert_eq!(starttls[0].endpoint, Some(1));
}

#[test]
fn autodiscover_unreachable() {
    let mut w = World::new();
    let at = w.at;
    let check = |domain: &str, error: Option<ProbeError>| AutodiscoverCheck {
        domain: domain.into(),
        url: format!("https://autodiscover.{domain}/autodiscover/autodiscover.xml"),
        address: None,
        status: if error.is_some() {
            CheckStatus::Error
        } else {
            CheckStatus::Ok
        },
        http_status: error.is_none().then_some(401),
        error,
        checked_at: at,
    };
    w.inventory.autodiscover.push(check("contoso.com", None));
    w.inventory.autodiscover.push(check(
        "fabrikam.com",
        Some(ProbeError::new(ErrorKind::Dns, "no such name")),
    ));
    let e = w.judge();
    let h = hits(&e, "autodiscover-unreachable");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].evidence["domain"], "fabrikam.com");
}

#[test]
fn every_rule_has_an_in_process_test() {
    let source = include_str!("rules_in_process.rs");
    let tests: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("fn "))
        .map(|l| l.split('(').next().unwrap_or(""))
        .collect();
    for rule in certaudit_core::rules::registry() {
        let id = rule.meta().id.replace('-', "_");
        assert!(tests.iter().any(|t| t.contains(&id)), "no in-process test names {id}");
    }
}
