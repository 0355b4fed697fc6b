//! Report: one plain data structure built once ([`model`]), and presenters that only format it.

pub mod csv;
pub mod html;
pub mod json;
pub mod model;
pub mod prometheus;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use model::Report;

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Csv,
    Json,
    /// A node-exporter textfile (`report.prom`).
    Prometheus,
}

impl Format {
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
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for format in formats {
        let path = out.join(format.file_name());
        // Written beside, then renamed: a reader (node-exporter, a file watcher) never sees
        // half a file.
        let partial = out.join(format!(".{}.partial", format.file_name()));
        let write_error = |source: std::io::Error| ReportError::Write {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&partial).map_err(write_error)?;
        let mut w = std::io::BufWriter::new(file);
        match format {
            Format::Json => json::write(report, &mut w).map_err(write_error)?,
            Format::Csv => csv::write(report, &mut w).map_err(|e| match e.into_kind() {
                ::csv::ErrorKind::Io(io) => write_error(io),
                other => ReportError::Render {
                    format: "CSV",
                    message: format!("{other:?}"),
                },
            })?,
            Format::Prometheus => w
                .write_all(prometheus::render(report).as_bytes())
                .map_err(write_error)?,
            Format::Html => {
                let html = html::render(report).map_err(|e| ReportError::Render {
                    format: "HTML",
                    message: html::describe(&e),
                })?;
                w.write_all(html.as_bytes()).map_err(write_error)?;
            }
        }
        w.flush().map_err(write_error)?;
        drop(w);
        std::fs::rename(&partial, &path).map_err(write_error)?;
        written.push(path);
    }
    written.push(write_manifest(out, &written)?);
    Ok(written)
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
