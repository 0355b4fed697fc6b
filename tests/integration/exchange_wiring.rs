//! What current Exchange servers export, and how IIS, transport and Auth use certificates:
//! signed serialization payloads (against real payloads from `../shared/exchange-samples/`),
//! store exports, IIS web bindings, the internal transport certificate, the Auth
//! certificate on every server, the certificate each connector presents, Edge Transport
//! servers, and the precision of `stale-smtp-binding`. Each rule has a case that triggers it
//! and one that must not.

use crate::common;
use crate::support::exchange_writer;
use crate::support::servers;

use std::path::Path;

use base64::Engine;
use common::*;
use exchange_writer::*;
use serde_json::Value;

const IMAP: u32 = 1;
const POP: u32 = 2;
const IIS: u32 = 8;
const SMTP: u32 = 16;

/// A setup-style self-signed certificate for `server`.
fn setup_cert(server: &str) -> Vec<u8> {
    der(&Leaf::new(server)
        .names(&[server, &format!("{}.contoso.com", server.to_ascii_lowercase())])
        .valid(date(2024, 1, 1), date(2029, 1, 1))
        .self_signed())
}

fn self_signed_export<'a>(der: &'a [u8], server: &'a str, services: u32) -> ExportCert<'a> {
    let mut c = ExportCert::bound(der, server, services);
    c.self_signed = true;
    c.root_ca_type = 0;
    c
}

fn messages(run: &Run, rule: &str) -> Vec<String> {
    run.findings(rule)
        .iter()
        .map(|f| f.message.as_str().to_string())
        .collect()
}

fn not_audited(run: &Run) -> Vec<(String, String)> {
    run.report()
        .not_audited
        .iter()
        .map(|g| (g.rule.clone().unwrap_or_default(), g.subject.clone()))
        .collect()
}

// ---------------------------------------------------------------- signed payloads

#[test]
fn signed_payloads_read_like_bare_ones() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    let other = o.leaf(&["other.contoso.com"]);
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX01", IIS | SMTP)]),
    );
    o.s.put(
        "EX02/Get-ExchangeCertificate.xml",
        utf16le_bom(&exchange_certificates(&[
            ExportCert::bound(&mail, "EX02", IIS | SMTP).signed(),
            ExportCert::bound(&other, "EX02", IMAP | POP).signed(),
        ])),
    );
    let run = o.run(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let b = run.certificate("mail.contoso.com").bindings.clone();
    assert_eq!(b.len(), 2);
    for binding in &b {
        assert_eq!(binding.services, ["IIS", "SMTP"], "{binding:?}");
        assert_eq!(binding.status.as_str(), "Valid");
        assert!(binding.services_known);
    }
    assert_eq!(
        run.certificate("other.contoso.com").bindings[0].services,
        ["IMAP", "POP"]
    );
    let signed = run.input("EX02/Get-ExchangeCertificate.xml");
    assert!(signed.error.is_none(), "{signed:?}");
    assert!(
        signed.note.as_deref().unwrap().contains("2 signed SerializationData"),
        "{signed:?}"
    );
}

#[test]
fn a_broken_signed_payload_never_costs_the_certificate() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    let stream = serialization_data(&ExportCert::bound(&mail, "EX01", IIS), &thumbprint(&mail));
    let good = signed_payload(&stream);
    let truncated = good[..good.len() / 2].to_vec(); // the declared length now runs past the end
    let mut beyond = good.clone();
    beyond[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
    let header_only = b"#sig#\x10".to_vec();
    let mut garbled = good.clone();
    garbled[9] = 0x63; // the stream's first record is no record at all
    let blob_doc = |blob: Vec<u8>| {
        clixml(&[Obj {
            types: vec![
                "Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate".into(),
            ],
            props: vec![("RawData".into(), P::BA(mail.clone()))],
            ms: vec![
                ("PSComputerName".into(), P::S("EX01".into())),
                ("SerializationData".into(), P::BA(blob)),
            ],
        }])
    };
    for (name, blob) in [
        ("truncated.xml", truncated),
        ("beyond.xml", beyond),
        ("header-only.xml", header_only),
        ("garbled.xml", garbled),
    ] {
        o.s.put(name, blob_doc(blob));
    }
    let run = o.run(&[]);
    for (name, words) in [
        ("truncated.xml", "only"),
        ("beyond.xml", "4294967295 bytes of MS-NRBF"),
        ("header-only.xml", "ends inside its `#sig#` header"),
        ("garbled.xml", "unknown record type 99"),
    ] {
        let i = run.input(name);
        assert!(i.error.is_none(), "{name}: {i:?}");
        assert_eq!(i.certificates, 1, "{name}: the certificate is read from RawData");
        let note = i.note.as_deref().unwrap();
        assert!(
            note.contains("SerializationData could not be decoded") && note.contains(words),
            "{name}: {note}"
        );
    }
    let bindings = run.certificate("mail.contoso.com").bindings.clone();
    assert_eq!(bindings.len(), 4);
    assert!(bindings.iter().all(|b| b.server == "EX01" && !b.services_known));
    assert_ne!(run.code, 2, "{}", run.stderr);
}

/// Every SerializationData of a real export, wrapped in the signed envelope, gives the same
/// bindings as the bare original.
#[test]
fn real_payloads_signed_keep_their_bindings() {
    let Some(dir) = exchange_samples() else { return };
    let s = Scratch::new();
    let mut wrapped_any = 0;
    for name in ["hc_GetExchangeCertificate.xml", "mac_GetExchangeCertificate.xml"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        s.put(&format!("bare/{name}"), &text);
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("<BA N=\"SerializationData\">") {
            let start = at + "<BA N=\"SerializationData\">".len();
            let end = start + rest[start..].find("</BA>").unwrap();
            let blob = base64::engine::general_purpose::STANDARD
                .decode(&rest[start..end])
                .unwrap();
            out.push_str(&rest[..start]);
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(signed_payload(&blob)));
            rest = &rest[end..];
            wrapped_any += 1;
        }
        out.push_str(rest);
        s.put(&format!("signed/{name}"), out);
    }
    assert!(wrapped_any >= 10);
    let bindings = |folder: &str| -> Vec<Value> {
        let out = s.dir.path().join(format!("out-{folder}"));
        let run = certaudit(
            &[
                "scan",
                s.store().join(folder).to_str().unwrap(),
                "--format",
                "json",
                "--no-history",
                "-o",
                out.to_str().unwrap(),
            ],
            Some(&out),
        );
        let mut all: Vec<Value> = run
            .report()
            .certificates
            .iter()
            .flat_map(|c| {
                c.bindings.iter().map(|b| {
                    serde_json::json!({
                        "thumbprint": c.thumbprint, "server": b.server, "services": b.services,
                        "status": b.status.as_str(), "self_signed": b.self_signed, "root_ca_type": b.root_ca_type,
                        "file": b.source.as_str().rsplit(['/', '\\']).next().unwrap(),
                    })
                })
            })
            .collect();
        all.sort_by_key(|v| v.to_string());
        all
    };
    let (bare, signed) = (bindings("bare"), bindings("signed"));
    assert_eq!(bare.len(), 12);
    assert!(bare.iter().all(|b| b["status"] == "Valid"));
    assert_eq!(bare, signed);
}

/// The signed payloads Exchange wrote in the real `mac_*` exports: each parses, its envelope
/// holds a 32-byte signature, and the root classes and the server version are those a
/// separate decoder (Python, reading the records by hand) found.
#[test]
fn real_signed_payloads_parse() {
    use certaudit_core::inputs::nrbf::{parse_serialization_data, Envelope, Value as V};
    let Some(dir) = exchange_samples() else { return };
    let roots = |name: &str| -> Vec<(String, Envelope, V)> {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        text.split("<BA N=\"SerializationData\">")
            .skip(1)
            .map(|p| {
                let blob = base64::engine::general_purpose::STANDARD
                    .decode(p.split("</BA>").next().unwrap())
                    .unwrap();
                let (v, e) = parse_serialization_data(&blob).unwrap_or_else(|e| panic!("{name}: {e}"));
                (v.as_object().unwrap().class.to_string(), e, v)
            })
            .collect()
    };
    let auth = roots("mac_GetAuthConfig.xml");
    let classes: Vec<&str> = auth.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(
        classes,
        [
            "Microsoft.Exchange.Data.ExchangeObjectVersion",
            "Microsoft.Exchange.Data.Directory.ADObjectId",
            "Microsoft.Exchange.Data.Directory.ADObjectId",
            "Microsoft.Exchange.Data.Directory.OrganizationId",
            "Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthConfig",
        ]
    );
    let servers = roots("mac_GetExchangeServer.xml");
    assert_eq!(servers.len(), 17);
    for (_, e, _) in auth.iter().chain(&servers) {
        assert_eq!(*e, Envelope::Signed { signature_bytes: 32 });
    }
    let versions: Vec<Vec<i64>> = servers
        .iter()
        .filter(|(c, _, _)| c == "Microsoft.Exchange.Data.ServerVersion")
        .map(|(_, _, v)| {
            let version = v.as_object().unwrap().get("version").unwrap().as_object().unwrap();
            ["_Major", "_Minor", "_Build", "_Revision"]
                .iter()
                .map(|m| version.get(m).unwrap().as_int().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(versions, [vec![15, 1, 2507, 18], vec![15, 1, 2507, 18]]);
    assert_eq!(
        servers
            .iter()
            .filter(|(c, _, _)| c == "Microsoft.Exchange.Data.Directory.Management.ExchangeServer")
            .count(),
        2
    );
}

// ---------------------------------------------------------------- real exports

/// The web-binding, connector, server and Auth files of the real samples, as read.
#[test]
fn real_web_bindings_connectors_servers_and_auth_config() {
    let Some(dir) = exchange_samples() else { return };
    let s = Scratch::new();
    let out = s.out();
    let files = [
        "hc_E19_GetWebBinding.xml",
        "hc_E19_GetReceiveConnector.xml",
        "hc_GetSendConnectorConfiguredToRelayToM365.xml",
        "hc_E19_GetExchangeServer.xml",
        "mac_GetExchangeServer.xml",
        "mac_GetAuthConfig.xml",
        "hc_E19_GetExchangeCertificate.xml",
    ];
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(files.iter().map(|f| dir.join(f).display().to_string()));
    args.extend(
        ["--format", "json", "--no-history", "--at", "2026-06-01", "-o"]
            .iter()
            .map(|a| a.to_string()),
    );
    args.push(out.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = certaudit(&args, Some(&out));
    let org = &run.report().organisation;
    for f in files {
        assert!(run.input(f).error.is_none(), "{f}: {:?}", run.input(f));
    }
    // Web bindings: six per file, the https ones naming 12FD38FA…; no PSComputerName and not
    // in a per-server folder, so their server is unknown and they are listed as not audited.
    let wb = &org.web_bindings;
    assert_eq!(wb.len(), 6);
    let https: Vec<(&str, &str, &str)> = wb
        .iter()
        .filter(|b| b.protocol.as_str() == "https")
        .map(|b| {
            (
                b.site.as_str(),
                b.binding_information.as_str(),
                b.certificate_hash.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        https,
        [
            ("Default Web Site", ":443:", "12FD38FA8F58C8A74B3039962882DEFE4199D453"),
            (
                "Default Web Site",
                "127.0.0.1:443:",
                "12FD38FA8F58C8A74B3039962882DEFE4199D453"
            ),
            (
                "Exchange Back End",
                "*:444:",
                "12FD38FA8F58C8A74B3039962882DEFE4199D453"
            ),
        ]
    );
    assert!(wb.iter().all(|b| b.server.is_none()));
    assert_eq!(
        not_audited(&run)
            .iter()
            .filter(|(r, _)| r == "iis-binding-invalid")
            .count(),
        3
    );
    // Receive connectors: the five Exchange creates, with their ports, groups and roles.
    let receive: Vec<_> = org.connectors.iter().filter(|c| c.kind == "Receive").collect();
    assert_eq!(receive.len(), 5);
    let frontend = receive
        .iter()
        .find(|c| c.name == "Default Frontend WIN-CTD3L0RGEN4")
        .unwrap();
    assert_eq!(frontend.servers, ["WIN-CTD3L0RGEN4"]);
    assert_eq!(frontend.fqdn.as_deref(), Some("WIN-CTD3L0RGEN4.exlab.dom"));
    assert_eq!(frontend.bindings, ["[::]:25", "0.0.0.0:25"]);
    assert_eq!(
        frontend.permission_groups,
        ["AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers"]
    );
    assert_eq!(frontend.transport_role.as_deref(), Some("FrontendTransport"));
    assert_eq!(
        frontend.tls_certificate_name.as_deref(),
        Some("<I>CN=WIN-CTD3L0RGEN4<S>CN=WIN-CTD3L0RGEN4")
    );
    assert_eq!(
        frontend.identity.as_deref(),
        Some("WIN-CTD3L0RGEN4\\Default Frontend WIN-CTD3L0RGEN4")
    );
    assert!(frontend.auth_mechanism.iter().any(|m| m == "Tls"));
    let send = org.connectors.iter().find(|c| c.kind == "Send").unwrap();
    assert_eq!(send.name, "My company to Office 365");
    assert_eq!(send.fqdn.as_deref(), Some("mail.contoso.com"));
    assert_eq!(send.tls_auth_level.as_deref(), Some("CertificateValidation"));
    assert_eq!(send.require_tls, Some(true));
    assert_eq!(send.cloud_services_mail_enabled, Some(true));
    assert_eq!(
        send.smart_hosts,
        ["ThisTenantDoesntExists-com.mail.protection.outlook.com"]
    );
    // Servers: versions and products.
    let servers: Vec<(&str, &str, &str)> = org
        .servers
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref().unwrap_or_default(),
                s.product.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        servers,
        [
            ("SOLO-E19A", "Version 15.2 (Build 986.5)", "Exchange Server 2019"),
            ("E2k16-1", "Version 15.1 (Build 2507.18)", "Exchange Server 2016"),
            ("E2k16-2", "Version 15.1 (Build 2507.18)", "Exchange Server 2016"),
        ]
    );
    // Get-AuthConfig with a next certificate effective since 2023-02-03 and never published.
    assert_eq!(
        org.auth_configs[0]
            .next_effective
            .map(certaudit_core::time::rfc3339)
            .as_deref(),
        Some("2023-02-03T14:16:02Z")
    );
    let f = run.findings("auth-certificate-not-published");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ev("next_thumbprint"), "BC6BF924D6EF046E64F8D1987DC1D7D2F4C0042A");
}

// ---------------------------------------------------------------- store exports

#[test]
fn bare_x509_certificates_are_certificates_on_their_server() {
    let o = Org::new();
    let transport = o.leaf(&["ex01.contoso.com"]);
    let remote = o.leaf(&["remote.contoso.com"]);
    let loose = o.leaf(&["loose.contoso.com"]);
    o.s.put(
        "EX01/Get-ChildItem-Cert-My.xml",
        store_certificates(&[&transport], None),
    );
    o.s.put(
        "store-remote.xml",
        store_certificates(&[&remote], Some("EX02.contoso.com")),
    );
    o.s.put("store-loose.xml", store_certificates(&[&loose], None));
    // EX01's Get-ExchangeCertificate knows the services: the store's unknown view gives way.
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&transport, "EX01", SMTP)]),
    );
    let run = o.run(&[]);
    let b = run.certificate("ex01.contoso.com").bindings.clone();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].services, ["SMTP"]);
    let b = run.certificate("remote.contoso.com").bindings.clone();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].server, "EX02.contoso.com");
    assert!(!b[0].services_known);
    assert!(run.certificate("loose.contoso.com").bindings.is_empty());
    let note = run.input("store-loose.xml").note.as_deref().unwrap().to_string();
    assert!(note.contains("server it is on is unknown"), "{note}");
    assert_eq!(run.input("store-loose.xml").certificates, 1);
}

// ---------------------------------------------------------------- IIS web bindings

#[test]
fn iis_bindings_are_judged_per_site_and_server() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    let expired = o.leaf_valid(&["old.contoso.com"], (2025, 1, 1), (2026, 3, 1));
    let other = o.leaf(&["other.contoso.com"]);
    let (setup1, setup2, setup3, setup4) = (
        setup_cert("EX01"),
        setup_cert("EX02"),
        setup_cert("EX03"),
        setup_cert("EX04"),
    );
    let removed = "0123456789ABCDEF0123456789ABCDEF01234567";
    for (server, setup) in [
        ("EX01", &setup1),
        ("EX02", &setup2),
        ("EX03", &setup3),
        ("EX04", &setup4),
    ] {
        o.s.put(
            &format!("exports/{server}/Get-ExchangeCertificate.xml"),
            exchange_certificates(&[
                ExportCert::bound(&mail, server, IIS | SMTP),
                self_signed_export(setup, server, SMTP),
                ExportCert::bound(&expired, server, 0),
                ExportCert::bound(&other, server, 0),
            ]),
        );
    }
    let (mail_tp, setup1_tp) = (thumbprint(&mail), thumbprint(&setup1));
    let (expired_tp, other_tp) = (thumbprint(&expired), thumbprint(&other));
    // EX01: as it should be.
    o.s.put(
        "exports/EX01/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&mail_tp, &setup1_tp)),
    );
    // EX02: the Back End names a certificate removed from the server.
    o.s.put(
        "exports/EX02/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&mail_tp, removed)),
    );
    // EX03: the front end serves an expired certificate; the Back End one is fine.
    o.s.put(
        "exports/EX03/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&expired_tp, &thumbprint(&setup3))),
    );
    // EX04: the front end serves another certificate than the IIS-enabled one.
    o.s.put(
        "exports/EX04/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&other_tp, &thumbprint(&setup4))),
    );
    // EX05: no certificate export, and a file from no per-server folder.
    o.s.put(
        "exports/EX05/Get-WebBinding.xml",
        web_bindings(&exchange_sites(&mail_tp, removed)),
    );
    o.s.put("loose-bindings.xml", web_bindings(&exchange_sites(&mail_tp, removed)));
    let run = o.run(&[]);
    let f = run.findings("iis-binding-invalid");
    let got: Vec<(String, String, String)> = f
        .iter()
        .map(|f| {
            (
                f.server.as_deref().unwrap().to_string(),
                f.ev("site").as_str().unwrap().to_string(),
                f.severity.as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "EX02".to_string(),
                "Exchange Back End".to_string(),
                "critical".to_string()
            ),
            ("EX03".to_string(), "Default Web Site".to_string(), "high".to_string()),
            ("EX04".to_string(), "Default Web Site".to_string(), "medium".to_string()),
        ],
        "{:#?}",
        messages(&run, "iis-binding-invalid")
    );
    let ex02 = f
        .iter()
        .find(|f| f.server.as_deref().unwrap_or_default() == "EX02")
        .unwrap();
    assert!(ex02.message.as_str().contains(removed));
    assert!(ex02.message.as_str().contains("OWA, ECP and EWS"));
    let remediation = ex02.remediation.text();
    assert!(
        remediation.contains("Exchange Back End") && remediation.contains(&thumbprint(&setup2)),
        "the setup certificate of EX02 is proposed: {remediation}"
    );
    assert!(!remediation.contains("<thumbprint>") && !remediation.contains('{'));
    // The two front-end bindings (:443: and 127.0.0.1:443:) are one finding.
    let ex03 = f
        .iter()
        .find(|f| f.server.as_deref().unwrap_or_default() == "EX03")
        .unwrap();
    assert_eq!(*ex03.ev("bindings"), serde_json::json!([":443:", "127.0.0.1:443:"]));
    assert!(ex03.message.as_str().contains("expired on 2026-03-01"));
    let ex04 = f
        .iter()
        .find(|f| f.server.as_deref().unwrap_or_default() == "EX04")
        .unwrap();
    assert_eq!(*ex04.ev("iis_enabled_certificates"), serde_json::json!([mail_tp]));
    // Web bindings whose certificates cannot be checked are listed, never passed.
    let gaps = not_audited(&run);
    assert!(
        gaps.iter()
            .any(|(r, s)| r == "iis-binding-invalid" && s.contains("on EX05")),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|(r, s)| r == "iis-binding-invalid" && s.contains("loose-bindings.xml")),
        "{gaps:?}"
    );
    let wb = run.report().organisation.web_bindings.clone();
    assert!(wb
        .iter()
        .filter(|b| b.source.as_str().contains("EX01"))
        .all(|b| b.server.as_deref() == Some("EX01")
            && b.server_origin == Some(certaudit_core::inventory::ServerOrigin::Folder)));
}

#[test]
fn a_folder_that_names_no_known_server_is_not_guessed() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    o.s.put(
        "organization/Get-ExchangeServer.xml",
        exchange_servers(&[("EX01", "ex01.contoso.com", false)]),
    );
    o.s.put(
        "exports/EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX01", IIS)]),
    );
    o.s.put(
        "exports/June-2026/Get-WebBinding.xml",
        web_bindings(&exchange_sites(
            &thumbprint(&mail),
            "0123456789ABCDEF0123456789ABCDEF01234567",
        )),
    );
    let run = o.run(&[]);
    assert!(run.findings("iis-binding-invalid").is_empty());
    let note = run
        .input("June-2026/Get-WebBinding.xml")
        .note
        .as_deref()
        .unwrap()
        .to_string();
    assert!(note.contains("folder June-2026 names no server"), "{note}");
    assert!(run
        .report()
        .organisation
        .web_bindings
        .iter()
        .all(|b| b.server.is_none()));
    assert_eq!(not_audited(&run).len(), 3);
}

#[test]
fn a_garbled_web_binding_is_an_error_of_that_object_only() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    let mail_tp = thumbprint(&mail);
    let mut specs = exchange_sites(&mail_tp, "");
    specs[3].binding_information = "*:not-a-port:";
    specs[3].certificate_hash = "XYZ";
    o.s.put("EX01/Get-WebBinding.xml", web_bindings(&specs));
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX01", IIS)]),
    );
    let run = o.run(&[]);
    let i = run.input("EX01/Get-WebBinding.xml");
    let e = i.error.as_deref().unwrap();
    assert!(e.contains("object #4") && e.contains("not-a-port"), "{e}");
    assert!(i.note.as_deref().unwrap().contains("3 WebBinding"), "{i:?}");
    assert_eq!(run.report().organisation.web_bindings.len(), 3);
    assert_eq!(run.certificate("mail.contoso.com").bindings.len(), 1);
}

// ---------------------------------------------------------------- internal transport

#[test]
fn the_internal_transport_certificate_must_be_on_its_server_and_valid() {
    let o = Org::new();
    let setups: Vec<Vec<u8>> = ["EX01", "EX02", "EX03", "EX04"].iter().map(|s| setup_cert(s)).collect();
    let expired = o.leaf_valid(&["ex03.contoso.com"], (2021, 1, 1), (2026, 5, 1));
    let soon = o.leaf_valid(&["ex04.contoso.com"], (2021, 1, 1), (2026, 6, 20));
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[self_signed_export(&setups[0], "EX01", SMTP)]),
    );
    o.s.put(
        "EX02/Get-ExchangeCertificate.xml",
        exchange_certificates(&[self_signed_export(&setups[1], "EX02", SMTP)]),
    );
    o.s.put(
        "EX03/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&expired, "EX03", SMTP)]),
    );
    o.s.put(
        "EX04/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&soon, "EX04", SMTP)]),
    );
    o.s.put(
        "EX01/Get-TransportService.xml",
        transport_service("EX01", &thumbprint(&setups[0])),
    );
    // EX02 names EX01's certificate, which is not on EX02.
    o.s.put(
        "EX02/Get-TransportService.xml",
        transport_service("EX02", &thumbprint(&setups[0])),
    );
    o.s.put(
        "EX03/Get-TransportService.xml",
        transport_service("EX03", &thumbprint(&expired)),
    );
    o.s.put(
        "EX04/Get-TransportService.xml",
        transport_service("EX04", &thumbprint(&soon)),
    );
    o.s.put(
        "EX05/Get-TransportService.xml",
        transport_service("EX05", &thumbprint(&setups[3])),
    );
    let run = o.run(&[]);
    let mut got: Vec<(String, String)> = run
        .findings("internal-transport-certificate-invalid")
        .iter()
        .map(|f| {
            (
                f.server.as_deref().unwrap().to_string(),
                f.severity.as_str().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("EX02".to_string(), "critical".to_string()),
            ("EX03".to_string(), "critical".to_string()),
            ("EX04".to_string(), "high".to_string()),
        ],
        "{:#?}",
        messages(&run, "internal-transport-certificate-invalid")
    );
    let m = messages(&run, "internal-transport-certificate-invalid");
    assert!(m.iter().any(|m| m.contains("not on EX02")));
    assert!(m.iter().any(|m| m.contains("expired on 2026-05-01")));
    assert!(m.iter().any(|m| m.contains("19 day(s) left, inside the 30-day window")));
    assert!(not_audited(&run)
        .iter()
        .any(|(r, s)| r == "internal-transport-certificate-invalid" && s.contains("EX05")));
}

// ---------------------------------------------------------------- Auth certificate

#[test]
fn the_auth_certificate_must_be_on_every_mailbox_server() {
    let o = Org::new();
    let auth_cert = |from: (i32, u8, u8), to: (i32, u8, u8)| {
        der(&Leaf::new("auth")
            .cn("Microsoft Exchange Server Auth Certificate")
            .names(&[])
            .valid(date(from.0, from.1, from.2), date(to.0, to.1, to.2))
            .self_signed())
    };
    let current = auth_cert((2024, 1, 1), (2029, 1, 1));
    let next = auth_cert((2026, 4, 1), (2031, 4, 1));
    let mail = o.leaf(&["mail.contoso.com"]);
    let with = |server: &'static str, certs: &[&Vec<u8>]| {
        let mut list = vec![ExportCert::bound(&mail, server, IIS)];
        for c in certs {
            list.push(self_signed_export(c, server, SMTP));
        }
        exchange_certificates(&list)
    };
    o.s.put("EX01/Get-ExchangeCertificate.xml", with("EX01", &[&current, &next]));
    o.s.put("EX02/Get-ExchangeCertificate.xml", with("EX02", &[&current]));
    o.s.put("EX03/Get-ExchangeCertificate.xml", with("EX03", &[]));
    o.s.put("EDGE01/Get-ExchangeCertificate.xml", with("EDGE01", &[]));
    o.s.put(
        "organization/Get-ExchangeServer.xml",
        exchange_servers(&[
            ("EX01", "ex01.contoso.com", false),
            ("EX02", "ex02.contoso.com", false),
            ("EX03", "ex03.contoso.com", false),
            ("EDGE01", "edge01.contoso.com", true),
        ]),
    );
    let (current_tp, next_tp) = (thumbprint(&current), thumbprint(&next));
    // Effective on 2026-05-15: before the evaluation instant of 2026-06-01.
    o.s.put(
        "organization/Get-AuthConfig.xml",
        auth_config_staged(&current_tp, Some((&next_tp, "2026-05-15T00:00:00+00:00")), None),
    );
    let run = o.run(&[]);
    let mut got: Vec<(String, String)> = run
        .findings("auth-certificate-missing-on-server")
        .iter()
        .map(|f| {
            (
                f.server.as_deref().unwrap().to_string(),
                f.ev("auth_role").as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("EX02".to_string(), "next".to_string()),
            ("EX03".to_string(), "current".to_string()),
            ("EX03".to_string(), "next".to_string()),
        ],
        "EX01 has both; the Edge server takes no part in OAuth"
    );
    let r = run.findings("auth-certificate-missing-on-server")[0]
        .remediation
        .text()
        .to_string();
    assert!(
        r.contains("Import-ExchangeCertificate -Server EX0") && !r.contains('{'),
        "{r}"
    );
    let f = run.findings("auth-certificate-not-published");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.as_str().contains("effective since 2026-05-15"));
    assert!(f[0].remediation.text().contains(&next_tp));

    // Before the effective date, the next certificate is neither required nor late.
    o.s.put(
        "organization/Get-AuthConfig.xml",
        auth_config_staged(&current_tp, Some((&next_tp, "2026-07-01T00:00:00+00:00")), None),
    );
    let run = o.run(&[]);
    let servers: Vec<&str> = run
        .findings("auth-certificate-missing-on-server")
        .iter()
        .map(|f| f.server.as_deref().unwrap())
        .collect();
    assert_eq!(servers, ["EX03"]);
    assert!(run.findings("auth-certificate-not-published").is_empty());
}

// ---------------------------------------------------------------- STARTTLS selection

#[test]
fn the_certificate_each_connector_presents_is_worked_out_and_judged() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com", "smtp.contoso.com"]);
    let wildcard = o.leaf(&["*.contoso.com"]);
    let older_mail = o.leaf_valid(&["mail.contoso.com"], (2025, 9, 1), (2027, 1, 1));
    let relay_self = der(&Leaf::new("relay.contoso.com")
        .valid(date(2025, 1, 1), date(2030, 1, 1))
        .self_signed());
    let setup = setup_cert("EX01");
    let iis_only = o.leaf(&["webmail.contoso.com"]);
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[
            ExportCert::bound(&older_mail, "EX01", SMTP),
            ExportCert::bound(&mail, "EX01", IIS | SMTP),
            ExportCert::bound(&wildcard, "EX01", SMTP),
            self_signed_export(&relay_self, "EX01", SMTP),
            self_signed_export(&setup, "EX01", SMTP),
            ExportCert::bound(&iis_only, "EX01", IIS),
        ]),
    );
    let iis_name = "<I>CN=Contoso Root<S>CN=webmail.contoso.com".to_string();
    let specs = [
        // Exact name: the newest of the two mail certificates (not the wildcard).
        ReceiveSpec::default_frontend("EX01", "mail.contoso.com"),
        // Submission to a name only the wildcard covers: it is chosen, and it is fine.
        ReceiveSpec::client_frontend("EX01", "submit.contoso.com"),
        // Submission to a name no certificate carries: high.
        ReceiveSpec {
            name: "Client Frontend Legacy",
            ..ReceiveSpec::client_frontend("EX01", "smtp-auth.fabrikam.com")
        },
        // Internet-facing, a name a self-signed certificate carries exactly and the CA-issued
        // wildcard covers: the exact name wins, and a self-signed choice there is low.
        ReceiveSpec {
            name: "Relay",
            ..ReceiveSpec::default_frontend("EX01", "relay.contoso.com")
        },
        // Internet-facing, no certificate for the name: medium.
        ReceiveSpec {
            name: "Partner",
            ..ReceiveSpec::default_frontend("EX01", "partner-mx.fabrikam.com")
        },
        // Between servers (HubTransport, 2525): the internal certificate by design, nothing.
        ReceiveSpec {
            name: "Default",
            bindings: &["0.0.0.0:2525"],
            permission_groups: "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
            role: "HubTransport",
            ..ReceiveSpec::default_frontend("EX01", "nothing-covers-this.contoso.com")
        },
        // TlsCertificateName naming a certificate not enabled for SMTP: medium.
        ReceiveSpec {
            name: "Pinned",
            tls_certificate_name: Some(&iis_name),
            ..ReceiveSpec::client_frontend("EX01", "webmail.contoso.com")
        },
        // No TLS in AuthMechanism: no STARTTLS, no certificate to judge.
        ReceiveSpec {
            name: "Plain",
            auth_mechanism: "Integrated, BasicAuth",
            ..ReceiveSpec::client_frontend("EX01", "nothing.example.com")
        },
    ];
    o.s.put(
        "EX01/Get-ReceiveConnector.xml",
        clixml(&specs.iter().map(receive_connector).collect::<Vec<_>>()),
    );
    // A send connector pinned to the self-signed relay certificate: Exchange Online refuses it.
    let relay_name = "<I>CN=relay.contoso.com<S>CN=relay.contoso.com";
    o.s.put(
        "organization/Get-SendConnector.xml",
        clixml(&[connector(true, "Outbound to Office 365", &["EX01"], Some(relay_name))]),
    );
    let run = o.run(&[]);
    let f = run.findings("smtp-certificate-selection");
    let by = |connector: &str| -> Vec<&&FindingEntry> {
        f.iter()
            .filter(|f| f.ev("connector").as_str().unwrap().starts_with(connector))
            .collect()
    };
    let severity =
        |connector: &str| -> Vec<String> { by(connector).iter().map(|f| f.severity.as_str().to_string()).collect() };
    assert!(
        by("Default Frontend EX01").is_empty(),
        "{:#?}",
        messages(&run, "smtp-certificate-selection")
    );
    assert!(by("Client Frontend EX01").is_empty());
    assert_eq!(severity("Client Frontend Legacy"), ["high"]);
    assert_eq!(severity("Relay"), ["low"]);
    assert_eq!(severity("Partner"), ["medium"]);
    assert!(by("Default EX01").is_empty());
    assert_eq!(severity("Pinned"), ["medium"], "{:#?}", run.report().findings);
    assert!(by("Plain").is_empty());
    assert_eq!(severity("Outbound to Office 365"), ["high"]);
    // The evidence says which certificate was chosen and why.
    let relay = by("Relay")[0];
    assert_eq!(relay.ev("selected_by"), "FQDN (exact name)");
    assert!(relay
        .ev("selected_certificate")
        .as_str()
        .unwrap()
        .starts_with(&thumbprint(&relay_self)));
    let legacy = by("Client Frontend Legacy")[0];
    assert_eq!(legacy.ev("selected_by"), "nothing qualified");
    assert_eq!(legacy.ev("exposure"), "clients");
    let remediation = legacy.remediation.text();
    assert!(
        remediation.contains("Set-ReceiveConnector 'EX01\\Client Frontend Legacy EX01'")
            && remediation.contains("smtp-auth.fabrikam.com")
            && remediation.contains("MSExchangeFrontEndTransport"),
        "{remediation}"
    );
    assert!(!remediation.contains("<connector>") && !remediation.contains('{'));
    let pinned = by("Pinned")[0];
    assert!(pinned.message.as_str().contains("not enabled for SMTP"));
}

// ---------------------------------------------------------------- Edge Transport

#[test]
fn edge_servers_are_judged_by_their_connectors_never_by_iis() {
    let o = Org::new();
    let smtp = o.leaf(&["smtp.contoso.com"]);
    let wrong = o.leaf(&["edge-old.contoso.com"]);
    let internal = o.leaf(&["edge02.contoso.local"]);
    o.s.put(
        "organization/Get-ExchangeServer.xml",
        exchange_servers(&[
            ("EDGE01", "edge01.contoso.com", true),
            ("EDGE02", "edge02.contoso.com", true),
            ("EDGE03", "edge03.contoso.com", true),
            ("EX01", "ex01.contoso.com", false),
        ]),
    );
    o.s.put(
        "organization/Get-AcceptedDomain.xml",
        accepted_domains(&[("contoso.com", "Authoritative")]),
    );
    o.s.put(
        "EX01/Get-OwaVirtualDirectory.xml",
        owa_virtual_directories(&[("EX01", Some("https://mail.contoso.com/owa"), None)]),
    );
    o.s.put(
        "EDGE01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&smtp, "EDGE01", SMTP)]),
    );
    o.s.put(
        "EDGE02/Get-ExchangeCertificate.xml",
        exchange_certificates(&[
            ExportCert::bound(&wrong, "EDGE02", SMTP),
            ExportCert::bound(&internal, "EDGE02", SMTP),
        ]),
    );
    o.s.put(
        "EDGE03/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&smtp, "EDGE03", SMTP)]),
    );
    let edge_connector = |server: &'static str, fqdn: &'static str| ReceiveSpec {
        name: "Default internal receive connector",
        role: "HubTransport",
        permission_groups: "AnonymousUsers, ExchangeServers, Partners",
        ..ReceiveSpec::default_frontend(server, fqdn)
    };
    o.s.put(
        "EDGE01/Get-ReceiveConnector.xml",
        clixml(&[receive_connector(&edge_connector("EDGE01", "smtp.contoso.com"))]),
    );
    o.s.put(
        "EDGE02/Get-ReceiveConnector.xml",
        clixml(&[receive_connector(&edge_connector("EDGE02", "smtp.contoso.com"))]),
    );
    let run = o.run(&[]);
    let mail_san = run.findings("missing-mail-san");
    let servers: Vec<&str> = mail_san.iter().map(|f| f.server.as_deref().unwrap()).collect();
    assert_eq!(
        servers,
        ["EDGE02", "EDGE02"],
        "EDGE01 carries its connector's name; EDGE03 has no connector export: {:#?}",
        messages(&run, "missing-mail-san")
    );
    assert_eq!(
        *mail_san[0].ev("connector_fqdns"),
        serde_json::json!(["smtp.contoso.com"])
    );
    assert!(
        mail_san[0].evidence.get("namespaces").is_none(),
        "never judged against client namespaces"
    );
    assert!(not_audited(&run)
        .iter()
        .any(|(r, s)| r == "missing-mail-san" && s.contains("EDGE03")));
    // No finding on an Edge server tells it to bind IIS, run iisreset or set virtual
    // directories, and none passes -Server (Edge cmdlets run in the Edge server's own shell).
    let on_edge: Vec<&FindingEntry> = run
        .report()
        .findings
        .iter()
        .filter(|f| f.server.as_deref().is_some_and(|s| s.starts_with("EDGE")))
        .collect();
    assert!(on_edge.len() >= 3, "{on_edge:#?}");
    for f in on_edge {
        let r = f.remediation.text();
        for banned in ["iisreset", "VirtualDirectory", "-Services IIS", "-Server EDGE"] {
            assert!(!r.contains(banned), "{}: {banned} in {r}", f.rule);
        }
    }
    // The checklist plans the Edge certificate's replacement with the connector's names.
    let out = o.s.dir.path().join("checklist");
    let anchor = o.s.dir.path().join("anchor.pem");
    let cl = certaudit(
        &[
            "checklist",
            o.s.store().to_str().unwrap(),
            "--no-public-roots",
            "--trust-anchors",
            anchor.to_str().unwrap(),
            "--at",
            AT,
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(cl.code, 3, "EDGE03's certificate could not be judged: {}", cl.stderr);
    let plan: Value = serde_json::from_slice(&std::fs::read(out.join("checklist.json")).unwrap()).unwrap();
    let edge02 = plan["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"].as_str().unwrap().contains("edge-old.contoso.com"))
        .expect("a plan for EDGE02's certificate");
    let text = edge02.to_string();
    assert!(text.contains("smtp.contoso.com"), "{text}");
    assert!(
        !text.contains("iisreset") && !text.contains("mail.contoso.com"),
        "{text}"
    );
}

// ---------------------------------------------------------------- stale-smtp-binding

fn fixture_der(name: &str) -> Vec<u8> {
    der(&std::fs::read_to_string(fixture(name)).unwrap())
}

#[test]
fn only_a_real_successor_makes_an_smtp_certificate_stale() {
    let old = fixture_der("succold.pem");
    let case = |successor: &str| -> Vec<FindingEntry> {
        let s = Scratch::new();
        let new = fixture_der(successor);
        s.put(
            "EX01/Get-ExchangeCertificate.xml",
            exchange_certificates(&[
                ExportCert::bound(&old, "EX01", SMTP),
                ExportCert::bound(&new, "EX01", IIS | SMTP),
            ]),
        );
        let anchor = fixture("succession-root.pem");
        let run = scan(&s, &["--no-public-roots", "--trust-anchors", anchor.to_str().unwrap()]);
        run.findings("stale-smtp-binding")
            .into_iter()
            .filter(|f| f.message.as_str().contains("Superseded"))
            .cloned()
            .collect()
    };
    assert_eq!(case("succnew.pem").len(), 1, "a sound successor supersedes");
    assert!(case("succsha1.pem").is_empty(), "a SHA-1-signed successor does not");
    assert!(case("succ1024.pem").is_empty(), "an RSA-1024 successor does not");
}

/// The same on probed endpoints: an SMTPS endpoint is not stale because HTTPS on the same host
/// serves a newer SHA-1-signed certificate, but is when HTTPS serves a sound newer one.
#[test]
fn a_weaker_certificate_on_another_port_does_not_make_smtp_stale() {
    use servers::{acceptor, implicit, Identity, Servers};
    let identity = |name: &str| Identity {
        chain: vec![fixture_der(&format!("{name}.pem"))],
        key: pkcs8(&std::fs::read_to_string(fixture(&format!("{name}.key"))).unwrap()),
    };
    let servers = Servers::new();
    let smtps = servers.start(implicit(acceptor(&identity("succold"))));
    let weak = servers.start(implicit(acceptor(&identity("succsha1"))));
    let sound = servers.start(implicit(acceptor(&identity("succnew"))));
    let anchor = fixture("succession-root.pem");
    let run = |https: u16| {
        let s = Scratch::new();
        let out = s.out();
        certaudit(
            &[
                "scan",
                "--probe",
                &format!("smtps://succession.fixture.example.com:{smtps}"),
                "--probe",
                &format!("https://succession.fixture.example.com:{https}"),
                "--resolve",
                "succession.fixture.example.com=127.0.0.1",
                "--no-public-roots",
                "--trust-anchors",
                anchor.to_str().unwrap(),
                "--at",
                AT,
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ],
            Some(&out),
        )
    };
    let with_weak = run(weak);
    assert!(
        with_weak.findings("stale-smtp-binding").is_empty(),
        "{:#?}",
        with_weak.findings("stale-smtp-binding")
    );
    let with_sound = run(sound);
    let f = with_sound.findings("stale-smtp-binding");
    assert_eq!(f.len(), 1, "{}", with_sound.stderr);
    assert_eq!(f[0].ev("reason"), "superseded");
}

fn pkcs8(pem: &str) -> Vec<u8> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .secret_pkcs8_der()
        .to_vec()
}

// ---------------------------------------------------------------- the sample organisation

/// The README demo shows every rule this issue added, on the servers built for them.
#[test]
fn the_sample_organisation_shows_the_new_rules() {
    let s = Scratch::new();
    let out = s.out();
    let run = certaudit(
        &[
            "scan",
            "--config",
            &format!("{}/samples/contoso/audit.toml", env!("CARGO_MANIFEST_DIR")),
            "--out",
            out.to_str().unwrap(),
            "--no-history",
            "--format",
            "json",
        ],
        Some(&out),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let at = |rule: &str| -> Vec<String> {
        run.findings(rule)
            .iter()
            .map(|f| f.server.as_deref().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(at("iis-binding-invalid"), ["EX04"]);
    assert_eq!(at("internal-transport-certificate-invalid"), ["EX04"]);
    assert_eq!(
        at("auth-certificate-missing-on-server"),
        ["ex03.contoso.com", "ex03.contoso.com"]
    );
    assert_eq!(at("auth-certificate-not-published"), [""]);
    assert_eq!(at("smtp-certificate-selection"), ["EX04"]);
    let ex04 = run.input("EX04/Get-ExchangeCertificate.xml");
    assert_eq!(ex04.certificates, 5);
    assert!(ex04.note.as_deref().unwrap().contains("5 signed SerializationData"));
    // EDGE01 holds SMTP only and is judged against its connector's name: nothing to say.
    assert!(run
        .findings("missing-mail-san")
        .iter()
        .all(|f| f.server.as_deref().unwrap_or_default() != "edge01.contoso.com"));
    let _ = Path::new(".");
}

// ---------------------------------------------------------------- the whole organisation

#[test]
fn servers_named_anywhere_without_a_certificate_export_are_not_audited() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    o.s.put(
        "organization/Get-ExchangeServer.xml",
        exchange_servers(&[("EX01", "ex01.contoso.com", false), ("EX02", "ex02.contoso.com", false)]),
    );
    o.s.put(
        "EX01/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX01", IIS)]),
    );
    // EX03 only in a connector, EX04 only in a virtual directory; ex01 by its FQDN is EX01.
    o.s.put(
        "organization/Get-SendConnector.xml",
        clixml(&[connector(true, "To partners", &["EX03"], None)]),
    );
    o.s.put(
        "organization/Get-OwaVirtualDirectory.xml",
        owa_virtual_directories(&[
            ("EX04", Some("https://mail.contoso.com/owa"), None),
            ("ex01.contoso.com", Some("https://mail.contoso.com/owa"), None),
        ]),
    );
    let run = o.run(&[]);
    let servers: Vec<(&str, &str)> = run
        .report()
        .not_audited
        .iter()
        .filter(|n| n.kind == "server")
        .map(|n| (n.subject.as_str(), n.reason.as_str()))
        .collect();
    let names: Vec<&str> = servers.iter().map(|(s, _)| *s).collect();
    assert_eq!(names, ["EX02", "EX03", "EX04"], "{servers:#?}");
    assert!(servers[0].1.contains("Get-ExchangeServer"), "{}", servers[0].1);
    assert!(
        servers[1].1.contains("Send connector 'To partners'"),
        "{}",
        servers[1].1
    );
    assert!(servers[2].1.contains("OwaVirtualDirectory"), "{}", servers[2].1);
    assert_ne!(serde_json::to_value(run.report().summary.result).unwrap(), "pass");
    // With every server's certificates exported, nothing is missing.
    o.s.put(
        "EX02/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX02", IIS)]),
    );
    o.s.put(
        "EX03/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX03", SMTP)]),
    );
    o.s.put(
        "EX04/Get-ExchangeCertificate.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX04", IIS)]),
    );
    let run = o.run(&[]);
    assert!(
        run.report().not_audited.iter().all(|n| n.kind != "server"),
        "{:?}",
        run.report().not_audited
    );
}
