//! Report: one plain data structure built once ([`model`]), and presenters that only format it.

pub mod changes;
pub mod coverage;
pub mod csv;
pub mod expiry;
pub mod format;
pub mod html;
pub mod json;
pub mod model;
pub mod prometheus;
pub mod verdict;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use format::{Format, Presenter, RenderError};
pub use model::Report;
pub use verdict::Verdict;

use changes::Changes;

/// The report stage's options: which formats, where, and the page's title.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub formats: Vec<Format>,
    /// The report folder.
    pub out: PathBuf,
    /// `--title`: the HTML report's title (default: from the accepted domains).
    pub title: Option<String>,
}

/// The formats of `scan`, in the order `--help` lists them. A new format is its presenter
/// in a file of its own (see [`format`]) and one line here.
pub static FORMATS: &[Format] = &[Format::HTML, Format::CSV, Format::JSON, Format::PROMETHEUS];

impl Format {
    pub const HTML: Format = Format::new(&html::HtmlFormat);
    pub const CSV: Format = Format::new(&csv::CsvFormat);
    pub const JSON: Format = Format::new(&json::JsonFormat);
    pub const PROMETHEUS: Format = Format::new(&prometheus::PrometheusFormat);
}

/// What a scan's presenters render from: the report, the changes since the last scan (which
/// may still be being computed) and the page options.
pub struct Presentation<'a> {
    pub report: &'a Report,
    pub changes: &'a PendingChanges<'a>,
    pub page: &'a html::PageOptions,
}

impl<'a> Presentation<'a> {
    /// The changes since the last scan, waiting for them the first time.
    pub fn changes(&self) -> &'a Option<Changes> {
        self.changes.get()
    }
}

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create report folder {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot render {format}: {message}")]
    Render { format: &'static str, message: String },
    #[error("internal error: the report writer stopped unexpectedly")]
    Worker,
}

/// Renders every requested format and writes it into `out`. Returns the written paths.
pub fn write_all(
    report: &Report,
    page: &html::PageOptions,
    formats: &[Format],
    out: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    write_all_pending(report, &PendingChanges::ready(&report.changes), page, formats, out)
}

pub use csv::{CERTIFICATES_CSV, NOT_AUDITED_CSV};

/// The changes since the last scan, computed while the reports are being written: a writer
/// asks for them only when it needs them (`report.json` at its very end), and waits then.
pub struct PendingChanges<'a> {
    ready: std::sync::OnceLock<Option<Changes>>,
    given: Option<&'a Option<Changes>>,
    receiver: std::sync::Mutex<Option<std::sync::mpsc::Receiver<Option<Changes>>>>,
}

impl<'a> PendingChanges<'a> {
    /// Changes already known.
    pub fn ready(changes: &'a Option<Changes>) -> Self {
        Self {
            ready: std::sync::OnceLock::new(),
            given: Some(changes),
            receiver: std::sync::Mutex::new(None),
        }
    }

    /// Changes that will be sent on the returned sender (a sender dropped unsent means none).
    pub fn channel() -> (std::sync::mpsc::SyncSender<Option<Changes>>, Self) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        (
            tx,
            Self {
                ready: std::sync::OnceLock::new(),
                given: None,
                receiver: std::sync::Mutex::new(Some(rx)),
            },
        )
    }

    /// The changes, taken back once the writers are done with them.
    pub fn into_changes(self) -> Option<Changes> {
        if let Some(given) = self.given {
            return given.clone();
        }
        match self.ready.into_inner() {
            Some(changes) => changes,
            None => {
                let receiver = self.receiver.into_inner().ok().flatten();
                receiver.and_then(|r| r.recv().ok()).flatten()
            }
        }
    }

    /// The changes, waiting for them the first time.
    pub fn get(&self) -> &Option<Changes> {
        if let Some(given) = self.given {
            return given;
        }
        self.ready.get_or_init(|| {
            let receiver = self.receiver.lock().ok().and_then(|mut r| r.take());
            receiver.and_then(|r| r.recv().ok()).flatten()
        })
    }
}

/// [`write_all`] with changes that may still be being computed: `report.json` is written
/// first (it needs them only at its end), then the other formats; the paths are returned in
/// the order of `formats`.
pub fn write_all_pending(
    report: &Report,
    changes: &PendingChanges<'_>,
    page: &html::PageOptions,
    formats: &[Format],
    out: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    create_folder(out)?;
    let doc = Presentation { report, changes, page };
    let mut order: Vec<(usize, Format)> = formats.iter().copied().enumerate().collect();
    order.sort_by_key(|(_, f)| !f.presenter().early());
    let mut written: Vec<(usize, Written)> = Vec::new();
    for (position, format) in order {
        for file in format.files() {
            let path = write_file(out, file, |w, io_error| {
                format.presenter().render(file, &doc, w).map_err(|e| match e {
                    RenderError::Io(e) => io_error(e),
                    RenderError::Render(message) => ReportError::Render {
                        format: format.as_str(),
                        message,
                    },
                })
            })?;
            written.push((position, path));
        }
    }
    written.sort_by_key(|(position, _)| *position);
    let written: Vec<Written> = written.into_iter().map(|(_, w)| w).collect();
    let manifest = write_manifest(out, &written)?;
    let mut paths: Vec<PathBuf> = written.into_iter().map(|w| w.path).collect();
    paths.push(manifest);
    Ok(paths)
}

/// Creates the output folder `out` (and its parents) when missing.
pub(crate) fn create_folder(out: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.to_path_buf(),
        source,
    })
}

/// A file written: where, and the SHA-256 of what was written (for the manifest).
pub(crate) struct Written {
    pub path: PathBuf,
    pub sha256: String,
}

/// Hashes what passes through it on the way to the file.
struct Hashing<W: Write> {
    inner: W,
    digest: ring::digest::Context,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `out/name` with `body`, which gets the writer and a mapper from I/O errors to
/// [`ReportError`] naming the file. The file is written beside as `.name.partial`, then
/// renamed: a reader (node-exporter, a file watcher) never sees half a file. Its SHA-256 is
/// computed as it is written (the file is never read back).
pub(crate) fn write_file(
    out: &Path,
    name: &str,
    body: impl FnOnce(&mut dyn Write, &dyn Fn(std::io::Error) -> ReportError) -> Result<(), ReportError>,
) -> Result<Written, ReportError> {
    let path = out.join(name);
    let partial = out.join(format!(".{name}.partial"));
    let io_error = |source: std::io::Error| ReportError::Write {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::create(&partial).map_err(io_error)?;
    let mut w = std::io::BufWriter::with_capacity(
        1 << 20,
        Hashing {
            inner: file,
            digest: ring::digest::Context::new(&ring::digest::SHA256),
        },
    );
    body(&mut w, &io_error)?;
    let hashing = w.into_inner().map_err(|e| io_error(e.into_error()))?;
    let sha256 = hex::encode(hashing.digest.finish());
    drop(hashing.inner);
    std::fs::rename(&partial, &path).map_err(io_error)?;
    Ok(Written { path, sha256 })
}

/// The manifest beside the reports: `SHA256SUMS` in the format `sha256sum -c` checks.
pub const MANIFEST: &str = "SHA256SUMS";

/// Writes `SHA256SUMS` for `files` (all in `out`) and returns its path.
pub(crate) fn write_manifest(out: &Path, files: &[Written]) -> Result<PathBuf, ReportError> {
    let mut text = String::new();
    for file in files {
        let name = file.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        text.push_str(&format!("{}  {name}\n", file.sha256));
    }
    let path = out.join(MANIFEST);
    std::fs::write(&path, text).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
