//! "TLS 1.0 enabled on SMTP": mail servers behind STARTTLS that speak only TLS 1.0 with 3DES,
//! as an old Schannel does. The scripted servers run the real SMTP or IMAP dialogue, refuse
//! rustls's hello with an alert, and answer certaudit's own hellos as such a server would
//! (ServerHello TLS 1.0 with TLS_RSA_WITH_3DES_EDE_CBC_SHA, the chain, ServerHelloDone; an
//! alert to an SSL 3.0 offer). The certificate is audited, and the matrix and the rules say
//! what an auditor needs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::common::{ca, Ca, Leaf, Scratch};
use crate::local_servers::{days, scan_probing};
use crate::support::servers::Servers;

/// The server's flight for a hello offering TLS 1.0 or more: TLS 1.0 chosen, 3DES.
fn flight(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut hs = Vec::new();
    let mut hello = vec![0x03, 0x01];
    hello.extend_from_slice(&[7; 32]);
    hello.extend_from_slice(&[0, 0x00, 0x0a, 0]); // no session, TLS_RSA_WITH_3DES_EDE_CBC_SHA, null
    let mut message = |kind: u8, body: &[u8]| {
        hs.push(kind);
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(body);
    };
    message(2, &hello);
    let mut certs = Vec::new();
    for c in chain {
        certs.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        certs.extend_from_slice(c);
    }
    let mut body = (certs.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend_from_slice(&certs);
    message(11, &body);
    message(14, &[]);
    let mut out = vec![0x16, 0x03, 0x01];
    out.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    out.extend_from_slice(&hs);
    out
}

/// A STARTTLS server (`smtp` or `imap`) whose TLS is a TLS 1.0-only, 3DES-only Schannel.
fn old_schannel(servers: &Servers, protocol: &'static str, chain: Vec<Vec<u8>>) -> u16 {
    let connections = Arc::new(AtomicUsize::new(0));
    let chain = Arc::new(chain);
    servers.handler(move |stream| {
        let first = connections.fetch_add(1, Ordering::SeqCst) == 0;
        let chain = chain.clone();
        async move {
            let mut s = BufReader::new(stream);
            let mut line = String::new();
            let ok = match protocol {
                "smtp" => {
                    let _ = s.get_mut().write_all(b"220 ex2013.contoso.com Microsoft ESMTP MAIL Service ready\r\n").await;
                    let _ = s.read_line(&mut line).await; // EHLO
                    let _ = s
                        .get_mut()
                        .write_all(b"250-ex2013.contoso.com Hello\r\n250-SIZE 37748736\r\n250-STARTTLS\r\n250 CHUNKING\r\n")
                        .await;
                    line.clear();
                    let _ = s.read_line(&mut line).await;
                    line.trim().eq_ignore_ascii_case("STARTTLS")
                        && s.get_mut().write_all(b"220 2.0.0 SMTP server ready\r\n").await.is_ok()
                }
                _ => {
                    let _ = s
                        .get_mut()
                        .write_all(b"* OK [CAPABILITY IMAP4 IMAP4rev1 STARTTLS LOGINDISABLED] The Microsoft Exchange IMAP4 service is ready.\r\n")
                        .await;
                    let _ = s.read_line(&mut line).await; // a1 STARTTLS
                    let tag = line.split_whitespace().next().unwrap_or("a").to_string();
                    s.get_mut()
                        .write_all(format!("{tag} OK Begin TLS negotiation now.\r\n").as_bytes())
                        .await
                        .is_ok()
                }
            };
            if !ok {
                return;
            }
            let mut header = [0u8; 5];
            if s.read_exact(&mut header).await.is_err() {
                return;
            }
            let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
            if s.read_exact(&mut body).await.is_err() {
                return;
            }
            // client_version sits after the handshake header (type, 3-byte length).
            let offered = body.get(4..6).map(|v| u16::from_be_bytes([v[0], v[1]])).unwrap_or(0);
            let answer = if first || offered < 0x0301 {
                vec![0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28] // handshake_failure
            } else {
                flight(&chain)
            };
            let _ = s.get_mut().write_all(&answer).await;
            let _ = s.get_mut().shutdown().await;
        }
    })
}

#[test]
fn tls_1_0_only_mail_servers_behind_starttls_are_audited() {
    let root: Ca = ca("Mail Root CA", None, days(-400), days(3000));
    let inter: Ca = ca("Mail Issuing CA", Some(&root), days(-300), days(2000));
    let (leaf, _) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&inter);
    let servers = Servers::new();
    let chain = vec![leaf.clone(), inter.der().to_vec()];
    let smtp = old_schannel(&servers, "smtp", chain.clone());
    let imap = old_schannel(&servers, "imap", chain);
    let targets = [
        format!("smtp://mail.contoso.com:{smtp}"),
        format!("imap://mail.contoso.com:{imap}"),
    ];
    let s = Scratch::new();
    let anchor = s.side("root.pem", root.pem());
    let run = scan_probing(&s, &[&targets[0], &targets[1]], &anchor, &["--timeout", "5"]);
    let report = run.report();
    for target in &targets {
        let e = report.endpoints.iter().find(|e| &e.target == target).unwrap();
        assert_eq!(e.status.as_str(), "ok", "{target}: {:?}\n{}", e.error, run.stderr);
        assert_eq!(e.tls_version.as_deref(), Some("TLSv1.0"), "{target}");
        assert_eq!(e.cipher.as_deref(), Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), "{target}");
        assert_eq!(e.chain.len(), 2, "{target}");
        assert!(!e.staple_requested, "{target}: a legacy hello asks for no staple");
        let matrix: Vec<(&str, Option<bool>)> = e.protocols.iter().map(|p| (p.version.as_str(), p.accepted)).collect();
        assert_eq!(
            matrix,
            [
                ("SSLv3", Some(false)),
                ("TLS1.0", Some(true)),
                ("TLS1.1", Some(false)),
                ("TLS1.2", Some(false)),
                ("TLS1.3", Some(false))
            ],
            "{target}: {:?}",
            e.protocols
        );
        let on = |rule: &str| {
            run.findings(rule)
                .iter()
                .filter(|f| f.endpoint.as_deref() == Some(target))
                .count()
        };
        assert_eq!(on("legacy-protocol-enabled"), 1, "{target}");
        assert_eq!(on("weak-cipher-negotiated"), 1, "{target}");
        assert_eq!(on("probe-failed"), 0, "{target}");
    }
    let leaf_entry = report
        .certificates
        .iter()
        .find(|c| c.subject == "CN=mail.contoso.com")
        .unwrap();
    assert_eq!(leaf_entry.trust.status.as_str(), "trusted");
    assert!(servers.log.violations().is_empty());
}

/// A server that completes rustls's handshake but never answers certaudit's own hellos: the
/// versions it was asked about are unknown, never refused, and the scan is not a pass.
#[test]
fn versions_a_server_never_answers_are_unknown_and_not_audited() {
    use crate::support::servers::{acceptor, Identity};
    let root: Ca = ca("Silent Root CA", None, days(-400), days(3000));
    let (leaf, key) = Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com"])
        .valid(days(-30), days(200))
        .issued_by_with_key(&root);
    let tls = acceptor(&Identity { chain: vec![leaf], key });
    let servers = Servers::new();
    let connections = Arc::new(AtomicUsize::new(0));
    let port = servers.handler(move |stream| {
        let first = connections.fetch_add(1, Ordering::SeqCst) == 0;
        let tls = tls.clone();
        async move {
            if first {
                if let Ok(mut s) = tls.accept(stream).await {
                    let mut buf = [0u8; 64];
                    let _ = s.read(&mut buf).await;
                }
            } else {
                // Read the hello, then say nothing until the client gives up.
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
        }
    });
    let target = format!("imaps://mail.contoso.com:{port}");
    let s = Scratch::new();
    let anchor = s.side("root.pem", root.pem());
    let run = scan_probing(&s, &[&target], &anchor, &["--timeout", "2"]);
    let report = run.report();
    let e = &report.endpoints[0];
    assert_eq!(e.status.as_str(), "ok", "{:?}", e.error);
    let matrix: Vec<(&str, Option<bool>)> = e.protocols.iter().map(|p| (p.version.as_str(), p.accepted)).collect();
    assert_eq!(
        matrix,
        [
            ("SSLv3", None),
            ("TLS1.0", None),
            ("TLS1.1", None),
            ("TLS1.2", None),
            ("TLS1.3", Some(true))
        ]
    );
    assert!(
        e.protocols[0].detail.as_deref().unwrap().contains("timeout"),
        "{:?}",
        e.protocols[0]
    );
    let gaps: Vec<&str> = report
        .not_audited
        .iter()
        .filter(|n| n.rule.as_deref() == Some("legacy-protocol-enabled"))
        .map(|n| n.subject.as_str())
        .collect();
    assert_eq!(gaps.len(), 3, "SSLv3, TLS1.0 and TLS1.1 count: {gaps:?}");
    assert_eq!(serde_json::to_value(report.summary.result).unwrap(), "incomplete");
    assert_eq!(run.code, 3);
}
