//! A small, data-only reader for .NET Binary Format streams ([MS-NRBF]), as found in the
//! `SerializationData` of Exchange's `Export-Clixml` output.
//!
//! It reads the record types these blobs use (stream header, library, the class records,
//! object strings, member references, nulls, primitive/object/string arrays and binary arrays,
//! message end) into plain [`Value`]s. Nothing is ever instantiated or executed. Every read is
//! bounds-checked, record counts, lengths and nesting depth are limited, and malformed input
//! gives an [`NrbfError`], never a panic.
//!
//! References are resolved by sharing, never by copying: each object, array and string of the
//! stream is materialised once (behind an `Rc`), and every member reference to it shares that
//! one value, so a stream whose references all point at one large value costs that value
//! once. The limits count values and bytes materialised.
//!
//! [MS-NRBF]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nrbf/

use std::rc::Rc;

mod graph;
mod records;

/// Largest number of records read from one stream.
const MAX_RECORDS: usize = 100_000;
/// Deepest nesting of objects resolved from the root.
const MAX_DEPTH: usize = 64;
/// Most values (array elements and members) materialised while resolving one stream.
const MAX_VALUES: usize = 1_000_000;
/// Most bytes of strings and byte arrays materialised from one stream.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// A class's member names, shared by every object of the class.
pub(super) type MemberNames = Rc<[Rc<str>]>;

/// Why a stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NrbfError {
    #[error("stream ends early at byte {0}")]
    Truncated(usize),
    #[error("unknown record type {record} at byte {offset}")]
    UnknownRecord { record: u8, offset: usize },
    #[error("unsupported {what} {value} at byte {offset}")]
    Unsupported {
        what: &'static str,
        value: u8,
        offset: usize,
    },
    #[error("invalid {what} at byte {offset}")]
    Invalid { what: &'static str, offset: usize },
    #[error("class metadata {0} is referenced but was never defined")]
    UnknownMetadata(i32),
    #[error("more than {MAX_RECORDS} records")]
    TooManyRecords,
    #[error("objects nested deeper than {MAX_DEPTH} levels (or a reference cycle)")]
    TooDeep,
    #[error("more than {MAX_VALUES} values")]
    TooManyValues,
    #[error("more than {MAX_BYTES} bytes of strings and arrays")]
    TooManyBytes,
    #[error("no root object")]
    NoRoot,
    #[error("signed payload of {0} bytes ends inside its `#sig#` header (9 bytes)")]
    SignedHeaderTruncated(usize),
    #[error("signed payload declares {declared} bytes of MS-NRBF, but only {available} follow its header")]
    SignedLengthBeyondBlob { declared: u64, available: usize },
}

/// The ASCII bytes that start a signed serialization payload.
pub const SIGNED_MAGIC: &[u8] = b"#sig#";

/// How the MS-NRBF stream of a `SerializationData` blob was wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The bare stream, as exports before the November 2023 Security Update hold it.
    Bare,
    /// `#sig#`, a 32-bit little-endian length N, N bytes of MS-NRBF, then `signature_bytes`
    /// bytes of signature (never read: certaudit does not verify Exchange's signing key).
    Signed { signature_bytes: usize },
}

/// Finds the MS-NRBF stream inside a `SerializationData` blob: the bare stream, or the
/// payload of a signed one (its declared length checked against the blob).
pub fn unwrap_envelope(blob: &[u8]) -> Result<(&[u8], Envelope), NrbfError> {
    let Some(rest) = blob.strip_prefix(SIGNED_MAGIC) else {
        return Ok((blob, Envelope::Bare));
    };
    let Some((len, rest)) = rest.split_first_chunk::<4>() else {
        return Err(NrbfError::SignedHeaderTruncated(blob.len()));
    };
    let declared = u32::from_le_bytes(*len);
    match usize::try_from(declared).ok().filter(|n| *n <= rest.len()) {
        Some(n) => Ok((
            &rest[..n],
            Envelope::Signed {
                signature_bytes: rest.len() - n,
            },
        )),
        None => Err(NrbfError::SignedLengthBeyondBlob {
            declared: u64::from(declared),
            available: rest.len(),
        }),
    }
}

/// Parses a `SerializationData` blob, signed or bare, into its root value.
pub fn parse_serialization_data(blob: &[u8]) -> Result<(Value, Envelope), NrbfError> {
    let (stream, envelope) = unwrap_envelope(blob)?;
    Ok((parse(stream)?, envelope))
}

/// A value read from the stream, with references resolved. Cloning is cheap: strings,
/// arrays and objects are shared.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Char(char),
    String(Rc<str>),
    /// Ticks (100 ns since 0001-01-01) with the kind bits, as stored.
    DateTime(u64),
    /// A byte array (`Byte[]`).
    Bytes(Rc<[u8]>),
    Array(Rc<[Value]>),
    Object(Rc<Object>),
}

/// A class instance: its type name and members in declaration order.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub class: Rc<str>,
    pub members: Vec<(Rc<str>, Value)>,
}

impl Object {
    /// The member called `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }
}

impl Value {
    /// The integer of a number, or of an enum object's `value__`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            Value::Object(o) => o.get("value__").and_then(Value::as_int),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// Parses a whole stream and returns its root object with references resolved: the records
/// first (`records.rs`), then the object graph (`graph.rs`).
pub fn parse(data: &[u8]) -> Result<Value, NrbfError> {
    let records = records::read(data)?;
    graph::resolve(records)
}

#[cfg(test)]
mod tests;
