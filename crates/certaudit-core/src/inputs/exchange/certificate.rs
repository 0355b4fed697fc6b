//! `Get-ExchangeCertificate` objects and bare `X509Certificate2` objects.
//!
//! The certificate always comes from `RawData`. Its Exchange view (services, status,
//! self-signed, root CA type, and the `server\thumbprint` identity) comes from the MS-NRBF
//! `SerializationData`, bare or signed (`#sig#`, since the November 2023 Security Update). A
//! `SerializationData` that cannot be decoded for any reason never costs the certificate: it is
//! read from `RawData` with its services unknown, and the input's note says why.

use super::{server_of, ExportFile, ObjectError, Read};
use crate::inputs::clixml::{PsObject, PsValue};
use crate::inputs::nrbf::{self, Envelope};
use crate::inputs::Decoded;
use crate::inventory::{Binding, Services};

/// The server name used when an ExchangeCertificate object names none.
pub const UNKNOWN_SERVER: &str = "(unknown server)";

/// Reads a certificate object; None when `obj` is not one.
pub(super) fn read(obj: &PsObject, file: ExportFile<'_>, out: &mut Decoded) -> Result<Option<Read>, ObjectError> {
    let exchange = obj.is("ExchangeCertificate");
    if !exchange && !obj.is("X509Certificate2") {
        return Ok(None);
    }
    let der = match obj.get("RawData") {
        Some(PsValue::Bytes(b)) if !b.is_empty() => b.clone(),
        _ => return Err(ObjectError::Missing("RawData")),
    };
    let read = if exchange {
        let (binding, read) = exchange_binding(obj, file);
        out.bindings.push((out.certificates.len(), binding));
        read
    } else {
        store_certificate(obj, file, out)
    };
    out.certificates.push(der);
    Ok(Some(read))
}

/// The binding of an ExchangeCertificate object, with what its reading is worth telling.
fn exchange_binding(obj: &PsObject, file: ExportFile<'_>) -> (Binding, Read) {
    let mut binding = Binding {
        server: server_of(obj).unwrap_or_default(),
        services: None,
        status: None,
        self_signed: None,
        root_ca_type: None,
        source: file.path.to_string(),
    };
    let mut read = Read::kind("ExchangeCertificate");
    match obj.get("SerializationData") {
        Some(PsValue::Bytes(blob)) => match nrbf::parse_serialization_data(blob) {
            Ok((root, envelope)) => {
                if let Envelope::Signed { .. } = envelope {
                    read = read.also("signed SerializationData");
                }
                match root.as_object() {
                    Some(cert) => fill_from_serialization(&mut binding, cert),
                    None => read = read.noting(unreadable("its root is not an object")),
                }
            }
            Err(e) => read = read.noting(unreadable(&e.to_string())),
        },
        Some(PsValue::Null) | None => {
            // Some exports carry the values as plain properties (or none at all).
            binding.services = obj.text("Services").as_deref().and_then(Services::parse);
            binding.status = obj.text("Status");
            binding.self_signed = match obj.get("IsSelfSigned") {
                Some(PsValue::Bool(b)) => Some(*b),
                _ => None,
            };
        }
        Some(_) => read = read.noting(unreadable("it is not a byte array")),
    }
    if binding.server.is_empty() {
        binding.server = file.folder_server.unwrap_or(UNKNOWN_SERVER).to_string();
    }
    (binding, read)
}

fn unreadable(why: &str) -> String {
    format!("SerializationData could not be decoded ({why}): the certificate is read from RawData, its Exchange services are unknown")
}

/// Services, status, self-signed, root CA type and the identity's server from the decoded
/// `ExchangeCertificate` class.
fn fill_from_serialization(binding: &mut Binding, cert: &nrbf::Object) {
    binding.services = cert
        .get("Services")
        .and_then(nrbf::Value::as_int)
        .and_then(|v| u32::try_from(v).ok())
        .map(Services);
    binding.status = cert.get("Status").and_then(nrbf::Value::as_int).map(super::status_name);
    binding.self_signed = cert.get("SelfSigned").and_then(nrbf::Value::as_bool);
    binding.root_ca_type = cert
        .get("RootCAType")
        .and_then(nrbf::Value::as_int)
        .map(super::root_ca_name);
    if binding.server.is_empty() {
        if let Some((server, _)) = cert
            .get("Identity")
            .and_then(nrbf::Value::as_str)
            .and_then(|id| id.split_once('\\'))
        {
            binding.server = server.trim().to_string();
        }
    }
}

/// A bare `X509Certificate2` (e.g. `Get-ChildItem Cert:\LocalMachine\My | Export-Clixml`): a
/// certificate present on its server, whose Exchange services are unknown.
fn store_certificate(obj: &PsObject, file: ExportFile<'_>, out: &mut Decoded) -> Read {
    let read = Read::kind("X509Certificate2");
    let server = obj
        .text("PSComputerName")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| file.folder_server.map(str::to_string));
    match server {
        Some(server) => {
            out.bindings.push((
                out.certificates.len(),
                Binding {
                    server,
                    services: None,
                    status: None,
                    self_signed: None,
                    root_ca_type: None,
                    source: file.path.to_string(),
                },
            ));
            read
        }
        None => read.noting(
            "no PSComputerName and not in a per-server folder: the certificate is read, the server it is on is unknown",
        ),
    }
}
