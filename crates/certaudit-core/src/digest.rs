//! Hash helpers (ring).

use ring::digest::{digest, SHA256};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, data).as_ref());
    out
}

/// SHA-256 of `data` as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest(&SHA256, data).as_ref())
}

/// SHA-1 of `data` as uppercase hex: the thumbprint Exchange and Windows show. (The sha1
/// crate, which uses the CPU's SHA instructions where there are any: ring's SHA-1 does not.)
pub fn thumbprint(data: &[u8]) -> String {
    use sha1::Digest;
    hex::encode_upper(sha1::Sha1::digest(data))
}

/// A SHA-256 given as lowercase hex, as 32 bytes (None when it is not 64 hex digits).
pub fn sha256_bytes(hex_digest: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_digest, &mut out).ok()?;
    Some(out)
}
