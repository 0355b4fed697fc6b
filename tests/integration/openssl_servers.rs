//! Real servers from Debian's openssl (`openssl s_server`) on loopback: endpoints that speak
//! only TLS 1.0 or TLS 1.1, as an old Schannel does (rustls cannot complete a handshake with
//! them, so certaudit reads their certificate from a legacy ServerHello, `probe::legacy`), and
//! endpoints that send their chain out of order or with the root (chain hygiene).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, pem};
use crate::local_servers::{free_port, present, s_client_accepts, scan_probing, wait_for, ServerProcess};

/// Whether Debian's openssl is here; in CI it must be (`.ci/run` installs it).
pub(crate) fn openssl_present() -> bool {
    present("openssl", &["version"], "openssl")
}

/// `openssl s_server` serving `leaf.pem`/`leaf.key` with the certificates of `chain.pem` in
/// that file's order, and `flags`; its port.
pub(crate) fn start(dir: &Path, flags: &[&str]) -> (ServerProcess, u16) {
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(dir.join("leaf.pem"))
        .arg("-key")
        .arg(dir.join("leaf.key"))
        .arg("-cert_chain")
        .arg(dir.join("chain.pem"))
        .args(flags)
        .arg("-quiet")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = ServerProcess { child, stop: None };
    wait_for(&[port], "openssl s_server", Path::new("/dev/null"));
    (server, port)
}

#[test]
fn tls_1_0_and_1_1_only_servers_are_audited_from_a_legacy_hello() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Legacy Root CA", None, days(-400), days(3000));
    let inter: Ca = ca("Legacy Issuing CA", Some(&root), days(-300), days(2000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&inter);
    for (flag, version) in [("-tls1", "TLSv1.0"), ("-tls1_1", "TLSv1.1")] {
        let s = Scratch::new();
        let dir = s.dir.path();
        std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", &leaf)).unwrap();
        std::fs::write(dir.join("leaf.key"), pem("PRIVATE KEY", &key)).unwrap();
        std::fs::write(dir.join("chain.pem"), pem("CERTIFICATE", inter.der())).unwrap();
        let anchor = s.side("root.pem", root.pem());
        let (server, port) = start(dir, &[flag, "-cipher", "DEFAULT:@SECLEVEL=0"]);
        let target = format!("https://mail.contoso.com:{}", port);
        let run = probe(&s, &target, &anchor);
        let report = run.report();
        let e = &report.endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{flag}: {:?}\n{}", e.error, run.stderr);
        assert_eq!(e.tls_version.as_deref(), Some(version), "{flag}");
        assert!(
            e.cipher.as_deref().is_some_and(|c| c.starts_with("TLS_")),
            "{flag}: {:?}",
            e.cipher
        );
        assert_eq!(e.chain.len(), 2, "{flag}: the leaf and its intermediate, as served");
        assert!(
            e.notes.iter().any(|n| n.contains("did not complete")),
            "{flag}: {:?}",
            e.notes
        );
        let leaf_entry = report.certificates.iter().find(|c| c.sha256 == e.chain[0]).unwrap();
        assert_eq!(
            leaf_entry.trust.status.as_str(),
            "trusted",
            "{flag}: audited like any other"
        );
        assert!(run.findings("probe-failed").is_empty(), "{flag}");
        assert!(run.findings("hostname-mismatch").is_empty(), "{flag}");
        let legacy = run.findings("legacy-protocol-enabled");
        assert_eq!(legacy.len(), 1, "{flag}");
        assert_eq!(legacy[0].severity.as_str(), "high");
        assert_eq!(legacy[0].endpoint.as_deref(), Some(target.as_str()));
        drop(server);
    }
}

/// A probe of `target` (resolved to loopback) trusting `anchor` only.
fn probe(s: &Scratch, target: &str, anchor: &Path) -> crate::common::Run {
    scan_probing(s, &[target], anchor, &[])
}

#[test]
fn a_chain_sent_out_of_order_with_its_root_is_named() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Hygiene Root CA", None, days(-400), days(3000));
    let inter: Ca = ca("Hygiene Issuing CA", Some(&root), days(-300), days(2000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&inter);
    // (chain file in this order, out of order?, root sent?)
    let shapes = [
        (vec![inter.der().to_vec()], false, false),
        (vec![root.der().to_vec(), inter.der().to_vec()], true, true),
        (vec![inter.der().to_vec(), root.der().to_vec()], false, true),
    ];
    for (chain, out_of_order, root_sent) in shapes {
        let s = Scratch::new();
        let dir = s.dir.path();
        std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", &leaf)).unwrap();
        std::fs::write(dir.join("leaf.key"), pem("PRIVATE KEY", &key)).unwrap();
        let bundle: String = chain.iter().map(|d| pem("CERTIFICATE", d)).collect();
        std::fs::write(dir.join("chain.pem"), bundle).unwrap();
        let anchor = s.side("root.pem", root.pem());
        let (server, port) = start(dir, &[]);
        let target = format!("https://mail.contoso.com:{}", port);
        let run = probe(&s, &target, &anchor);
        let e = &run.report().endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{:?}\n{}", e.error, run.stderr);
        assert_eq!(e.chain.len(), chain.len() + 1, "sent as configured");
        let fired = |rule: &str| !run.findings(rule).is_empty();
        assert_eq!(fired("chain-out-of-order"), out_of_order, "{:?}", e.chain);
        assert_eq!(fired("chain-includes-root"), root_sent, "{:?}", e.chain);
        assert!(!fired("chain-extra-certificates"));
        assert!(
            run.findings("legacy-protocol-enabled").is_empty(),
            "OpenSSL speaks TLS 1.3"
        );
        drop(server);
    }
}

#[test]
fn the_protocol_matrix_agrees_with_openssl_s_client() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Matrix Root CA", None, days(-400), days(3000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&root);
    // (server flags, what certaudit must find for SSLv3, TLS1.0, TLS1.1, TLS1.2, TLS1.3)
    let shapes: [(&[&str], [bool; 5]); 3] = [
        (&["-cipher", "DEFAULT:@SECLEVEL=0"], [false, true, true, true, true]),
        (
            &["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"],
            [false, false, true, false, false],
        ),
        (
            &["-no_tls1", "-no_tls1_1", "-no_tls1_3"],
            [false, false, false, true, false],
        ),
    ];
    for (flags, expected) in shapes {
        let s = Scratch::new();
        let dir = s.dir.path();
        std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", &leaf)).unwrap();
        std::fs::write(dir.join("leaf.key"), pem("PRIVATE KEY", &key)).unwrap();
        std::fs::write(dir.join("chain.pem"), pem("CERTIFICATE", root.der())).unwrap();
        let anchor = s.side("root.pem", root.pem());
        let (server, port) = start(dir, flags);
        let target = format!("https://mail.contoso.com:{}", port);
        let run = probe(&s, &target, &anchor);
        let e = &run.report().endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{flags:?}: {:?}\n{}", e.error, run.stderr);
        let got: Vec<(&str, Option<bool>)> = e.protocols.iter().map(|p| (p.version.as_str(), p.accepted)).collect();
        let names = ["SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"];
        let want: Vec<(&str, Option<bool>)> = names.into_iter().zip(expected.map(Some)).collect();
        assert_eq!(got, want, "{flags:?}: {:?}", e.protocols);
        // openssl's own client, asked the same questions, agrees (it has no SSLv3 to ask).
        for (flag, accepted) in ["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"]
            .into_iter()
            .zip(&expected[1..])
        {
            assert_eq!(
                s_client_accepts(port, None, flag),
                *accepted,
                "{flags:?}: openssl s_client {flag} disagrees with the matrix {:?}",
                e.protocols
            );
        }
        for p in e.protocols.iter().filter(|p| p.accepted == Some(true)) {
            assert!(
                p.cipher
                    .as_deref()
                    .is_some_and(|c| c.starts_with("TLS_") || c.starts_with("TLS13_")),
                "{p:?}"
            );
        }
        let legacy = run.findings("legacy-protocol-enabled");
        assert_eq!(legacy.len(), usize::from(expected[1] || expected[2]), "{flags:?}");
        drop(server);
    }
}

/// The checklist of a TLS 1.0-only server: a TLS configuration plan for its host with the
/// Schannel commands, and no certificate renewal for what a new certificate cannot fix.
#[test]
fn the_checklist_plans_schannel_changes_for_a_legacy_server_not_a_renewal() {
    if !openssl_present() {
        return;
    }
    let root: Ca = ca("Checklist Root CA", None, days(-400), days(3000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(300))
        .issued_by_with_key(&root);
    let s = Scratch::new();
    let dir = s.dir.path();
    std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", &leaf)).unwrap();
    std::fs::write(dir.join("leaf.key"), pem("PRIVATE KEY", &key)).unwrap();
    std::fs::write(dir.join("chain.pem"), pem("CERTIFICATE", root.der())).unwrap();
    let anchor = s.side("root.pem", root.pem());
    let (server, port) = start(dir, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let out = s.out();
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args(["checklist", "--probe", &format!("https://mail.contoso.com:{}", port)])
        .args(["--resolve", "mail.contoso.com=127.0.0.1", "--no-public-roots"])
        .arg("--trust-anchors")
        .arg(&anchor)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    drop(server);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("checklist.json")).unwrap()).unwrap();
    let plans = json["plans"].as_array().unwrap();
    assert!(
        plans
            .iter()
            .all(|p| !p["reasons"].to_string().contains("legacy-protocol-enabled")),
        "a renewal does not turn TLS 1.0 off: {plans:?}\n{stderr}"
    );
    let tls = json["tls"].as_array().unwrap();
    assert_eq!(tls.len(), 1, "{json}");
    assert_eq!(tls[0]["host"], "mail.contoso.com");
    let steps = tls[0]["steps"].to_string();
    assert!(steps.contains("Disable TLS 1.0 in Schannel"), "{steps}");
    assert!(steps.contains(r"SCHANNEL\\Protocols"), "{steps}");
    assert!(steps.contains("Restart-Computer"), "{steps}");
    let md = std::fs::read_to_string(out.join("checklist.md")).unwrap();
    assert!(md.contains("TLS configuration of mail.contoso.com"), "{md}");
    let html = std::fs::read_to_string(out.join("checklist.html")).unwrap();
    assert!(html.contains("TLS configuration of mail.contoso.com"));
}
