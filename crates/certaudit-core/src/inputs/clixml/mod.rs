//! PowerShell CliXML (`Export-Clixml`) as Windows PowerShell 5.1 and PowerShell 7 write it:
//! UTF-16LE or UTF-8, with or without a byte-order mark, CRLF. The document is read into
//! generic [`PsObject`]s, recognised later by their type names, never by file names.
//!
//! XML with a DOCTYPE (and so any entity declaration) is refused, nothing is expanded beyond
//! the five predefined entities and character references, nesting depth and object count are
//! limited, and `SecureString` values are never decoded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;
/// Most objects in one document.
const MAX_OBJECTS: usize = 2_000_000;
/// Most type names in one `<TN>` list (PowerShell writes an object's class chain: a handful).
const MAX_TYPE_NAMES: usize = 64;

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ClixmlError {
    #[error("text encoding: {0}")]
    Encoding(String),
    #[error("XML with a DOCTYPE is refused (entity declarations are never expanded)")]
    Doctype,
    #[error("malformed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("more than {MAX_OBJECTS} objects")]
    TooManyObjects,
    #[error("a type-name list of more than {MAX_TYPE_NAMES} names")]
    TooManyTypeNames,
    #[error("not a CliXML document (the root element is <{0}>, not <Objs>)")]
    NotClixml(String),
    #[error("bad base64 in <BA N=\"{name}\">")]
    Base64 { name: String },
}

/// A value in a CliXML document.
#[derive(Debug, Clone, PartialEq)]
pub enum PsValue {
    Null,
    Str(String),
    Int(i64),
    Bool(bool),
    Bytes(Vec<u8>),
    /// Other primitives (dates, GUIDs, URIs, versions, doubles …) as their text.
    Text(String),
    Obj(Rc<PsObject>),
    List(Vec<PsValue>),
    /// A top-level object that could not be read (too deep, bad base64 …), with why: the
    /// others are still read.
    Unreadable(String),
}

/// A deserialised PowerShell object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PsObject {
    /// Type names, most derived first, without the `Deserialized.` prefix; shared by every
    /// object that names the same `<TN>` through `<TNRef>`.
    pub types: Rc<[String]>,
    pub to_string: Option<String>,
    /// Adapted properties (`<Props>`) and extended members (`<MS>`), in document order.
    pub props: Vec<(String, PsValue)>,
    /// The object's own value when it wraps a primitive or a collection (enums, lists).
    pub value: Option<Box<PsValue>>,
}

impl PsObject {
    /// The property called `name`.
    pub fn get(&self, name: &str) -> Option<&PsValue> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// True when one of the type names ends with `.{short}` (or is `short`).
    pub fn is(&self, short: &str) -> bool {
        self.types
            .iter()
            .any(|t| t == short || t.strip_suffix(short).is_some_and(|p| p.ends_with('.')))
    }

    /// A property as text: a string, a primitive's text, or an object's `ToString`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(PsValue::text)
    }

    /// True when a property is the boolean true (`<B>true</B>`, or the text `True`).
    pub fn flag(&self, name: &str) -> bool {
        self.text(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl PsValue {
    /// The value as text, when it has one.
    pub fn text(&self) -> Option<String> {
        match self {
            PsValue::Str(s) | PsValue::Text(s) => Some(s.clone()),
            PsValue::Int(i) => Some(i.to_string()),
            PsValue::Bool(b) => Some(b.to_string()),
            PsValue::Obj(o) => o.to_string.clone().or_else(|| o.value.as_ref().and_then(|v| v.text())),
            _ => None,
        }
    }

    /// The value as a list of values (a list, an object wrapping a list, or one value).
    pub fn items(&self) -> Vec<&PsValue> {
        match self {
            PsValue::List(items) => items.iter().collect(),
            PsValue::Obj(o) => match o.value.as_deref() {
                Some(PsValue::List(items)) => items.iter().collect(),
                _ => vec![self],
            },
            PsValue::Null => Vec::new(),
            other => vec![other],
        }
    }
}

/// Decodes the bytes of a CliXML file to text, detecting UTF-8 and UTF-16 with or without BOM.
/// UTF-8 is borrowed, not copied.
pub fn decode_text<'a>(bytes: &'a [u8]) -> Result<Cow<'a, str>, ClixmlError> {
    let utf16 = |data: &[u8], little: bool| -> Result<Cow<'_, str>, ClixmlError> {
        if !data.len().is_multiple_of(2) {
            return Err(ClixmlError::Encoding("UTF-16 text with an odd number of bytes".into()));
        }
        let units: Vec<u16> = data
            .chunks_exact(2)
            .map(|c| {
                if little {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units)
            .map(Cow::Owned)
            .map_err(|_| ClixmlError::Encoding("invalid UTF-16".into()))
    };
    let utf8 = |data: &'a [u8]| -> Result<Cow<'a, str>, ClixmlError> {
        std::str::from_utf8(data)
            .map(Cow::Borrowed)
            .map_err(|_| ClixmlError::Encoding("invalid UTF-8".into()))
    };
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => utf8(rest),
        [0xff, 0xfe, rest @ ..] => utf16(rest, true),
        [0xfe, 0xff, rest @ ..] => utf16(rest, false),
        // No BOM: '<' followed or preceded by a zero byte is UTF-16.
        [b'<', 0, ..] => utf16(bytes, true),
        [0, b'<', ..] => utf16(bytes, false),
        _ => utf8(bytes),
    }
}

/// True when the text is an XML document whose root element is `<Objs` (after any prolog).
pub fn looks_like_clixml(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let t = match t.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r.trim_start()).unwrap_or(""),
        None => t,
    };
    t.starts_with("<Objs")
}

/// Decodes CliXML escapes such as `_x000D__x000A_` (surrogate pairs included).
pub fn unescape_clixml(s: &str) -> String {
    if !s.contains("_x") {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes
            .get(i..i + 7)
            .filter(|w| w[0] == b'_' && w[1] == b'x' && w[6] == b'_');
        if let Some(hex) = escape
            .and_then(|w| std::str::from_utf8(&w[2..6]).ok())
            .and_then(|h| u16::from_str_radix(h, 16).ok())
        {
            units.push(hex);
            i += 7;
            continue;
        }
        // Copy one UTF-8 character as UTF-16 units.
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        let mut buf = [0u16; 2];
        units.extend_from_slice(ch.encode_utf16(&mut buf));
        i += ch.len_utf8();
    }
    String::from_utf16_lossy(&units)
}

/// Parses a CliXML document into its top-level objects.
pub fn parse(text: &str) -> Result<Vec<PsValue>, ClixmlError> {
    let mut p = Parser {
        level: 0,
        reader: Reader::from_str(text),
        type_names: HashMap::new(),
        objects: HashMap::new(),
        count: 0,
    };
    p.reader.config_mut().trim_text(false);
    // Find the root element.
    loop {
        match p.next()? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if name != "Objs" {
                    return Err(ClixmlError::NotClixml(name));
                }
                return p.top_level();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                return if name == "Objs" {
                    Ok(Vec::new())
                } else {
                    Err(ClixmlError::NotClixml(name))
                };
            }
            Event::Eof => return Err(ClixmlError::NotClixml("(none)".into())),
            _ => {}
        }
    }
}

struct Parser<'a> {
    /// Elements open at the reader's position (1 inside `<Objs>`).
    level: usize,
    reader: Reader<&'a [u8]>,
    /// `<TN RefId>` → type names, for `<TNRef>` (shared, never copied).
    type_names: HashMap<String, Rc<[String]>>,
    /// `<Obj RefId>` → object, for `<Ref>`.
    objects: HashMap<String, Rc<PsObject>>,
    count: usize,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

impl Parser<'_> {
    fn next(&mut self) -> Result<Event<'static>, ClixmlError> {
        let position = self.reader.buffer_position();
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(ClixmlError::Doctype),
            Ok(e) => {
                match &e {
                    Event::Start(_) => self.level += 1,
                    Event::End(_) => self.level = self.level.saturating_sub(1),
                    _ => {}
                }
                Ok(e.into_owned())
            }
            Err(e) => Err(ClixmlError::Xml {
                position,
                message: e.to_string(),
            }),
        }
    }

    fn xml_error(&self, message: impl Into<String>) -> ClixmlError {
        ClixmlError::Xml {
            position: self.reader.buffer_position(),
            message: message.into(),
        }
    }

    /// Text content up to the end of the current element (which must hold only text).
    fn text(&mut self, end: &[u8]) -> Result<String, ClixmlError> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Event::Text(t) => out.push_str(&t.unescape().map_err(|e| self.xml_error(e.to_string()))?),
                Event::CData(c) => out.push_str(&String::from_utf8_lossy(&c)),
                Event::End(e) if e.name().as_ref() == end => return Ok(out),
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.xml_error("unexpected element inside a text value"))
                }
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                _ => {}
            }
        }
    }

    /// Skips everything up to the end of the current element.
    fn skip(&mut self, end: &[u8], depth: usize) -> Result<(), ClixmlError> {
        let mut level = 0usize;
        loop {
            match self.next()? {
                Event::Start(_) => {
                    level += 1;
                    if depth + level > MAX_DEPTH {
                        return Err(ClixmlError::TooDeep);
                    }
                }
                Event::End(e) => {
                    if level == 0 {
                        return if e.name().as_ref() == end {
                            Ok(())
                        } else {
                            Err(self.xml_error("mismatched end tag"))
                        };
                    }
                    level -= 1;
                }
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                _ => {}
            }
        }
    }

    /// The top-level values of `<Objs>`. An object that hits a limit (nesting, type names,
    /// bad base64) becomes [`PsValue::Unreadable`] and reading goes on with the next one;
    /// past [`MAX_OBJECTS`] the rest of the document is not read, and the last value says so.
    fn top_level(&mut self) -> Result<Vec<PsValue>, ClixmlError> {
        let mut out = Vec::new();
        loop {
            let (e, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) if e.name().as_ref() == b"Objs" => return Ok(out),
                Event::End(_) => return Err(self.xml_error("mismatched end tag")),
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                _ => continue,
            };
            match self.value(&e, empty, 2) {
                Ok(v) => out.push(v),
                Err(ClixmlError::TooManyObjects) => {
                    out.push(PsValue::Unreadable(format!(
                        "more than {MAX_OBJECTS} objects: the rest of the document is not read"
                    )));
                    return Ok(out);
                }
                Err(err @ (ClixmlError::TooDeep | ClixmlError::TooManyTypeNames | ClixmlError::Base64 { .. })) => {
                    // Skip what is left of this object, back to the level of `<Objs>`.
                    while self.level > 1 {
                        // A document that ends inside the object: the limit is the news.
                        if matches!(self.next(), Ok(Event::Eof) | Err(_)) {
                            return Err(err);
                        }
                    }
                    out.push(PsValue::Unreadable(err.to_string()));
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// Reads the named values inside an element until its end tag.
    fn children(&mut self, end: &[u8], depth: usize) -> Result<Vec<(Option<String>, PsValue)>, ClixmlError> {
        if depth > MAX_DEPTH {
            return Err(ClixmlError::TooDeep);
        }
        let mut out = Vec::new();
        loop {
            match self.next()? {
                Event::Start(e) => {
                    let name = attr(&e, "N").map(|n| unescape_clixml(&n));
                    let value = self.value(&e, false, depth + 1)?;
                    out.push((name, value));
                }
                Event::Empty(e) => {
                    let name = attr(&e, "N").map(|n| unescape_clixml(&n));
                    let value = self.value(&e, true, depth + 1)?;
                    out.push((name, value));
                }
                Event::End(e) if e.name().as_ref() == end => return Ok(out),
                Event::End(_) => return Err(self.xml_error("mismatched end tag")),
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                _ => {}
            }
        }
    }

    /// Reads one value element (its start tag already consumed).
    fn value(&mut self, e: &BytesStart<'_>, empty: bool, depth: usize) -> Result<PsValue, ClixmlError> {
        if depth > MAX_DEPTH {
            return Err(ClixmlError::TooDeep);
        }
        let tag = e.name().as_ref().to_vec();
        if empty {
            return Ok(match tag.as_slice() {
                b"Ref" => match attr(e, "RefId").and_then(|id| self.objects.get(&id).cloned()) {
                    Some(o) => PsValue::Obj(o),
                    None => PsValue::Null,
                },
                b"S" => PsValue::Str(String::new()),
                b"BA" => PsValue::Bytes(Vec::new()),
                _ => PsValue::Null,
            });
        }
        let value = match tag.as_slice() {
            b"Obj" => PsValue::Obj(self.object(e, depth)?),
            b"S" | b"T" | b"XD" | b"SBK" => PsValue::Str(unescape_clixml(&self.text(&tag)?)),
            b"I32" | b"I64" | b"I16" | b"SB" | b"U8" | b"U16" | b"U32" | b"U64" | b"By" => {
                let t = self.text(&tag)?;
                match t.trim().parse::<i64>() {
                    Ok(i) => PsValue::Int(i),
                    Err(_) => PsValue::Text(t),
                }
            }
            b"B" => PsValue::Bool(self.text(&tag)?.trim().eq_ignore_ascii_case("true")),
            b"BA" => {
                let name = attr(e, "N").unwrap_or_default();
                let t = self.text(&tag)?;
                let clean: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                PsValue::Bytes(
                    base64::engine::general_purpose::STANDARD
                        .decode(clean.as_bytes())
                        .map_err(|_| ClixmlError::Base64 { name })?,
                )
            }
            b"SS" => {
                // A SecureString: never decoded.
                self.skip(&tag, depth)?;
                PsValue::Null
            }
            b"LST" | b"IE" | b"STK" | b"QUE" => {
                PsValue::List(self.children(&tag, depth)?.into_iter().map(|(_, v)| v).collect())
            }
            b"DCT" => {
                // <En><Key/><Value/></En> entries, kept as a list of two-item lists.
                let entries = self.children(&tag, depth)?;
                PsValue::List(entries.into_iter().map(|(_, v)| v).collect())
            }
            b"En" => PsValue::List(self.children(&tag, depth)?.into_iter().map(|(_, v)| v).collect()),
            b"Nil" => {
                self.skip(&tag, depth)?;
                PsValue::Null
            }
            b"DT" | b"TS" | b"G" | b"URI" | b"Version" | b"D" | b"Db" | b"Sg" | b"C" | b"PR" => {
                PsValue::Text(unescape_clixml(&self.text(&tag)?))
            }
            _ => {
                self.skip(&tag, depth)?;
                PsValue::Null
            }
        };
        Ok(value)
    }

    fn object(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<Rc<PsObject>, ClixmlError> {
        self.count += 1;
        if self.count > MAX_OBJECTS {
            return Err(ClixmlError::TooManyObjects);
        }
        let ref_id = attr(start, "RefId");
        let mut obj = PsObject::default();
        loop {
            match self.next()? {
                Event::Start(e) => match e.name().as_ref() {
                    b"TN" => {
                        let id = attr(&e, "RefId");
                        let mut names = Vec::new();
                        for (_, v) in self.children(b"TN", depth + 1)? {
                            if let PsValue::Str(t) = v {
                                names.push(t.strip_prefix("Deserialized.").map(str::to_string).unwrap_or(t));
                            }
                        }
                        if names.len() > MAX_TYPE_NAMES {
                            return Err(ClixmlError::TooManyTypeNames);
                        }
                        let names: Rc<[String]> = names.into();
                        if let Some(id) = id {
                            self.type_names.insert(id, names.clone());
                        }
                        obj.types = names;
                    }
                    b"ToString" => obj.to_string = Some(unescape_clixml(&self.text(b"ToString")?)),
                    b"Props" | b"MS" => {
                        let tag = e.name().as_ref().to_vec();
                        for (name, v) in self.children(&tag, depth + 1)? {
                            obj.props.push((name.unwrap_or_default(), v));
                        }
                    }
                    _ => {
                        let v = self.value(&e, false, depth + 1)?;
                        obj.value = Some(Box::new(v));
                    }
                },
                Event::Empty(e) => match e.name().as_ref() {
                    b"TNRef" => {
                        if let Some(names) = attr(&e, "RefId").and_then(|id| self.type_names.get(&id).cloned()) {
                            obj.types = names;
                        }
                    }
                    b"Props" | b"MS" => {}
                    _ => {
                        let v = self.value(&e, true, depth + 1)?;
                        obj.value = Some(Box::new(v));
                    }
                },
                Event::End(e) if e.name().as_ref() == b"Obj" => break,
                Event::End(_) => return Err(self.xml_error("mismatched end tag")),
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                _ => {}
            }
        }
        let obj = Rc::new(obj);
        if let Some(id) = ref_id {
            self.objects.insert(id, obj.clone());
        }
        Ok(obj)
    }
}

#[cfg(test)]
mod tests;
