//! Output formats as a registry: each format is a [`Presenter`] in its own file, listed once
//! in `report::FORMATS` (a scan's reports) or `checklist::FORMATS` (the checklist). Adding a format
//! is a new file with its presenter plus one line in the table; the command line, the
//! configuration file, `--help` and the writer all read the table.

use std::io::Write;

use super::{Presentation, FORMATS};

/// Why a presenter could not render a file.
#[derive(Debug)]
pub enum RenderError {
    /// Writing failed (the writer names the file).
    Io(std::io::Error),
    /// The document could not be rendered, in words.
    Render(String),
}

impl From<std::io::Error> for RenderError {
    fn from(e: std::io::Error) -> Self {
        RenderError::Io(e)
    }
}

impl From<::csv::Error> for RenderError {
    fn from(e: ::csv::Error) -> Self {
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => RenderError::Io(io),
            other => RenderError::Render(format!("{other:?}")),
        }
    }
}

/// One output format of a document `D` (a scan's [`Presentation`], a checklist): its name,
/// the files it writes, and how it renders each. Presenters only format: everything they
/// show is in the document.
pub trait Presenter<D: ?Sized>: Sync {
    /// The name on the command line and in configuration files (`html`).
    fn name(&self) -> &'static str;
    /// One line for `--help`.
    fn help(&self) -> &'static str;
    /// The files it writes, in this order (`report.csv`, `certificates.csv`).
    fn files(&self) -> &'static [&'static str];
    /// Written before the other formats: it needs the changes since the last scan only at
    /// its very end, while they are still being worked out.
    fn early(&self) -> bool {
        false
    }
    /// Renders `file` (one of [`Presenter::files`]) into `out`.
    fn render(&self, file: &str, doc: &D, out: &mut dyn Write) -> Result<(), RenderError>;
}

/// A presenter of a scan's reports.
pub type ReportPresenter = dyn for<'a> Presenter<Presentation<'a>>;

/// A report format of [`FORMATS`], by its presenter.
#[derive(Clone, Copy)]
pub struct Format(&'static ReportPresenter);

impl Format {
    /// The format its presenter writes.
    pub const fn new(presenter: &'static ReportPresenter) -> Self {
        Format(presenter)
    }

    /// The lowercase name used on the command line and in configuration files.
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// One line for `--help`.
    pub fn help(self) -> &'static str {
        self.0.help()
    }

    /// The files this format writes.
    pub fn files(self) -> &'static [&'static str] {
        self.0.files()
    }

    /// The file this format is named after (its first).
    pub fn file_name(self) -> &'static str {
        self.0.files().first().copied().unwrap_or_default()
    }

    /// Every format's name, in table order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FORMATS.iter().map(|f| f.as_str())
    }

    pub(crate) fn presenter(self) -> &'static ReportPresenter {
        self.0
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Format {}

impl std::hash::Hash for Format {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not in [`FORMATS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format `{0}` (expected one of: {names})", names = Format::names().collect::<Vec<_>>().join(", "))]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FORMATS
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

impl<'de> serde::Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_found_by_its_name_and_writes_distinct_files() {
        let mut files: Vec<&str> = Vec::new();
        for f in FORMATS {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), *f);
            assert!(!f.help().is_empty() && !f.files().is_empty(), "{f:?}");
            files.extend(f.files());
        }
        let count = files.len();
        files.sort();
        files.dedup();
        assert_eq!(files.len(), count, "two formats write the same file");
        let err = "pdf".parse::<Format>().unwrap_err().to_string();
        assert!(err.contains("html, csv, json, prometheus"), "{err}");
    }
}
