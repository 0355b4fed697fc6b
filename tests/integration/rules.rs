//! Every rule: certificates that trigger it and certificates that must not.

use crate::common;

use common::*;
use rcgen::ExtendedKeyUsagePurpose;
use rustls_pki_types::pem::PemObject;

#[test]
fn expired_flags_past_not_after_only() {
    let s = Scratch::new();
    let ca = root("Test Root");
    s.put(
        "old.pem",
        Leaf::new("old.example.com")
            .valid(date(2025, 1, 1), date(2026, 5, 1))
            .issued_by(&ca),
    );
    s.put("current.pem", Leaf::new("current.example.com").issued_by(&ca));
    let run = scan_trusting(&s, &ca, &[]);
    let hits = run.findings_for("expired", "old.example.com");
    assert_eq!(hits.len(), 1, "{}", run.stderr);
    assert_eq!(hits[0].severity.as_str(), "critical");
    assert_eq!(hits[0].ev("days_expired"), 31);
    assert!(run.findings_for("expired", "current.example.com").is_empty());
    assert_eq!(run.certificate("old.example.com").days_left, -31);
}

#[test]
fn expiring_soon_uses_the_narrowest_window() {
    let s = Scratch::new();
    let ca = root("Test Root");
    for (name, day) in [
        ("d5", (2026, 6, 6)),
        ("d20", (2026, 6, 21)),
        ("d45", (2026, 7, 16)),
        ("d90", (2026, 8, 30)),
    ] {
        let leaf = Leaf::new(&format!("{name}.example.com")).valid(date(2026, 1, 1), date(day.0, day.1, day.2));
        s.put(&format!("{name}.pem"), leaf.issued_by(&ca));
    }
    let run = scan_trusting(&s, &ca, &[]);
    let severity = |cn: &str| {
        let f = run.findings_for("expiring-soon", cn);
        assert!(f.len() <= 1);
        f.first().map(|f| f.severity.as_str().to_string())
    };
    assert_eq!(severity("d5.example.com").as_deref(), Some("critical"));
    assert_eq!(severity("d20.example.com").as_deref(), Some("high"));
    assert_eq!(severity("d45.example.com").as_deref(), Some("medium"));
    assert_eq!(severity("d90.example.com"), None);
    assert_eq!(
        run.findings_for("expiring-soon", "d5.example.com")[0].ev("days_left"),
        5
    );
}

#[test]
fn expiring_soon_windows_come_from_the_pack() {
    let s = Scratch::new();
    let ca = root("Test Root");
    s.put(
        "d90.pem",
        Leaf::new("d90.example.com")
            .valid(date(2026, 1, 1), date(2026, 8, 30))
            .issued_by(&ca),
    );
    let pack = s.side(
        "pack.toml",
        "id = \"long-windows\"\n[rules.expiring-soon]\nwindows = [{ days = 120, severity = \"low\" }]\n",
    );
    let run = scan_trusting(&s, &ca, &["--pack", pack.to_str().unwrap()]);
    let f = run.findings_for("expiring-soon", "d90.example.com");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity.as_str(), "low");
    assert_eq!(run.report().scan.pack.id, "long-windows");
}

#[test]
fn not_yet_valid_flags_future_not_before_only() {
    let s = Scratch::new();
    let ca = root("Test Root");
    s.put(
        "future.pem",
        Leaf::new("future.example.com")
            .valid(date(2026, 7, 1), date(2027, 7, 1))
            .issued_by(&ca),
    );
    s.put("now.pem", Leaf::new("now.example.com").issued_by(&ca));
    let run = scan_trusting(&s, &ca, &[]);
    assert_eq!(run.findings_for("not-yet-valid", "future.example.com").len(), 1);
    assert!(run.findings_for("not-yet-valid", "now.example.com").is_empty());
}

#[test]
fn untrusted_issuer_explains_each_chain_failure() {
    let s = Scratch::new();
    let anchor = root("Trusted Root");
    let intermediate = ca(
        "Trusted Intermediate",
        Some(&anchor),
        date(2020, 1, 1),
        date(2035, 1, 1),
    );
    let expired_intermediate = ca(
        "Expired Intermediate",
        Some(&anchor),
        date(2020, 1, 1),
        date(2026, 2, 1),
    );
    let stray_root = root("Stray Root");
    let missing = ca(
        "Missing Intermediate",
        Some(&anchor),
        date(2020, 1, 1),
        date(2035, 1, 1),
    );

    s.put("chain/intermediate.pem", intermediate.pem());
    s.put("chain/expired-intermediate.pem", expired_intermediate.pem());
    s.put("chain/stray-root.pem", stray_root.pem());
    s.put("good.pem", Leaf::new("good.example.com").issued_by(&intermediate));
    s.put("self.pem", Leaf::new("self.example.com").self_signed());
    s.put("stray.pem", Leaf::new("stray.example.com").issued_by(&stray_root));
    s.put("orphan.pem", Leaf::new("orphan.example.com").issued_by(&missing));
    s.put(
        "late.pem",
        Leaf::new("late.example.com").issued_by(&expired_intermediate),
    );
    s.put(
        "client.pem",
        Leaf::new("client.example.com")
            .eku(vec![ExtendedKeyUsagePurpose::ClientAuth])
            .issued_by(&intermediate),
    );
    let run = scan_trusting(&s, &anchor, &[]);

    assert_eq!(run.certificate("good.example.com").trust.status.as_str(), "trusted");
    assert!(run.findings_for("untrusted-issuer", "good.example.com").is_empty());
    for (cn, status) in [
        ("self.example.com", "self-signed"),
        ("stray.example.com", "unknown-issuer"),
        ("orphan.example.com", "missing-intermediate"),
        ("late.example.com", "expired-issuer"),
        ("client.example.com", "not-server-auth"),
    ] {
        assert_eq!(run.certificate(cn).trust.status.as_str(), status, "{cn}");
        let f = run.findings_for("untrusted-issuer", cn);
        assert_eq!(f.len(), 1, "{cn}");
        assert_eq!(f[0].ev("trust_status"), status);
        assert_eq!(f[0].severity.as_str(), "high");
    }
    assert!(run
        .certificate("orphan.example.com")
        .trust
        .detail
        .contains("Missing Intermediate"));
    assert!(run
        .certificate("late.example.com")
        .trust
        .detail
        .contains("Expired Intermediate"));
    // A root found among the inputs is not trusted for being there.
    assert_eq!(run.certificate("Stray Root").trust.status.as_str(), "self-signed");
    // CA certificates are not judged by leaf rules.
    assert!(run.findings_for("untrusted-issuer", "Stray Root").is_empty());
}

#[test]
fn an_expired_leaf_still_reports_whether_its_chain_is_sound() {
    let s = Scratch::new();
    let anchor = root("Trusted Root");
    s.put(
        "old.pem",
        Leaf::new("old.example.com")
            .valid(date(2025, 1, 1), date(2026, 2, 1))
            .issued_by(&anchor),
    );
    let run = scan_trusting(&s, &anchor, &[]);
    assert_eq!(run.certificate("old.example.com").trust.status.as_str(), "trusted");
    assert_eq!(run.findings_for("expired", "old.example.com").len(), 1);
    assert!(run.findings_for("untrusted-issuer", "old.example.com").is_empty());
}

#[test]
fn issuer_not_approved_matches_by_name_or_issuer_key() {
    let s = Scratch::new();
    let approved = root("Approved CA");
    let other = root("Other CA");
    s.put("a.pem", Leaf::new("a.example.com").issued_by(&approved));
    s.put("b.pem", Leaf::new("b.example.com").issued_by(&other));
    let anchors = s.side("anchors.pem", format!("{}{}", approved.pem(), other.pem()));
    let by_name = s.side(
        "by-name.toml",
        "id = \"policy\"\n[rules.issuer-not-approved]\nenabled = true\nissuers = [\"cn=approved ca\"]\n",
    );
    let base = ["--no-public-roots", "--trust-anchors", anchors.to_str().unwrap()];
    let run = scan(&s, &[&base[..], &["--pack", by_name.to_str().unwrap()]].concat());
    assert!(run.findings_for("issuer-not-approved", "a.example.com").is_empty());
    let f = run.findings_for("issuer-not-approved", "b.example.com");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ev("issuer"), "CN=Other CA");

    // Approving the other CA by its key hash clears b.
    let other_key = run
        .certificate("b.example.com")
        .trust
        .issuer_key_sha256
        .as_deref()
        .unwrap()
        .to_string();
    let by_key = s.side(
        "by-key.toml",
        format!(
            "id = \"policy\"\n[rules.issuer-not-approved]\nenabled = true\nissuer_key_sha256 = [\"{other_key}\"]\n"
        ),
    );
    let run = scan(&s, &[&base[..], &["--pack", by_key.to_str().unwrap()]].concat());
    assert!(run.findings_for("issuer-not-approved", "b.example.com").is_empty());
    assert_eq!(run.findings_for("issuer-not-approved", "a.example.com").len(), 1);

    // Off in the baseline.
    let run = scan(&s, &base);
    assert!(run.findings("issuer-not-approved").is_empty());
}

#[test]
fn internal_names_and_reserved_addresses_are_flagged() {
    let s = Scratch::new();
    let ca = root("Test Root");
    s.put(
        "local.pem",
        Leaf::new("mail.contoso.local")
            .names(&["mail.contoso.local", "mail.contoso.com"])
            .issued_by(&ca),
    );
    s.put("single.pem", Leaf::new("EX01").names(&["EX01"]).issued_by(&ca));
    s.put("corp.pem", Leaf::new("owa.corp").names(&["owa.corp"]).issued_by(&ca));
    s.put(
        "ip.pem",
        Leaf::new("ip.contoso.com")
            .names(&["ip.contoso.com"])
            .ips(&["10.0.0.5", "fd00::5"])
            .issued_by(&ca),
    );
    s.put(
        "public.pem",
        Leaf::new("mail.contoso.com")
            .names(&["mail.contoso.com", "autodiscover.contoso.co.uk"])
            .ips(&["20.1.2.3"])
            .issued_by(&ca),
    );
    s.put(
        "auth.pem",
        Leaf::new("x")
            .cn("Microsoft Exchange Server Auth Certificate")
            .names(&[])
            .self_signed(),
    );
    s.put("internal-ca.pem", ca_with_internal_name());
    let run = scan_trusting(&s, &ca, &[]);
    for cn in ["mail.contoso.local", "EX01", "owa.corp", "ip.contoso.com"] {
        assert_eq!(run.findings_for("internal-name-in-san", cn).len(), 1, "{cn}");
    }
    let ip = run.findings_for("internal-name-in-san", "ip.contoso.com")[0];
    let names: Vec<&str> = ip
        .ev("names")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["10.0.0.5", "fd00::5"]);
    let local = run.findings_for("internal-name-in-san", "mail.contoso.local")[0];
    let names: Vec<&str> = local
        .ev("names")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mail.contoso.local"], "the public SAN must not be listed");
    assert!(run.findings_for("internal-name-in-san", "mail.contoso.com").is_empty());
    assert!(
        run.findings_for("internal-name-in-san", "CORPCA").is_empty(),
        "CA certificates are not judged by name rules"
    );
    assert!(
        run.findings_for("internal-name-in-san", "Microsoft Exchange Server Auth Certificate")
            .is_empty(),
        "a CN that is not a host name is not an internal name"
    );
}

fn ca_with_internal_name() -> String {
    ca("CORPCA", None, date(2020, 1, 1), date(2040, 1, 1)).pem()
}

#[test]
fn san_count_over_limit_is_strictly_above_the_limit() {
    let s = Scratch::new();
    let ca = root("Test Root");
    let names = |n: usize| (0..n).map(|i| format!("h{i}.example.com")).collect::<Vec<_>>();
    let fifty = names(50);
    let fifty_one = names(51);
    s.put(
        "50.pem",
        Leaf::new("fifty.example.com")
            .names(&fifty.iter().map(String::as_str).collect::<Vec<_>>())
            .issued_by(&ca),
    );
    s.put(
        "51.pem",
        Leaf::new("fiftyone.example.com")
            .names(&fifty_one.iter().map(String::as_str).collect::<Vec<_>>())
            .issued_by(&ca),
    );
    let run = scan_trusting(&s, &ca, &[]);
    assert!(run.findings_for("san-count-over-limit", "fifty.example.com").is_empty());
    let f = run.findings_for("san-count-over-limit", "fiftyone.example.com");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ev("san_count"), 51);
    assert_eq!(f[0].ev("limit"), 50);
}

#[test]
fn weak_keys_are_flagged_and_strong_ones_are_not() {
    let s = Scratch::new();
    for f in ["rsa1024.pem", "ec-p224.pem", "rsa2048.pem", "root.pem"] {
        std::fs::copy(fixture(f), s.store().join(f)).unwrap();
    }
    let ca = root("Test Root"); // P-256
    s.put("p256.pem", Leaf::new("p256.example.com").issued_by(&ca));
    let run = scan(&s, &["--trust-anchors", fixture("root.pem").to_str().unwrap()]);
    let rsa = run.findings_for("weak-key", "rsa1024.fixture.example.com");
    assert_eq!(rsa.len(), 1);
    assert_eq!(rsa[0].ev("bits"), 1024);
    let ec = run.findings_for("weak-key", "p224.fixture.example.com");
    assert_eq!(ec.len(), 1);
    assert_eq!(ec[0].ev("curve"), "P-224");
    assert!(run.findings_for("weak-key", "leaf.fixture.example.com").is_empty());
    assert!(run.findings_for("weak-key", "p256.example.com").is_empty());
    assert_eq!(run.certificate("leaf.fixture.example.com").key.bits, 2048);
}

#[test]
fn weak_signatures_are_flagged_but_not_a_roots_self_signature() {
    let s = Scratch::new();
    for f in ["sha1.pem", "md5.pem", "rsa2048.pem", "root.pem", "root-sha1.pem"] {
        std::fs::copy(fixture(f), s.store().join(f)).unwrap();
    }
    let run = scan(&s, &["--trust-anchors", fixture("root.pem").to_str().unwrap()]);
    let sha1 = run.findings_for("weak-signature", "sha1.fixture.example.com");
    assert_eq!(sha1.len(), 1);
    assert_eq!(sha1[0].ev("signature_algorithm"), "sha1WithRSAEncryption");
    assert_eq!(run.findings_for("weak-signature", "md5.fixture.example.com").len(), 1);
    assert!(run
        .findings_for("weak-signature", "leaf.fixture.example.com")
        .is_empty());
    assert!(run.findings_for("weak-signature", "Fixture SHA1 Root CA").is_empty());
    // The validator refuses the SHA-1 chain too, and says why.
    assert_eq!(
        run.certificate("sha1.fixture.example.com").trust.status.as_str(),
        "weak-signature"
    );
    assert_eq!(
        run.certificate("leaf.fixture.example.com").trust.status.as_str(),
        "trusted"
    );
}

#[test]
fn a_tampered_signature_is_reported_as_bad() {
    let s = Scratch::new();
    let anchor = root("Trusted Root");
    let pem = Leaf::new("tampered.example.com").issued_by(&anchor);
    let mut der = rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec();
    let last = der.len() - 1; // the last byte of the signature value
    der[last] ^= 0x01;
    s.put("tampered.der", &der);
    s.put("intact.pem", Leaf::new("intact.example.com").issued_by(&anchor));
    let run = scan_trusting(&s, &anchor, &[]);
    assert_eq!(
        run.certificate("tampered.example.com").trust.status.as_str(),
        "bad-signature"
    );
    assert_eq!(run.findings_for("untrusted-issuer", "tampered.example.com").len(), 1);
    assert_eq!(run.certificate("intact.example.com").trust.status.as_str(), "trusted");
}
