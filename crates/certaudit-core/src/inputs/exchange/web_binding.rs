//! IIS site bindings from `Get-WebBinding | Export-Clixml` (type
//! `Microsoft.IIs.PowerShell.Framework.ConfigurationElement#bindings#binding`): `protocol`,
//! `bindingInformation` (`address:port:host header`), `certificateHash`,
//! `certificateStoreName` and `ItemXPath`, which names the site.
//!
//! These objects carry no `PSComputerName` when the cmdlet ran on the server itself: the
//! server is then the collector's per-server folder, and when neither is known the binding
//! is kept without a server and the input says so.

use super::{non_empty, ExportFile, ObjectError, Read};
use crate::inputs::clixml::PsObject;
use crate::inventory::{Organisation, ServerOrigin, WebBinding};

/// Reads a web binding into `org`; None when `obj` is not one.
pub(super) fn read(obj: &PsObject, file: ExportFile<'_>, org: &mut Organisation) -> Result<Option<Read>, ObjectError> {
    if !obj.is("ConfigurationElement#bindings#binding") {
        return Ok(None);
    }
    let protocol = non_empty(obj, "protocol")
        .ok_or(ObjectError::WebBindingWithout("protocol"))?
        .to_ascii_lowercase();
    let information =
        non_empty(obj, "bindingInformation").ok_or(ObjectError::WebBindingWithout("bindingInformation"))?;
    let (address, port, host_header) = parse_binding_information(&information).ok_or_else(|| ObjectError::Invalid {
        property: "bindingInformation",
        value: information.clone(),
        expected: "address:port:host",
    })?;
    let xpath = non_empty(obj, "ItemXPath").unwrap_or_default();
    let site = site_name(&xpath).ok_or_else(|| ObjectError::NoSite(xpath.clone()))?;
    let (server, origin) = match non_empty(obj, "PSComputerName") {
        Some(s) => (Some(s), Some(ServerOrigin::Object)),
        None => match file.folder_server {
            Some(f) => (Some(f.to_string()), Some(ServerOrigin::Folder)),
            None => (None, None),
        },
    };
    let mut read = Read::kind("WebBinding");
    if server.is_none() {
        read =
            read.also("WebBinding without a known server (no PSComputerName, not in a per-server folder): not audited");
    }
    let certificate_hash = non_empty(obj, "certificateHash").map(|h| h.to_ascii_uppercase());
    if certificate_hash
        .as_deref()
        .is_some_and(|h| h.len() != 40 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(ObjectError::Invalid {
            property: "certificateHash",
            value: certificate_hash.unwrap_or_default(),
            expected: "a SHA-1 thumbprint",
        });
    }
    org.web_bindings.push(WebBinding {
        server,
        server_origin: origin,
        site,
        protocol,
        binding_information: information,
        address,
        port,
        host_header,
        certificate_hash,
        certificate_store: non_empty(obj, "certificateStoreName"),
        source: file.path.to_string(),
    });
    Ok(Some(read))
}

/// Splits `address:port:host` (`*:443:`, `127.0.0.1:443:`, `[::1]:444:mail.contoso.com`).
fn parse_binding_information(text: &str) -> Option<(String, u16, Option<String>)> {
    let (address, rest) = if let Some(v6) = text.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        (format!("[{inside}]"), after.strip_prefix(':')?)
    } else {
        let (a, r) = text.split_once(':')?;
        (a.to_string(), r)
    };
    let (port, host) = rest.split_once(':').unwrap_or((rest, ""));
    let port: u16 = port.trim().parse().ok()?;
    let host = host.trim();
    Some((
        if address.is_empty() { "*".into() } else { address },
        port,
        (!host.is_empty()).then(|| host.to_ascii_lowercase()),
    ))
}

/// The site name in `ItemXPath`: `/system.applicationHost/sites/site[@name='Default Web Site' and @id='1']`.
fn site_name(xpath: &str) -> Option<String> {
    let start = xpath.find("@name='")? + "@name='".len();
    let rest = &xpath[start..];
    let end = rest
        .find("' and @")
        .or_else(|| rest.find("']"))
        .or_else(|| rest.rfind('\''))?;
    let name = rest[..end].trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_information_forms() {
        assert_eq!(parse_binding_information(":443:"), Some(("*".into(), 443, None)));
        assert_eq!(parse_binding_information("*:444:"), Some(("*".into(), 444, None)));
        assert_eq!(
            parse_binding_information("127.0.0.1:443:"),
            Some(("127.0.0.1".into(), 443, None))
        );
        assert_eq!(
            parse_binding_information("[::1]:443:Mail.Contoso.com"),
            Some(("[::1]".into(), 443, Some("mail.contoso.com".into())))
        );
        assert_eq!(parse_binding_information("*:http:"), None);
        assert_eq!(parse_binding_information("nonsense"), None);
    }

    #[test]
    fn site_names_from_xpath() {
        assert_eq!(
            site_name("/system.applicationHost/sites/site[@name='Exchange Back End' and @id='2']").as_deref(),
            Some("Exchange Back End")
        );
        assert_eq!(
            site_name("/system.applicationHost/sites/site[@name='Default Web Site']").as_deref(),
            Some("Default Web Site")
        );
        assert_eq!(site_name("/system.applicationHost/sites"), None);
    }
}
