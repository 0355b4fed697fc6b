//! OCSP stapling against real servers: responses made by Debian's `openssl ocsp` (acting as
//! the CA's responder over an `index.txt`, as a CA runs it) and stapled by `openssl s_server
//! -status_file`, so that certaudit's verification is checked against an independent writer.
//! Good, revoked (with its reason and date), stale, signed by a stranger, signed by a delegated
//! responder, answering for another certificate, and a Must-Staple leaf served without one.

use std::path::Path;
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, pem, scan_probing};
use crate::openssl_servers::{openssl_present, start};

/// An issuing CA whose key the test keeps (openssl signs responses with it).
pub(crate) fn issuing_ca(cn: &str, root: &Ca) -> (Ca, Vec<u8>) {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = days(-300);
    p.not_after = days(2000);
    let key = KeyPair::generate().unwrap();
    let key_der = key.serialize_der();
    (CertifiedIssuer::signed_by(p, key, root).unwrap(), key_der)
}

/// A responder certificate issued by `issuer` with id-kp-OCSPSigning: (certificate, key), DER.
fn responder(issuer: &Ca, cn: &str) -> (Vec<u8>, Vec<u8>) {
    Leaf::new(cn)
        .names(&[])
        .valid(days(-10), days(100))
        .eku(vec![ExtendedKeyUsagePurpose::OcspSigning])
        .issued_by_with_key(issuer)
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The serial of `cert` as openssl's index.txt writes it.
pub(crate) fn serial(dir: &Path, cert: &str) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(["x509", "-noout", "-serial", "-in", cert])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_string()
}

/// An OCSP response for `cert`, made by `openssl ocsp` as the responder for `index` lines,
/// signed with `signer`/`signer.key`, valid `days` days; written to `name`.
pub(crate) fn ocsp_response(dir: &Path, cert: &str, index: &str, signer: &str, ndays: &str, name: &str) {
    std::fs::write(dir.join("index.txt"), index).unwrap();
    openssl(
        dir,
        &[
            "ocsp",
            "-issuer",
            "issuer.pem",
            "-cert",
            cert,
            "-no_nonce",
            "-reqout",
            "req.der",
        ],
    );
    openssl(
        dir,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "issuer.pem",
            "-rsigner",
            &format!("{signer}.pem"),
            "-rkey",
            &format!("{signer}.key"),
            "-reqin",
            "req.der",
            "-respout",
            name,
            "-ndays",
            ndays,
        ],
    );
}

#[test]
fn staples_made_by_openssl_ocsp_are_verified() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Staple Root CA", None, days(-400), days(3000));
    let (issuer, issuer_key) = issuing_ca("Staple Issuing CA", &root);
    let (leaf, leaf_key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&issuer);
    let (other, _) = Leaf::new("old.contoso.com")
        .valid(days(-30), days(200))
        .issued_by_with_key(&issuer);
    let (delegate, delegate_key) = responder(&issuer, "Staple OCSP Responder");
    let stranger: Ca = ca("Stranger CA", None, days(-10), days(100));
    let (stranger_signer, stranger_key) = responder(&stranger, "Stranger Responder");

    let s = Scratch::new();
    let dir = s.dir.path();
    let write = |name: &str, label: &str, der: &[u8]| std::fs::write(dir.join(name), pem(label, der)).unwrap();
    write("leaf.pem", "CERTIFICATE", &leaf);
    write("leaf.key", "PRIVATE KEY", &leaf_key);
    write("other.pem", "CERTIFICATE", &other);
    write("chain.pem", "CERTIFICATE", issuer.der());
    write("issuer.pem", "CERTIFICATE", issuer.der());
    write("issuer.key", "PRIVATE KEY", &issuer_key);
    write("delegate.pem", "CERTIFICATE", &delegate);
    write("delegate.key", "PRIVATE KEY", &delegate_key);
    write("stranger.pem", "CERTIFICATE", &stranger_signer);
    write("stranger.key", "PRIVATE KEY", &stranger_key);
    let anchor = s.side("root.pem", root.pem());

    let expiry = (time::OffsetDateTime::now_utc() + time::Duration::days(200))
        .format(&time::macros::format_description!(
            "[year repr:last_two][month][day][hour][minute][second]Z"
        ))
        .unwrap();
    let revoked_on = time::OffsetDateTime::now_utc() - time::Duration::days(3);
    let revoked_text = revoked_on
        .format(&time::macros::format_description!(
            "[year repr:last_two][month][day][hour][minute][second]Z"
        ))
        .unwrap();
    let line = |status: &str, revoked: &str, cert: &str, cn: &str| {
        format!(
            "{status}\t{expiry}\t{revoked}\t{}\tunknown\t/CN={cn}\n",
            serial(dir, cert)
        )
    };
    let good = line("V", "", "leaf.pem", "mail.contoso.com");
    let revoked = line(
        "R",
        &format!("{revoked_text},keyCompromise"),
        "leaf.pem",
        "mail.contoso.com",
    );
    let other_good = line("V", "", "other.pem", "old.contoso.com");

    // (response file, extra arguments, expected status, expected rule)
    ocsp_response(dir, "leaf.pem", &good, "issuer", "7", "good.der");
    ocsp_response(dir, "leaf.pem", &revoked, "issuer", "7", "revoked.der");
    ocsp_response(dir, "leaf.pem", &good, "delegate", "7", "delegated.der");
    ocsp_response(dir, "leaf.pem", &good, "stranger", "7", "stranger.der");
    ocsp_response(dir, "other.pem", &other_good, "issuer", "7", "other.der");
    ocsp_response(dir, "leaf.pem", &good, "issuer", "1", "short.der");
    // The responder knows only the other certificate: its answer for the leaf is `unknown`.
    ocsp_response(dir, "leaf.pem", &other_good, "issuer", "7", "unknown.der");
    let in_three_days = (time::OffsetDateTime::now_utc() + time::Duration::days(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let later: &[&str] = &["--at", &in_three_days];
    // The good response with its signed producedAt moved by a second (the last digit of its
    // seconds, the first GeneralizedTime in the response): the signature no longer matches.
    let mut tampered = std::fs::read(dir.join("good.der")).unwrap();
    let at = tampered.windows(2).position(|w| w == [0x18, 0x0f]).unwrap() + 2 + 13;
    tampered[at] ^= 1;
    std::fs::write(dir.join("tampered.der"), tampered).unwrap();
    let cases: [(&str, &[&str], &str, Option<&str>); 8] = [
        ("unknown.der", &[], "unknown", Some("ocsp-staple-invalid")),
        ("good.der", &[], "good", None),
        ("revoked.der", &[], "revoked", Some("certificate-revoked")),
        ("delegated.der", &[], "good", None),
        ("stranger.der", &[], "invalid", Some("ocsp-staple-invalid")),
        ("tampered.der", &[], "invalid", Some("ocsp-staple-invalid")),
        ("other.der", &[], "invalid", Some("ocsp-staple-invalid")),
        // Valid one day; evaluated three days on, it is stale.
        ("short.der", later, "invalid", Some("ocsp-staple-invalid")),
    ];
    for (file, extra, status, rule) in cases {
        let (server, port) = start(dir, &["-status_file", dir.join(file).to_str().unwrap()]);
        let target = format!("https://mail.contoso.com:{port}");
        let run = scan_probing(&s, &[&target], &anchor, extra);
        drop(server);
        let e = &run.report().endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{file}: {:?}\n{}", e.error, run.stderr);
        assert!(e.staple_requested, "{file}");
        let staple = e
            .ocsp_staple
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no staple recorded"));
        assert_eq!(staple.status.as_str(), status, "{file}: {}", staple.detail);
        for r in [
            "certificate-revoked",
            "ocsp-staple-invalid",
            "must-staple-without-staple",
        ] {
            assert_eq!(
                run.findings(r).len(),
                usize::from(rule == Some(r)),
                "{file}: {r}: {}",
                staple.detail
            );
        }
        match file {
            "revoked.der" => {
                let f = &run.findings("certificate-revoked")[0];
                assert_eq!(f.severity.as_str(), "critical");
                assert_eq!(staple.revocation_reason.as_deref(), Some("keyCompromise"));
                let when = staple.revoked_at.unwrap().timestamp();
                assert!((when - revoked_on.unix_timestamp()).abs() <= 1, "{when}");
                assert!(f.message.contains("keyCompromise"), "{}", f.message);
            }
            "delegated.der" => {
                assert!(
                    staple.responder.as_deref().unwrap().contains("Staple OCSP Responder"),
                    "{:?}",
                    staple.responder
                );
            }
            "good.der" => {
                assert!(staple.responder.as_deref().unwrap().contains("Staple Issuing CA"));
                assert!(staple.next_update.unwrap() > staple.this_update.unwrap());
            }
            "stranger.der" => assert!(
                staple
                    .detail
                    .contains("Stranger Responder was not issued by the leaf's issuer"),
                "{}",
                staple.detail
            ),
            "tampered.der" => assert!(staple.detail.contains("does not verify"), "{}", staple.detail),
            "other.der" => assert!(staple.detail.contains("not for this leaf"), "{}", staple.detail),
            "short.der" => assert!(staple.detail.contains("stale"), "{}", staple.detail),
            "unknown.der" => assert!(staple.detail.contains("does not know"), "{}", staple.detail),
            _ => unreachable!(),
        }
    }

    // A chain without the leaf's issuer (the root sent instead): the staple cannot be checked,
    // so it is neither good nor a finding, and the scan says what it could not audit.
    write("chain.pem", "CERTIFICATE", root.der());
    let (server, port) = start(dir, &["-status_file", dir.join("good.der").to_str().unwrap()]);
    let run = scan_probing(&s, &[&format!("https://mail.contoso.com:{port}")], &anchor, &[]);
    drop(server);
    let e = &run.report().endpoints[0];
    assert_eq!(e.ocsp_staple.as_ref().unwrap().status.as_str(), "unverifiable");
    assert!(run.findings("ocsp-staple-invalid").is_empty());
    assert!(
        run.report()
            .not_audited
            .iter()
            .any(|n| n.rule.as_deref() == Some("ocsp-staple-invalid")),
        "{:?}",
        run.report().not_audited
    );
    write("chain.pem", "CERTIFICATE", issuer.der());

    // No staple at all: recorded as asked for, none came, no finding for an ordinary leaf.
    let (server, port) = start(dir, &[]);
    let run = scan_probing(&s, &[&format!("https://mail.contoso.com:{port}")], &anchor, &[]);
    drop(server);
    let e = &run.report().endpoints[0];
    assert!(e.staple_requested && e.ocsp_staple.is_none());
    assert!(run.findings("must-staple-without-staple").is_empty());
}

#[test]
fn a_must_staple_leaf_served_without_a_staple_is_named() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Must-Staple Root CA", None, days(-400), days(3000));
    let mut params = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .params();
    // TLS Feature (RFC 7633): SEQUENCE { INTEGER 5 (status_request) }.
    params.custom_extensions.push(rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 24],
        vec![0x30, 0x03, 0x02, 0x01, 0x05],
    ));
    let key = KeyPair::generate().unwrap();
    let leaf = params.signed_by(&key, &root).unwrap();
    let s = Scratch::new();
    let dir = s.dir.path();
    std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", leaf.der())).unwrap();
    std::fs::write(dir.join("leaf.key"), pem("PRIVATE KEY", &key.serialize_der())).unwrap();
    std::fs::write(dir.join("chain.pem"), pem("CERTIFICATE", root.der())).unwrap();
    let anchor = s.side("root.pem", root.pem());
    let (server, port) = start(dir, &[]);
    let target = format!("https://mail.contoso.com:{port}");
    let run = scan_probing(&s, &[&target], &anchor, &[]);
    drop(server);
    let f = run.findings("must-staple-without-staple");
    assert_eq!(f.len(), 1, "{}", run.stderr);
    assert_eq!(f[0].severity.as_str(), "high");
    assert_eq!(f[0].endpoint.as_deref(), Some(target.as_str()));
}
