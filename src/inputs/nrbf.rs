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

use std::collections::HashMap;
use std::rc::Rc;

/// Largest number of records read from one stream.
const MAX_RECORDS: usize = 100_000;
/// Deepest nesting of objects resolved from the root.
const MAX_DEPTH: usize = 64;
/// Most values (array elements and members) materialised while resolving one stream.
const MAX_VALUES: usize = 1_000_000;
/// Most bytes of strings and byte arrays materialised from one stream.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// A class's member names, shared by every object of the class.
type MemberNames = Rc<[Rc<str>]>;

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

/// How a member's value is encoded (MS-NRBF BinaryTypeEnum with its additional info).
#[derive(Debug, Clone)]
enum MemberType {
    Primitive(u8),
    String,
    Object,
    SystemClass,
    Class,
    ObjectArray,
    StringArray,
    PrimitiveArray,
}

#[derive(Debug, Clone)]
struct ClassMeta {
    name: Rc<str>,
    members: Rc<[Rc<str>]>,
    /// None for classes whose member types are not given (values are all records).
    types: Option<Vec<MemberType>>,
}

/// A value before references are resolved.
#[derive(Debug, Clone)]
enum Raw {
    Value(Value),
    Ref(i32),
    /// `count` nulls in an array.
    Nulls(usize),
    Object {
        class: Rc<str>,
        members: Vec<(Rc<str>, Raw)>,
    },
    Array(Vec<Raw>),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    records: usize,
    /// Records being read inside one another (inline objects and arrays).
    nesting: usize,
    metadata: HashMap<i32, ClassMeta>,
    objects: HashMap<i32, Raw>,
    root_id: Option<i32>,
    first_object: Option<Raw>,
}

/// Parses a whole stream and returns its root object with references resolved.
pub fn parse(data: &[u8]) -> Result<Value, NrbfError> {
    let mut r = Reader {
        data,
        pos: 0,
        records: 0,
        nesting: 0,
        metadata: HashMap::new(),
        objects: HashMap::new(),
        root_id: None,
        first_object: None,
    };
    loop {
        let start = r.pos;
        let record = r.u8()?;
        match record {
            11 => break, // MessageEnd
            0 => {
                let root = r.i32()?;
                let _header = r.i32()?;
                let (major, minor) = (r.i32()?, r.i32()?);
                if major != 1 || minor != 0 {
                    return Err(NrbfError::Invalid {
                        what: "stream version",
                        offset: start,
                    });
                }
                r.root_id = Some(root);
            }
            _ => {
                // A top-level record: referenceable objects register themselves.
                r.pos = start;
                let value = r.record()?;
                if r.first_object.is_none() && !matches!(value, Raw::Value(Value::Null) | Raw::Nulls(_)) {
                    r.first_object = Some(value);
                }
            }
        }
    }
    let mut resolver = Resolver {
        objects: &r.objects,
        done: HashMap::new(),
        in_progress: Vec::new(),
        values: MAX_VALUES,
        bytes: MAX_BYTES,
    };
    match r.root_id.filter(|id| r.objects.contains_key(id)) {
        Some(id) => resolver.reference(id, 0),
        None => {
            let first = r.first_object.take().ok_or(NrbfError::NoRoot)?;
            resolver.resolve(&first, 0)
        }
    }
}

/// Turns the records into values, each referenced object once (`done`), shared after that.
struct Resolver<'a> {
    objects: &'a HashMap<i32, Raw>,
    done: HashMap<i32, Value>,
    /// Objects being resolved: met again, they are a reference cycle.
    in_progress: Vec<i32>,
    /// What may still be materialised.
    values: usize,
    bytes: usize,
}

impl Resolver<'_> {
    fn count(&mut self, values: usize, bytes: usize) -> Result<(), NrbfError> {
        self.values = self.values.checked_sub(values).ok_or(NrbfError::TooManyValues)?;
        self.bytes = self.bytes.checked_sub(bytes).ok_or(NrbfError::TooManyBytes)?;
        Ok(())
    }

    fn reference(&mut self, id: i32, depth: usize) -> Result<Value, NrbfError> {
        if let Some(v) = self.done.get(&id) {
            return Ok(v.clone());
        }
        let Some(raw) = self.objects.get(&id) else {
            return Ok(Value::Null);
        };
        if self.in_progress.contains(&id) {
            return Err(NrbfError::TooDeep);
        }
        self.in_progress.push(id);
        let value = self.resolve(raw, depth + 1);
        self.in_progress.pop();
        let value = value?;
        self.done.insert(id, value.clone());
        Ok(value)
    }

    fn resolve(&mut self, raw: &Raw, depth: usize) -> Result<Value, NrbfError> {
        if depth > MAX_DEPTH {
            return Err(NrbfError::TooDeep);
        }
        self.count(1, 0)?;
        Ok(match raw {
            Raw::Value(v) => {
                let bytes = match v {
                    Value::String(s) => s.len(),
                    Value::Bytes(b) => b.len(),
                    _ => 0,
                };
                self.count(0, bytes)?;
                v.clone()
            }
            Raw::Nulls(_) => Value::Null,
            Raw::Ref(id) => self.reference(*id, depth)?,
            Raw::Object { class, members } => {
                let mut resolved = Vec::with_capacity(members.len());
                for (n, v) in members {
                    resolved.push((n.clone(), self.resolve(v, depth + 1)?));
                }
                Value::Object(Rc::new(Object {
                    class: class.clone(),
                    members: resolved,
                }))
            }
            Raw::Array(items) => {
                let mut out = Vec::with_capacity(items.len().min(4096));
                for item in items {
                    match item {
                        Raw::Nulls(n) => {
                            self.count(*n, 0)?;
                            out.extend(std::iter::repeat_n(Value::Null, *n));
                        }
                        other => out.push(self.resolve(other, depth + 1)?),
                    }
                }
                Value::Array(out.into())
            }
        })
    }
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], NrbfError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or(NrbfError::Truncated(self.pos))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, NrbfError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], NrbfError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn i32(&mut self) -> Result<i32, NrbfError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// A non-negative count that cannot exceed what is left in the stream.
    fn count(&mut self, what: &'static str, min_bytes_each: usize) -> Result<usize, NrbfError> {
        let offset = self.pos;
        let n = usize::try_from(self.i32()?).map_err(|_| NrbfError::Invalid { what, offset })?;
        if n.saturating_mul(min_bytes_each) > self.data.len() - self.pos {
            return Err(NrbfError::Invalid { what, offset });
        }
        Ok(n)
    }

    /// LengthPrefixedString: 7-bit encoded length (at most 5 bytes), then UTF-8.
    fn string(&mut self) -> Result<String, NrbfError> {
        let offset = self.pos;
        let mut len: u64 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            len |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                let len = usize::try_from(len).map_err(|_| NrbfError::Invalid {
                    what: "string length",
                    offset,
                })?;
                let bytes = self.take(len)?;
                return String::from_utf8(bytes.to_vec()).map_err(|_| NrbfError::Invalid {
                    what: "UTF-8 string",
                    offset,
                });
            }
        }
        Err(NrbfError::Invalid {
            what: "string length",
            offset,
        })
    }

    fn primitive(&mut self, kind: u8) -> Result<Value, NrbfError> {
        let offset = self.pos;
        Ok(match kind {
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::UInt(u64::from(self.u8()?)),
            3 => {
                // Char: one UTF-8 encoded character.
                let first = self.u8()?;
                let len = match first {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf7 => 4,
                    _ => return Err(NrbfError::Invalid { what: "char", offset }),
                };
                let mut buf = vec![first];
                buf.extend_from_slice(self.take(len - 1)?);
                let c = std::str::from_utf8(&buf)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .ok_or(NrbfError::Invalid { what: "char", offset })?;
                Value::Char(c)
            }
            5 => Value::String(self.string()?.into()), // Decimal, as text
            6 => Value::Float(f64::from_le_bytes(self.array()?)),
            7 => Value::Int(i64::from(i16::from_le_bytes(self.array()?))),
            8 => Value::Int(i64::from(self.i32()?)),
            9 => Value::Int(i64::from_le_bytes(self.array()?)),
            10 => Value::Int(i64::from(self.u8()? as i8)),
            11 => Value::Float(f64::from(f32::from_le_bytes(self.array()?))),
            12 => Value::Int(i64::from_le_bytes(self.array()?)), // TimeSpan ticks
            13 => Value::DateTime(u64::from_le_bytes(self.array()?)),
            14 => Value::UInt(u64::from(u16::from_le_bytes(self.array()?))),
            15 => Value::UInt(u64::from(u32::from_le_bytes(self.array()?))),
            16 => Value::UInt(u64::from_le_bytes(self.array()?)),
            17 => Value::Null,
            18 => Value::String(self.string()?.into()),
            other => {
                return Err(NrbfError::Unsupported {
                    what: "primitive type",
                    value: other,
                    offset,
                })
            }
        })
    }

    /// A record's ClassInfo: object id, class name and member names.
    fn class_info(&mut self) -> Result<(i32, Rc<str>, MemberNames), NrbfError> {
        let id = self.i32()?;
        let name: Rc<str> = self.string()?.into();
        let n = self.count("member count", 1)?;
        let members = (0..n)
            .map(|_| self.string().map(Rc::from))
            .collect::<Result<Vec<Rc<str>>, _>>()?;
        Ok((id, name, members.into()))
    }

    fn member_types(&mut self, n: usize) -> Result<Vec<MemberType>, NrbfError> {
        let kinds = self.take(n)?.to_vec();
        kinds
            .into_iter()
            .map(|k| {
                let offset = self.pos;
                Ok(match k {
                    0 => MemberType::Primitive(self.u8()?),
                    1 => MemberType::String,
                    2 => MemberType::Object,
                    3 => {
                        self.string()?;
                        MemberType::SystemClass
                    }
                    4 => {
                        self.string()?;
                        self.i32()?;
                        MemberType::Class
                    }
                    5 => MemberType::ObjectArray,
                    6 => MemberType::StringArray,
                    7 => {
                        self.u8()?; // element primitive type: the array record carries it too
                        MemberType::PrimitiveArray
                    }
                    other => {
                        return Err(NrbfError::Unsupported {
                            what: "member type",
                            value: other,
                            offset,
                        })
                    }
                })
            })
            .collect()
    }

    /// Reads the member values of a class instance and registers it under `id`.
    fn instance(&mut self, id: i32, meta: &ClassMeta) -> Result<Raw, NrbfError> {
        let mut members = Vec::with_capacity(meta.members.len());
        for (i, name) in meta.members.iter().enumerate() {
            let value = match meta.types.as_ref().and_then(|t| t.get(i)) {
                Some(MemberType::Primitive(kind)) => Raw::Value(self.primitive(*kind)?),
                _ => self.record()?,
            };
            members.push((name.clone(), value));
        }
        let raw = Raw::Object {
            class: meta.name.clone(),
            members,
        };
        self.objects.insert(id, raw);
        Ok(Raw::Ref(id))
    }

    /// Reads one record and returns it as a value or a reference to the object it defined.
    fn record(&mut self) -> Result<Raw, NrbfError> {
        if self.nesting >= MAX_DEPTH {
            return Err(NrbfError::TooDeep);
        }
        self.nesting += 1;
        let result = self.record_inner();
        self.nesting -= 1;
        result
    }

    fn record_inner(&mut self) -> Result<Raw, NrbfError> {
        self.records += 1;
        if self.records > MAX_RECORDS {
            return Err(NrbfError::TooManyRecords);
        }
        let offset = self.pos;
        let kind = self.u8()?;
        match kind {
            // ClassWithId: an instance of a class defined earlier.
            1 => {
                let id = self.i32()?;
                let meta_id = self.i32()?;
                let meta = self
                    .metadata
                    .get(&meta_id)
                    .cloned()
                    .ok_or(NrbfError::UnknownMetadata(meta_id))?;
                self.instance(id, &meta)
            }
            // SystemClassWithMembers / ClassWithMembers: no member types; values are records.
            2 | 3 => {
                let (id, name, members) = self.class_info()?;
                if kind == 2 {
                    self.i32()?; // library id
                }
                let meta = ClassMeta {
                    name,
                    members,
                    types: None,
                };
                self.metadata.insert(id, meta.clone());
                self.instance(id, &meta)
            }
            // SystemClassWithMembersAndTypes / ClassWithMembersAndTypes.
            4 | 5 => {
                let (id, name, members) = self.class_info()?;
                let types = self.member_types(members.len())?;
                if kind == 5 {
                    self.i32()?; // library id
                }
                let meta = ClassMeta {
                    name,
                    members,
                    types: Some(types),
                };
                self.metadata.insert(id, meta.clone());
                self.instance(id, &meta)
            }
            // BinaryObjectString
            6 => {
                let id = self.i32()?;
                let s = self.string()?;
                self.objects.insert(id, Raw::Value(Value::String(s.into())));
                Ok(Raw::Ref(id))
            }
            // BinaryArray
            7 => {
                let id = self.i32()?;
                let array_kind = self.u8()?;
                let rank = self.count("array rank", 4)?;
                if rank == 0 || rank > 8 {
                    return Err(NrbfError::Invalid {
                        what: "array rank",
                        offset,
                    });
                }
                let mut total: usize = 1;
                for _ in 0..rank {
                    let n = self.count("array length", 0)?;
                    total = total.checked_mul(n).ok_or(NrbfError::Invalid {
                        what: "array length",
                        offset,
                    })?;
                }
                if matches!(array_kind, 3..=5) {
                    for _ in 0..rank {
                        self.i32()?; // lower bounds
                    }
                }
                let element = self.member_types(1)?.remove(0);
                let items = self.elements(total, &element)?;
                self.objects.insert(id, items);
                Ok(Raw::Ref(id))
            }
            // MemberPrimitiveTyped
            8 => {
                let p = self.u8()?;
                Ok(Raw::Value(self.primitive(p)?))
            }
            // MemberReference
            9 => Ok(Raw::Ref(self.i32()?)),
            // ObjectNull
            10 => Ok(Raw::Nulls(1)),
            // BinaryLibrary: define and read on to the record it precedes.
            12 => {
                self.i32()?;
                self.string()?;
                self.record_inner()
            }
            // ObjectNullMultiple256 / ObjectNullMultiple
            13 => Ok(Raw::Nulls(usize::from(self.u8()?))),
            14 => Ok(Raw::Nulls(self.count("null count", 0)?)),
            // ArraySinglePrimitive
            15 => {
                let id = self.i32()?;
                let n = self.count("array length", 1)?;
                let p = self.u8()?;
                let value = if p == 2 {
                    Raw::Value(Value::Bytes(self.take(n)?.into()))
                } else {
                    Raw::Array(
                        (0..n)
                            .map(|_| self.primitive(p).map(Raw::Value))
                            .collect::<Result<_, _>>()?,
                    )
                };
                self.objects.insert(id, value);
                Ok(Raw::Ref(id))
            }
            // ArraySingleObject / ArraySingleString
            16 | 17 => {
                let id = self.i32()?;
                let n = self.count("array length", 0)?;
                let items = self.elements(n, &MemberType::Object)?;
                self.objects.insert(id, items);
                Ok(Raw::Ref(id))
            }
            other => Err(NrbfError::UnknownRecord { record: other, offset }),
        }
    }

    /// Reads `n` array elements; nulls may stand for several elements.
    fn elements(&mut self, n: usize, element: &MemberType) -> Result<Raw, NrbfError> {
        let mut items = Vec::new();
        let mut filled = 0usize;
        while filled < n {
            let item = match element {
                MemberType::Primitive(p) => Raw::Value(self.primitive(*p)?),
                _ => self.record()?,
            };
            filled += match &item {
                Raw::Nulls(k) => (*k).max(1),
                _ => 1,
            };
            items.push(item);
        }
        if filled != n {
            return Err(NrbfError::Invalid {
                what: "null run past the array end",
                offset: self.pos,
            });
        }
        Ok(Raw::Array(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lps(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut n = s.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(s.as_bytes());
        out
    }

    /// Header, library 2, class Demo { Name: string, Count: Int32, Data: byte[] (ref 3) }, end.
    fn sample() -> Vec<u8> {
        let mut b = vec![0];
        for v in [1i32, -1, 1, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(12);
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend(lps("Lib"));
        b.push(5);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Demo"));
        b.extend_from_slice(&3i32.to_le_bytes());
        for m in ["Name", "Count", "Data"] {
            b.extend(lps(m));
        }
        b.extend_from_slice(&[1, 0, 7, 8, 2]); // String, Primitive Int32, PrimitiveArray Byte
        b.extend_from_slice(&2i32.to_le_bytes());
        b.push(6);
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend(lps("hello"));
        b.extend_from_slice(&42i32.to_le_bytes());
        b.push(9);
        b.extend_from_slice(&3i32.to_le_bytes());
        b.push(15);
        b.extend_from_slice(&3i32.to_le_bytes());
        b.extend_from_slice(&3i32.to_le_bytes());
        b.push(2);
        b.extend_from_slice(&[0xde, 0xad, 0xbf]);
        b.push(11);
        b
    }

    fn signed(stream: &[u8], declared: u32, signature: usize) -> Vec<u8> {
        let mut b = SIGNED_MAGIC.to_vec();
        b.extend_from_slice(&declared.to_le_bytes());
        b.extend_from_slice(stream);
        b.extend(std::iter::repeat_n(0xa5, signature));
        b
    }

    #[test]
    fn signed_payloads_are_unwrapped_and_their_length_checked() {
        let stream = sample();
        let n = stream.len() as u32;
        let (v, envelope) = parse_serialization_data(&signed(&stream, n, 32)).unwrap();
        assert_eq!(envelope, Envelope::Signed { signature_bytes: 32 });
        assert_eq!(v, parse(&stream).unwrap());
        assert_eq!(parse_serialization_data(&stream).unwrap().1, Envelope::Bare);
        assert_eq!(
            parse_serialization_data(&signed(&stream, n + 33, 32)),
            Err(NrbfError::SignedLengthBeyondBlob {
                declared: u64::from(n + 33),
                available: stream.len() + 32
            })
        );
        assert_eq!(
            parse_serialization_data(&signed(&stream, u32::MAX, 0)).unwrap_err(),
            NrbfError::SignedLengthBeyondBlob {
                declared: u64::from(u32::MAX),
                available: stream.len()
            }
        );
        assert_eq!(
            parse_serialization_data(b"#sig#\x01\x00"),
            Err(NrbfError::SignedHeaderTruncated(7))
        );
        // A declared length shorter than the stream cuts it: the reader then reports where.
        assert!(matches!(
            parse_serialization_data(&signed(&stream, n - 10, 32)),
            Err(NrbfError::Truncated(_))
        ));
    }

    #[test]
    fn reads_members_strings_and_forward_references() {
        let v = parse(&sample()).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(&*o.class, "Demo");
        assert_eq!(o.get("Name").and_then(Value::as_str), Some("hello"));
        assert_eq!(o.get("Count").and_then(Value::as_int), Some(42));
        assert_eq!(o.get("Data"), Some(&Value::Bytes(vec![0xde, 0xad, 0xbf].into())));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = sample();
        for len in 0..full.len() - 1 {
            assert!(parse(&full[..len]).is_err(), "prefix of {len} bytes parsed");
        }
    }

    #[test]
    fn every_single_byte_corruption_is_handled() {
        let full = sample();
        for i in 0..full.len() {
            for x in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
                let mut b = full.clone();
                b[i] = x;
                let _ = parse(&b); // must return, not panic or hang
            }
        }
    }

    #[test]
    fn lengths_past_the_end_and_unknown_records_are_rejected() {
        let mut b = sample();
        let at = b.len() - 5; // the byte array's length field area
        b[at - 4..at].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(parse(&b).is_err());
        let mut b = sample();
        let end = b.len() - 1;
        b[end] = 99;
        assert!(matches!(
            parse(&b),
            Err(NrbfError::UnknownRecord { record: 99, .. }) | Err(NrbfError::Truncated(_))
        ));
    }

    #[test]
    fn deeply_nested_inline_objects_are_refused() {
        // class Box { Inner: object } nested 10,000 times inline.
        let mut b = vec![0];
        for v in [1i32, -1, 1, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(4);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Box"));
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Inner"));
        b.push(2);
        for i in 2..10_000i32 {
            b.push(1);
            b.extend_from_slice(&i.to_le_bytes());
            b.extend_from_slice(&1i32.to_le_bytes());
        }
        b.push(10);
        b.push(11);
        assert_eq!(parse(&b), Err(NrbfError::TooDeep));
    }

    /// class Many { m0 … m9999: object } whose members all refer to one 1 MiB byte array:
    /// copied per reference this is 10 GiB; shared, it is 1 MiB.
    #[test]
    fn references_share_the_value_they_point_at() {
        let mut b = vec![0];
        for v in [1i32, -1, 1, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let members = 10_000;
        b.push(4);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Many"));
        b.extend_from_slice(&(members as i32).to_le_bytes());
        for i in 0..members {
            b.extend(lps(&format!("m{i}")));
        }
        b.extend(std::iter::repeat_n(2u8, members)); // every member: object
        for _ in 0..members {
            b.push(9);
            b.extend_from_slice(&2i32.to_le_bytes());
        }
        b.push(15);
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend_from_slice(&(1i32 << 20).to_le_bytes());
        b.push(2);
        b.extend(std::iter::repeat_n(0x41, 1 << 20));
        b.push(11);
        let v = parse(&b).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.members.len(), members);
        let Some(Value::Bytes(first)) = o.get("m0") else {
            panic!()
        };
        let Some(Value::Bytes(last)) = o.get("m9999") else {
            panic!()
        };
        assert_eq!(first.len(), 1 << 20);
        assert!(Rc::ptr_eq(first, last), "one shared array, not a copy per reference");
    }

    #[test]
    fn reference_cycles_stop_at_the_depth_limit() {
        // class Node { Next: object } whose Next refers to itself.
        let mut b = vec![0];
        for v in [1i32, -1, 1, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(4);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Node"));
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend(lps("Next"));
        b.push(2);
        b.push(9);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.push(11);
        assert_eq!(parse(&b), Err(NrbfError::TooDeep));
    }
}
