//! `report.json`: the v1 model serialised as indented JSON, streamed to the file as serde
//! produces it (never held whole in memory).
//!
//! `changes`, the last field, can be given apart and is asked for only when serde reaches it:
//! a scan with a history works out the changes since the last scan while the rest of the
//! report is already being written. The bytes are those of `serde_json::to_writer_pretty`
//! on the report, followed by a newline (a test holds it so).

use std::io::Write;

use serde::{Serialize, Serializer};

use super::changes::Changes;
use super::coverage::NotAuditedEntry;
use super::format::{Presenter, RenderError};
use super::model::{
    AutodiscoverEntry, CertificateEntry, EndpointEntry, FindingEntry, OrganisationEntry, Scan, Summary, Tool,
    WaiverStatusEntry,
};
use super::Presentation;
use super::Report;

/// `json`: `report.json`, report v1 for machines (`schema/report-v1.schema.json`).
pub struct JsonFormat;

impl<'a> Presenter<Presentation<'a>> for JsonFormat {
    fn name(&self) -> &'static str {
        "json"
    }
    fn help(&self) -> &'static str {
        "Report v1 for machines (`report.json`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["report.json"]
    }
    fn early(&self) -> bool {
        true // the changes since the last scan come last
    }
    fn render(&self, _file: &str, p: &Presentation<'a>, out: &mut dyn Write) -> Result<(), RenderError> {
        Ok(write_with(p.report, &|| p.changes(), out)?)
    }
}

/// Writes the report as JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    write_with(report, &|| &report.changes, out)
}

/// Writes the report as JSON with the changes `changes` gives, asked for only after every
/// other field is written.
pub fn write_with<'a>(
    report: &'a Report,
    changes: &'a dyn Fn() -> &'a Option<Changes>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let view = Fields {
        schema: &report.schema,
        tool: &report.tool,
        scan: &report.scan,
        summary: &report.summary,
        organisation: &report.organisation,
        certificates: &report.certificates,
        endpoints: &report.endpoints,
        autodiscover: &report.autodiscover,
        findings: &report.findings,
        not_audited: &report.not_audited,
        waivers: &report.waivers,
        changes: Deferred(changes),
    };
    serde_json::to_writer_pretty(&mut *out, &view)?;
    out.write_all(b"\n")
}

/// `Report`'s fields, in the order it declares them.
#[derive(Serialize)]
struct Fields<'a> {
    schema: &'a str,
    tool: &'a Tool,
    scan: &'a Scan,
    summary: &'a Summary,
    organisation: &'a OrganisationEntry,
    certificates: &'a [CertificateEntry],
    endpoints: &'a [EndpointEntry],
    autodiscover: &'a [AutodiscoverEntry],
    findings: &'a [FindingEntry],
    not_audited: &'a [NotAuditedEntry],
    waivers: &'a [WaiverStatusEntry],
    changes: Deferred<'a>,
}

/// The changes, taken when serde gets to them.
struct Deferred<'a>(&'a dyn Fn() -> &'a Option<Changes>);

impl Serialize for Deferred<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0)().serialize(serializer)
    }
}
