//! Real servers from Debian's nginx on loopback: a chain file in the wrong order with the root
//! in it, and OCSP stapling from `ssl_stapling_file` (responses made by `openssl ocsp`), as a
//! reverse proxy or load balancer in front of Exchange serves them. `.ci/run` installs
//! nginx-light; a machine without nginx skips these with a printed reason, CI never does.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, free_port, pem, present, scan_probing, wait_for, ServerProcess};
use crate::ocsp_staples::{issuing_ca, ocsp_response, serial};
use crate::openssl_servers::openssl_present;

/// nginx serving `fullchain.pem` (in that file's order) with `leaf.key` from `dir`, stapling
/// `staple` when given, with `protocols` (ssl_protocols and ssl_ciphers); one process,
/// everything under `dir`.
fn start(dir: &Path, staple: Option<&str>, protocols: &str) -> (ServerProcess, u16) {
    let port = free_port();
    let d = dir.display();
    let stapling = staple
        .map(|f| format!("ssl_stapling on;\n    ssl_stapling_file {d}/{f};"))
        .unwrap_or_default();
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
         server {{\n    listen 127.0.0.1:{port} ssl;\n    server_name mail.contoso.com;\n    \
         ssl_certificate {d}/fullchain.pem;\n    ssl_certificate_key {d}/leaf.key;\n    {stapling}\n    {protocols}\n    \
         location / {{ return 200 \"ok\"; }}\n  }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-e", "stderr"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = ServerProcess { child, stop: None };
    wait_for(&[port], "nginx", &dir.join("error.log"));
    (server, port)
}

#[test]
fn nginx_chains_in_the_wrong_order_and_its_staples_are_audited() {
    if !present("nginx", &["-v"], "nginx-light") || !openssl_present() {
        return;
    }
    let root: Ca = ca("Proxy Root CA", None, days(-400), days(3000));
    let (issuer, issuer_key) = issuing_ca("Proxy Issuing CA", &root);
    let (leaf, leaf_key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&issuer);
    let s = Scratch::new();
    let dir = s.dir.path();
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write("leaf.pem", pem("CERTIFICATE", &leaf));
    write("leaf.key", pem("PRIVATE KEY", &leaf_key));
    write("issuer.pem", pem("CERTIFICATE", issuer.der()));
    write("issuer.key", pem("PRIVATE KEY", &issuer_key));
    let anchor = s.side("root.pem", root.pem());
    let expiry = "301231235959Z";
    let good = format!(
        "V\t{expiry}\t\t{}\tunknown\t/CN=mail.contoso.com\n",
        serial(dir, "leaf.pem")
    );
    let revoked = format!(
        "R\t{expiry}\t240101000000Z,superseded\t{}\tunknown\t/CN=mail.contoso.com\n",
        serial(dir, "leaf.pem")
    );
    ocsp_response(dir, "leaf.pem", &good, "issuer", "7", "good.der");
    ocsp_response(dir, "leaf.pem", &revoked, "issuer", "7", "revoked.der");

    let (l, i, r) = (
        pem("CERTIFICATE", &leaf),
        pem("CERTIFICATE", issuer.der()),
        pem("CERTIFICATE", root.der()),
    );
    let modern = "ssl_protocols TLSv1.2 TLSv1.3;";
    let legacy = "ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0;";
    // (chain file, staple, protocols, findings expected, staple status, versions accepted)
    type Case<'a> = (
        String,
        Option<&'a str>,
        &'a str,
        &'a [&'a str],
        Option<&'a str>,
        &'a [&'a str],
    );
    let cases: [Case<'_>; 4] = [
        (
            format!("{l}{i}"),
            Some("good.der"),
            modern,
            &[],
            Some("good"),
            &["TLS1.2", "TLS1.3"],
        ),
        (
            format!("{l}{i}{r}"),
            Some("good.der"),
            modern,
            &["chain-includes-root"],
            Some("good"),
            &["TLS1.2", "TLS1.3"],
        ),
        (
            format!("{l}{r}{i}"),
            Some("revoked.der"),
            modern,
            &["chain-out-of-order", "chain-includes-root", "certificate-revoked"],
            Some("revoked"),
            &["TLS1.2", "TLS1.3"],
        ),
        (
            format!("{l}{i}"),
            None,
            legacy,
            &["legacy-protocol-enabled"],
            None,
            &["TLS1.0", "TLS1.1", "TLS1.2"],
        ),
    ];
    for (chain, staple, protocols, expected, status, versions) in cases {
        write("fullchain.pem", chain);
        let (server, port) = start(dir, staple, protocols);
        let target = format!("https://mail.contoso.com:{port}");
        let run = scan_probing(&s, &[&target], &anchor, &[]);
        drop(server);
        let e = &run.report().endpoints[0];
        assert_eq!(e.status.as_str(), "ok", "{staple:?}: {:?}\n{}", e.error, run.stderr);
        assert_eq!(
            e.ocsp_staple.as_ref().map(|s| s.status.as_str()),
            status,
            "{expected:?}: {:?}",
            e.ocsp_staple
        );
        for rule in [
            "chain-out-of-order",
            "chain-includes-root",
            "chain-extra-certificates",
            "certificate-revoked",
            "ocsp-staple-invalid",
            "legacy-protocol-enabled",
        ] {
            assert_eq!(
                run.findings(rule).len(),
                usize::from(expected.contains(&rule)),
                "{expected:?}: {rule}: {:?}",
                e.chain
            );
        }
        let accepted: Vec<&str> = e
            .protocols
            .iter()
            .filter(|p| p.accepted == Some(true))
            .map(|p| p.version.as_str())
            .collect();
        assert_eq!(accepted, versions, "{protocols}: {:?}", e.protocols);
    }
}
