//! PKCS#12 (`.pfx`, `.p12`) as Windows and OpenSSL export them: modern (PBES2, AES-256,
//! SHA-256 MAC) and legacy (3DES or RC2, SHA-1 MAC). Only certificates are kept: key bags
//! are dropped as soon as the archive is decoded and never reach the inventory.

use p12_keystore::error::Error as P12Error;
use p12_keystore::Pkcs12Archive;

use super::{Decoded, InputError, Password};
use crate::inventory::InputKind;

/// Decodes a PFX, trying the empty password first and then `password`, if any.
pub fn decode(bytes: &[u8], password: Option<&Password>) -> Result<Decoded, InputError> {
    let mut tried = vec!["the empty password".to_string()];
    let mut result = open(bytes, "");
    if matches!(result, Err(InputError::Pkcs12Password { .. })) {
        if let Some(pw) = password {
            tried.push(format!("the password from {}", pw.origin));
            result = open(bytes, pw.expose());
        }
    }
    match result {
        Err(InputError::Pkcs12Password { .. }) => Err(InputError::Pkcs12Password {
            tried: tried.join(" and "),
        }),
        other => other,
    }
}

fn open(bytes: &[u8], password: &str) -> Result<Decoded, InputError> {
    let archive = Pkcs12Archive::from_pkcs12(bytes, password).map_err(classify)?;
    let keys = archive.keys.len();
    let certificates: Vec<Vec<u8>> = archive.certs.iter().map(|bag| bag.cert.as_der().to_vec()).collect();
    // The archive (and its decrypted keys) is dropped here.
    drop(archive);
    Ok(Decoded {
        kind: Some(InputKind::Pkcs12),
        certificates,
        note: (keys > 0).then(|| format!("{keys} private key(s) in the archive: not kept")),
        ..Decoded::default()
    })
}

fn classify(e: P12Error) -> InputError {
    match e {
        // A wrong password shows as a MAC mismatch, or (MAC-less files) as bad padding.
        P12Error::MacError(_) | P12Error::UnpadError => InputError::Pkcs12Password { tried: String::new() },
        other => InputError::Pkcs12(other.to_string()),
    }
}
