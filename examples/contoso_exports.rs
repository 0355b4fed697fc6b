//! Writes the Contoso sample organisation's Exchange exports into `samples/contoso/exports/`,
//! in the folder layout of `scripts/Collect-ExchangeCertInventory.ps1`, from the certificates
//! in `samples/contoso/store/`. Run by `samples/contoso/generate.sh`:
//!
//! ```sh
//! cargo run --example contoso_exports
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)] // says what it wrote

#[path = "../tests/integration/support/mod.rs"]
mod support;

use support::exchange_writer;

use std::collections::HashMap;
use std::path::Path;

use certaudit_core::inputs::{self, Password, ReadOptions};
use exchange_writer::*;

const IMAP: u32 = 1;
const POP: u32 = 2;
const IIS: u32 = 8;
const SMTP: u32 = 16;

/// One exported certificate; the root CA type is Enterprise unless self-signed (None).
fn c<'a>(der: &'a [u8], server: &'a str, services: u32, status: i32, self_signed: bool) -> ExportCert<'a> {
    ExportCert {
        der,
        server,
        services: Some(services),
        status,
        self_signed,
        root_ca_type: if self_signed { 0 } else { 2 },
        signed: false,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/contoso");
    let password = std::fs::read_to_string(sample.join("pfx-password.txt"))?;
    let options = ReadOptions {
        pfx_password: Some(Password::new(
            password.trim_end().to_string(),
            "pfx-password.txt".into(),
        )),
    };
    let inventory = inputs::collect(&[sample.join("store")], &options);
    // Certificates by the store file they came from.
    let mut by_file: HashMap<String, Vec<u8>> = HashMap::new();
    for cert in &inventory.certificates {
        for source in &cert.sources {
            let file = Path::new(&source.location)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            by_file.entry(file).or_insert_with(|| cert.der.clone());
        }
    }
    let der = |file: &str| -> Result<Vec<u8>, String> {
        by_file
            .get(file)
            .cloned()
            .ok_or_else(|| format!("{file} is not in the sample store: run generate.sh"))
    };
    let (mail, mail_old, setup, auth) = (
        der("mail-2026.pfx#1")?,
        der("mail-2025-expired.cer")?,
        der("ex01-selfsigned.cer")?,
        der("exchange-auth.cer")?,
    );
    let (legacy, internal, wildcard) = (
        der("legacy-expiring.crt")?,
        der("internal-names.pem")?,
        der("wildcard.pem")?,
    );
    let (partner, smtp) = (der("partner-missing-intermediate.pem")?, der("smtp-expiring.pem")?);
    let (auth_next, ex04_setup) = (der("exchange-auth-next.cer")?, der("ex04-selfsigned.cer")?);
    let (auth_next, ex04_setup) = (&auth_next[..], &ex04_setup[..]);
    let (mail, mail_old, setup, auth) = (&mail[..], &mail_old[..], &setup[..], &auth[..]);
    let (legacy, internal, wildcard, partner, smtp) =
        (&legacy[..], &internal[..], &wildcard[..], &partner[..], &smtp[..]);

    let out = sample.join("exports");
    let _ = std::fs::remove_dir_all(&out);
    for dir in ["organization", "EX01", "EX02", "EX03", "EX04", "EDGE01"] {
        std::fs::create_dir_all(out.join(dir))?;
    }
    // EX01: the current certificate on IIS and SMTP, last year's still on SMTP, the setup
    // self-signed certificate for internal transport, the Auth certificate. Windows
    // PowerShell 5.1 writes UTF-16LE with a byte-order mark.
    let ex01 = exchange_certificates(&[
        c(mail, "ex01.contoso.com", IIS | SMTP, 1, false),
        c(mail_old, "ex01.contoso.com", SMTP, 1, false),
        c(setup, "ex01.contoso.com", SMTP, 1, true),
        c(auth, "ex01.contoso.com", SMTP, 1, true),
        c(auth_next, "ex01.contoso.com", 0, 1, true),
    ]);
    std::fs::write(out.join("EX01/Get-ExchangeCertificate.xml"), utf16le_bom(&ex01))?;
    // EX02: two certificates on IIS (one without the namespace), a wildcard on POP/IMAP, a
    // partner certificate Exchange calls Untrusted, the Auth certificate. PowerShell 7: UTF-8.
    let ex02 = exchange_certificates(&[
        c(legacy, "ex02.contoso.com", IIS, 1, false),
        c(internal, "ex02.contoso.com", IIS, 1, false),
        c(wildcard, "ex02.contoso.com", IMAP | POP, 1, false),
        c(partner, "ex02.contoso.com", 0, 4, false),
        c(auth, "ex02.contoso.com", SMTP, 1, true),
        c(auth_next, "ex02.contoso.com", 0, 1, true),
    ]);
    std::fs::write(out.join("EX02/Get-ExchangeCertificate.xml"), ex02)?;
    // EX03: exported with serialized-data signing broken: no SerializationData, so its
    // bindings are unknown.
    let mut unknown = c(mail, "ex03.contoso.com", 0, 1, false);
    unknown.services = None;
    let mut unknown_smtp = c(smtp, "ex03.contoso.com", 0, 1, false);
    unknown_smtp.services = None;
    std::fs::write(
        out.join("EX03/Get-ExchangeCertificate.xml"),
        exchange_certificates(&[unknown, unknown_smtp]),
    )?;

    // EX04: a Subscription Edition server patched since November 2023: every SerializationData
    // is signed (`#sig#`). It holds the current certificate for IIS and SMTP, its own setup
    // certificate, both Auth certificates, and the expiring SMTP certificate that
    // Get-TransportService names as its internal transport certificate.
    let ex04 = exchange_certificates(&[
        c(mail, "ex04.contoso.com", IIS | SMTP, 1, false).signed(),
        c(ex04_setup, "ex04.contoso.com", SMTP, 1, true).signed(),
        c(smtp, "ex04.contoso.com", SMTP, 1, false).signed(),
        c(auth, "ex04.contoso.com", SMTP, 1, true).signed(),
        c(auth_next, "ex04.contoso.com", 0, 1, true).signed(),
    ]);
    std::fs::write(out.join("EX04/Get-ExchangeCertificate.xml"), utf16le_bom(&ex04))?;
    // Get-WebBinding run on the servers themselves: no PSComputerName, so the server is the
    // collector's folder. EX04's Exchange Back End still names last year's certificate,
    // removed from EX04 at the renewal: OWA, ECP and EWS break for its mailboxes.
    let (mail_tp, mail_old_tp, setup_tp) = (thumbprint(mail), thumbprint(mail_old), thumbprint(setup));
    std::fs::write(
        out.join("EX01/Get-WebBinding.xml"),
        web_bindings(&exchange_sites(&mail_tp, &setup_tp)),
    )?;
    std::fs::write(
        out.join("EX04/Get-WebBinding.xml"),
        web_bindings(&exchange_sites(&mail_tp, &mail_old_tp)),
    )?;
    std::fs::write(
        out.join("EX01/Get-TransportService.xml"),
        transport_service("EX01", &thumbprint(setup)),
    )?;
    std::fs::write(
        out.join("EX04/Get-TransportService.xml"),
        transport_service("EX04", &thumbprint(smtp)),
    )?;
    // EX04's connectors: the internet-facing one announces mail.contoso.com (carried by the
    // current certificate), the submission one smtp-auth.contoso.com, which no certificate
    // on EX04 carries.
    let mut submission = ReceiveSpec::client_frontend("EX04", "smtp-auth.contoso.com");
    submission.name = "Client Frontend";
    std::fs::write(
        out.join("EX04/Get-ReceiveConnector.xml"),
        clixml(&[
            receive_connector(&ReceiveSpec::default_frontend("EX04", "mail.contoso.com")),
            receive_connector(&submission),
        ]),
    )?;

    // EDGE01: the Edge Transport server in the perimeter network, with the expiring SMTP
    // certificate (its Edge Subscription must be re-created when it is replaced).
    std::fs::write(
        out.join("EDGE01/Get-ExchangeCertificate.xml"),
        exchange_certificates(&[c(smtp, "edge01.contoso.com", SMTP, 1, false)]),
    )?;
    // The Edge server's internet-facing connector announces smtp.contoso.com, the name its
    // certificate carries.
    let mut edge_receive = ReceiveSpec::default_frontend("EDGE01", "smtp.contoso.com");
    edge_receive.name = "Default internal receive connector";
    edge_receive.role = "HubTransport";
    edge_receive.permission_groups = "AnonymousUsers, ExchangeServers, Partners";
    std::fs::write(
        out.join("EDGE01/Get-ReceiveConnector.xml"),
        clixml(&[receive_connector(&edge_receive)]),
    )?;
    std::fs::write(
        out.join("organization/Get-ExchangeServer.xml"),
        exchange_servers_with_versions(&[
            ("EX01", "ex01.contoso.com", false, "Version 15.2 (Build 1544.4)"),
            ("EX02", "ex02.contoso.com", false, "Version 15.2 (Build 1544.4)"),
            ("EX03", "ex03.contoso.com", false, "Version 15.2 (Build 1258.12)"),
            ("EX04", "ex04.contoso.com", false, "Version 15.2 (Build 2562.17)"),
            ("EDGE01", "edge01.contoso.com", true, "Version 15.2 (Build 1544.4)"),
        ]),
    )?;
    // A rollover staged on 2026-05-01 and never published.
    std::fs::write(
        out.join("organization/Get-AuthConfig.xml"),
        auth_config_staged(
            &thumbprint(auth),
            Some((&thumbprint(auth_next), "2026-05-01T00:00:00+00:00")),
            None,
        ),
    )?;
    std::fs::write(
        out.join("organization/Get-AcceptedDomain.xml"),
        accepted_domains(&[
            ("contoso.com", "Authoritative"),
            ("contoso.mail.onmicrosoft.com", "Authoritative"),
        ]),
    )?;
    for (server, dir) in [("EX01", "EX01"), ("EX02", "EX02")] {
        std::fs::write(
            out.join(dir).join("Get-OwaVirtualDirectory.xml"),
            owa_virtual_directories(&[(
                server,
                Some("https://mail.contoso.com/owa"),
                Some("https://mail.contoso.com/owa"),
            )]),
        )?;
    }
    let mail_name = "<I>CN=Contoso Issuing CA 1, O=Contoso, C=US<S>CN=mail.contoso.com, O=Contoso, C=US";
    std::fs::write(
        out.join("EX01/Get-ReceiveConnector.xml"),
        clixml(&[
            connector(false, "Default Frontend EX01", &["EX01"], None),
            connector(false, "Inbound from Office 365", &["EX01"], Some(mail_name)),
        ]),
    )?;
    // The hybrid wizard's send connector: CloudServicesMailEnabled marks the hybrid deployment.
    let mut outbound = connector(true, "Outbound to Office 365", &["EX01", "EX02"], Some(mail_name));
    outbound.props.push(("CloudServicesMailEnabled".into(), P::B(true)));
    std::fs::write(out.join("organization/Get-SendConnector.xml"), clixml(&[outbound]))?;
    std::fs::write(
        out.join("EX02/Get-ImapSettings.xml"),
        clixml(&[protocol_settings(true, "EX02", Some("*.contoso.com"))]),
    )?;
    std::fs::write(
        out.join("EX02/Get-PopSettings.xml"),
        clixml(&[protocol_settings(false, "EX02", None)]),
    )?;
    println!("exports written to {}", out.display());
    Ok(())
}
