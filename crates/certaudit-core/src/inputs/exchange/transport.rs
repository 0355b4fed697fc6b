//! Mail transport: receive and send connectors, `Get-TransportService` (the internal transport
//! certificate) and `Get-ImapSettings` / `Get-PopSettings` (the certificate name POP/IMAP use).

use super::{boolean, list, non_empty, server_of, ExportFile, ObjectError, Read};
use crate::inputs::clixml::PsObject;
use crate::inventory::{Connector, Organisation, ProtocolSetting, TransportService};

/// Reads a transport object into `org`; None when `obj` is not one.
pub(super) fn read(obj: &PsObject, file: ExportFile<'_>, org: &mut Organisation) -> Result<Option<Read>, ObjectError> {
    let source = file.path;
    if obj.is("ReceiveConnector") || obj.is("SmtpSendConnectorConfig") {
        let receive = obj.is("ReceiveConnector");
        let connector = connector(obj, receive, file);
        if !receive {
            if let Some(sign) = hybrid_sign(obj) {
                org.hybrid
                    .push(format!("{source}: send connector '{}' {sign}", connector.name));
            }
        }
        org.connectors.push(connector);
        return Ok(Some(Read::kind(if receive {
            "ReceiveConnector"
        } else {
            "SendConnector"
        })));
    }
    if obj.is("TransportServer")
        || obj.is("TransportService")
        || obj.get("InternalTransportCertificateThumbprint").is_some()
    {
        let server = non_empty(obj, "Name")
            .or_else(|| identity_server(obj))
            .or_else(|| non_empty(obj, "PSComputerName"))
            .or_else(|| file.folder_server.map(str::to_string))
            .ok_or(ObjectError::UnknownServer)?;
        org.transport_services.push(TransportService {
            server,
            internal_transport_certificate: non_empty(obj, "InternalTransportCertificateThumbprint")
                .map(|t| t.to_ascii_uppercase()),
            source: source.to_string(),
        });
        return Ok(Some(Read::kind("TransportService")));
    }
    let protocol = if obj.is("Imap4AdConfiguration") || obj.is("ImapSettings") {
        Some("IMAP")
    } else if obj.is("Pop3AdConfiguration") || obj.is("PopSettings") {
        Some("POP")
    } else {
        None
    };
    if let Some(protocol) = protocol {
        org.protocol_settings.push(ProtocolSetting {
            protocol: protocol.into(),
            server: server_of(obj)
                .or_else(|| file.folder_server.map(str::to_string))
                .unwrap_or_default(),
            x509_certificate_name: non_empty(obj, "X509CertificateName"),
            source: source.to_string(),
        });
        return Ok(Some(Read::kind(if protocol == "IMAP" {
            "ImapSettings"
        } else {
            "PopSettings"
        })));
    }
    Ok(None)
}

/// The server part of an `Identity` such as `EX01\Default Frontend EX01`.
fn identity_server(obj: &PsObject) -> Option<String> {
    obj.text("Identity")
        .and_then(|id| id.split_once('\\').map(|(s, _)| s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

fn connector(obj: &PsObject, receive: bool, file: ExportFile<'_>) -> Connector {
    let servers: Vec<String> = if receive {
        non_empty(obj, "Server")
            .or_else(|| identity_server(obj))
            .or_else(|| non_empty(obj, "PSComputerName"))
            .or_else(|| file.folder_server.map(str::to_string))
            .into_iter()
            .collect()
    } else {
        list(obj, "SourceTransportServers")
    };
    let name = non_empty(obj, "Name")
        .or_else(|| non_empty(obj, "Identity"))
        .unwrap_or_default();
    Connector {
        kind: if receive { "Receive" } else { "Send" }.into(),
        identity: non_empty(obj, "Identity"),
        name,
        servers,
        tls_certificate_name: non_empty(obj, "TlsCertificateName"),
        fqdn: non_empty(obj, "Fqdn"),
        bindings: list(obj, "Bindings"),
        auth_mechanism: list(obj, "AuthMechanism"),
        permission_groups: list(obj, "PermissionGroups"),
        transport_role: non_empty(obj, "TransportRole"),
        enabled: boolean(obj, "Enabled"),
        require_tls: boolean(obj, "RequireTLS"),
        tls_domain: non_empty(obj, "TlsDomain"),
        tls_auth_level: non_empty(obj, "TlsAuthLevel"),
        cloud_services_mail_enabled: boolean(obj, "CloudServicesMailEnabled"),
        smart_hosts: list(obj, "SmartHosts"),
        source: file.path.to_string(),
    }
}

/// Why a send connector shows a hybrid deployment: the hybrid wizard's
/// `CloudServicesMailEnabled`, or smart hosts / address spaces in Exchange Online Protection.
fn hybrid_sign(obj: &PsObject) -> Option<String> {
    if obj.flag("CloudServicesMailEnabled") {
        return Some("has CloudServicesMailEnabled".into());
    }
    ["SmartHosts", "AddressSpaces"].iter().find_map(|field| {
        list(obj, field)
            .into_iter()
            .find(|v| {
                let v = v.to_ascii_lowercase();
                v.contains("mail.protection.outlook.com") || v.contains(".mail.onmicrosoft.com")
            })
            .map(|v| format!("routes through {v} ({field})"))
    })
}
