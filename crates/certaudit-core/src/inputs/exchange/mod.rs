//! Exchange inventory exports read through [`clixml`]: objects are recognised by their type
//! names (or, for `Get-TransportService`, by the property only it carries), never by file
//! names. One file per family of objects:
//!
//! - [`certificate`]: `Get-ExchangeCertificate` (bindings from its MS-NRBF `SerializationData`,
//!   bare or signed) and bare `X509Certificate2` objects from a server's store;
//! - [`organisation`]: `Get-AuthConfig`, `Get-AcceptedDomain`, virtual directories,
//!   `Get-ClientAccessService`, `Get-ExchangeServer`, `Get-HybridConfiguration`;
//! - [`transport`]: receive and send connectors, `Get-TransportService`, POP/IMAP settings;
//! - [`web_binding`]: IIS site bindings from `Get-WebBinding`.
//!
//! The server an object belongs to is its `PSComputerName` (or the cmdlet's own `Server`
//! property); objects that carry neither (`Get-WebBinding`, a store export run locally) take it
//! from the collector's per-server folder (see [`ExportFile::folder_server`]). An object whose
//! server cannot be known keeps no server, and the input says so.

mod certificate;
mod organisation;

pub use certificate::UNKNOWN_SERVER;
pub use organisation::product_of_version;
mod transport;
mod web_binding;

use std::collections::{BTreeMap, HashSet};

use super::clixml::{self, PsObject, PsValue};
use super::{Decoded, InputError};
use crate::inventory::{InputKind, CERTIFICATE_STATUS, ROOT_CA_TYPE};

/// The export file being read: its path (as recorded) and the server its folder names.
#[derive(Debug, Clone, Copy)]
pub struct ExportFile<'a> {
    /// The path as the report records it.
    pub path: &'a str,
    /// The server named by the collector's layout `<root>/<SERVER>/Get-….xml`: see
    /// [`crate::inputs::collector_server`].
    pub folder_server: Option<&'a str>,
}

/// What one object contributed, for the input's note: the labels it is counted under (empty
/// for objects certaudit does not read) and anything worth telling about it (not an error).
#[derive(Debug, Default)]
struct Read {
    kinds: Vec<&'static str>,
    note: Option<String>,
}

impl Read {
    fn kind(kind: &'static str) -> Self {
        Self {
            kinds: vec![kind],
            note: None,
        }
    }

    fn also(mut self, kind: &'static str) -> Self {
        self.kinds.push(kind);
        self
    }

    fn noting(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// Why one export object could not be read (the rest of the file still is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("no {0}")]
    Missing(&'static str),
    #[error("no Name, Identity or PSComputerName: the server is unknown")]
    UnknownServer,
    #[error("{property} `{value}` is not {expected}")]
    Invalid {
        property: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    #[error("{0} array holds values that are not bytes")]
    NotBytes(&'static str),
    #[error("web binding without `{0}`")]
    WebBindingWithout(&'static str),
    #[error("ItemXPath `{0}` names no site")]
    NoSite(String),
}

/// Reads a CliXML export. Objects that cannot be used are listed as errors; the rest is kept.
pub fn read_clixml(text: &str, file: ExportFile<'_>) -> Result<Decoded, InputError> {
    let values = clixml::parse(text)?;
    let mut out = Decoded {
        kind: Some(InputKind::Clixml),
        ..Decoded::default()
    };
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    // A top-level `<Ref>` to an object already read is that object again: read once.
    let mut seen: HashSet<*const PsObject> = HashSet::new();
    let mut repeated = 0usize;
    for (i, value) in values.iter().enumerate() {
        if let PsValue::Unreadable(why) = value {
            out.errors.push(format!("object #{}: {why}", i + 1));
            continue;
        }
        let PsValue::Obj(obj) = value else { continue };
        if !seen.insert(std::rc::Rc::as_ptr(obj)) {
            repeated += 1;
            continue;
        }
        let label = || format!("object #{} ({})", i + 1, type_label(obj));
        match read_object(obj, file, &mut out) {
            Ok(read) => {
                if read.kinds.is_empty() {
                    *counts.entry("other").or_default() += 1;
                }
                for k in read.kinds {
                    *counts.entry(k).or_default() += 1;
                }
                if let Some(note) = read.note {
                    notes.push(format!("{}: {note}", label()));
                }
            }
            Err(e) => out.errors.push(format!("{}: {e}", label())),
        }
    }
    let mut parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let unknown_bindings = out.bindings.iter().filter(|(_, b)| b.services.is_none()).count();
    if unknown_bindings > 0 {
        parts.push(format!(
            "{unknown_bindings} certificate object(s) whose Exchange services are unknown (no readable SerializationData, or a store export)"
        ));
    }
    if repeated > 0 {
        parts.push(format!(
            "{repeated} repeated reference(s) to objects already read: each object is read once"
        ));
    }
    let more = notes.len().saturating_sub(super::MAX_LISTED);
    parts.extend(notes.into_iter().take(super::MAX_LISTED));
    if more > 0 {
        parts.push(format!("… and {more} more object note(s)"));
    }
    out.note = Some(parts.join("; "));
    Ok(out)
}

fn type_label(obj: &PsObject) -> String {
    obj.types.first().cloned().unwrap_or_else(|| "untyped".into())
}

/// Interprets one top-level object.
fn read_object(obj: &PsObject, file: ExportFile<'_>, out: &mut Decoded) -> Result<Read, ObjectError> {
    if let Some(read) = certificate::read(obj, file, out)? {
        return Ok(read);
    }
    if let Some(read) = organisation::read(obj, file.path, &mut out.organisation)? {
        return Ok(read);
    }
    if let Some(read) = transport::read(obj, file, &mut out.organisation)? {
        return Ok(read);
    }
    if let Some(read) = web_binding::read(obj, file, &mut out.organisation)? {
        return Ok(read);
    }
    Ok(Read::default())
}

/// The server an object names itself: `PSComputerName`, else `ServerName`/`Server`.
fn server_of(obj: &PsObject) -> Option<String> {
    ["PSComputerName", "ServerName", "Server"]
        .iter()
        .find_map(|f| obj.text(f))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A text property, trimmed, when not empty.
fn non_empty(obj: &PsObject, name: &str) -> Option<String> {
    obj.text(name).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A multi-valued property (`Bindings`, `PermissionGroups` …) as its items' texts. A flags
/// enum serialised as one text (`"Tls, Integrated, BasicAuth"`) is split at commas.
fn list(obj: &PsObject, name: &str) -> Vec<String> {
    let Some(value) = obj.get(name) else {
        return Vec::new();
    };
    let items = value.items();
    let texts: Vec<String> = items.iter().filter_map(|v| v.text()).collect();
    let single = matches!(value, PsValue::Obj(o) if !matches!(o.value.as_deref(), Some(PsValue::List(_))))
        || matches!(value, PsValue::Str(_) | PsValue::Text(_));
    if single {
        texts
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    } else {
        texts
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// A boolean property: `Some(true/false)` when present, None when absent or null.
fn boolean(obj: &PsObject, name: &str) -> Option<bool> {
    match obj.get(name)? {
        PsValue::Bool(b) => Some(*b),
        PsValue::Null => None,
        other => other.text().map(|t| t.trim().eq_ignore_ascii_case("true")),
    }
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
    use crate::inventory::Services;

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
