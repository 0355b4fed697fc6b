//! Hash helpers (ring).

use ring::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY, SHA256};

/// SHA-256 of `data` as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest(&SHA256, data).as_ref())
}

/// SHA-1 of `data` as uppercase hex: the thumbprint Exchange and Windows show.
pub fn thumbprint(data: &[u8]) -> String {
    hex::encode_upper(digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref())
}
