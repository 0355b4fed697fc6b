//! Compatibility with real `Export-Clixml` output from Exchange 2016/2019 labs, in
//! `../shared/exchange-samples/`. Expected values were established independently of this
//! crate by `tests/integration/support/expected_from_samples.py` (a targeted Python decoder); the table
//! below is its output. Where the folder is absent the tests say so and are skipped.

use crate::common;

use common::*;

/// (file, thumbprint, server, Some((services, status, self_signed, root_ca_type)) or None when
/// the export has no SerializationData).
type Expected = (&'static str, &'static str, &'static str, Option<(u32, i64, bool, i64)>);

const EXPECTED: &[Expected] = &[
    (
        "hc_E16_GetExchangeCertificate.xml",
        "92E196F3C8D3D753FCFC5B7690C3173AA1C0ABE3",
        "solo-e16a.solo.local",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_E16_GetExchangeCertificate.xml",
        "823884A32609DCDC8C4B5462952586C30D814073",
        "solo-e16a.solo.local",
        Some((27, 1, true, 3)),
    ),
    (
        "hc_E16_GetExchangeCertificate.xml",
        "A60C6E62FF85D208DF668D597A1B077E1534147F",
        "solo-e16a.solo.local",
        Some((0, 1, true, 3)),
    ),
    (
        "hc_E19_GetExchangeCertificate.xml",
        "C3EDCF181EF4F9B53D01768ECA99564014BCA6E7",
        "solo-e19a.solo.com",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_E19_GetExchangeCertificate.xml",
        "6C7DE09FB39A40144F57EFEBC3DF0148E3A9AB28",
        "solo-e19a.solo.com",
        Some((27, 1, true, 3)),
    ),
    (
        "hc_E19_GetExchangeCertificate.xml",
        "38247AD2B76244411748274C508D13446311830B",
        "solo-e19a.solo.com",
        Some((0, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificate.xml",
        "2D10A746D6BB8D795F1679AEBD89D5D2AE583CB7",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificate.xml",
        "611C687DFC4343A5A03E0005A1EC6E9B6AFF586D",
        "win-ctd3l0rgen4.exlab.dom",
        Some((11, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificate.xml",
        "E267D459A0FB53D0EF225C11FAC062D522648C09",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificate.xml",
        "3341CEAF3DF4D3A9527EC98BDD53C54ECC3E0620",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateBroken.xml",
        "8BFE845E6DCA42BBDC8F872672CDA1A4E0C3EBF1",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "hc_GetExchangeCertificateBroken.xml",
        "D003810EBE1624145889D031FBB77ED2BD280FD3",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "hc_GetExchangeCertificateBroken.xml",
        "2759456DC53C76E3DED093B567B6D8DAA42C0ADD",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "hc_GetExchangeCertificateBroken.xml",
        "63F480EA98F26E6F8AE7BB5311B33BB2C692D3CA",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "hc_GetExchangeCertificateBroken.xml",
        "FE0FAE9305F294F49DD2426AB214CC17853A7E87",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "hc_GetExchangeCertificateIncomplete.xml",
        "E267D459A0FB53D0EF225C11FAC062D522648C09",
        "win-ctd3l0rgen4.exlab.dom",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateIncomplete.xml",
        "3341CEAF3DF4D3A9527EC98BDD53C54ECC3E0620",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateMultipleMatches.xml",
        "03221367D3A3E863698501592A9B9C420D8D3F4E",
        "win-ctd3l0rgen4.exlab.dom",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateMultipleMatches.xml",
        "2D10A746D6BB8D795F1679AEBD89D5D2AE583CB7",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateMultipleMatches.xml",
        "611C687DFC4343A5A03E0005A1EC6E9B6AFF586D",
        "win-ctd3l0rgen4.exlab.dom",
        Some((11, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateMultipleMatches.xml",
        "E267D459A0FB53D0EF225C11FAC062D522648C09",
        "win-ctd3l0rgen4.exlab.dom",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateMultipleMatches.xml",
        "3341CEAF3DF4D3A9527EC98BDD53C54ECC3E0620",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateOnAzure.xml",
        "EC1D075732E935F49E551936718A9254B117E523",
        "e2k16-1.contoso.lab",
        Some((0, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateOnAzure.xml",
        "F57DEA0EEA488E092EF787F8857845B8CC0139DF",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateOnAzure.xml",
        "EEA2F1BD51FC122348942C1D1CEA3D1B415C4FA1",
        "e2k16-1.contoso.lab",
        Some((24, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateWithoutAuth.xml",
        "611C687DFC4343A5A03E0005A1EC6E9B6AFF586D",
        "win-ctd3l0rgen4.exlab.dom",
        Some((11, 1, true, 3)),
    ),
    (
        "hc_GetExchangeCertificateWithoutAuth.xml",
        "E267D459A0FB53D0EF225C11FAC062D522648C09",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 0)),
    ),
    (
        "hc_GetExchangeCertificateWithoutAuth.xml",
        "3341CEAF3DF4D3A9527EC98BDD53C54ECC3E0620",
        "win-ctd3l0rgen4.exlab.dom",
        Some((0, 1, true, 3)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "D0D6BAA255F51F106760CE3BB869A0FE8C9FC298",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "8763DA1842AFE901BD0B4090EA2A945AD016CB55",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "BC6BF924D6EF046E64F8D1987DC1D7D2F4C0042A",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "976D2AD94D34347C2F59399D5DDC62D4FBE6F68C",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "E1BDF9AE58C93C75E76C9DD882138FB8FF0FA786",
        "e2k16-1.contoso.lab",
        Some((16, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "D003810EBE1624145889D031FBB77ED2BD280FD3",
        "e2k16-1.contoso.lab",
        Some((25, 1, true, 0)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "2759456DC53C76E3DED093B567B6D8DAA42C0ADD",
        "e2k16-1.contoso.lab",
        Some((8, 1, true, 3)),
    ),
    (
        "mac_GetExchangeCertificate.xml",
        "FE0FAE9305F294F49DD2426AB214CC17853A7E87",
        "e2k16-1.contoso.lab",
        Some((0, 1, true, 3)),
    ),
    (
        "mac_GetExchangeCertificateBroken.xml",
        "8BFE845E6DCA42BBDC8F872672CDA1A4E0C3EBF1",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "mac_GetExchangeCertificateBroken.xml",
        "D003810EBE1624145889D031FBB77ED2BD280FD3",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "mac_GetExchangeCertificateBroken.xml",
        "2759456DC53C76E3DED093B567B6D8DAA42C0ADD",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "mac_GetExchangeCertificateBroken.xml",
        "63F480EA98F26E6F8AE7BB5311B33BB2C692D3CA",
        "e2k16-1.contoso.lab",
        None,
    ),
    (
        "mac_GetExchangeCertificateBroken.xml",
        "FE0FAE9305F294F49DD2426AB214CC17853A7E87",
        "e2k16-1.contoso.lab",
        None,
    ),
];

fn service_names(flags: u32) -> Vec<&'static str> {
    [
        (1, "IMAP"),
        (2, "POP"),
        (4, "UM"),
        (8, "IIS"),
        (16, "SMTP"),
        (32, "Federation"),
        (64, "UMCallRouter"),
    ]
    .iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, n)| *n)
    .collect()
}

const STATUS: [&str; 8] = [
    "Unknown",
    "Valid",
    "Revoked",
    "DateInvalid",
    "Untrusted",
    "Invalid",
    "RevocationCheckFailure",
    "PendingRequest",
];
const ROOT_CA: [&str; 6] = ["None", "ThirdParty", "Enterprise", "Registry", "GroupPolicy", "Unknown"];

#[test]
fn every_exchange_certificate_export_decodes_to_the_independent_values() {
    let Some(dir) = exchange_samples() else { return };
    let mut files: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    files.dedup();
    let on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("GetExchangeCertificate") && n.ends_with(".xml"))
        .collect();
    assert_eq!(
        on_disk.len(),
        files.len(),
        "every GetExchangeCertificate export is covered: {on_disk:?}"
    );
    for file in files {
        let s = Scratch::new();
        let run = scan_path(&s, &dir.join(file), &["--format", "json"]);
        let report = run.report();
        let input = &report.scan.inputs[0];
        assert_eq!(input.kind.as_str(), "clixml", "{file}");
        assert!(
            input.error.is_none(),
            "{file}: {}",
            input.error.as_deref().unwrap_or_default()
        );
        let expected: Vec<&Expected> = EXPECTED.iter().filter(|e| e.0 == file).collect();
        assert_eq!(input.certificates, expected.len(), "{file}");
        for (_, thumb, server, facts) in expected {
            let cert = report
                .certificates
                .iter()
                .find(|c| c.thumbprint == *thumb)
                .unwrap_or_else(|| panic!("{file}: {thumb} missing"));
            let bindings = &cert.bindings;
            assert_eq!(bindings.len(), 1, "{file} {thumb}");
            let b = &bindings[0];
            assert_eq!(b.server, *server, "{file} {thumb}");
            match facts {
                Some((services, status, self_signed, root_ca)) => {
                    assert!(b.services_known);
                    let names: Vec<&str> = b.services.iter().map(String::as_str).collect();
                    assert_eq!(names, service_names(*services), "{file} {thumb}");
                    assert_eq!(b.status.as_str(), STATUS[*status as usize], "{file} {thumb}");
                    assert_eq!(b.self_signed, Some(*self_signed), "{file} {thumb}");
                    assert_eq!(
                        b.root_ca_type.as_deref(),
                        Some(ROOT_CA[*root_ca as usize]),
                        "{file} {thumb}"
                    );
                    // Exchange's view and the certificate's own signature agree.
                    assert_eq!(cert.self_signed, *self_signed, "{file} {thumb}");
                }
                None => {
                    assert!(
                        !b.services_known,
                        "{file} {thumb}: bindings must be unknown, not guessed"
                    );
                    assert!(b.services.is_empty());
                    assert_eq!(b.status.as_str(), "unknown");
                }
            }
        }
    }
}

#[test]
fn the_readme_examples_hold() {
    let Some(dir) = exchange_samples() else { return };
    let s = Scratch::new();
    let run = scan_path(&s, &dir.join("mac_GetExchangeCertificate.xml"), &["--format", "json"]);
    let services = |thumb: &str| -> Vec<String> {
        let cert = run
            .report()
            .certificates
            .iter()
            .find(|c| c.thumbprint == thumb)
            .unwrap();
        cert.bindings[0].services.clone()
    };
    assert_eq!(
        services("D003810EBE1624145889D031FBB77ED2BD280FD3"),
        ["IMAP", "IIS", "SMTP"]
    );
    assert_eq!(services("2759456DC53C76E3DED093B567B6D8DAA42C0ADD"), ["IIS"]);
    assert!(run.certificate("E2k16-1").self_signed);
}

#[test]
fn the_other_exports_give_organisation_facts() {
    let Some(dir) = exchange_samples() else { return };
    let s = Scratch::new();
    let run = scan_path(&s, &dir, &["--format", "json"]);
    let org = &run.report().organisation;
    let names = |key: &str| -> Vec<String> {
        let list = if key == "domains" {
            &org.domains
        } else {
            &org.namespaces
        };
        list.iter().map(|d| d.name.clone()).collect()
    };
    assert!(
        names("domains").contains(&"solo.com".to_string()),
        "{:?}",
        names("domains")
    );
    assert!(
        names("namespaces").contains(&"solo-e19a.solo.com".to_string()),
        "{:?}",
        names("namespaces")
    );
    let auth: Vec<&str> = org.auth_configs.iter().filter_map(|a| a.current.as_deref()).collect();
    assert!(auth.contains(&"C3EDCF181EF4F9B53D01768ECA99564014BCA6E7"), "{auth:?}");
    let send = org.connectors.iter().find(|c| c.kind == "Send").unwrap();
    assert_eq!(
        send.tls_certificate_name.as_deref(),
        Some("<I>CN=localhost<S>CN=localhost")
    );
    // Every export in the folder is read without error.
    for input in &run.report().scan.inputs {
        assert!(
            input.error.is_none(),
            "{}: {}",
            input.path,
            input.error.as_deref().unwrap_or_default()
        );
    }
}
