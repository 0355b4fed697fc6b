//! MS-NRBF records: the stream header, class records with their member types, objects,
//! strings, arrays and references, read into [`Raw`] values whose references are still ids.
//! Every read is bounds-checked; record counts and nesting are limited.

use std::collections::HashMap;
use std::rc::Rc;

use super::{MemberNames, NrbfError, Value, MAX_DEPTH, MAX_RECORDS};

/// The records of one stream: the referenceable objects by id, and the root.
pub(super) struct Records {
    pub(super) objects: HashMap<i32, Raw>,
    /// The header's root id.
    pub(super) root_id: Option<i32>,
    /// The first top-level object: the root when the header names none that exists.
    pub(super) first_object: Option<Raw>,
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
pub(super) enum Raw {
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

/// Reads every record of a stream, up to MessageEnd.
pub(super) fn read(data: &[u8]) -> Result<Records, NrbfError> {
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
    Ok(Records {
        objects: r.objects,
        root_id: r.root_id,
        first_object: r.first_object,
    })
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
