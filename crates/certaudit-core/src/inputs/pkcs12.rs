//! PKCS#12 (`.pfx`, `.p12`) as Windows and OpenSSL export them: modern (PBES2, AES-256,
//! SHA-256 MAC) and legacy (3DES or RC2, SHA-1 MAC). Only certificates are kept: key bags
//! are dropped as soon as the archive is decoded and never reach the inventory.
//!
//! **Work budget.** Before any key is derived, the file's key-derivation parameters (the MAC,
//! every encrypted safe, every shrouded key) are read and added up; a file that asks for more
//! than certaudit spends on one file is refused with an error naming the parameter, and the
//! rest of the run goes on. Windows writes PBES2 with a few thousand PBKDF2 iterations and
//! OpenSSL 3 writes 2,048; the limits are far above that:
//!
//! - at most [`MAX_ITERATIONS`] iterations for one derivation (PBKDF2, the PKCS#12 KDF of the
//!   MAC and of legacy encryption);
//! - at most [`MAX_TOTAL_ITERATIONS`] iterations for the whole file, per password tried;
//! - scrypt only up to [`MAX_SCRYPT_BYTES`] of memory (128·N·r) with p = 1, counted as
//!   N·r iterations;
//! - at most [`MAX_DERIVATIONS`] derivations per file.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{ContextSpecific, OctetString};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use p12_keystore::error::Error as P12Error;
use p12_keystore::Pkcs12Archive;
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::pfx::Pfx;
use pkcs12::safe_bag::SafeContents;
use spki::AlgorithmIdentifierOwned;

use super::{Decoded, InputError, Password};
use crate::inventory::InputKind;

/// Most iterations of one key derivation.
pub const MAX_ITERATIONS: u64 = 1_000_000;
/// Most iterations of all the derivations one file needs, per password tried.
pub const MAX_TOTAL_ITERATIONS: u64 = 2_000_000;
/// Most memory one scrypt derivation may need (128·N·r bytes).
pub const MAX_SCRYPT_BYTES: u64 = 64 * 1024 * 1024;
/// Most key derivations in one file.
pub const MAX_DERIVATIONS: usize = 1_000;
/// Deepest nesting of safe-contents bags.
const MAX_NESTING: usize = 8;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const SHROUDED_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const SECRET_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5");
const SAFE_CONTENTS_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");

/// Decodes a PFX, trying the empty password first and then `password`, if any.
pub fn decode(bytes: &[u8], password: Option<&Password>) -> Result<Decoded, InputError> {
    budget(bytes)?;
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
        other => InputError::Pkcs12(other),
    }
}

/// The key-derivation work a file asks for, added up.
#[derive(Debug, Default)]
struct Work {
    derivations: usize,
    iterations: u64,
}

impl Work {
    fn add(&mut self, what: &str, iterations: u64) -> Result<(), InputError> {
        if iterations > MAX_ITERATIONS {
            return Err(InputError::Pkcs12Budget(format!(
                "{what} asks for {iterations} key-derivation iterations, more than the {MAX_ITERATIONS} certaudit spends on one derivation"
            )));
        }
        self.derivations += 1;
        self.iterations += iterations;
        if self.derivations > MAX_DERIVATIONS {
            return Err(InputError::Pkcs12Budget(format!(
                "more than {MAX_DERIVATIONS} key derivations in one file"
            )));
        }
        if self.iterations > MAX_TOTAL_ITERATIONS {
            return Err(InputError::Pkcs12Budget(format!(
                "the file asks for more than {MAX_TOTAL_ITERATIONS} key-derivation iterations in all ({} derivations so far), more than certaudit spends on one file",
                self.derivations
            )));
        }
        Ok(())
    }

    /// The cost of decrypting with `alg` (PBES2 with PBKDF2 or scrypt, or a PKCS#12 PBE).
    fn add_algorithm(&mut self, what: &str, alg: &AlgorithmIdentifierOwned) -> Result<(), InputError> {
        let params = alg
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok())
            .unwrap_or_default();
        if alg.oid == PBES2 {
            let p = pkcs5::pbes2::Parameters::from_der(&params).map_err(|source| InputError::Pkcs12Parameters {
                what: what.to_string(),
                source,
            })?;
            return match &p.kdf {
                pkcs5::pbes2::Kdf::Pbkdf2(k) => self.add(&format!("{what} (PBKDF2)"), u64::from(k.iteration_count)),
                pkcs5::pbes2::Kdf::Scrypt(k) => {
                    let (n, r, par) = (k.cost_parameter, u64::from(k.block_size), u64::from(k.parallelization));
                    let memory = 128u64.saturating_mul(n).saturating_mul(r);
                    if memory > MAX_SCRYPT_BYTES || par > 1 {
                        return Err(InputError::Pkcs12Budget(format!(
                            "{what} uses scrypt with N={n}, r={r}, p={par}: {memory} bytes of memory and parallelism {par}, more than the {MAX_SCRYPT_BYTES} bytes and parallelism 1 certaudit allows"
                        )));
                    }
                    self.add(&format!("{what} (scrypt)"), n.saturating_mul(r))
                }
                #[allow(unreachable_patterns)]
                _ => self.add(what, MAX_ITERATIONS),
            };
        }
        // PKCS#12 PBE and PBES1: SEQUENCE { salt OCTET STRING, iterations INTEGER }.
        match PbeParams::from_der(&params) {
            Ok(p) => self.add(what, u64::try_from(p.iterations).unwrap_or(u64::MAX)),
            // Unknown parameters: p12-keystore refuses the algorithm; count nothing.
            Err(_) => Ok(()),
        }
    }
}

/// `pkcs-12PbeParams` / `PBEParameter`: a salt and an iteration count.
#[derive(der::Sequence)]
struct PbeParams {
    #[allow(dead_code)]
    salt: OctetString,
    iterations: i64,
}

/// Reads the file's key-derivation parameters and refuses it when they ask for more work
/// than the budget (see the module documentation). Structural errors are left to p12-keystore.
fn budget(bytes: &[u8]) -> Result<(), InputError> {
    let Ok(pfx) = Pfx::from_der(bytes) else {
        return Ok(());
    };
    let mut work = Work::default();
    if let Some(mac) = &pfx.mac_data {
        work.add("the MAC", u64::try_from(mac.iterations).unwrap_or(u64::MAX))?;
    }
    if pfx.auth_safe.content_type != ID_DATA {
        return Ok(());
    }
    let Ok(octets) = pfx.auth_safe.content.decode_as::<OctetString>() else {
        return Ok(());
    };
    let Ok(safes) = Vec::<ContentInfo>::from_der(octets.as_bytes()) else {
        return Ok(());
    };
    for (i, safe) in safes.iter().enumerate() {
        if safe.content_type == ID_ENCRYPTED_DATA {
            if let Ok(data) = safe.content.decode_as::<EncryptedData>() {
                work.add_algorithm(
                    &format!("encrypted safe #{}", i + 1),
                    &data.enc_content_info.content_enc_alg,
                )?;
            }
        } else if safe.content_type == ID_DATA {
            if let Ok(inner) = safe.content.decode_as::<OctetString>() {
                bags(inner.as_bytes(), &mut work, 0)?;
            }
        }
    }
    Ok(())
}

/// Adds the shrouded keys (and nested safe contents) of one SafeContents.
fn bags(der: &[u8], work: &mut Work, depth: usize) -> Result<(), InputError> {
    if depth > MAX_NESTING {
        return Err(InputError::Pkcs12Budget(format!(
            "safe contents nested deeper than {MAX_NESTING} levels"
        )));
    }
    let Ok(contents) = SafeContents::from_der(der) else {
        return Ok(());
    };
    for (i, bag) in contents.iter().enumerate() {
        if bag.bag_id == SHROUDED_KEY_BAG {
            if let Ok(key) = ContextSpecific::<EncryptedPrivateKeyInfo>::from_der(&bag.bag_value) {
                work.add_algorithm(&format!("shrouded key #{}", i + 1), &key.value.encryption_algorithm)?;
            }
        } else if bag.bag_id == SECRET_BAG {
            // A secret bag may hold an encrypted key whose parameters are not read here:
            // counted at the most one derivation may cost.
            work.add(&format!("secret bag #{}", i + 1), MAX_ITERATIONS)?;
        } else if bag.bag_id == SAFE_CONTENTS_BAG {
            if let Ok(inner) = ContextSpecific::<der::asn1::Any>::from_der(&bag.bag_value) {
                if let Ok(der) = inner.value.to_der() {
                    bags(&der, work, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}
