//! Real mail servers from Debian's Dovecot on loopback: IMAP with STARTTLS, POP3 with STLS,
//! IMAPS and POP3S, first accepting TLS 1.0 to 1.3, then — through OpenSSL's own
//! configuration, `MaxProtocol = TLSv1` — only TLS 1.0, as an unpatched Exchange 2013 does. The
//! protocol matrix is checked against `openssl s_client -starttls`, and the TLS 1.0-only server
//! (which closes the connection on a modern hello rather than send an alert) is audited from
//! a legacy hello. `.ci/run` installs dovecot-imapd and dovecot-pop3d; a machine without
//! Dovecot skips these with a printed reason, CI never does.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, free_port, pem, present, s_client_accepts, scan_probing, wait_for, ServerProcess};
use crate::openssl_servers::openssl_present;

/// The user running the tests, for a Dovecot that cannot switch users (not root).
fn current_user() -> Option<(String, String)> {
    let id = |flag: &str| {
        let o = Command::new("id").arg(flag).output().ok()?;
        Some(String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if id("-u")? == "0" {
        return None;
    }
    Some((id("-un")?, id("-gn")?))
}

/// Dovecot serving `cert.pem` (leaf and chain) and `key.pem` from `dir`; with `max_tls10`,
/// OpenSSL's configuration caps it at TLS 1.0.
fn start(dir: &Path, max_tls10: bool) -> (ServerProcess, [u16; 4]) {
    let d = dir.display();
    let run = dir.join("run");
    let _ = std::fs::remove_dir_all(&run);
    let ports = [free_port(), free_port(), free_port(), free_port()];
    let openssl_conf = dir.join("openssl.cnf");
    std::fs::write(
        &openssl_conf,
        format!(
            "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\nCipherString = DEFAULT:@SECLEVEL=0\n{}",
            if max_tls10 { "MaxProtocol = TLSv1\n" } else { "" }
        ),
    )
    .unwrap();
    let users = match current_user() {
        None => String::new(),
        Some((user, group)) => {
            format!("default_internal_user = {user}\ndefault_internal_group = {group}\ndefault_login_user = {user}\n")
        }
    };
    let chroot = if users.is_empty() { "" } else { "    chroot =\n" };
    let dh = if Path::new("/usr/share/dovecot/dh.pem").exists() {
        "ssl_dh = </usr/share/dovecot/dh.pem\n"
    } else {
        ""
    };
    let conf = format!(
        "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n{users}\
         protocols = imap pop3\nimport_environment = TZ OPENSSL_CONF={}\nlisten = 127.0.0.1\n\
         ssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n{dh}ssl_min_protocol = TLSv1\n\
         ssl_cipher_list = DEFAULT:@SECLEVEL=0\n\
         passdb {{\n  driver = static\n  args = nopassword=y\n}}\n\
         userdb {{\n  driver = static\n  args = uid=65534 gid=65534 home={d}/home\n}}\n\
         service imap-login {{\n{chroot}  inet_listener imap {{\n    port = {}\n  }}\n  inet_listener imaps {{\n    port = {}\n    ssl = yes\n  }}\n}}\n\
         service pop3-login {{\n{chroot}  inet_listener pop3 {{\n    port = {}\n  }}\n  inet_listener pop3s {{\n    port = {}\n    ssl = yes\n  }}\n}}\n",
        openssl_conf.display(),
        ports[0],
        ports[1],
        ports[2],
        ports[3]
    );
    std::fs::write(dir.join("dovecot.conf"), conf).unwrap();
    let child = Command::new("dovecot")
        .arg("-F")
        .arg("-c")
        .arg(dir.join("dovecot.conf"))
        .env("OPENSSL_CONF", &openssl_conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // SIGTERM lets the master stop the login processes it started.
    let mut stop = Command::new("kill");
    stop.args(["-TERM", &child.id().to_string()]);
    let server = ServerProcess {
        child,
        stop: Some(stop),
    };
    wait_for(&ports, "dovecot", &dir.join("dovecot.log"));
    (server, ports)
}

#[test]
fn dovecot_mail_ports_are_audited_with_and_without_modern_tls() {
    if !present("dovecot", &["--version"], "dovecot-imapd") || !openssl_present() {
        return;
    }
    let root: Ca = ca("Dovecot Root CA", None, days(-400), days(3000));
    let inter: Ca = ca("Dovecot Issuing CA", Some(&root), days(-300), days(2000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&inter);
    let s = Scratch::new();
    let dir = s.dir.path();
    std::fs::write(
        dir.join("cert.pem"),
        format!("{}{}", pem("CERTIFICATE", &leaf), pem("CERTIFICATE", inter.der())),
    )
    .unwrap();
    std::fs::write(dir.join("key.pem"), pem("PRIVATE KEY", &key)).unwrap();
    let anchor = s.side("root.pem", root.pem());
    let schemes = ["imap", "imaps", "pop3", "pop3s"];
    let starttls = [Some("imap"), None, Some("pop3"), None];
    let flags = ["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"];
    for max_tls10 in [false, true] {
        let (server, ports) = start(dir, max_tls10);
        let targets: Vec<String> = schemes
            .iter()
            .zip(ports)
            .map(|(scheme, port)| format!("{scheme}://mail.contoso.com:{port}"))
            .collect();
        let probes: Vec<&str> = targets.iter().map(String::as_str).collect();
        let run = scan_probing(&s, &probes, &anchor, &[]);
        let report = run.report();
        for (i, target) in targets.iter().enumerate() {
            let e = report.endpoints.iter().find(|e| &e.target == target).unwrap();
            assert_eq!(
                e.status.as_str(),
                "ok",
                "{target} (max TLS 1.0: {max_tls10}): {:?}",
                e.error
            );
            assert_eq!(e.chain.len(), 2, "{target}");
            let accepted: Vec<bool> = e.protocols.iter().map(|p| p.accepted == Some(true)).collect();
            let expected = if max_tls10 {
                [false, true, false, false, false]
            } else {
                [false, true, true, true, true]
            };
            assert_eq!(accepted, expected, "{target}: {:?}", e.protocols);
            // openssl's own client, asked the same questions through the same STARTTLS.
            for (flag, want) in flags.iter().zip(&expected[1..]) {
                assert_eq!(
                    s_client_accepts(ports[i], starttls[i], flag),
                    *want,
                    "{target}: openssl s_client {flag} disagrees with the matrix {:?}",
                    e.protocols
                );
            }
            if max_tls10 {
                assert_eq!(e.tls_version.as_deref(), Some("TLSv1.0"), "{target}");
                assert!(
                    e.notes.iter().any(|n| n.contains("did not complete")),
                    "{target}: {:?}",
                    e.notes
                );
            }
            let legacy = run
                .findings("legacy-protocol-enabled")
                .iter()
                .filter(|f| f.endpoint.as_deref() == Some(target.as_str()))
                .count();
            assert_eq!(legacy, 1, "{target}");
        }
        let leaf_entry = report
            .certificates
            .iter()
            .find(|c| c.subject == "CN=mail.contoso.com")
            .unwrap();
        assert_eq!(leaf_entry.trust.status.as_str(), "trusted");
        drop(server);
    }
}
