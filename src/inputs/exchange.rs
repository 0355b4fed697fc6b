//! Exchange inventory exports read through [`clixml`]: `Get-ExchangeCertificate` (with
//! bindings from its MS-NRBF `SerializationData`), `Get-AuthConfig`, `Get-AcceptedDomain`,
//! virtual directories, receive/send connectors and `Get-ImapSettings` / `Get-PopSettings`.
//! Objects are recognised by their type names, never by file names.

use std::collections::BTreeMap;

use super::clixml::{self, PsObject, PsValue};
use super::{nrbf, Decoded, InputError};
use crate::inventory::{
    AuthConfig, Binding, Connector, ExchangeServer, InputKind, ProtocolSetting, Services, CERTIFICATE_STATUS,
    ROOT_CA_TYPE,
};

/// Reads a CliXML export. Objects that cannot be used are listed as errors; the rest is kept.
pub fn read_clixml(text: &str, source: &str) -> Result<Decoded, InputError> {
    let values = clixml::parse(text).map_err(|e| InputError::Clixml(e.to_string()))?;
    let mut out = Decoded {
        kind: Some(InputKind::Clixml),
        ..Decoded::default()
    };
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, value) in values.iter().enumerate() {
        let PsValue::Obj(obj) = value else { continue };
        let kind =
            read_object(obj, source, &mut out).map_err(|e| format!("object #{} ({}): {e}", i + 1, type_label(obj)));
        match kind {
            Ok(Some(k)) => *counts.entry(k).or_default() += 1,
            Ok(None) => *counts.entry("other").or_default() += 1,
            Err(e) => out.errors.push(e),
        }
    }
    let unknown_bindings = out.bindings.iter().filter(|(_, b)| b.services.is_none()).count();
    let mut parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    if unknown_bindings > 0 {
        parts.push(format!(
            "{unknown_bindings} certificate object(s) without SerializationData: their services are unknown"
        ));
    }
    out.note = Some(parts.join(", "));
    Ok(out)
}

fn type_label(obj: &PsObject) -> String {
    obj.types.first().cloned().unwrap_or_else(|| "untyped".into())
}

/// Interprets one top-level object. Returns the kind of object it was, or None for others.
fn read_object(obj: &PsObject, source: &str, out: &mut Decoded) -> Result<Option<&'static str>, String> {
    let server = server_of(obj);
    if obj.is("ExchangeCertificate") {
        let der = match obj.get("RawData") {
            Some(PsValue::Bytes(b)) if !b.is_empty() => b.clone(),
            _ => return Err("no RawData".into()),
        };
        let binding = certificate_binding(obj, server.unwrap_or_else(|| "(unknown server)".into()), source)?;
        out.bindings.push((out.certificates.len(), binding));
        out.certificates.push(der);
        return Ok(Some("ExchangeCertificate"));
    }
    if obj.is("AuthConfig") {
        let thumb = |name: &str| {
            obj.text(name)
                .map(|t| t.trim().to_ascii_uppercase())
                .filter(|t| !t.is_empty())
        };
        out.organisation.auth_configs.push(AuthConfig {
            current: thumb("CurrentCertificateThumbprint"),
            next: thumb("NextCertificateThumbprint"),
            previous: thumb("PreviousCertificateThumbprint"),
            source: source.to_string(),
        });
        return Ok(Some("AuthConfig"));
    }
    if obj.is("AcceptedDomain") {
        let domain_type = obj.text("DomainType").unwrap_or_default();
        if !domain_type.eq_ignore_ascii_case("ExternalRelay") {
            let name = obj
                .text("DomainName")
                .or_else(|| obj.text("Name"))
                .ok_or("no DomainName")?;
            let name = name.trim().trim_start_matches("*.");
            out.organisation
                .add_domain(name, &format!("{source} (Get-AcceptedDomain)"));
        }
        return Ok(Some("AcceptedDomain"));
    }
    if obj.types.iter().any(|t| t.ends_with("VirtualDirectory")) {
        for field in ["InternalUrl", "ExternalUrl"] {
            if let Some(host) = obj.text(field).as_deref().and_then(url_host) {
                out.organisation
                    .add_namespace(&host, &format!("{source} ({field} of {})", type_short(obj)));
            }
        }
        return Ok(Some("VirtualDirectory"));
    }
    if obj.is("ClientAccessService") || obj.is("ClientAccessServer") {
        if let Some(host) = obj.text("AutoDiscoverServiceInternalUri").as_deref().and_then(url_host) {
            out.organisation
                .add_namespace(&host, &format!("{source} (AutoDiscoverServiceInternalUri)"));
        }
        return Ok(Some("ClientAccessService"));
    }
    if obj.is("ExchangeServer") {
        let name = obj.text("Name").ok_or("no Name")?.trim().to_string();
        let role = obj.text("ServerRole").unwrap_or_default();
        let edge = obj.flag("IsEdgeServer") || role.split(',').any(|r| r.trim().eq_ignore_ascii_case("Edge"));
        out.organisation.servers.push(ExchangeServer {
            name,
            fqdn: obj
                .text("Fqdn")
                .map(|f| f.trim().to_ascii_lowercase())
                .filter(|f| !f.is_empty()),
            edge,
            source: source.to_string(),
        });
        return Ok(Some("ExchangeServer"));
    }
    if obj.is("HybridConfiguration") {
        out.organisation
            .hybrid
            .push(format!("{source}: Get-HybridConfiguration"));
        return Ok(Some("HybridConfiguration"));
    }
    if obj.is("ReceiveConnector") || obj.is("SmtpSendConnectorConfig") {
        let receive = obj.is("ReceiveConnector");
        let servers: Vec<String> = if receive {
            obj.text("Server").into_iter().collect()
        } else {
            obj.get("SourceTransportServers")
                .map(|v| v.items().into_iter().filter_map(PsValue::text).collect())
                .unwrap_or_default()
        };
        let name = obj.text("Name").or_else(|| obj.text("Identity")).unwrap_or_default();
        if !receive {
            if let Some(sign) = hybrid_sign(obj) {
                out.organisation
                    .hybrid
                    .push(format!("{source}: send connector '{name}' {sign}"));
            }
        }
        out.organisation.connectors.push(Connector {
            kind: if receive { "Receive" } else { "Send" }.into(),
            name,
            servers,
            tls_certificate_name: obj.text("TlsCertificateName").filter(|t| !t.trim().is_empty()),
            fqdn: obj.text("Fqdn").filter(|t| !t.trim().is_empty()),
            source: source.to_string(),
        });
        return Ok(Some(if receive { "ReceiveConnector" } else { "SendConnector" }));
    }
    let protocol = if obj.is("Imap4AdConfiguration") || obj.is("ImapSettings") {
        Some("IMAP")
    } else if obj.is("Pop3AdConfiguration") || obj.is("PopSettings") {
        Some("POP")
    } else {
        None
    };
    if let Some(protocol) = protocol {
        out.organisation.protocol_settings.push(ProtocolSetting {
            protocol: protocol.into(),
            server: obj.text("Server").or(server).unwrap_or_default(),
            x509_certificate_name: obj.text("X509CertificateName").filter(|t| !t.trim().is_empty()),
            source: source.to_string(),
        });
        return Ok(Some(if protocol == "IMAP" {
            "ImapSettings"
        } else {
            "PopSettings"
        }));
    }
    Ok(None)
}

/// Why a send connector shows a hybrid deployment: the hybrid wizard's
/// `CloudServicesMailEnabled`, or smart hosts / address spaces in Exchange Online Protection.
fn hybrid_sign(obj: &PsObject) -> Option<String> {
    if obj.flag("CloudServicesMailEnabled") {
        return Some("has CloudServicesMailEnabled".into());
    }
    ["SmartHosts", "AddressSpaces"].iter().find_map(|field| {
        let values = obj.get(field)?.items();
        values
            .iter()
            .filter_map(|v| v.text())
            .find(|v| {
                let v = v.to_ascii_lowercase();
                v.contains("mail.protection.outlook.com") || v.contains(".mail.onmicrosoft.com")
            })
            .map(|v| format!("routes through {v} ({field})"))
    })
}

fn type_short(obj: &PsObject) -> String {
    type_label(obj)
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_start_matches("AD")
        .to_string()
}

/// The server an object came from: `PSComputerName`, else `ServerName`/`Server`.
fn server_of(obj: &PsObject) -> Option<String> {
    ["PSComputerName", "ServerName", "Server"]
        .iter()
        .find_map(|f| obj.text(f))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The host of an absolute URL (`https://mail.contoso.com/owa` → `mail.contoso.com`).
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host = if host.starts_with('[') {
        host.split(']').next()?.trim_start_matches('[')
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Services, status and self-signed from `SerializationData`, or from plain properties when
/// an export carries them as such; unknown (None) otherwise.
fn certificate_binding(obj: &PsObject, server: String, source: &str) -> Result<Binding, String> {
    let mut binding = Binding {
        server,
        services: None,
        status: None,
        self_signed: None,
        root_ca_type: None,
        source: source.to_string(),
    };
    if let Some(PsValue::Bytes(blob)) = obj.get("SerializationData") {
        let root = nrbf::parse(blob).map_err(|e| format!("SerializationData: {e}"))?;
        let cert = root.as_object().ok_or("SerializationData: root is not an object")?;
        binding.services = cert
            .get("Services")
            .and_then(nrbf::Value::as_int)
            .map(|v| Services(v as u32));
        binding.status = cert.get("Status").and_then(nrbf::Value::as_int).map(status_name);
        binding.self_signed = cert.get("SelfSigned").and_then(nrbf::Value::as_bool);
        binding.root_ca_type = cert.get("RootCAType").and_then(nrbf::Value::as_int).map(root_ca_name);
        if let Some(identity_server) = cert
            .get("Identity")
            .and_then(nrbf::Value::as_str)
            .and_then(|id| id.split_once('\\'))
            .map(|(s, _)| s.to_string())
        {
            if binding.server == "(unknown server)" {
                binding.server = identity_server;
            }
        }
        return Ok(binding);
    }
    // Some exports carry the values as plain properties.
    binding.services = obj.text("Services").as_deref().and_then(Services::parse);
    binding.status = obj.text("Status");
    binding.self_signed = match obj.get("IsSelfSigned") {
        Some(PsValue::Bool(b)) => Some(*b),
        _ => None,
    };
    Ok(binding)
}

/// `CertificateStatus` by value (the number itself when it is out of range).
pub fn status_name(v: i64) -> String {
    usize::try_from(v)
        .ok()
        .and_then(|i| CERTIFICATE_STATUS.get(i))
        .map(|s| s.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// `CertificateAuthorityType` by value (the number itself when it is out of range).
pub fn root_ca_name(v: i64) -> String {
    usize::try_from(v)
        .ok()
        .and_then(|i| ROOT_CA_TYPE.get(i))
        .map(|s| s.to_string())
        .unwrap_or_else(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://Mail.Contoso.com/owa").as_deref(),
            Some("mail.contoso.com")
        );
        assert_eq!(
            url_host("https://mail.contoso.com:443/ews/exchange.asmx").as_deref(),
            Some("mail.contoso.com")
        );
        assert_eq!(url_host("https://[2001:db8::1]/owa").as_deref(), Some("2001:db8::1"));
        assert_eq!(url_host("not a url"), None);
    }

    #[test]
    fn services_text_and_numbers() {
        assert_eq!(Services::parse("IMAP, POP, IIS, SMTP"), Some(Services(27)));
        assert_eq!(Services::parse("27"), Some(Services(27)));
        assert_eq!(Services::parse("None"), Some(Services(0)));
        assert_eq!(Services::parse("IIS, Bogus"), None);
        assert_eq!(Services(25).names(), ["IMAP", "IIS", "SMTP"]);
    }
}
