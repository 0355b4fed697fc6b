//! Exchange exports and the binding-aware rules: each rule with a case that triggers it and
//! one that must not; the Auth and setup self-signed certificates are not flagged as
//! untrusted or stale; malformed exports give per-file errors while the run goes on.

use crate::common;
use crate::support::exchange_writer;

use common::*;
use exchange_writer::*;

const IMAP: u32 = 1;
const POP: u32 = 2;
const IIS: u32 = 8;
const SMTP: u32 = 16;

/// Findings of `rule` as (server, certificate CN) pairs.
fn hits(run: &Run, rule: &str) -> Vec<(String, String)> {
    run.findings(rule)
        .into_iter()
        .map(|f| {
            let cn = run
                .report()
                .certificates
                .iter()
                .find(|c| c.sha256 == f.certificate.as_deref().unwrap_or_default())
                .map(|c| c.subject.as_str().to_string())
                .unwrap_or_default();
            (f.server.as_deref().unwrap_or("").to_string(), cn)
        })
        .collect()
}

#[test]
fn bindings_are_reported_per_server_with_services() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com", "autodiscover.contoso.com"]);
    o.s.put(
        "ex01.xml",
        utf16le_bom(&exchange_certificates(&[ExportCert::bound(
            &mail,
            "EX01.contoso.com",
            IIS | SMTP,
        )])),
    );
    o.s.put(
        "ex02.xml",
        exchange_certificates(&[ExportCert::bound(&mail, "EX02.contoso.com", IIS | SMTP | IMAP | POP)]),
    );
    let run = o.run(&[]);
    let c = run.certificate("mail.contoso.com");
    let b = &c.bindings;
    assert_eq!(b.len(), 2, "one certificate record, seen on two servers");
    assert_eq!(b[0].server, "EX01.contoso.com");
    assert_eq!(b[0].services, ["IIS", "SMTP"]);
    assert_eq!(b[1].services, ["IMAP", "POP", "IIS", "SMTP"]);
    assert_eq!(b[0].status.as_str(), "Valid");
    assert_eq!(run.report().scan.inputs[0].kind.as_str(), "clixml");
}

#[test]
fn missing_autodiscover_san_for_each_accepted_domain() {
    let o = Org::new();
    let good = o.leaf(&[
        "mail.contoso.com",
        "autodiscover.contoso.com",
        "autodiscover.fabrikam.com",
    ]);
    let wildcard = o.leaf(&["*.contoso.com", "*.fabrikam.com"]);
    let bad = o.leaf(&["owa.contoso.com", "autodiscover.contoso.com"]);
    let smtp_only = o.leaf(&["smtp.contoso.com"]);
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&good, "EX01", IIS),
            ExportCert::bound(&wildcard, "EX02", IIS),
            ExportCert::bound(&bad, "EX03", IIS),
            ExportCert::bound(&smtp_only, "EX01", SMTP),
        ]),
    );
    o.s.put(
        "domains.xml",
        accepted_domains(&[
            ("contoso.com", "Authoritative"),
            ("fabrikam.com", "Authoritative"),
            ("contoso.mail.onmicrosoft.com", "Authoritative"),
            ("partner.example", "ExternalRelay"),
        ]),
    );
    let run = o.run(&[]);
    let h = hits(&run, "missing-autodiscover-san");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].0, "EX03");
    let f = run.findings("missing-autodiscover-san")[0];
    assert_eq!(*f.ev("missing_names"), serde_json::json!(["autodiscover.fabrikam.com"]));
    assert!(f.remediation.text().contains("-Server EX03"));
    let domains: Vec<&str> = run
        .report()
        .organisation
        .domains
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        domains,
        ["contoso.com", "fabrikam.com", "contoso.mail.onmicrosoft.com"],
        "external relay domains are not the organisation's"
    );
}

#[test]
fn missing_mail_san_uses_namespaces_from_exports_and_the_command_line() {
    let o = Org::new();
    let full = o.leaf(&["mail.contoso.com", "owa.contoso.com"]);
    let partial = o.leaf(&["owa.contoso.com"]);
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&full, "EX01", IIS | SMTP),
            ExportCert::bound(&partial, "EX02", IIS),
        ]),
    );
    o.s.put(
        "owa.xml",
        owa_virtual_directories(&[("EX01", Some("https://mail.contoso.com/owa"), None)]),
    );
    let run = o.run(&["--namespace", "owa.contoso.com"]);
    let h = hits(&run, "missing-mail-san");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].0, "EX02");
    let ns = &run.report().organisation.namespaces;
    let sources: Vec<String> = ns
        .iter()
        .map(|n| format!("{}={}", n.name.as_str(), n.sources[0].as_str()))
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.starts_with("mail.contoso.com=") && s.contains("InternalUrl")),
        "{sources:?}"
    );
    assert!(
        sources.iter().any(|s| s == "owa.contoso.com=--namespace"),
        "{sources:?}"
    );
}

#[test]
fn wildcard_on_pop_imap_only_where_pop_or_imap_is_bound() {
    let o = Org::new();
    let wildcard = o.leaf(&["*.contoso.com"]);
    let named = o.leaf(&["imap.contoso.com"]);
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&wildcard, "EX01", IMAP | POP),
            ExportCert::bound(&wildcard, "EX02", IIS),
            ExportCert::bound(&named, "EX03", IMAP),
        ]),
    );
    let run = o.run(&[]);
    let h = hits(&run, "wildcard-on-pop-imap");
    assert_eq!(h.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["EX01"]);
    let f = run.findings("wildcard-on-pop-imap")[0];
    assert!(f.remediation.text().contains("Set-ImapSettings -Server EX01"));
    assert_eq!(f.services, ["IMAP", "POP"]);
}

#[test]
fn stale_smtp_binding_expired_or_superseded_but_not_the_setup_or_auth_certificate() {
    let o = Org::new();
    let old = der(&Leaf::new("mail.contoso.com")
        .valid(date(2025, 1, 1), date(2026, 12, 31))
        .issued_by(&o.ca));
    let new = der(&Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com", "autodiscover.contoso.com"])
        .valid(date(2026, 3, 1), date(2027, 3, 1))
        .issued_by(&o.ca));
    let expired = der(&Leaf::new("smtp.contoso.com")
        .valid(date(2025, 1, 1), date(2026, 5, 1))
        .issued_by(&o.ca));
    let setup = der(&Leaf::new("EX01")
        .names(&["EX01", "EX01.contoso.com"])
        .valid(date(2024, 1, 1), date(2029, 1, 1))
        .self_signed());
    let auth = der(&Leaf::new("auth")
        .cn("Microsoft Exchange Server Auth Certificate")
        .names(&[])
        .valid(date(2024, 1, 1), date(2029, 1, 1))
        .self_signed());
    let mut setup_binding = ExportCert::bound(&setup, "EX01", SMTP);
    setup_binding.self_signed = true;
    let mut auth_binding = ExportCert::bound(&auth, "EX01", SMTP);
    auth_binding.self_signed = true;
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&old, "EX01", SMTP),
            ExportCert::bound(&new, "EX01", IIS | SMTP),
            ExportCert::bound(&expired, "EX01", SMTP),
            setup_binding,
            auth_binding,
            ExportCert::bound(&old, "EX02", SMTP),
        ]),
    );
    o.s.put("auth.xml", auth_config(&thumbprint(&auth), None, None));
    let run = o.run(&[]);
    let h = hits(&run, "stale-smtp-binding");
    let mut got: Vec<(String, String)> = h.clone();
    got.sort();
    assert_eq!(
        got,
        [
            ("EX01".to_string(), "CN=mail.contoso.com".to_string()),
            ("EX01".to_string(), "CN=smtp.contoso.com".to_string()),
        ],
        "EX02 has no newer certificate; setup and Auth certificates are not stale"
    );
    let reasons: Vec<&str> = run
        .findings("stale-smtp-binding")
        .iter()
        .map(|f| f.ev("reason").as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"expired") && reasons.contains(&"superseded"));
    // Neither the setup certificate (self-signed, SMTP only) nor the Auth certificate is untrusted.
    let untrusted = hits(&run, "untrusted-issuer");
    assert!(
        untrusted
            .iter()
            .all(|(_, cn)| cn != "CN=EX01" && !cn.contains("Auth Certificate")),
        "{untrusted:?}"
    );
}

#[test]
fn untrusted_issuer_depends_on_what_clients_see() {
    let o = Org::new();
    let self_iis = der(&Leaf::new("mail.contoso.com").self_signed());
    let self_smtp = der(&Leaf::new("relay.contoso.com").self_signed());
    let self_store = der(&Leaf::new("store.contoso.com").self_signed());
    let stray = root("Stray Root");
    let untrusted_smtp = der(&Leaf::new("mx.contoso.com").issued_by(&stray));
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&self_iis, "EX01", IIS),
            ExportCert::bound(&self_smtp, "EX01", SMTP),
            ExportCert::bound(&untrusted_smtp, "EX02", SMTP),
        ]),
    );
    o.s.put("store.cer", &self_store);
    let run = o.run(&[]);
    let sev = |cn: &str| -> Vec<String> {
        run.findings_for("untrusted-issuer", cn)
            .iter()
            .map(|f| f.severity.as_str().to_string())
            .collect()
    };
    assert_eq!(sev("mail.contoso.com"), ["high"], "client-facing");
    assert!(
        sev("relay.contoso.com").is_empty(),
        "self-signed on SMTP only: opportunistic TLS"
    );
    assert_eq!(sev("mx.contoso.com"), ["low"], "untrusted CA, SMTP only");
    assert_eq!(
        sev("store.contoso.com"),
        ["high"],
        "no Exchange context: judged as before"
    );
}

#[test]
fn the_auth_certificate_has_its_own_windows_and_rollover_remediation() {
    let o = Org::new();
    let auth = der(&Leaf::new("x")
        .cn("Microsoft Exchange Server Auth Certificate")
        .names(&[])
        .valid(date(2024, 1, 1), date(2026, 7, 20))
        .self_signed());
    let normal = o.leaf(&["mail.contoso.com"]);
    let normal_soon = der(&Leaf::new("soon.contoso.com")
        .valid(date(2025, 1, 1), date(2026, 7, 20))
        .issued_by(&o.ca));
    let old_auth = der(&Leaf::new("y")
        .cn("Microsoft Exchange Server Auth Certificate")
        .names(&[])
        .valid(date(2021, 1, 1), date(2026, 1, 1))
        .self_signed());
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&auth, "EX01", SMTP),
            ExportCert::bound(&normal, "EX01", IIS),
            ExportCert::bound(&normal_soon, "EX01", IIS),
            ExportCert::bound(&old_auth, "EX01", 0),
        ]),
    );
    o.s.put(
        "auth.xml",
        auth_config(&thumbprint(&auth), None, Some(&thumbprint(&old_auth))),
    );
    let run = o.run(&[]);
    // 49 days left: outside the 30-day default window, inside the Auth certificate's 60 days.
    let f = run.findings("expiring-soon");
    let auth_hit: Vec<&&FindingEntry> = f.iter().filter(|f| f.ev("auth_certificate") == "current").collect();
    assert_eq!(auth_hit.len(), 1);
    assert_eq!(auth_hit[0].severity.as_str(), "high");
    assert!(auth_hit[0]
        .remediation
        .text()
        .contains("Set-AuthConfig -NewCertificateThumbprint"));
    let normal_hit: Vec<&&FindingEntry> = f.iter().filter(|f| f.ev("auth_certificate").is_null()).collect();
    assert_eq!(normal_hit.len(), 1);
    assert_eq!(normal_hit[0].severity.as_str(), "medium");
    // The expired previous Auth certificate is clean-up, not an outage.
    let expired = run.findings("expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].severity.as_str(), "low");
    assert!(expired[0]
        .remediation
        .text()
        .contains("Set-AuthConfig -ClearPreviousCertificate"));
    assert!(run
        .findings("untrusted-issuer")
        .iter()
        .all(|f| f.ev("auth_certificate").is_null()));
    assert!(hits(&run, "untrusted-issuer")
        .iter()
        .all(|(_, cn)| !cn.contains("Auth Certificate")));
}

#[test]
fn multiple_iis_certificates_per_server() {
    let o = Org::new();
    let a = o.leaf(&["mail.contoso.com"]);
    let b = o.leaf(&["owa.contoso.com"]);
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&a, "EX01", IIS),
            ExportCert::bound(&b, "EX01.contoso.com", IIS | SMTP),
            ExportCert::bound(&a, "EX02", IIS),
            ExportCert::bound(&b, "EX02", SMTP),
        ]),
    );
    let run = o.run(&[]);
    let f = run.findings("multiple-iis-certificates");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].server.as_deref().unwrap_or_default(), "EX01");
    assert_eq!(f[0].ev("certificates").as_array().unwrap().len(), 2);
}

#[test]
fn status_not_valid_uses_exchanges_own_verdict() {
    let o = Org::new();
    let a = o.leaf(&["a.contoso.com"]);
    let b = o.leaf(&["b.contoso.com"]);
    let c = o.leaf(&["c.contoso.com"]);
    let mut revoked = ExportCert::bound(&a, "EX01", IIS);
    revoked.status = 2;
    let mut rcf = ExportCert::bound(&b, "EX01", SMTP);
    rcf.status = 6;
    o.s.put(
        "certs.xml",
        exchange_certificates(&[revoked, rcf, ExportCert::bound(&c, "EX01", 0)]),
    );
    let run = o.run(&[]);
    let f = run.findings("status-not-valid");
    let got: Vec<(String, String)> = f
        .iter()
        .map(|f| (f.ev("status").as_str().unwrap().into(), f.severity.as_str().into()))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&("Revoked".into(), "high".into())));
    assert!(got.contains(&("RevocationCheckFailure".into(), "medium".into())));
}

#[test]
fn connector_certificate_missing_when_no_valid_certificate_matches() {
    let o = Org::new();
    let current = o.leaf(&["mail.contoso.com"]);
    let expired = der(&Leaf::new("smtp.contoso.com")
        .valid(date(2025, 1, 1), date(2026, 5, 1))
        .issued_by(&o.ca));
    o.s.put(
        "certs.xml",
        exchange_certificates(&[
            ExportCert::bound(&current, "EX01.contoso.com", SMTP),
            ExportCert::bound(&expired, "EX02.contoso.com", SMTP),
        ]),
    );
    let connectors = clixml(&[
        connector(
            false,
            "Inbound from Office 365",
            &["EX01"],
            Some("<I>CN=Contoso Root<S>CN=mail.contoso.com"),
        ),
        connector(
            true,
            "Outbound to Office 365",
            &["EX01", "EX02"],
            Some("<I>CN=Contoso Root<S>CN=smtp.contoso.com"),
        ),
        connector(false, "Default EX03", &["EX03"], Some("<I>CN=Other<S>CN=x")),
        connector(false, "Client Frontend EX01", &["EX01"], None),
    ]);
    o.s.put("connectors.xml", connectors);
    let run = o.run(&[]);
    let f = run.findings("connector-certificate-missing");
    let got: Vec<(String, String)> = f
        .iter()
        .map(|f| {
            (
                f.server.as_deref().unwrap().into(),
                f.ev("connector").as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("EX01".to_string(), "Outbound to Office 365".to_string()),
            ("EX02".to_string(), "Outbound to Office 365".to_string())
        ],
        "EX03 has no certificate export, so nothing can be said about it"
    );
    let on_ex01 = f
        .iter()
        .find(|f| f.server.as_deref().unwrap_or_default() == "EX01")
        .unwrap();
    let remediation = on_ex01.remediation.text();
    assert!(
        remediation.contains("Set-SendConnector 'Outbound to Office 365'")
            && remediation.contains(&format!("-Thumbprint {}", thumbprint(&current))),
        "the connector and the certificate to use are named: {remediation}"
    );
    assert!(!remediation.contains("<connector>") && !remediation.contains("<thumbprint>"));
    assert!(run
        .report()
        .not_audited
        .iter()
        .any(|g| g.rule.as_deref() == Some("connector-certificate-missing") && g.server.as_deref() == Some("EX03")));
    let on_ex02 = f
        .iter()
        .find(|f| f.server.as_deref().unwrap_or_default() == "EX02")
        .unwrap();
    assert!(on_ex02.message.as_str().contains("expired"), "{}", on_ex02.message);
}

#[test]
fn exports_without_serialization_data_have_unknown_bindings() {
    let o = Org::new();
    let mail = o.leaf(&["mail.contoso.com"]);
    let mut unknown = ExportCert::bound(&mail, "EX01", 0);
    unknown.services = None;
    o.s.put("broken.xml", exchange_certificates(&[unknown]));
    o.s.put("domains.xml", accepted_domains(&[("fabrikam.com", "Authoritative")]));
    let run = o.run(&[]);
    let b = &run.certificate("mail.contoso.com").bindings[0];
    assert!(!b.services_known);
    assert_eq!(b.status.as_str(), "unknown");
    assert!(
        run.findings("missing-autodiscover-san").is_empty(),
        "IIS binding unknown: not guessed"
    );
    assert!(run
        .report()
        .scan
        .inputs
        .iter()
        .any(|i| i.note.as_deref().unwrap_or("").contains("services are unknown")));
}

#[test]
fn json_exports_single_object_or_array_base64_or_bytes_flags_or_text() {
    let o = Org::new();
    let a = o.leaf(&["a.contoso.com"]);
    let b = o.leaf(&["b.contoso.com"]);
    let b64 = |d: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, d);
    let single = serde_json::json!({ "RawData": b64(&a), "Services": 24, "Status": 1, "PSComputerName": "EX01", "Thumbprint": thumbprint(&a) });
    let array = serde_json::json!([{ "RawData": b.iter().map(|x| *x as u64).collect::<Vec<_>>(), "Services": "IMAP, POP, IIS, SMTP", "Status": "Valid", "Identity": "EX02\\X" }, { "Thumbprint": "NO-RAWDATA" }]);
    o.s.put("single.json", single.to_string());
    o.s.put("array.json", serde_json::to_string_pretty(&array).unwrap());
    let run = o.run(&[]);
    let ba = &run.certificate("a.contoso.com").bindings[0];
    assert_eq!(ba.services, ["IIS", "SMTP"]);
    assert_eq!(ba.server, "EX01");
    let bb = &run.certificate("b.contoso.com").bindings[0];
    assert_eq!(bb.services, ["IMAP", "POP", "IIS", "SMTP"]);
    assert_eq!(bb.server, "EX02");
    assert_eq!(bb.status.as_str(), "Valid");
    let inputs = &run.report().scan.inputs;
    let array_input = inputs.iter().find(|i| i.path.as_str().ends_with("array.json")).unwrap();
    assert_eq!(array_input.kind.as_str(), "exchange-json");
    assert!(array_input.error.as_deref().unwrap().contains("object #2: no RawData"));
}

#[test]
fn malformed_exports_each_give_a_per_file_error() {
    let o = Org::new();
    let good = o.leaf(&["good.contoso.com"]);
    o.s.put(
        "good.xml",
        exchange_certificates(&[ExportCert::bound(&good, "EX01", IIS)]),
    );
    let mut truncated_b64 = exchange_certificates(&[ExportCert::bound(&good, "EX01", IIS)]);
    let at = truncated_b64.find("<BA N=\"RawData\">").unwrap() + 40;
    truncated_b64.replace_range(at..at + 1, "!");
    o.s.put("bad-base64.xml", truncated_b64);
    // RawData cut short mid-way (base64 of the wrong length, ending early).
    let full = exchange_certificates(&[ExportCert::bound(&good, "EX01", IIS)]);
    let start = full.find("<BA N=\"RawData\">").unwrap() + "<BA N=\"RawData\">".len();
    let end = full[start..].find("</BA>").unwrap() + start;
    let keep = (end - start) / 2 / 4 * 4 + 2; // 2 mod 4: never a whole base64 quantum
    let cut = format!("{}{}{}", &full[..start], &full[start..start + keep], &full[end..]);
    o.s.put("truncated-base64.xml", cut);
    let mut past_end = serialization_data(&ExportCert::bound(&good, "EX01", IIS), "X");
    let n = past_end.len();
    past_end.truncate(n - 200); // lengths now point past the end
    let mut unknown_record = serialization_data(&ExportCert::bound(&good, "EX01", IIS), "X");
    let n = unknown_record.len();
    unknown_record[n - 1] = 0x63; // MessageEnd replaced by an unknown record type
    let with_blob = |blob: Vec<u8>| {
        clixml(&[Obj {
            types: vec![
                "Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate".into(),
            ],
            props: vec![("RawData".into(), P::BA(good.clone()))],
            ms: vec![
                ("PSComputerName".into(), P::S("EX09".into())),
                ("SerializationData".into(), P::BA(blob)),
            ],
        }])
    };
    o.s.put("nrbf-past-end.xml", with_blob(past_end));
    o.s.put("nrbf-unknown-record.xml", with_blob(unknown_record));
    o.s.put("doctype.xml", "<?xml version=\"1.0\"?><!DOCTYPE Objs [<!ENTITY x \"xxxxxxxx\">]><Objs><Obj RefId=\"0\"><Props><S N=\"a\">&x;</S></Props></Obj></Objs>");
    o.s.put(
        "deep.xml",
        format!("<Objs>{}</Objs>", "<Obj RefId=\"0\"><Props>".repeat(500)),
    );
    o.s.put("empty.xml", "");
    let utf16_no_bom: Vec<u8> = exchange_certificates(&[ExportCert::bound(&good, "EX05", SMTP)])
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    o.s.put("utf16-no-bom.xml", utf16_no_bom);
    o.s.put("broken.json", "{ \"RawData\": ");
    let run = o.run(&[]);
    let input = |name: &str| -> InputEntry {
        run.report()
            .scan
            .inputs
            .iter()
            .find(|i| i.path.as_str().ends_with(name))
            .unwrap()
            .clone()
    };
    for (file, words) in [
        ("bad-base64.xml", "base64"),
        ("truncated-base64.xml", "base64"),
        ("doctype.xml", "DOCTYPE"),
        ("deep.xml", "nested"),
        ("empty.xml", "empty"),
        ("broken.json", "JSON"),
    ] {
        let i = input(file);
        let e = i
            .error
            .as_deref()
            .unwrap_or_else(|| panic!("{file}: no error recorded"));
        assert!(e.contains(words), "{file}: {e}");
    }
    // An undecodable SerializationData never costs the certificate: it is read from RawData,
    // its services unknown, and the input's note says why.
    for (file, words) in [
        ("nrbf-past-end.xml", "array length"),
        ("nrbf-unknown-record.xml", "unknown record type"),
    ] {
        let i = input(file);
        assert!(i.error.is_none(), "{file}: {}", i.error.as_deref().unwrap_or_default());
        assert_eq!(i.certificates, 1, "{file}");
        let note = i.note.as_deref().unwrap();
        assert!(
            note.contains("SerializationData could not be decoded") && note.contains(words),
            "{file}: {note}"
        );
    }
    let ex09 = run
        .certificate("good.contoso.com")
        .bindings
        .iter()
        .filter(|b| b.server == "EX09")
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(ex09.len(), 2, "one binding for EX09 from each of the two exports");
    assert!(ex09.iter().all(|b| !b.services_known && b.status.as_str() == "unknown"));
    // A UTF-16 file without a byte-order mark is recognised and read.
    assert_eq!(input("utf16-no-bom.xml").certificates, 1);
    assert!(input("utf16-no-bom.xml").error.is_none());
    assert_eq!(input("good.xml").certificates, 1);
    assert!(run
        .certificate("good.contoso.com")
        .bindings
        .iter()
        .any(|b| b.server == "EX01"));
}

#[test]
fn the_default_accepted_domain_comes_first_in_advice() {
    let o = Org::new();
    let cert = o.leaf(&["mail.contoso.com"]);
    o.s.put(
        "certs.xml",
        exchange_certificates(&[ExportCert::bound(&cert, "EX01", IIS)]),
    );
    // Get-AcceptedDomain lists contoso.com first, but fabrikam.com is the Default.
    o.s.put(
        "domains.xml",
        accepted_domains_with_default(
            &[("contoso.com", "Authoritative"), ("fabrikam.com", "Authoritative")],
            Some("fabrikam.com"),
        ),
    );
    let run = o.run(&[]);
    let domains: Vec<&str> = run
        .report()
        .organisation
        .domains
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(domains, ["fabrikam.com", "contoso.com"]);
    let f = run.findings("missing-autodiscover-san")[0];
    assert_eq!(
        *f.ev("missing_names"),
        serde_json::json!(["autodiscover.fabrikam.com", "autodiscover.contoso.com"]),
        "the default domain's name first"
    );
}
