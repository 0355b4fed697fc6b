//! Collect: read certificate stores from files and folders into the [`Inventory`].
//!
//! One module per input format; this module walks folders, sniffs content and merges
//! the results in a stable order.

pub mod clixml;
pub mod exchange;
pub mod exchange_json;
pub mod nrbf;
pub mod pem_der;
pub mod pkcs12;
pub mod pkcs7;

use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::inventory::{Binding, Certificate, InputKind, InputRecord, Inventory, Organisation, Source, SourceKind};
use crate::x509::CertDetails;

/// Largest input file read (a bundle of 100,000 certificates is well below it).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Errors and notes listed in full per input; the rest are counted.
pub const MAX_LISTED: usize = 20;

/// Longest single error text kept (characters).
pub const MAX_ERROR_CHARS: usize = 500;

/// The errors of one input: the first [`MAX_LISTED`] in full (each at most
/// [`MAX_ERROR_CHARS`]), the others counted, so that a file with a million bad blocks makes
/// one short error, not a hundred megabytes of them.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    listed: Vec<String>,
    total: usize,
}

impl Errors {
    /// Records one error.
    pub fn push(&mut self, error: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED {
            let mut e: String = error.into();
            if e.chars().count() > MAX_ERROR_CHARS {
                e = e.chars().take(MAX_ERROR_CHARS).collect::<String>() + "…";
            }
            self.listed.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many errors were recorded.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Takes the only error out (for a file with exactly one).
    pub fn take_single(&mut self) -> Option<String> {
        (self.total == 1).then(|| {
            self.total = 0;
            self.listed.remove(0)
        })
    }

    /// The errors as one text: those listed, then how many more.
    pub fn summary(&self) -> Option<String> {
        if self.total == 0 {
            return None;
        }
        let mut text = self.listed.join("; ");
        if self.total > self.listed.len() {
            text.push_str(&format!("; … and {} more error(s)", self.total - self.listed.len()));
        }
        Some(text)
    }
}

/// File name endings that announce a certificate store.
pub const CERTIFICATE_EXTENSIONS: &[&str] = &["pem", "crt", "cer", "der", "p7b", "p7c", "pfx", "p12"];

/// A PKCS#12 password with the place it came from. Its value is never shown.
#[derive(Clone)]
pub struct Password {
    value: String,
    /// Where the password came from, e.g. `--pfx-password-env PFX_PASS`.
    pub origin: String,
}

impl Password {
    pub fn new(value: String, origin: String) -> Self {
        Self { value, origin }
    }
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Password(<redacted>, from {})", self.origin)
    }
}

/// How inputs are read.
#[derive(Debug, Default, Clone)]
pub struct ReadOptions {
    /// Tried after the empty password on every PKCS#12 file.
    pub pfx_password: Option<Password>,
}

/// The collect stage's options: what to read, how, and the organisation facts the command
/// line adds to those in the exports.
#[derive(Debug, Default, Clone)]
pub struct CollectOptions {
    /// Files and folders (`INPUT`).
    pub inputs: Vec<PathBuf>,
    pub read: ReadOptions,
    /// Accepted domains (`--domain`).
    pub domains: Vec<String>,
    /// Client namespaces (`--namespace`).
    pub namespaces: Vec<String>,
}

/// Reads every input into one inventory and adds the organisation facts of `options`.
pub fn collect_all(options: &CollectOptions) -> Inventory {
    let mut inventory = collect(&options.inputs, &options.read);
    for d in &options.domains {
        inventory.organisation.add_domain(d, "--domain");
    }
    for n in &options.namespaces {
        inventory.organisation.add_namespace(n, "--namespace");
    }
    inventory
}

/// Why an input (or one item in it) could not be read. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("content is neither PEM nor DER certificate data")]
    Unrecognised,
    #[error("malformed PEM: {0}")]
    Pem(String),
    #[error("PEM holds no CERTIFICATE or PKCS7 block")]
    NoCertificateBlock,
    #[error("malformed DER: {0}")]
    Der(String),
    #[error("malformed PKCS#7: {0}")]
    Pkcs7(#[source] der::Error),
    #[error("malformed PKCS#7: content type {0} is not signedData")]
    Pkcs7NotSignedData(String),
    #[error("PKCS#7 bundle holds no certificates")]
    Pkcs7Empty,
    #[error("PKCS#12 integrity check failed: wrong or missing password (tried {tried}); give the right one with --pfx-password-env VAR or --pfx-password-file FILE")]
    Pkcs12Password { tried: String },
    #[error("malformed or unsupported PKCS#12: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
    #[error("malformed PKCS#12: {what}: PBES2 parameters: {source}")]
    Pkcs12Parameters { what: String, source: der::Error },
    #[error("PKCS#12 refused before decryption: {0}")]
    Pkcs12Budget(String),
    #[error("unreadable CliXML: {0}")]
    Clixml(#[from] clixml::ClixmlError),
    #[error("unreadable JSON export: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unreadable JSON export: {0}")]
    JsonShape(&'static str),
}

/// Certificates decoded from one input, before they meet the inventory.
#[derive(Debug, Default)]
pub struct Decoded {
    pub kind: Option<InputKind>,
    /// DER of each certificate, in file order.
    pub certificates: Vec<Vec<u8>>,
    /// Something worth telling that is not an error (e.g. a private key was ignored).
    pub note: Option<String>,
    /// Parts of the input that could not be read while the rest could.
    pub errors: Errors,
    /// Exchange bindings, by index into `certificates`.
    pub bindings: Vec<(usize, Binding)>,
    /// Organisation facts found in an export.
    pub organisation: Organisation,
}

/// Reads every input (files and folders, recursively) into a new inventory.
///
/// Files are decoded in parallel and merged in path order, so the result is deterministic.
pub fn collect(inputs: &[PathBuf], options: &ReadOptions) -> Inventory {
    let mut inventory = Inventory::default();
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for input in inputs {
        expand(input, &mut files, &mut inventory.inputs);
    }
    let results: Vec<FileResult> = files
        .par_iter()
        .map(|(path, explicit)| read_one(path, *explicit, options))
        .collect();
    for result in results {
        for cert in result.certificates {
            inventory.add(cert);
        }
        inventory.organisation.merge(result.organisation);
        inventory.inputs.push(result.record);
    }
    for (source, note) in inventory.organisation.confirm_folder_servers() {
        if let Some(record) = inventory.inputs.iter_mut().find(|r| r.path == source) {
            record.note = Some(match record.note.take() {
                Some(n) => format!("{n}; {note}"),
                None => note,
            });
        }
    }
    inventory.drop_unknown_bindings_beside_known();
    inventory
}

/// The server a file belongs to by the collector's layout, `<root>/<SERVER>/Get-<Cmdlet>.xml`
/// (or `.json`): the folder of a file whose name starts with `Get-`, unless that folder is
/// `organization` (the collector's folder for organisation-wide exports). Objects that name
/// their server themselves (`PSComputerName`) are never overridden by it.
pub fn collector_server(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if !name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("get-")) || !has_export_extension(path) {
        return None;
    }
    let folder = path.parent()?.file_name()?.to_str()?.trim();
    if folder.is_empty() || folder.eq_ignore_ascii_case("organization") || folder.eq_ignore_ascii_case("organisation") {
        return None;
    }
    Some(folder.to_string())
}

/// Expands one command-line input into files, recording what cannot be walked.
fn expand(input: &Path, files: &mut Vec<(PathBuf, bool)>, records: &mut Vec<InputRecord>) {
    if !input.is_dir() {
        files.push((input.to_path_buf(), true));
        return;
    }
    // walkdir follows links and detects cycles: a loop is reported, never followed.
    for entry in walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => files.push((e.into_path(), false)),
            Ok(e) if e.file_type().is_dir() => {}
            // A FIFO, socket or device in the folder: never opened, but recorded.
            Ok(e) => records.push(InputRecord {
                path: e.path().display().to_string(),
                sha256: None,
                kind: InputKind::Unknown,
                certificates: 0,
                error: Some(
                    crate::files::read_bounded(e.path(), 0)
                        .err()
                        .map(|err| format!("cannot read: {err}"))
                        .unwrap_or_else(|| "not a regular file: not read".into()),
                ),
                note: None,
            }),
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| input.display().to_string());
                let (kind, error, note) = match err.loop_ancestor() {
                    Some(ancestor) => (
                        InputKind::Skipped,
                        None,
                        Some(format!(
                            "symbolic link loop back to {}: not followed",
                            ancestor.display()
                        )),
                    ),
                    None => (InputKind::Unknown, Some(format!("cannot read: {err}")), None),
                };
                records.push(InputRecord {
                    path,
                    sha256: None,
                    kind,
                    certificates: 0,
                    error,
                    note,
                });
            }
        }
    }
}

/// What one file contributed.
struct FileResult {
    record: InputRecord,
    certificates: Vec<Certificate>,
    organisation: Organisation,
}

/// Reads and decodes one file. `explicit` files were named on the command line: content
/// that is not a certificate store is then an error rather than a skipped file.
fn read_one(path: &Path, explicit: bool, options: &ReadOptions) -> FileResult {
    let mut result = FileResult {
        record: InputRecord {
            path: path.display().to_string(),
            sha256: None,
            kind: InputKind::Unknown,
            certificates: 0,
            error: None,
            note: None,
        },
        certificates: Vec::new(),
        organisation: Organisation::default(),
    };
    let record = &mut result.record;
    let bytes = match read_bounded(path) {
        Ok(b) => b,
        Err(e) => {
            record.error = Some(e.to_string());
            return result;
        }
    };
    record.sha256 = Some(crate::digest::sha256_hex(&bytes));
    let announced = has_certificate_extension(path) || has_export_extension(path);
    let folder_server = collector_server(path);
    let file = exchange::ExportFile {
        path: &record.path,
        folder_server: folder_server.as_deref(),
    };
    let decoded = match decode(&bytes, options, file) {
        Ok(d) => d,
        Err(InputError::Unrecognised) if !explicit && !announced => {
            record.kind = InputKind::Skipped;
            record.note = Some("not a certificate store or Exchange export".into());
            return result;
        }
        Err(e) => {
            record.error = Some(e.to_string());
            return result;
        }
    };
    record.kind = decoded.kind.unwrap_or(InputKind::Unknown);
    record.note = decoded.note;
    let source_kind = match record.kind {
        InputKind::Clixml | InputKind::ExchangeJson => SourceKind::Export,
        _ => SourceKind::File,
    };
    let mut errors = decoded.errors;
    // Bindings by certificate position, distributed once.
    let mut bindings: Vec<Vec<Binding>> = vec![Vec::new(); decoded.certificates.len()];
    for (at, binding) in decoded.bindings {
        if let Some(slot) = bindings.get_mut(at) {
            slot.push(binding);
        }
    }
    let multiple = decoded.certificates.len() > 1;
    // The same certificate many times in one file (one certificate bound on many servers, or
    // a flood of copies) is parsed once; its bindings gather on it, each once.
    let mut first_of: foldhash::HashMap<[u8; 32], usize> = foldhash::HashMap::default();
    let mut seen_bindings: foldhash::HashSet<(usize, Binding)> = foldhash::HashSet::default();
    let mut copies = 0usize;
    for (i, der) in decoded.certificates.into_iter().enumerate() {
        let slot = std::mem::take(&mut bindings[i]);
        let digest = crate::digest::sha256(&der);
        if let Some(&at) = first_of.get(&digest) {
            copies += 1;
            for b in slot {
                if seen_bindings.insert((at, b.clone())) {
                    result.certificates[at].bindings.push(b);
                }
            }
            continue;
        }
        let location = if multiple {
            format!("{}#{}", record.path, i + 1)
        } else {
            record.path.clone()
        };
        let source = Source {
            kind: source_kind,
            location,
        };
        match CertDetails::parse_deferred(&der) {
            Ok(details) => {
                let index = result.certificates.len();
                first_of.insert(digest, index);
                let mut cert = Certificate::with_digest(der, digest, details, source);
                for b in slot {
                    if seen_bindings.insert((index, b.clone())) {
                        cert.bindings.push(b);
                    }
                }
                result.certificates.push(cert);
            }
            Err(e) => errors.push(format!("certificate #{}: {e}", i + 1)),
        }
    }
    record.certificates = result.certificates.len();
    if copies > 0 {
        let note = format!("{copies} more copies of certificates already read in this file: read once");
        record.note = Some(match record.note.take() {
            Some(n) => format!("{n}; {note}"),
            None => note,
        });
    }
    record.error = errors.summary();
    result.organisation = decoded.organisation;
    result
}

/// Reads a regular file of at most [`MAX_INPUT_BYTES`] (whatever its metadata says).
fn read_bounded(path: &Path) -> Result<Vec<u8>, InputError> {
    let bytes = crate::files::read_bounded(path, MAX_INPUT_BYTES)?;
    if bytes.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(bytes)
}

fn has_export_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("json"))
}

fn has_certificate_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| CERTIFICATE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// Decides the format by content, never by file name, and decodes it. `file` names the
/// input in the bindings and organisation facts it yields.
pub fn decode(bytes: &[u8], options: &ReadOptions, file: exchange::ExportFile<'_>) -> Result<Decoded, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty);
    }
    if crate::x509::looks_like_pem(bytes) {
        return pem_der::decode_pem(bytes);
    }
    match classify_der(bytes) {
        DerShape::Certificate => Ok(Decoded {
            kind: Some(InputKind::Der),
            certificates: vec![bytes.to_vec()],
            ..Decoded::default()
        }),
        DerShape::ContentInfo => pkcs7::decode(bytes).map(|certificates| Decoded {
            kind: Some(InputKind::Pkcs7),
            certificates,
            ..Decoded::default()
        }),
        DerShape::Pfx => pkcs12::decode(bytes, options.pfx_password.as_ref()),
        DerShape::NotDer => decode_export(bytes, file),
    }
}

/// CliXML (UTF-8 or UTF-16) or JSON exports; anything else is unrecognised.
fn decode_export(bytes: &[u8], file: exchange::ExportFile<'_>) -> Result<Decoded, InputError> {
    let looks_textual = matches!(
        bytes,
        [0xef, 0xbb, 0xbf, ..] | [0xff, 0xfe, ..] | [0xfe, 0xff, ..] | [b'<', 0, ..] | [0, b'<', ..]
    ) || bytes
        .iter()
        .take(64)
        .all(|b| !b.is_ascii_control() || b.is_ascii_whitespace());
    if !looks_textual {
        return Err(InputError::Unrecognised);
    }
    let Ok(text) = clixml::decode_text(bytes) else {
        return Err(InputError::Unrecognised);
    };
    let head: String = text.chars().take(4096).collect();
    if clixml::looks_like_clixml(&text) || head.contains("<!DOCTYPE") || head.contains("<Objs") {
        return exchange::read_clixml(&text, file);
    }
    if exchange_json::looks_like_json(&text) {
        return exchange_json::read_json(&text, file);
    }
    Err(InputError::Unrecognised)
}

/// The shape of a DER blob, read from its first two tags only.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DerShape {
    /// SEQUENCE { SEQUENCE … }: an X.509 certificate (or something claiming to be one).
    Certificate,
    /// SEQUENCE { OBJECT IDENTIFIER … }: a CMS/PKCS#7 ContentInfo.
    ContentInfo,
    /// SEQUENCE { INTEGER 3, … }: a PKCS#12 PFX.
    Pfx,
    NotDer,
}

pub(crate) fn classify_der(bytes: &[u8]) -> DerShape {
    if bytes.len() < 4 || bytes[0] != 0x30 {
        return DerShape::NotDer;
    }
    let header_len = match bytes[1] {
        l if l < 0x80 => 2,
        0x81..=0x84 => 2 + (bytes[1] & 0x7f) as usize,
        _ => return DerShape::NotDer,
    };
    match bytes.get(header_len..header_len + 3) {
        Some([0x30, _, _]) => DerShape::Certificate,
        Some([0x06, _, _]) => DerShape::ContentInfo,
        Some([0x02, 0x01, 0x03]) => DerShape::Pfx,
        _ => DerShape::NotDer,
    }
}
