//! A real SMTP server from Debian's Postfix on loopback, with STARTTLS: first accepting TLS 1.0
//! to 1.3, then only TLS 1.0 (`smtpd_tls_protocols = >=TLSv1, <=TLSv1`), the "TLS 1.0 enabled
//! on SMTP" an auditor reports. The protocol matrix is checked against `openssl s_client
//! -starttls smtp`. Postfix's master runs as root; `.ci/run` installs postfix. A machine
//! without Postfix, or a run that is not root, skips with a printed reason; CI never does.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, free_port, pem, s_client_accepts, scan_probing, wait_for, ServerProcess};
use crate::openssl_servers::openssl_present;

fn postfix_usable() -> bool {
    let present = Path::new("/usr/sbin/postfix").exists();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !(present && root) {
        let why = if present {
            "not root (Postfix's master must start as root)"
        } else {
            "no postfix on this machine"
        };
        assert!(
            std::env::var_os("CI").is_none(),
            "the Postfix test cannot run in CI: {why} (.ci/run installs postfix and runs as root)"
        );
        eprintln!("SKIPPED: {why}; the Postfix test did not run");
        return false;
    }
    true
}

/// Postfix's smtpd on a loopback port with STARTTLS, `cert.pem` and `key.pem` from `base`,
/// offering the TLS versions `protocols` allows.
fn start(base: &Path, name: &str, protocols: &str) -> (ServerProcess, u16) {
    let dir = base.join(name);
    std::fs::create_dir_all(dir.join("queue")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    // Postfix's own processes run as the postfix user: they must reach the queue.
    for p in [base, dir.as_path()] {
        Command::new("chmod").arg("755").arg(p).status().unwrap();
    }
    Command::new("chown")
        .arg("postfix")
        .arg(dir.join("data"))
        .status()
        .unwrap();
    let port = free_port();
    let d = dir.display();
    let b = base.display();
    std::fs::write(
        dir.join("main.cf"),
        format!(
            "compatibility_level = 3.6\nqueue_directory = {d}/queue\ndata_directory = {d}/data\n\
             mail_owner = postfix\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n\
             myhostname = mail.contoso.com\nmydestination =\nmaillog_file_prefixes = {b}\nmaillog_file = {d}/maillog\n\
             smtpd_tls_cert_file = {b}/cert.pem\nsmtpd_tls_key_file = {b}/key.pem\n\
             smtpd_tls_security_level = may\nsmtpd_tls_protocols = {protocols}\n\
             smtpd_tls_ciphers = low\ntls_low_cipherlist = DEFAULT:@SECLEVEL=0\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("master.cf"),
        format!(
            "127.0.0.1:{port} inet n - n - - smtpd\npostlog unix-dgram n - n - 1 postlogd\n\
             tlsmgr unix - - n 1000? 1 tlsmgr\nanvil unix - - n - 1 anvil\nscache unix - - n - 1 scache\n\
             proxymap unix - - n - - proxymap\nrewrite unix - - n - - trivial-rewrite\n"
        ),
    )
    .unwrap();
    let check = Command::new("postfix")
        .arg("-c")
        .arg(&dir)
        .arg("check")
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "postfix check: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let child = Command::new("postfix")
        .arg("-c")
        .arg(&dir)
        .arg("start-fg")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stop = Command::new("postfix");
    stop.arg("-c").arg(&dir).arg("stop");
    let server = ServerProcess {
        child,
        stop: Some(stop),
    };
    wait_for(&[port], "postfix", &dir.join("maillog"));
    (server, port)
}

#[test]
fn postfix_smtp_with_starttls_modern_and_tls_1_0_only() {
    if !postfix_usable() || !openssl_present() {
        return;
    }
    let root: Ca = ca("Postfix Root CA", None, days(-400), days(3000));
    let inter: Ca = ca("Postfix Issuing CA", Some(&root), days(-300), days(2000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&inter);
    let s = Scratch::new();
    let base = s.dir.path().join("postfix");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(
        base.join("cert.pem"),
        format!("{}{}", pem("CERTIFICATE", &leaf), pem("CERTIFICATE", inter.der())),
    )
    .unwrap();
    std::fs::write(base.join("key.pem"), pem("PRIVATE KEY", &key)).unwrap();
    Command::new("chmod")
        .arg("600")
        .arg(base.join("key.pem"))
        .status()
        .unwrap();
    let anchor = s.side("root.pem", root.pem());
    // (instance, smtpd_tls_protocols, versions accepted TLS 1.0 … 1.3, negotiated)
    let shapes: [(&str, &str, [bool; 4], &str); 2] = [
        ("modern", ">=TLSv1", [true, true, true, true], "TLSv1.3"),
        ("tls10", ">=TLSv1, <=TLSv1", [true, false, false, false], "TLSv1.0"),
    ];
    for (name, protocols, expected, negotiated) in shapes {
        let (server, port) = start(&base, name, protocols);
        let target = format!("smtp://mail.contoso.com:{port}");
        let run = scan_probing(&s, &[&target], &anchor, &[]);
        let e = &run.report().endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{name}: {:?}\n{}", e.error, run.stderr);
        assert_eq!(e.tls_version.as_deref(), Some(negotiated), "{name}");
        assert_eq!(e.chain.len(), 2, "{name}");
        let accepted: Vec<bool> = e.protocols.iter().map(|p| p.accepted == Some(true)).collect();
        assert!(!accepted[0], "{name}: SSLv3");
        assert_eq!(accepted[1..], expected, "{name}: {:?}", e.protocols);
        for (flag, want) in ["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"].iter().zip(expected) {
            assert_eq!(
                s_client_accepts(port, Some("smtp"), flag),
                want,
                "{name}: openssl s_client -starttls smtp {flag} disagrees with {:?}",
                e.protocols
            );
        }
        assert_eq!(run.findings("legacy-protocol-enabled").len(), 1, "{name}");
        assert!(run.findings("probe-failed").is_empty(), "{name}");
        drop(server);
    }
}
