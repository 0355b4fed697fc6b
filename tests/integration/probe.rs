//! Live probing against servers the tests start on 127.0.0.1: every protocol's happy path,
//! the endpoint rules, hostile and broken servers, Ctrl-C.

use crate::common;
use crate::support::servers;

use std::time::{Duration, Instant};

use certaudit_core::inventory::{EndpointStatus, ErrorKind};
use certaudit_core::report::model::{EndpointEntry, FindingEntry};
use common::{ca, certaudit, read_report, Ca, Evidence, Leaf, Report, Run, Scratch};
use servers::{
    acceptor, https_answering, imap, implicit, pop3, smtp, smtp_until_starttls, sni_acceptor, Identity, Servers, Step,
};

/// A test PKI: a root (the only trust anchor) and an intermediate that issues the leaves.
struct Pki {
    root: Ca,
    inter: Ca,
}

fn days(n: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(n)
}

impl Pki {
    fn new() -> Self {
        let root = ca("Test Root CA", None, days(-400), days(3000));
        let inter = ca("Test Issuing CA", Some(&root), days(-300), days(2000));
        Self { root, inter }
    }
    /// A leaf valid now, served with its intermediate.
    fn serve(&self, leaf: Leaf) -> Identity {
        let (cert, key) = leaf.issued_by_with_key(&self.inter);
        Identity {
            chain: vec![cert, self.inter.der().to_vec()],
            key,
        }
    }
    /// A leaf served without its intermediate.
    fn serve_leaf_only(&self, leaf: Leaf) -> Identity {
        let (cert, key) = leaf.issued_by_with_key(&self.inter);
        Identity { chain: vec![cert], key }
    }
}

/// A leaf for `names` (first is the CN) valid from 30 days ago for 200 days.
fn leaf(names: &[&str]) -> Leaf {
    Leaf::new(names[0]).names(names).valid(days(-30), days(200))
}

fn self_signed(names: &[&str]) -> Identity {
    let (cert, key) = leaf(names).self_signed_with_key();
    Identity { chain: vec![cert], key }
}

/// `certaudit scan` probing `targets` with the test root as the only anchor, JSON only.
fn probe(s: &Scratch, pki: &Pki, targets: &[String], extra: &[&str]) -> Run {
    let anchor = s.side("root.pem", pki.root.pem());
    let out = s.out();
    let mut args: Vec<String> = [
        "scan",
        "--no-public-roots",
        "--trust-anchors",
        anchor.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for t in targets {
        args.push("--probe".into());
        args.push(t.clone());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    certaudit(&args, Some(&out))
}

fn endpoint<'a>(run: &'a Run, target: &str) -> &'a EndpointEntry {
    run.report()
        .endpoints
        .iter()
        .find(|e| e.target == target)
        .unwrap_or_else(|| panic!("no endpoint {target}; stderr:\n{}", run.stderr))
}

fn findings_at<'a>(run: &'a Run, rule: &str, target: &str) -> Vec<&'a FindingEntry> {
    run.findings(rule)
        .into_iter()
        .filter(|f| f.endpoint.as_deref().unwrap_or_default() == target)
        .collect()
}

fn sha256_hex(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const BANNER: &str = "220 mail.contoso.com Microsoft ESMTP MAIL Service ready at Sat, 21 Nov 2026 10:00:00 +0000\r\n";
const MULTILINE_BANNER: &str = "220-mail.contoso.com Microsoft ESMTP MAIL Service ready\r\n220-Unauthorised use of this system is prohibited.\r\n220 Sat, 21 Nov 2026 10:00:00 +0000\r\n";

#[test]
fn clean_endpoints_of_every_protocol_are_captured_and_trigger_nothing() {
    let pki = Pki::new();
    let servers = Servers::new();
    let id = pki.serve(leaf(&["mail.contoso.com", "autodiscover.contoso.com"]));
    let tls = acceptor(&id);
    let ports = [
        ("https", servers.start(implicit(tls.clone()))),
        ("smtp", servers.start(smtp(BANNER, &servers::EXCHANGE_EXTENSIONS, tls.clone()))),
        (
            "submission",
            servers.start(smtp(MULTILINE_BANNER, &["SIZE 37748736", "STARTTLS", "AUTH NTLM"], tls.clone())),
        ),
        ("smtps", servers.start(implicit(tls.clone()))),
        (
            "imap",
            servers.start(imap(
                "* OK [CAPABILITY IMAP4 IMAP4rev1 AUTH=NTLM LOGINDISABLED STARTTLS] The Microsoft Exchange IMAP4 service is ready.\r\n",
                tls.clone(),
            )),
        ),
        ("imaps", servers.start(implicit(tls.clone()))),
        (
            "pop3",
            servers.start(pop3(Some(&["TOP", "UIDL", "STLS", "USER", "SASL NTLM", "IMPLEMENTATION Microsoft"]), tls.clone())),
        ),
        ("pop3s", servers.start(implicit(tls.clone()))),
    ];
    // IMAP without a capability code in the greeting, POP3 without CAPA.
    let imap_plain = servers.start(imap(
        "* OK The Microsoft Exchange IMAP4 service is ready.\r\n",
        tls.clone(),
    ));
    let pop3_no_capa = servers.start(pop3(None, tls.clone()));
    let autodiscover = servers.start(https_answering(tls.clone(), 401));

    let mut targets: Vec<String> = ports
        .iter()
        .map(|(scheme, port)| format!("{scheme}://mail.contoso.com:{port}"))
        .collect();
    targets.push(format!("imap://mail.contoso.com:{imap_plain}"));
    targets.push(format!("pop3://mail.contoso.com:{pop3_no_capa}"));
    let s = Scratch::new();
    let resolve_ad = format!("autodiscover.contoso.com=127.0.0.1:{autodiscover}");
    let run = probe(
        &s,
        &pki,
        &targets,
        &[
            "--resolve",
            "mail.contoso.com=127.0.0.1",
            "--resolve",
            &resolve_ad,
            "-d",
            "contoso.com",
            "-n",
            "mail.contoso.com",
            "--timeout",
            "5",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.report();
    let endpoints = &report.endpoints;
    let listed: Vec<&str> = endpoints.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(listed, targets, "results keep the targets' order");
    let leaf_sha = sha256_hex(&id.chain[0]);
    let inter_sha = sha256_hex(&id.chain[1]);
    for (e, (i, _)) in endpoints.iter().zip(targets.iter().enumerate()) {
        assert_eq!(
            e.status.as_str(),
            "ok",
            "{}: {}",
            e.target,
            e.error.as_deref().unwrap_or_default()
        );
        assert_eq!(e.tls_version.as_deref().unwrap_or_default(), "TLSv1.3", "{}", e.target);
        assert!(
            e.cipher.as_deref().unwrap().starts_with("TLS13_"),
            "{}",
            e.cipher.as_deref().unwrap_or_default()
        );
        assert_eq!(e.chain, [leaf_sha.clone(), inter_sha.clone()], "{}", e.target);
        assert_eq!(e.sni.as_deref().unwrap_or_default(), "mail.contoso.com");
        assert!(e.served_chain.as_ref().unwrap().complete);
        let port = targets[i].rsplit(':').next().unwrap();
        assert_eq!(e.address.as_deref().unwrap_or_default(), format!("127.0.0.1:{port}"));
        assert!(certaudit_core::time::rfc3339(e.probed_at).ends_with('Z'));
        // The protocol matrix, asked after each protocol's STARTTLS dialogue: rustls serves
        // TLS 1.2 and 1.3 and refuses the rest.
        let matrix: Vec<(&str, Option<bool>)> = e.protocols.iter().map(|p| (p.version.as_str(), p.accepted)).collect();
        assert_eq!(
            matrix,
            [
                ("SSLv3", Some(false)),
                ("TLS1.0", Some(false)),
                ("TLS1.1", Some(false)),
                ("TLS1.2", Some(true)),
                ("TLS1.3", Some(true))
            ],
            "{}: {:?}",
            e.target,
            e.protocols
        );
        assert!(e.protocols[3]
            .cipher
            .as_deref()
            .is_some_and(|c| c.starts_with("TLS_ECDHE_")));
    }
    assert_eq!(
        report.findings.len(),
        0,
        "clean endpoints must trigger nothing: {:#?}",
        report.findings
    );
    let cert = &report
        .certificates
        .iter()
        .find(|c| c.sha256 == leaf_sha.as_str())
        .unwrap();
    assert_eq!(cert.trust.status.as_str(), "trusted");
    assert_eq!(cert.sources[0].kind.as_str(), "endpoint");
    assert_eq!(
        report.autodiscover[0].status.as_str(),
        "ok",
        "{:#?}",
        report.autodiscover
    );
    assert_eq!(report.autodiscover[0].http_status, Some(401));
    assert_eq!(report.summary.endpoints, targets.len());
    assert!(servers.log.violations().is_empty(), "{:?}", servers.log.violations());
    // Every handshake sent SNI for the name, but the one made without it per HTTPS name.
    let sni = servers.log.sni();
    assert!(sni.len() >= targets.len());
    let https = targets.iter().filter(|t| t.starts_with("https://")).count();
    assert_eq!(sni.iter().filter(|n| n.is_none()).count(), https, "{sni:?}");
    assert!(sni
        .iter()
        .flatten()
        .all(|n| n == "mail.contoso.com" || n == "autodiscover.contoso.com"));
}

#[test]
fn endpoint_rules_fire_on_what_servers_present() {
    let pki = Pki::new();
    let servers = Servers::new();
    let good = pki.serve(leaf(&["mail.contoso.com", "autodiscover.contoso.com"]));
    let cn_only = pki.serve(
        Leaf::new("cn.contoso.com")
            .names(&["other.contoso.com"])
            .valid(days(-30), days(200)),
    );
    let leaf_only = pki.serve_leaf_only(leaf(&[
        "chain.contoso.com",
        "mail.contoso.com",
        "autodiscover.contoso.com",
    ]));
    let wildcard = pki.serve(leaf(&["*.contoso.com"]));
    let newer = pki.serve(leaf(&["stale.contoso.com"]));
    let older = pki.serve(Leaf::new("stale.contoso.com").valid(days(-200), days(100)));
    let expired = pki.serve(Leaf::new("old.contoso.com").valid(days(-400), days(-5)));
    let bare = pki.serve(leaf(&["noauto.contoso.com"]));
    let selfie = self_signed(&["self.contoso.com"]);
    let selfie_mx = self_signed(&["self.contoso.com"]);

    let p = |id: &Identity| servers.start(implicit(acceptor(id)));
    let t = vec![
        format!("https://wrong.contoso.com:{}", p(&good)),
        format!("https://cn.contoso.com:{}", p(&cn_only)),
        format!("https://chain.contoso.com:{}", p(&leaf_only)),
        format!("imaps://mail.contoso.com:{}", p(&wildcard)),
        format!("https://stale.contoso.com:{}", p(&newer)),
        format!(
            "smtp://stale.contoso.com:{}",
            servers.start(smtp(BANNER, &["STARTTLS"], acceptor(&older)))
        ),
        format!("smtps://old.contoso.com:{}", p(&expired)),
        format!("https://noauto.contoso.com:{}", p(&bare)),
        format!("https://self.contoso.com:{}", p(&selfie)),
        format!(
            "smtp://self.contoso.com:{}",
            servers.start(smtp(BANNER, &["STARTTLS"], acceptor(&selfie_mx)))
        ),
        format!(
            "smtp://plain.contoso.com:{}",
            servers.start(smtp_until_starttls(
                BANNER,
                &["SIZE 10240000", "PIPELINING", "8BITMIME"]
            ))
        ),
        format!(
            "imap://plain.contoso.com:{}",
            servers.start(vec![
                Step::Send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\r\n".into()),
                Step::Stall
            ])
        ),
        format!(
            "pop3://plain.contoso.com:{}",
            servers.start(vec![
                Step::Send("+OK POP3 ready\r\n".into()),
                Step::Recv("CAPA"),
                Step::Send("+OK\r\nTOP\r\nUSER\r\n.\r\n".into()),
                Step::Stall,
            ])
        ),
    ];
    let autodiscover_404 = servers.start(https_answering(acceptor(&good), 404));
    let s = Scratch::new();
    // The intermediate is known from a store, so the leaf-only endpoint is trusted but incomplete.
    s.put("issuing-ca.pem", pki.inter.pem());
    let mut resolve: Vec<String> = Vec::new();
    for host in [
        "wrong", "cn", "chain", "mail", "stale", "old", "noauto", "self", "plain",
    ] {
        resolve.push("--resolve".into());
        resolve.push(format!("{host}.contoso.com=127.0.0.1"));
    }
    resolve.push("--resolve".into());
    resolve.push(format!("autodiscover.contoso.com=127.0.0.1:{autodiscover_404}"));
    let store = s.store();
    let mut extra: Vec<&str> = resolve.iter().map(String::as_str).collect();
    extra.extend([
        store.to_str().unwrap(),
        "-d",
        "contoso.com",
        "-d",
        "fabrikam.invalid",
        "-n",
        "mail.contoso.com",
        "--timeout",
        "3",
    ]);
    let run = probe(&s, &pki, &t, &extra);
    assert_eq!(run.code, 1, "{}", run.stderr);

    // hostname-mismatch: SAN names only; the CN-only case is noted.
    let f = findings_at(&run, "hostname-mismatch", &t[0]);
    assert_eq!(f.len(), 1, "{:#?}", run.findings("hostname-mismatch"));
    assert_eq!(f[0].severity.as_str(), "high");
    assert_eq!(*f[0].ev("cn_would_match"), false);
    let f = findings_at(&run, "hostname-mismatch", &t[1]);
    assert_eq!(*f[0].ev("cn_would_match"), true);
    assert!(f[0].message.as_str().contains("only the subject CN"));
    assert!(findings_at(&run, "hostname-mismatch", &t[2]).is_empty());
    assert!(
        findings_at(&run, "hostname-mismatch", &t[3]).is_empty(),
        "a wildcard covers one label"
    );

    // incomplete-chain names the issuer the server did not send.
    let f = findings_at(&run, "incomplete-chain", &t[2]);
    assert_eq!(f.len(), 1, "{:#?}", run.findings("incomplete-chain"));
    assert_eq!(f[0].ev("missing_issuer"), "CN=Test Issuing CA");
    assert!(!endpoint(&run, &t[2]).served_chain.as_ref().unwrap().complete);
    assert_eq!(
        run.findings("incomplete-chain").len(),
        1,
        "complete chains are not flagged"
    );

    assert_eq!(findings_at(&run, "wildcard-on-pop-imap", &t[3]).len(), 1);

    let f = findings_at(&run, "stale-smtp-binding", &t[5]);
    assert_eq!(f.len(), 1, "{:#?}", run.findings("stale-smtp-binding"));
    assert_eq!(f[0].ev("reason"), "superseded");
    assert_eq!(f[0].ev("https_endpoint"), t[4].as_str());
    let f = findings_at(&run, "stale-smtp-binding", &t[6]);
    assert_eq!(f[0].ev("reason"), "expired");
    assert_eq!(findings_at(&run, "expired", &t[6]).len(), 1);

    let f = findings_at(&run, "missing-autodiscover-san", &t[7]);
    assert_eq!(
        *f[0].ev("missing_names"),
        serde_json::json!(["autodiscover.contoso.com", "autodiscover.fabrikam.invalid"])
    );
    assert_eq!(findings_at(&run, "missing-mail-san", &t[7]).len(), 1);
    assert!(findings_at(&run, "missing-mail-san", &t[2]).is_empty());

    // untrusted-issuer: high on a client-facing port, low when served only on port 25.
    let f = findings_at(&run, "untrusted-issuer", &t[8]);
    assert_eq!(f[0].severity.as_str(), "high");
    let f = findings_at(&run, "untrusted-issuer", &t[9]);
    assert_eq!(f[0].severity.as_str(), "low", "{:#?}", run.findings("untrusted-issuer"));
    assert!(run
        .findings("untrusted-issuer")
        .iter()
        .all(|f| f.endpoint.as_deref().unwrap_or_default() != t[0].as_str()));

    for target in &t[10..13] {
        let f = findings_at(&run, "starttls-not-offered", target);
        assert_eq!(f.len(), 1, "{target}: {:#?}", endpoint(&run, target));
        assert_eq!(endpoint(&run, target).error_kind, Some(ErrorKind::StarttlsNotOffered));
        assert!(findings_at(&run, "probe-failed", target).is_empty());
    }
    assert!(endpoint(&run, &t[10]).error.as_deref().unwrap().contains("PIPELINING"));

    // autodiscover: 404 is not how Exchange answers; an unresolvable domain fails.
    let f = run.findings("autodiscover-unreachable");
    assert_eq!(f.len(), 2, "{f:#?}");
    let by_domain = |d: &str| f.iter().find(|x| x.ev("domain") == d).unwrap();
    assert_eq!(by_domain("contoso.com").ev("kind"), "http-status");
    assert_eq!(by_domain("contoso.com").ev("http_status"), 404);
    let kind = by_domain("fabrikam.invalid").ev("kind").as_str().unwrap().to_string();
    assert!(kind == "dns" || kind == "timeout", "{kind}");
    assert!(servers.log.violations().is_empty(), "{:?}", servers.log.violations());
}

/// Two nodes behind one name, one still serving the old certificate: with `--all-addresses`
/// each address is its own endpoint, and the difference is named with both thumbprints.
#[test]
fn nodes_of_one_name_serving_different_certificates_are_named() {
    let pki = Pki::new();
    let servers = Servers::new();
    let (current, old) = (
        pki.serve(leaf(&["mail.contoso.com"])),
        pki.serve(leaf(&["mail.contoso.com"])),
    );
    let (current_port, old_port) = (
        servers.start(implicit(acceptor(&current))),
        servers.start(implicit(acceptor(&old))),
    );
    let s = Scratch::new();
    let target = "https://mail.contoso.com:443".to_string();
    let (a, b) = (
        format!("mail.contoso.com=127.0.0.1:{current_port}"),
        format!("mail.contoso.com=127.0.0.1:{old_port}"),
    );
    let run = probe(
        &s,
        &pki,
        std::slice::from_ref(&target),
        &["--resolve", &a, "--resolve", &b, "--all-addresses"],
    );
    let report = run.report();
    assert_eq!(report.endpoints.len(), 2, "{}", run.stderr);
    assert!(report.endpoints.iter().all(|e| e.status == EndpointStatus::Ok));
    let f = run.findings("inconsistent-certificate-across-addresses");
    assert_eq!(f.len(), 1, "{}", run.stderr);
    let served = f[0].ev("served").as_array().unwrap();
    let thumbprints: Vec<&str> = served.iter().map(|s| s["thumbprint"].as_str().unwrap()).collect();
    assert_eq!(thumbprints.len(), 2);
    assert_ne!(thumbprints[0], thumbprints[1]);
    let addresses: Vec<&str> = served.iter().map(|s| s["address"].as_str().unwrap()).collect();
    assert_eq!(
        addresses,
        [format!("127.0.0.1:{current_port}"), format!("127.0.0.1:{old_port}")]
    );
    // Two nodes serving the same certificate: nothing to report.
    let twin = format!(
        "mail.contoso.com=127.0.0.1:{}",
        servers.start(implicit(acceptor(&current)))
    );
    let run = probe(
        &s,
        &pki,
        std::slice::from_ref(&target),
        &["--resolve", &a, "--resolve", &twin, "--all-addresses"],
    );
    let endpoints = &run.report().endpoints;
    assert_eq!(endpoints.len(), 2, "{}", run.stderr);
    assert!(
        endpoints.iter().all(|e| e.status == EndpointStatus::Ok),
        "{endpoints:#?}"
    );
    assert!(run.findings("inconsistent-certificate-across-addresses").is_empty());
}

/// An HTTPS name whose default binding (no SNI) holds another certificate: the second
/// handshake without SNI finds it, and both thumbprints are named.
#[test]
fn a_default_binding_on_another_certificate_is_found_without_sni() {
    let pki = Pki::new();
    let servers = Servers::new();
    let (named, default) = (
        pki.serve(leaf(&["mail.contoso.com"])),
        pki.serve(leaf(&["ex01.contoso.com"])),
    );
    let split = servers.start(implicit(sni_acceptor(&named, &default)));
    let same = servers.start(implicit(acceptor(&named)));
    let s = Scratch::new();
    let targets = [
        format!("https://mail.contoso.com:{split}"),
        format!("https://mail.contoso.com:{same}"),
    ];
    let run = probe(&s, &pki, &targets, &["--resolve", "mail.contoso.com=127.0.0.1"]);
    let report = run.report();
    let f = run.findings("sni-dependent-certificate");
    assert_eq!(f.len(), 1, "{}", run.stderr);
    assert_eq!(f[0].endpoint.as_deref(), Some(targets[0].as_str()));
    assert_eq!(f[0].ev("without_sni_subject"), "CN=ex01.contoso.com");
    let thumb = |der: &[u8]| {
        report
            .certificates
            .iter()
            .find(|c| c.sha256 == sha256_hex(der))
            .unwrap()
            .thumbprint
            .clone()
    };
    assert_eq!(*f[0].ev("with_sni"), thumb(&named.chain[0]));
    assert_eq!(*f[0].ev("without_sni"), thumb(&default.chain[0]));
    let e = endpoint(&run, &targets[1]);
    assert_eq!(
        e.leaf_without_sni.as_deref(),
        e.chain.first().map(String::as_str),
        "checked, and the same"
    );
}

/// An autodiscover certificate clients do not trust makes autodiscover unreachable; with
/// `--no-autodiscover` it is not checked at all.
#[test]
fn autodiscover_with_an_untrusted_certificate_is_unreachable() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.start(https_answering(
        acceptor(&self_signed(&["autodiscover.contoso.com"])),
        401,
    ));
    let good = servers.start(implicit(acceptor(&pki.serve(leaf(&["mail.contoso.com"])))));
    let s = Scratch::new();
    let resolve = format!("autodiscover.contoso.com=127.0.0.1:{port}");
    let target = format!("https://127.0.0.1:{good}");
    let run = probe(
        &s,
        &pki,
        std::slice::from_ref(&target),
        &["--resolve", &resolve, "-d", "contoso.com"],
    );
    let f = run.findings("autodiscover-unreachable");
    assert_eq!(f.len(), 1, "{}", run.stderr);
    assert_eq!(f[0].ev("kind"), "tls", "{:#?}", f[0]);
    assert!(
        f[0].ev("error").as_str().unwrap().contains("certificate"),
        "{:#?}",
        f[0]
    );
    assert_eq!(run.report().autodiscover.len(), 1);
    assert!(run.report().scan.probe.as_ref().unwrap().autodiscover);
    // `--no-autodiscover` (and `no_autodiscover = true` in the file): the check that failed
    // is not made, the endpoint still is, and the report says autodiscover was not asked for.
    let config = s.side("audit.toml", "no_autodiscover = true\n");
    for how in [vec!["--no-autodiscover"], vec!["--config", config.to_str().unwrap()]] {
        let mut extra = vec!["--resolve", &resolve, "-d", "contoso.com"];
        extra.extend(how.iter().copied());
        let run = probe(&s, &pki, std::slice::from_ref(&target), &extra);
        let report = run.report();
        assert!(report.autodiscover.is_empty(), "{how:?}: {}", run.stderr);
        assert!(!report.scan.probe.as_ref().unwrap().autodiscover, "{how:?}");
        assert!(run.findings("autodiscover-unreachable").is_empty(), "{how:?}");
        assert_eq!(report.endpoints.len(), 1, "the endpoint is still probed");
    }
}

#[test]
fn hostile_servers_end_within_the_deadline_with_precise_errors() {
    let pki = Pki::new();
    let servers = Servers::new();
    let good = pki.serve(leaf(&["mail.contoso.com"]));
    let tls = acceptor(&good);
    // A chain of 20: the leaf under 19 nested CAs.
    let mut cas: Vec<Ca> = vec![ca("Nested CA 0", Some(&pki.inter), days(-100), days(1000))];
    for i in 1..19 {
        let next = ca(&format!("Nested CA {i}"), Some(&cas[i - 1]), days(-100), days(1000));
        cas.push(next);
    }
    let (deep_leaf, deep_key) = leaf(&["mail.contoso.com"]).issued_by_with_key(&cas[18]);
    let mut deep_chain = vec![deep_leaf];
    deep_chain.extend(cas.iter().rev().map(|c| c.der().to_vec()));
    assert_eq!(deep_chain.len(), 20);
    let deep = Identity {
        chain: deep_chain,
        key: deep_key,
    };
    // A 100 KB certificate.
    let big = {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = leaf(&["mail.contoso.com"])
            .params_with_padding(100_000)
            .self_signed(&key)
            .unwrap();
        assert!(cert.der().len() > 100_000);
        Identity {
            chain: vec![cert.der().to_vec()],
            key: key.serialize_der(),
        }
    };
    let cases: Vec<(&str, Vec<Step>, &str, &str)> = vec![
        ("smtp", vec![Step::Stall], "timeout", "SMTP greeting"),
        ("smtp", vec![Step::Forever(b'A')], "line-too-long", "4096"),
        (
            "smtp",
            vec![
                Step::Send("421 4.3.2 Service not available, closing transmission channel\r\n".into()),
                Step::Close,
            ],
            "rejected",
            "421",
        ),
        (
            "smtp",
            smtp_until_starttls(BANNER, &["SIZE", "8BITMIME"]),
            "starttls-not-offered",
            "no STARTTLS",
        ),
        (
            "smtp",
            [
                smtp_until_starttls(BANNER, &["STARTTLS"]),
                vec![
                    Step::Recv("STARTTLS"),
                    Step::Send("454 4.7.0 TLS not available due to local problem\r\n".into()),
                    Step::Stall,
                ],
            ]
            .concat(),
            "starttls-rejected",
            "454",
        ),
        (
            "smtp",
            [
                smtp_until_starttls(BANNER, &["STARTTLS"]),
                vec![
                    Step::Recv("STARTTLS"),
                    Step::Send("220 2.0.0 ready\r\n".into()),
                    Step::Stall,
                ],
            ]
            .concat(),
            "timeout",
            "TLS handshake",
        ),
        (
            "smtp",
            [
                smtp_until_starttls(BANNER, &["STARTTLS"]),
                vec![
                    Step::Recv("STARTTLS"),
                    Step::Send("220 2.0.0 ready\r\nGARBAGE\r\n".into()),
                    Step::Stall,
                ],
            ]
            .concat(),
            "protocol",
            "after agreeing to start TLS",
        ),
        (
            "smtp",
            vec![
                Step::Send(BANNER.into()),
                Step::Recv("EHLO"),
                Step::Send("550 5.7.1 Access denied\r\n".into()),
                Step::Stall,
            ],
            "rejected",
            "550 5.7.1 Access denied",
        ),
        (
            "https",
            vec![Step::ReadSome, Step::Close],
            "closed-by-peer",
            "TLS handshake",
        ),
        ("https", servers::tls_alert(), "tls-alert", "HandshakeFailure"),
        (
            "https",
            vec![Step::Send("HTTP/1.1 400 Bad Request\r\n\r\n".into()), Step::Close],
            "not-tls",
            "not TLS",
        ),
        ("https", implicit(acceptor(&deep)), "chain-too-long", "20 certificates"),
        ("https", implicit(acceptor(&big)), "tls", "64 KiB"),
        (
            "imap",
            vec![Step::Send("* BYE server shutting down\r\n".into()), Step::Close],
            "rejected",
            "BYE",
        ),
        (
            "pop3",
            vec![Step::Send("-ERR too many connections\r\n".into()), Step::Close],
            "rejected",
            "too many connections",
        ),
        (
            "imap",
            vec![Step::Send("* OK ".into()), Step::Stall],
            "timeout",
            "IMAP greeting",
        ),
        (
            "smtp",
            vec![
                Step::Send("554 5.7.1 <script>alert(1)</script> =cmd|' /C calc'!A0\r\n".into()),
                Step::Close,
            ],
            "rejected",
            "<script>",
        ),
    ];
    let mut targets = Vec::new();
    for (scheme, steps, _, _) in &cases {
        targets.push(format!("{scheme}://mail.contoso.com:{}", servers.start(steps.clone())));
    }
    let good_target = format!("https://mail.contoso.com:{}", servers.start(implicit(tls.clone())));
    targets.push(good_target.clone());
    let refused = format!("imaps://mail.contoso.com:{}", servers.closed_port());
    targets.push(refused.clone());
    targets.push("https://nothing.invalid".into());
    let s = Scratch::new();
    let started = Instant::now();
    let run = probe(
        &s,
        &pki,
        &targets,
        &[
            "--resolve",
            "mail.contoso.com=127.0.0.1",
            "--timeout",
            "2",
            "--format",
            "json,html,csv",
        ],
    );
    let elapsed = started.elapsed();
    // Correctness, not speed: every stall ends at its deadline, so the run cannot hang.
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
    for ((_, _, kind, words), target) in cases.iter().zip(&targets) {
        let e = endpoint(&run, target);
        assert_eq!(e.status.as_str(), "error", "{target}");
        assert_eq!(
            e.error_kind.map(ErrorKind::as_str),
            Some(*kind),
            "{target}: {}",
            e.error.as_deref().unwrap_or_default()
        );
        assert!(
            e.error.as_deref().unwrap().contains(words),
            "{target}: {:?} lacks {words:?}",
            e.error.as_deref().unwrap_or_default()
        );
        let rule = if *kind == "starttls-not-offered" {
            "starttls-not-offered"
        } else {
            "probe-failed"
        };
        let f = findings_at(&run, rule, target);
        assert_eq!(f.len(), 1, "{target}");
        if rule == "probe-failed" {
            assert_eq!(f[0].ev("kind"), *kind);
            assert_eq!(f[0].severity.as_str(), "medium");
        }
    }
    assert_eq!(endpoint(&run, &good_target).status.as_str(), "ok");
    assert!(run
        .report()
        .findings
        .iter()
        .all(|f| f.endpoint.as_deref().unwrap_or_default() != good_target.as_str()));
    let e = endpoint(&run, &refused);
    assert_eq!(
        (e.status, e.error_kind),
        (EndpointStatus::Error, Some(ErrorKind::Refused))
    );
    assert_eq!(
        endpoint(&run, "https://nothing.invalid:443").error_kind,
        Some(ErrorKind::Dns)
    );
    // The chain of 20 was recorded up to the limit; the leaf is in the inventory.
    let deep_e = endpoint(&run, &targets[11]);
    assert_eq!(deep_e.chain.len(), 10);
    // Server words reach the HTML escaped and the CSV neutralised.
    let html = std::fs::read_to_string(s.out().join("report.html")).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    if let Ok(keep) = std::env::var("CERTAUDIT_KEEP_HTML") {
        std::fs::write(keep, &html).unwrap();
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") && !html.contains("<script>alert"));
    let csv = std::fs::read_to_string(s.out().join("report.csv")).unwrap();
    assert!(csv.contains("alert(1)"));
    assert!(
        !csv.contains(",=") && !csv.contains(",\"="),
        "no cell starts with a formula"
    );
    // Server text is quoted with its control characters escaped, never raw.
    assert!(run
        .report()
        .endpoints
        .iter()
        .all(|e| !e.error.as_deref().unwrap_or("").contains('\r')));
}

#[test]
fn bare_hosts_expand_and_refused_ports_are_closed_not_failed() {
    let pki = Pki::new();
    let s = Scratch::new();
    let run = probe(&s, &pki, &["127.0.0.1".into()], &["--timeout", "2"]);
    let endpoints = &run.report().endpoints;
    let targets: Vec<&str> = endpoints.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "https://127.0.0.1:443",
            "smtp://127.0.0.1:25",
            "submission://127.0.0.1:587",
            "imaps://127.0.0.1:993",
            "pop3s://127.0.0.1:995",
            "imap://127.0.0.1:143",
            "pop3://127.0.0.1:110"
        ]
    );
    for e in endpoints {
        if e.error_kind == Some(ErrorKind::Refused) {
            assert_eq!(e.status.as_str(), "closed");
            assert!(e.expanded);
        }
    }
    assert!(run.findings("probe-failed").iter().all(|f| f.ev("kind") != "refused"));
}

#[test]
fn targets_file_ip_literals_without_sni_and_all_addresses() {
    let pki = Pki::new();
    let servers = Servers::new();
    let id = pki.serve(
        Leaf::new("mail.contoso.com")
            .names(&["mail.contoso.com"])
            .ips(&["127.0.0.1"])
            .valid(days(-30), days(200)),
    );
    let port = servers.start(implicit(acceptor(&id)));
    let s = Scratch::new();
    let list = s.side(
        "targets.txt",
        format!("# loopback\nhttps://127.0.0.1:{port}  # by address\n\nhttps://mail.contoso.com:{port}\n"),
    );
    let run = probe(
        &s,
        &pki,
        &[],
        &[
            "--targets",
            list.to_str().unwrap(),
            "--resolve",
            "mail.contoso.com=127.0.0.1",
            "--resolve",
            "mail.contoso.com=127.0.0.2",
            "--all-addresses",
            "--timeout",
            "3",
        ],
    );
    let endpoints = &run.report().endpoints;
    assert_eq!(endpoints.len(), 3, "{endpoints:#?}");
    assert!(endpoints[0].sni.is_none());
    assert_eq!(endpoints[0].status.as_str(), "ok");
    assert_eq!(
        endpoints[1].address.as_deref().unwrap_or_default(),
        format!("127.0.0.1:{port}")
    );
    assert_eq!(
        endpoints[2].address.as_deref().unwrap_or_default(),
        format!("127.0.0.2:{port}")
    );
    assert_eq!(endpoints[1].target, endpoints[2].target);
    assert!(
        run.findings("hostname-mismatch").is_empty(),
        "the IP SAN covers the address"
    );
    let sni = servers.log.sni();
    assert!(sni.contains(&None), "no SNI for an IP literal: {sni:?}");
    assert!(sni.contains(&Some("mail.contoso.com".to_string())), "{sni:?}");
    assert_eq!(run.report().scan.probe.as_ref().unwrap().targets.len(), 2);
    assert!(run.report().scan.probe.as_ref().unwrap().all_addresses);

    // An IPv6 literal, where the machine has IPv6 loopback.
    let v6_id = pki.serve(
        Leaf::new("mail.contoso.com")
            .names(&["mail.contoso.com"])
            .ips(&["::1"])
            .valid(days(-30), days(200)),
    );
    match servers.start_v6(implicit(acceptor(&v6_id))) {
        Some(port) => {
            let target = format!("imaps://[::1]:{port}");
            let run = probe(&s, &pki, std::slice::from_ref(&target), &["--timeout", "3"]);
            let e = endpoint(&run, &target);
            assert_eq!(e.status.as_str(), "ok", "{}", e.error.as_deref().unwrap_or_default());
            assert_eq!(e.host, "::1");
            assert_eq!(e.address.as_deref().unwrap_or_default(), format!("[::1]:{port}"));
            assert!(run.findings("hostname-mismatch").is_empty());
        }
        None => eprintln!("SKIPPED: no IPv6 loopback on this machine"),
    }

    let bad = s.side("bad.txt", "https://ok.example\nftp://nope.example\n");
    let run = probe(&s, &pki, &[], &["--targets", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.txt:2:") && run.stderr.contains("unknown scheme"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_new_probes_and_still_writes_reports_marked_interrupted() {
    let pki = Pki::new();
    let servers = Servers::new();
    let stall: Vec<String> = (0..4)
        .map(|_| format!("smtp://127.0.0.1:{}", servers.start(vec![Step::Stall])))
        .collect();
    let s = Scratch::new();
    let anchor = s.side("root.pem", pki.root.pem());
    let out = s.out();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certaudit"));
    cmd.args(["scan", "--no-public-roots", "--trust-anchors", anchor.to_str().unwrap()]);
    cmd.args(["--concurrency", "1", "--timeout", "3", "-o", out.to_str().unwrap()]);
    for t in &stall {
        cmd.args(["--probe", t]);
    }
    let child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: sending SIGINT to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    for f in ["report.json", "report.csv", "report.html"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let report: Report = read_report(&out.join("report.json"), "report.json");
    assert!(report.scan.interrupted);
    let kinds: Vec<&str> = report
        .endpoints
        .iter()
        .map(|e| e.error_kind.unwrap().as_str())
        .collect();
    assert_eq!(kinds.len(), 4);
    assert_eq!(kinds[0], "timeout", "the probe in flight finished at its deadline");
    assert_eq!(&kinds[1..], ["interrupted"; 3]);
    assert!(report.findings.iter().all(|f| f.ev("kind") != "interrupted"));
}

/// What a hostile server sends after the hello of a legacy capture or of the protocol matrix.
#[derive(Clone, Copy, Debug)]
enum Legacy {
    /// Plain text where a ServerHello should be.
    Garbage,
    /// A record header announcing 65,535 bytes.
    HugeRecord,
    /// A valid handshake record, one byte a second.
    Drip,
    /// Handshake records of messages that are no certificate, without end.
    EndlessRecords,
    /// Warning alerts without end.
    EndlessAlerts,
}

/// A server that refuses the first connection's hello (rustls's) with an alert, so that
/// certaudit tries its own hello, and answers every later hello with `how`.
fn legacy_hostile(servers: &Servers, how: Legacy) -> u16 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connections = Arc::new(AtomicUsize::new(0));
    servers.handler(move |mut stream| {
        let first = connections.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            let mut hello = [0u8; 4096];
            if stream.read(&mut hello).await.unwrap_or(0) == 0 {
                return;
            }
            if first {
                let _ = stream.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).await;
                return;
            }
            match how {
                Legacy::Garbage => {
                    let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                }
                Legacy::HugeRecord => {
                    let _ = stream.write_all(&[0x16, 0x03, 0x01, 0xff, 0xff]).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                Legacy::Drip => {
                    for b in [0x16u8, 0x03, 0x01, 0x00, 0x30].iter().chain([0x02u8; 0x30].iter()) {
                        if stream.write_all(&[*b]).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                Legacy::EndlessRecords => {
                    // Records full of empty HelloRequest messages (valid, and ignored), forever.
                    let record = [&[0x16u8, 0x03, 0x01, 0x40, 0x00][..], &[0x00; 0x4000][..]].concat();
                    while stream.write_all(&record).await.is_ok() {}
                }
                Legacy::EndlessAlerts => {
                    while stream
                        .write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00])
                        .await
                        .is_ok()
                    {}
                }
            }
        }
    })
}

#[test]
fn hostile_answers_to_certaudits_own_hello_are_one_endpoints_error() {
    let pki = Pki::new();
    let servers = Servers::new();
    let good = pki.serve(leaf(&["mail.contoso.com"]));
    let cases = [
        (Legacy::Garbage, "did not answer a ClientHello with TLS"),
        (Legacy::HugeRecord, "65535 bytes"),
        (Legacy::Drip, "deadline"),
        (Legacy::EndlessRecords, "without its certificate"),
        (Legacy::EndlessAlerts, "alert"),
    ];
    let mut targets: Vec<String> = cases
        .iter()
        .map(|(how, _)| format!("https://mail.contoso.com:{}", legacy_hostile(&servers, *how)))
        .collect();
    let good_target = format!("https://mail.contoso.com:{}", servers.start(implicit(acceptor(&good))));
    targets.push(good_target.clone());
    let s = Scratch::new();
    let run = probe(
        &s,
        &pki,
        &targets,
        &["--resolve", "mail.contoso.com=127.0.0.1", "--timeout", "3"],
    );
    // Five endpoints not audited: incomplete, never a pass.
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(serde_json::to_value(run.report().summary.result).unwrap(), "incomplete");
    for ((how, words), target) in cases.iter().zip(&targets) {
        let e = endpoint(&run, target);
        assert_eq!(e.status.as_str(), "error", "{how:?}");
        let error = e.error.as_deref().unwrap_or_default();
        assert!(error.contains("a legacy handshake failed too"), "{how:?}: {error}");
        assert!(error.contains(words), "{how:?}: {error:?} lacks {words:?}");
        assert!(e.chain.is_empty(), "{how:?}");
        assert_eq!(findings_at(&run, "probe-failed", target).len(), 1, "{how:?}");
    }
    // The good endpoint beside them is audited in full, its matrix included.
    let e = endpoint(&run, &good_target);
    assert_eq!(e.status.as_str(), "ok");
    assert_eq!(e.protocols.len(), 5);
    assert!(e.protocols.iter().all(|p| p.accepted.is_some()), "{:?}", e.protocols);
}

#[test]
fn the_protocol_matrix_is_on_by_default_and_off_when_asked() {
    let pki = Pki::new();
    let servers = Servers::new();
    let good = pki.serve(leaf(&["mail.contoso.com"]));
    let target = format!("imaps://mail.contoso.com:{}", servers.start(implicit(acceptor(&good))));
    let s = Scratch::new();
    let resolve = ["--resolve", "mail.contoso.com=127.0.0.1"];
    let run = probe(&s, &pki, std::slice::from_ref(&target), &resolve);
    let report = run.report();
    assert!(report.scan.probe.as_ref().unwrap().protocol_scan);
    assert_eq!(report.endpoints[0].protocols.len(), 5);
    let config = s.side("audit.toml", "protocol_scan = false\n");
    for how in [vec!["--no-protocol-scan"], vec!["--config", config.to_str().unwrap()]] {
        let mut extra = resolve.to_vec();
        extra.extend(how.iter().copied());
        let run = probe(&s, &pki, std::slice::from_ref(&target), &extra);
        let report = run.report();
        assert!(!report.scan.probe.as_ref().unwrap().protocol_scan, "{how:?}");
        assert!(report.endpoints[0].protocols.is_empty(), "{how:?}");
        assert_eq!(report.endpoints[0].status.as_str(), "ok", "{how:?}");
    }
    // `protocol_scan = true` in the file is the default, not the flag.
    let config = s.side("audit2.toml", "protocol_scan = true\n");
    let mut extra = resolve.to_vec();
    extra.extend(["--config", config.to_str().unwrap()]);
    let run = probe(&s, &pki, std::slice::from_ref(&target), &extra);
    assert_eq!(run.report().endpoints[0].protocols.len(), 5);
}
