//! `Get-ExchangeCertificate | ConvertTo-Json`: one object or an array. `RawData` is base64
//! or an array of byte values; `Services` a flags number or the text form
//! (`"IMAP, POP, IIS, SMTP"`); `Status` a number or its name.

use base64::Engine;
use serde_json::Value;

use super::exchange::{ExportFile, ObjectError};
use super::{Decoded, InputError};
use crate::inventory::{Binding, InputKind, Services};

/// True when the text looks like a JSON document (object or array).
pub fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches('\u{feff}').trim_start().chars().next(),
        Some('{' | '[')
    )
}

/// Reads the certificates and their bindings. Objects without RawData are listed as errors.
pub fn read_json(text: &str, file: ExportFile<'_>) -> Result<Decoded, InputError> {
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))?;
    let objects: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![&value],
        _ => return Err(InputError::JsonShape("expected an object or an array of objects")),
    };
    let mut out = Decoded {
        kind: Some(InputKind::ExchangeJson),
        ..Decoded::default()
    };
    // The same RawData (one certificate on many servers) is decoded once.
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, obj) in objects.iter().enumerate() {
        if let Some(at) = obj.get("RawData").and_then(Value::as_str).and_then(|r| first_of.get(r)) {
            match binding(obj, file) {
                Ok(binding) => out.bindings.push((*at, binding)),
                Err(e) => out.errors.push(format!("object #{}: {e}", i + 1)),
            }
            continue;
        }
        match certificate(obj, file) {
            Ok((der, binding)) => {
                if let Some(raw) = obj.get("RawData").and_then(Value::as_str) {
                    first_of.insert(raw, out.certificates.len());
                }
                out.bindings.push((out.certificates.len(), binding));
                out.certificates.push(der);
            }
            Err(e) => out.errors.push(format!("object #{}: {e}", i + 1)),
        }
    }
    if out.certificates.is_empty() && out.errors.is_empty() {
        return Err(InputError::JsonShape("no certificate objects"));
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        // PowerShell sometimes serialises an enum or an object as { "value": …, "Value": … }.
        Value::Object(m) => text(m.get("Value").or_else(|| m.get("value"))),
        _ => None,
    }
}

fn certificate(obj: &Value, file: ExportFile<'_>) -> Result<(Vec<u8>, Binding), ObjectError> {
    let der = match obj.get("RawData") {
        Some(Value::String(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| ObjectError::Base64("RawData"))?,
        Some(Value::Array(bytes)) => bytes
            .iter()
            .map(|b| b.as_u64().and_then(|n| u8::try_from(n).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or(ObjectError::NotBytes("RawData"))?,
        _ => return Err(ObjectError::Missing("RawData")),
    };
    Ok((der, binding(obj, file)?))
}

/// The binding an object describes (server, services, status).
fn binding(obj: &Value, file: ExportFile<'_>) -> Result<Binding, ObjectError> {
    let identity_server = text(obj.get("Identity")).and_then(|id| id.split_once('\\').map(|(s, _)| s.to_string()));
    let server = text(obj.get("PSComputerName"))
        .or_else(|| text(obj.get("ServerName")))
        .or(identity_server)
        .or_else(|| file.folder_server.map(str::to_string))
        .unwrap_or_else(|| super::exchange::UNKNOWN_SERVER.into());
    let services = match text(obj.get("Services")) {
        Some(t) => Some(Services::parse(&t).ok_or_else(|| ObjectError::Invalid {
            property: "Services",
            value: t.clone(),
            expected: "a flags number or service list",
        })?),
        None => None,
    };
    let status = text(obj.get("Status")).map(|s| match s.parse::<i64>() {
        Ok(n) => super::exchange::status_name(n),
        Err(_) => s,
    });
    let root_ca_type = text(obj.get("RootCAType")).map(|s| match s.parse::<i64>() {
        Ok(n) => super::exchange::root_ca_name(n),
        Err(_) => s,
    });
    Ok(Binding {
        server,
        services,
        status,
        self_signed: obj.get("IsSelfSigned").and_then(Value::as_bool),
        root_ca_type,
        source: file.path.to_string(),
    })
}
