//! Servers that speak only TLS 1.0 or TLS 1.1, as an old Schannel does: real OpenSSL
//! (`openssl s_server`, Debian's package) on loopback. rustls cannot complete a handshake with
//! them, so certaudit reads their certificate from a legacy ServerHello (`probe::legacy`),
//! audits it like any other, and flags the version (`legacy-protocol-enabled`).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::common::{ca, certaudit, Ca, Leaf, Scratch};

fn days(n: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(n)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// `openssl s_server` on a loopback port, stopped when dropped.
struct OpensslServer {
    child: Child,
    port: u16,
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether Debian's openssl is here; in CI it must be (`.ci/run` installs it).
fn openssl_present() -> bool {
    let present = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl is missing in CI: .ci/run installs Debian's openssl"
        );
        eprintln!("SKIPPED: no openssl on this machine; the legacy-server tests did not run");
    }
    present
}

fn start(dir: &Path, version_flag: &str) -> OpensslServer {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(dir.join("leaf.pem"))
        .arg("-key")
        .arg(dir.join("leaf.key"))
        .arg("-cert_chain")
        .arg(dir.join("chain.pem"))
        .args([version_flag, "-cipher", "DEFAULT:@SECLEVEL=0", "-quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = OpensslServer { child, port };
    // Ready once it accepts connections: a generous bound for a loaded machine.
    let until = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "openssl s_server did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
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
        let server = start(dir, flag);
        let out = s.out();
        let target = format!("https://mail.contoso.com:{}", server.port);
        let run = certaudit(
            &[
                "scan",
                "--probe",
                &target,
                "--resolve",
                "mail.contoso.com=127.0.0.1",
                "--no-public-roots",
                "--trust-anchors",
                anchor.to_str().unwrap(),
                "--timeout",
                "10",
                "-f",
                "json",
                "--no-history",
                "-o",
                out.to_str().unwrap(),
            ],
            Some(&out),
        );
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
