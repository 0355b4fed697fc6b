//! Report: one plain data structure built once ([`model`]), and presenters that only format it.

pub mod changes;
pub mod coverage;
pub mod csv;
pub mod html;
pub mod json;
pub mod model;
pub mod prometheus;
pub mod verdict;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use model::Report;
pub use verdict::Verdict;

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Csv,
    Json,
    /// A node-exporter textfile (`report.prom`).
    Prometheus,
}

/// A format name that is not one of [`Format::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format `{0}` (expected html, csv, json or prometheus)")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [Format::Html, Format::Csv, Format::Json, Format::Prometheus];
    /// Every format's name.
    pub const NAMES: [&'static str; 4] = ["html", "csv", "json", "prometheus"];

    /// The lowercase name used on the command line and in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Prometheus => "prometheus",
        }
    }

    /// The file written for this format.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Csv => "report.csv",
            Format::Json => "report.json",
            Format::Prometheus => "report.prom",
        }
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
}

/// Renders every requested format and writes it into `out`. Returns the written paths.
pub fn write_all(report: &Report, formats: &[Format], out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    create_folder(out)?;
    let mut written = Vec::new();
    for format in formats {
        let path = write_file(out, format.file_name(), |w, io_error| match format {
            Format::Json => json::write(report, w).map_err(io_error),
            Format::Csv => csv::write(report, w).map_err(|e| match e.into_kind() {
                ::csv::ErrorKind::Io(io) => io_error(io),
                other => ReportError::Render {
                    format: "CSV",
                    message: format!("{other:?}"),
                },
            }),
            Format::Prometheus => w.write_all(prometheus::render(report).as_bytes()).map_err(io_error),
            Format::Html => {
                let html = html::render(report).map_err(|e| ReportError::Render {
                    format: "HTML",
                    message: html::describe(&e),
                })?;
                w.write_all(html.as_bytes()).map_err(io_error)
            }
        })?;
        written.push(path);
    }
    written.push(write_manifest(out, &written)?);
    Ok(written)
}

/// Creates the output folder `out` (and its parents) when missing.
pub(crate) fn create_folder(out: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.to_path_buf(),
        source,
    })
}

/// Writes `out/name` with `body`, which gets the writer and a mapper from I/O errors to
/// [`ReportError`] naming the file. The file is written beside as `.name.partial`, then
/// renamed: a reader (node-exporter, a file watcher) never sees half a file.
pub(crate) fn write_file(
    out: &Path,
    name: &str,
    body: impl FnOnce(
        &mut std::io::BufWriter<std::fs::File>,
        &dyn Fn(std::io::Error) -> ReportError,
    ) -> Result<(), ReportError>,
) -> Result<PathBuf, ReportError> {
    let path = out.join(name);
    let partial = out.join(format!(".{name}.partial"));
    let io_error = |source: std::io::Error| ReportError::Write {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::create(&partial).map_err(io_error)?;
    let mut w = std::io::BufWriter::new(file);
    body(&mut w, &io_error)?;
    w.flush().map_err(io_error)?;
    drop(w);
    std::fs::rename(&partial, &path).map_err(io_error)?;
    Ok(path)
}

/// The manifest beside the reports: `SHA256SUMS` in the format `sha256sum -c` checks.
pub const MANIFEST: &str = "SHA256SUMS";

/// Writes `SHA256SUMS` for `files` (all in `out`) and returns its path.
pub(crate) fn write_manifest(out: &Path, files: &[PathBuf]) -> Result<PathBuf, ReportError> {
    let mut text = String::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        text.push_str(&format!("{}  {name}\n", crate::digest::sha256_hex(&bytes)));
    }
    let path = out.join(MANIFEST);
    std::fs::write(&path, text).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
