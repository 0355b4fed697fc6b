//! Report: one plain data structure built once ([`model`]), and presenters that only format it.

pub mod csv;
pub mod html;
pub mod json;
pub mod model;

use std::path::{Path, PathBuf};

pub use model::Report;

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Csv,
    Json,
}

impl Format {
    /// The file written for this format.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Csv => "report.csv",
            Format::Json => "report.json",
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
        let bytes = match format {
            Format::Json => json::render(report).map_err(|e| ReportError::Render {
                format: "JSON",
                message: e.to_string(),
            })?,
            Format::Csv => csv::render(report).map_err(|e| ReportError::Render {
                format: "CSV",
                message: e.to_string(),
            })?,
            Format::Html => html::render(report)
                .map_err(|e| ReportError::Render {
                    format: "HTML",
                    message: html::describe(&e),
                })?
                .into_bytes(),
        };
        let path = out.join(format.file_name());
        std::fs::write(&path, bytes).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
