//! `report.json`: the v1 model serialised as indented JSON.

use super::Report;

/// Renders the report as JSON bytes.
pub fn render(report: &Report) -> serde_json::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(report)?;
    out.push(b'\n');
    Ok(out)
}
