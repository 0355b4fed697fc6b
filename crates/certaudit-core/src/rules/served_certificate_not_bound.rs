//! `served-certificate-not-bound`: with `--probe-servers`, each Exchange server is probed on
//! the ports its configuration implies, and the leaf it serves there is compared with the
//! certificate Exchange says is bound there: the Default Web Site and Exchange Back End https
//! bindings (`Get-WebBinding`; without it, the certificates enabled for IIS), the certificate
//! transport selects for the Receive connectors on that port (as `smtp-certificate-selection`
//! works it out; the internal transport certificate when nothing qualifies), and the
//! certificate IMAP4/POP3 present for their `X509CertificateName`. What the exports do not
//! say is recorded as not audited, as are servers that could not be probed.

use super::smtp_certificate_selection::{select_by_fqdn, select_by_name};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{server_key, Endpoint, EndpointStatus, ServerPort, ServerProbe, Services};
use crate::x509::dns_name_matches;

static META: RuleMeta = RuleMeta {
    id: "served-certificate-not-bound",
    title: "Server serves another certificate than Exchange binds",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "After a renewal, Exchange can report the new certificate as bound while a server still serves the old one: IIS kept the old binding, the transport service was not restarted, IMAP4/POP3 still hold the old certificate, or one node was missed. Clients then meet the old certificate until it expires and fails, which is the classic outage after a renewal that looked complete.",
    remediation: "{fix} Confirm what Exchange binds with `Get-ExchangeCertificate -Server {server} -Thumbprint {expected} | Format-List Services,Status,NotAfter`, then scan again with --probe-servers.",
    edge_remediation: Some("On the Edge Transport server {server}, transport reads its certificate when it starts: `Restart-Service MSExchangeTransport` on {server}; if it still serves {served}, check `Get-ExchangeCertificate -Thumbprint {expected} | Format-List Services,Status` and `Enable-ExchangeCertificate -Thumbprint {expected} -Services SMTP` in the Edge server's shell, then re-create the Edge Subscription if the certificate changed."),
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
        "https://learn.microsoft.com/en-us/exchange/mail-flow/mail-routing/inbound-starttls-certificates-selection",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/enable-exchangecertificate",
    ],
};

/// Flags server ports whose served leaf is not the certificate Exchange binds there.
pub struct ServedCertificateNotBound;

/// What the configuration says a port serves: the acceptable thumbprints and where that
/// comes from.
struct Expected {
    thumbprints: Vec<String>,
    from: String,
}

impl Rule for ServedCertificateNotBound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let org = ctx.organisation();
        for (server, why) in &org.unprobed_servers {
            ctx.not_audited(META.id, server.clone(), why.clone(), Some(server));
        }
        let mut hits = Vec::new();
        for probe in &org.server_probes {
            let served: Vec<(usize, &Endpoint)> = ctx
                .inventory
                .endpoints
                .iter()
                .enumerate()
                .filter(|(_, e)| e.target == probe.target && e.status == EndpointStatus::Ok)
                .collect();
            if served.is_empty() {
                continue; // not reached: the endpoint is not audited (probe-failed says why)
            }
            let expected = match expected(probe, ctx) {
                Ok(expected) => expected,
                Err(why) => {
                    ctx.not_audited(
                        META.id,
                        format!("{} ({})", probe.target, probe.server),
                        why,
                        Some(&probe.server),
                    );
                    continue;
                }
            };
            for (index, endpoint) in served {
                if let Some(hit) = judge(probe, index, endpoint, &expected, ctx) {
                    hits.push(hit);
                }
            }
        }
        hits
    }
}

fn judge(
    probe: &ServerProbe,
    index: usize,
    endpoint: &Endpoint,
    expected: &Expected,
    ctx: &Context<'_>,
) -> Option<Hit> {
    let leaf = endpoint.leaf()?;
    let cert = ctx.inventory.get(leaf);
    let served = cert
        .map(|c| c.thumbprint.clone())
        .unwrap_or_else(|| format!("SHA-256 {leaf}"));
    if expected.thumbprints.iter().any(|t| t.eq_ignore_ascii_case(&served)) {
        return None;
    }
    let first = expected.thumbprints.first().cloned().unwrap_or_default();
    let (what, services) = match probe.role {
        ServerPort::FrontEnd | ServerPort::BackEnd => ("IIS", "IIS"),
        ServerPort::Smtp => ("SMTP", "SMTP"),
        ServerPort::Imap => ("IMAP4", "IMAP"),
        ServerPort::Pop => ("POP3", "POP"),
    };
    Some(
        Hit::new(format!(
            "{} on port {} ({}) serves {served}{}, but {} names {}.",
            probe.server,
            probe.port,
            what,
            cert.map(|c| format!(" ({})", c.details.subject)).unwrap_or_default(),
            expected.from,
            expected.thumbprints.join(" or ")
        ))
        .with("server", probe.server.clone())
        .with("port", probe.port)
        .with("served_thumbprint", served.clone())
        .with("expected_thumbprints", expected.thumbprints.clone())
        .with("expected_from", expected.from.clone())
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint)
        .about(ctx.inventory.index_of(leaf))
        .on(&probe.server, vec![services.to_string()])
        .fill("fix", fix(probe, &first, &served))
        .fill("server", probe.server.clone())
        .fill("served", served)
        .fill("expected", first),
    )
}

/// The fix for one kind of port.
fn fix(probe: &ServerProbe, expected: &str, served: &str) -> String {
    let server = &probe.server;
    match probe.role {
        ServerPort::FrontEnd => format!("Bind {expected} to IIS again on {server}: `Enable-ExchangeCertificate -Server {server} -Thumbprint {expected} -Services IIS`, then `iisreset /noforce` on {server}; check with `Get-WebBinding -Name 'Default Web Site' -Protocol https` and `netsh http show sslcert ipport=0.0.0.0:443` that the binding holds {expected}, not {served}."),
        ServerPort::BackEnd => format!("Point the Exchange Back End https binding (*:444:) on {server} at {expected}: in IIS Manager open Exchange Back End > Bindings > https (port 444) and select it, or in PowerShell on {server}: `Import-Module WebAdministration; (Get-WebBinding -Name 'Exchange Back End' -Protocol https).AddSslCertificate('{expected}', 'My')`; then `iisreset /noforce`. Do not remove {served} before the binding has moved."),
        ServerPort::Smtp => format!("Transport reads its certificate when it starts: `Restart-Service MSExchangeFrontEndTransport, MSExchangeTransport` on {server}. If it still serves {served}, check the connectors on port {} (`Get-ReceiveConnector -Server {server} | Format-List Name,Bindings,Fqdn,TlsCertificateName`) and that {expected} is enabled for SMTP (`Enable-ExchangeCertificate -Server {server} -Thumbprint {expected} -Services SMTP`).", probe.port),
        ServerPort::Imap => format!("IMAP4 reads its certificate when it starts: `Restart-Service MSExchangeIMAP4, MSExchangeIMAP4BE` on {server}; if it still serves {served}, check `Get-ImapSettings -Server {server} | Format-List X509CertificateName` and `Enable-ExchangeCertificate -Server {server} -Thumbprint {expected} -Services IMAP`."),
        ServerPort::Pop => format!("POP3 reads its certificate when it starts: `Restart-Service MSExchangePOP3, MSExchangePOP3BE` on {server}; if it still serves {served}, check `Get-PopSettings -Server {server} | Format-List X509CertificateName` and `Enable-ExchangeCertificate -Server {server} -Thumbprint {expected} -Services POP`."),
    }
}

/// What the exports say `probe` serves, or why they do not say.
fn expected(probe: &ServerProbe, ctx: &Context<'_>) -> Result<Expected, String> {
    let server = probe.server.as_str();
    let key = server_key(server);
    let org = ctx.organisation();
    let certs = &ctx.inventory.certificates;
    match probe.role {
        ServerPort::FrontEnd | ServerPort::BackEnd => {
            let back_end = probe.role == ServerPort::BackEnd;
            let site = if back_end {
                "Exchange Back End"
            } else {
                "Default Web Site"
            };
            let mut from_bindings: Vec<String> = org
                .web_bindings
                .iter()
                .filter(|b| b.server.as_deref().is_some_and(|s| server_key(s) == key))
                .filter(|b| b.protocol == "https" && b.port == probe.port && b.site.eq_ignore_ascii_case(site))
                .filter_map(|b| b.certificate_hash.as_deref().map(str::to_ascii_uppercase))
                .collect();
            from_bindings.sort();
            from_bindings.dedup();
            if !from_bindings.is_empty() {
                return Ok(Expected {
                    thumbprints: from_bindings,
                    from: format!("the {site} https binding (*:{}:) on {server}", probe.port),
                });
            }
            if back_end {
                return Err(format!(
                    "no Get-WebBinding export gives the Exchange Back End https binding on {server}"
                ));
            }
            let iis = enabled_for(ctx, server, Services::IIS);
            if iis.is_empty() {
                return Err(format!(
                    "neither a Get-WebBinding export nor a certificate enabled for IIS says what {server} serves on 443"
                ));
            }
            Ok(Expected {
                thumbprints: iis,
                from: format!("Get-ExchangeCertificate on {server} (enabled for IIS)"),
            })
        }
        ServerPort::Smtp => {
            if !ctx.has_certificate_export(server) {
                return Err(format!("no Get-ExchangeCertificate export was read for {server}"));
            }
            let fqdn = org.server(server).and_then(|s| s.fqdn.clone());
            let port = format!(":{}", probe.port);
            let mut thumbprints = Vec::new();
            let mut names = Vec::new();
            for c in org.connectors.iter().filter(|c| {
                c.is_receive()
                    && c.enabled != Some(false)
                    && c.servers.iter().any(|s| server_key(s) == key)
                    && c.bindings.iter().any(|b| b.ends_with(&port))
            }) {
                names.push(format!("'{}'", c.name));
                let selection = match (&c.tls_certificate_name, c.fqdn.as_ref().or(fqdn.as_ref())) {
                    (Some(name), _) => select_by_name(name, server, ctx),
                    (None, Some(fqdn)) => Some(select_by_fqdn(fqdn, server, ctx)),
                    (None, None) => None,
                };
                match selection.and_then(|s| s.chosen) {
                    Some((i, _)) => thumbprints.push(certs[i].thumbprint.clone()),
                    None => {
                        // Nothing qualifies: transport falls back to its internal certificate.
                        if let Some(t) = org
                            .transport_services
                            .iter()
                            .find(|t| server_key(&t.server) == key)
                            .and_then(|t| t.internal_transport_certificate.clone())
                        {
                            thumbprints.push(t.to_ascii_uppercase());
                        }
                    }
                }
            }
            if names.is_empty() {
                return Err(format!(
                    "no Get-ReceiveConnector export names a connector of {server} on port {}",
                    probe.port
                ));
            }
            thumbprints.sort();
            thumbprints.dedup();
            if thumbprints.is_empty() {
                return Err(format!(
                    "for the connector(s) {} on {server}, no certificate qualifies and the internal transport certificate is not known (Get-TransportService)",
                    names.join(", ")
                ));
            }
            Ok(Expected {
                thumbprints,
                from: format!(
                    "the STARTTLS certificate transport selects for {} on port {}",
                    names.join(", "),
                    probe.port
                ),
            })
        }
        ServerPort::Imap | ServerPort::Pop => {
            let (protocol, flag) = if probe.role == ServerPort::Imap {
                ("IMAP", Services::IMAP)
            } else {
                ("POP", Services::POP)
            };
            let setting = org
                .protocol_settings
                .iter()
                .find(|p| p.protocol == protocol && server_key(&p.server) == key);
            let name = setting
                .and_then(|s| s.x509_certificate_name.clone())
                .or_else(|| org.server(server).and_then(|s| s.fqdn.clone()))
                .ok_or_else(|| {
                    format!("neither Get-{protocol}Settings nor Get-ExchangeServer names the certificate of {server}")
                })?;
            let thumbprints: Vec<String> = enabled_for(ctx, server, flag)
                .into_iter()
                .filter(|t| {
                    ctx.certificate_on(server, t).is_some_and(|(i, _)| {
                        let d = &certs[i].details;
                        d.dns_names
                            .iter()
                            .chain(&d.common_names)
                            .any(|n| dns_name_matches(n, &name))
                    })
                })
                .collect();
            if thumbprints.is_empty() {
                return Err(format!(
                    "no certificate enabled for {protocol} on {server} carries {name} (the X509CertificateName)"
                ));
            }
            Ok(Expected {
                thumbprints,
                from: format!("the {protocol} certificate for X509CertificateName {name} on {server}"),
            })
        }
    }
}

/// Thumbprints of the certificates on `server` enabled for any of `flag`.
fn enabled_for(ctx: &Context<'_>, server: &str, flag: u32) -> Vec<String> {
    let mut out: Vec<String> = ctx
        .bindings_on(server)
        .iter()
        .filter(|(_, b)| b.services.is_some_and(|s| s.any(flag)))
        .map(|(i, _)| ctx.inventory.certificates[*i].thumbprint.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
