//! Organisation-wide objects: `Get-AuthConfig`, `Get-AcceptedDomain`, the client access
//! virtual directories, `Get-ClientAccessService`, `Get-ExchangeServer` and
//! `Get-HybridConfiguration`.

use super::{non_empty, url_host, ObjectError, Read};
use crate::inputs::clixml::PsObject;
use crate::inventory::{AuthConfig, ExchangeServer, Organisation};

/// Reads an organisation object into `org`; None when `obj` is not one.
pub(super) fn read(obj: &PsObject, source: &str, org: &mut Organisation) -> Result<Option<Read>, ObjectError> {
    if obj.is("AuthConfig") {
        let thumb = |name: &str| non_empty(obj, name).map(|t| t.to_ascii_uppercase());
        let next_effective = match non_empty(obj, "NextCertificateEffectiveDate") {
            Some(text) => Some(
                crate::time::parse_clixml_date(&text).ok_or_else(|| ObjectError::Invalid {
                    property: "NextCertificateEffectiveDate",
                    value: text.clone(),
                    expected: "a date",
                })?,
            ),
            None => None,
        };
        org.auth_configs.push(AuthConfig {
            current: thumb("CurrentCertificateThumbprint"),
            next: thumb("NextCertificateThumbprint"),
            next_effective,
            previous: thumb("PreviousCertificateThumbprint"),
            source: source.to_string(),
        });
        return Ok(Some(Read::kind("AuthConfig")));
    }
    if obj.is("AcceptedDomain") {
        let domain_type = obj.text("DomainType").unwrap_or_default();
        if !domain_type.eq_ignore_ascii_case("ExternalRelay") {
            let name = obj
                .text("DomainName")
                .or_else(|| obj.text("Name"))
                .ok_or(ObjectError::Missing("DomainName"))?;
            let name = name.trim().trim_start_matches("*.");
            org.add_domain(name, &format!("{source} (Get-AcceptedDomain)"));
            if obj.flag("Default") {
                org.set_default_domain(name);
            }
        }
        return Ok(Some(Read::kind("AcceptedDomain")));
    }
    if obj.types.iter().any(|t| t.ends_with("VirtualDirectory")) {
        if let Some(server) = obj.text("Server").filter(|s| !s.trim().is_empty()) {
            let place = format!("{} ({source})", type_short(obj));
            if !org.mentioned_servers.iter().any(|(s, p)| s == &server && p == &place) {
                org.mentioned_servers.push((server, place));
            }
        }
        for field in ["InternalUrl", "ExternalUrl"] {
            if let Some(host) = obj.text(field).as_deref().and_then(url_host) {
                org.add_namespace(&host, &format!("{source} ({field} of {})", type_short(obj)));
            }
        }
        return Ok(Some(Read::kind("VirtualDirectory")));
    }
    if obj.is("ClientAccessService") || obj.is("ClientAccessServer") {
        if let Some(host) = obj.text("AutoDiscoverServiceInternalUri").as_deref().and_then(url_host) {
            org.add_namespace(&host, &format!("{source} (AutoDiscoverServiceInternalUri)"));
        }
        return Ok(Some(Read::kind("ClientAccessService")));
    }
    if obj.is("ExchangeServer") {
        org.servers.push(exchange_server(obj, source)?);
        return Ok(Some(Read::kind("ExchangeServer")));
    }
    if obj.is("HybridConfiguration") {
        org.hybrid.push(format!("{source}: Get-HybridConfiguration"));
        return Ok(Some(Read::kind("HybridConfiguration")));
    }
    Ok(None)
}

fn exchange_server(obj: &PsObject, source: &str) -> Result<ExchangeServer, ObjectError> {
    let name = non_empty(obj, "Name").ok_or(ObjectError::Missing("Name"))?;
    let roles: Vec<String> = obj
        .text("ServerRole")
        .unwrap_or_default()
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("None"))
        .collect();
    let edge = obj.flag("IsEdgeServer") || roles.iter().any(|r| r.eq_ignore_ascii_case("Edge"));
    let version = non_empty(obj, "AdminDisplayVersion");
    Ok(ExchangeServer {
        name,
        fqdn: non_empty(obj, "Fqdn").map(|f| f.to_ascii_lowercase()),
        edge,
        product: version.as_deref().and_then(product_of_version).map(str::to_string),
        version,
        roles,
        source: source.to_string(),
    })
}

/// The Exchange product of an `AdminDisplayVersion` (`Version 15.2 (Build 1544.4)`): 15.0 is
/// 2013, 15.1 is 2016, 15.2 is 2019 up to build 2562, from which it is Subscription Edition
/// (its RTM is 15.2.2562.17).
pub fn product_of_version(version: &str) -> Option<&'static str> {
    let numbers = version.trim().trim_start_matches("Version").trim();
    let (major_minor, rest) = numbers.split_once(' ').unwrap_or((numbers, ""));
    let (major, minor) = major_minor.split_once('.')?;
    let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
    let build: Option<u32> = rest
        .trim()
        .strip_prefix("(Build ")
        .and_then(|b| b.split(['.', ')']).next())
        .and_then(|b| b.parse().ok());
    Some(match (major, minor) {
        (8, _) => "Exchange Server 2007",
        (14, _) => "Exchange Server 2010",
        (15, 0) => "Exchange Server 2013",
        (15, 1) => "Exchange Server 2016",
        (15, 2) => match build {
            Some(b) if b >= 2562 => "Exchange Server Subscription Edition",
            Some(_) => "Exchange Server 2019",
            None => return None,
        },
        _ => return None,
    })
}

fn type_short(obj: &PsObject) -> String {
    super::type_label(obj)
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_start_matches("AD")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::product_of_version;

    #[test]
    fn products_by_version() {
        assert_eq!(
            product_of_version("Version 15.1 (Build 2507.18)"),
            Some("Exchange Server 2016")
        );
        assert_eq!(
            product_of_version("Version 15.2 (Build 986.5)"),
            Some("Exchange Server 2019")
        );
        assert_eq!(
            product_of_version("Version 15.2 (Build 2562.17)"),
            Some("Exchange Server Subscription Edition")
        );
        assert_eq!(
            product_of_version("Version 15.0 (Build 1497.2)"),
            Some("Exchange Server 2013")
        );
        assert_eq!(product_of_version("Version 15.2"), None);
        assert_eq!(product_of_version("garbage"), None);
    }
}
