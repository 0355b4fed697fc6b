//! `report.json`: the v1 model serialised as indented JSON.

use std::io::Write;

use super::Report;

/// Writes the report as JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
