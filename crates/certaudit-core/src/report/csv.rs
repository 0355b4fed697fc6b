//! The CSV reports, RFC 4180, UTF-8 with a byte-order mark so that Excel opens them as UTF-8;
//! text cells a spreadsheet would evaluate as a formula are neutralised.
//!
//! - `report.csv`: one row per finding, and nothing else (a filter on `severity` meets only
//!   findings);
//! - `certificates.csv`: the certificate inventory, one row per certificate;
//! - `not-audited.csv`: one row per item in scope that was not audited.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use super::expiry::Expiry;
use super::format::{Presenter, RenderError};
use super::Presentation;
use super::Report;
use crate::rules::{ExpiryWindows, Severity};

/// The fixed column order (documented in the README).
pub const COLUMNS: [&str; 17] = [
    "severity",
    "rule",
    "title",
    "server",
    "services",
    "endpoint",
    "subject",
    "thumbprint",
    "not_after",
    "days_left",
    "message",
    "remediation",
    "waived",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
    "protocols",
];

/// The columns of `certificates.csv` (documented in the README).
pub const CERTIFICATE_COLUMNS: [&str; 26] = [
    "sha256",
    "thumbprint",
    "subject",
    "issuer",
    "serial",
    "not_before",
    "not_after",
    "days_left",
    "expiry",
    "dns_names",
    "ip_addresses",
    "san_count",
    "key_algorithm",
    "key_bits",
    "key_curve",
    "signature_algorithm",
    "self_signed",
    "is_ca",
    "trust_status",
    "trust_detail",
    "bindings",
    "endpoints",
    "findings",
    "worst_severity",
    "waived_findings",
    "sources",
];

/// `csv`: `report.csv` (the findings), `certificates.csv` (the inventory) and
/// `not-audited.csv` (what in scope was not audited).
pub struct CsvFormat;

impl<'a> Presenter<Presentation<'a>> for CsvFormat {
    fn name(&self) -> &'static str {
        "csv"
    }
    fn help(&self) -> &'static str {
        "Spreadsheets: findings (`report.csv`), certificates (`certificates.csv`), not audited (`not-audited.csv`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["report.csv", CERTIFICATES_CSV, NOT_AUDITED_CSV]
    }
    fn render(&self, file: &str, p: &Presentation<'a>, out: &mut dyn Write) -> Result<(), RenderError> {
        match file {
            CERTIFICATES_CSV => Ok(write_certificates(p.report, &p.page.windows, out)?),
            NOT_AUDITED_CSV => Ok(write_not_audited(p.report, out)?),
            _ => Ok(write(p.report, out)?),
        }
    }
}

/// The file beside `report.csv` that lists the certificate inventory.
pub const CERTIFICATES_CSV: &str = "certificates.csv";
/// The file beside `report.csv` that lists what in scope was not audited.
pub const NOT_AUDITED_CSV: &str = "not-audited.csv";

/// The columns of `not-audited.csv` (documented in the README).
pub const NOT_AUDITED_COLUMNS: [&str; 5] = ["kind", "subject", "server", "rule", "reason"];

/// A CSV writer with the byte-order mark written and CRLF line ends.
fn writer(out: &mut dyn Write) -> Result<csv::Writer<&mut dyn Write>, csv::Error> {
    out.write_all(b"\xEF\xBB\xBF")?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out))
}

/// Writes the certificate inventory as CSV: one row per certificate, with where it is bound,
/// which endpoints present it, its findings, and `expiry` judged by the pack's `windows`
/// (`expired`, the severity of the window it is in, or `ok`).
pub fn write_certificates(report: &Report, windows: &ExpiryWindows, out: &mut dyn Write) -> Result<(), csv::Error> {
    let expiry = Expiry::new(report, windows);
    let mut findings: HashMap<&str, (usize, Option<Severity>, usize)> = HashMap::new();
    for f in &report.findings {
        if let Some(cert) = f.certificate.as_deref() {
            let entry = findings.entry(cert).or_default();
            if f.waiver.is_some() {
                entry.2 += 1;
            } else {
                entry.0 += 1;
                entry.1 = entry.1.max(Some(f.severity));
            }
        }
    }
    let mut presented: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &report.endpoints {
        if let Some(leaf) = e.chain.first() {
            presented.entry(leaf.as_str()).or_default().push(&e.target);
        }
    }
    let mut writer = writer(out)?;
    writer.write_record(CERTIFICATE_COLUMNS)?;
    let text = |s: &str| neutralise(s);
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    for c in &report.certificates {
        let (count, worst, waived) = findings.get(c.sha256.as_str()).copied().unwrap_or_default();
        let bindings: Vec<String> = c
            .bindings
            .iter()
            .map(|b| match (b.services_known, b.services.is_empty()) {
                (false, _) => format!("{} (services unknown)", b.server),
                (true, true) => format!("{} (no services)", b.server),
                (true, false) => format!("{} ({})", b.server, b.services.join(",")),
            })
            .collect();
        let mut sources: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for s in &c.sources {
            if seen.insert(s.location.as_str()) {
                sources.push(&s.location);
            }
        }
        writer.write_record([
            c.sha256.clone(),
            c.thumbprint.clone(),
            text(&c.subject),
            text(&c.issuer),
            text(&c.serial),
            crate::time::rfc3339(c.not_before),
            crate::time::rfc3339(c.not_after),
            c.days_left.to_string(),
            expiry.class(c).to_string(),
            text(&c.dns_names.join(";")),
            text(&c.ip_addresses.join(";")),
            (c.dns_names.len() + c.ip_addresses.len()).to_string(),
            text(&c.key.algorithm),
            c.key.bits.to_string(),
            text(c.key.curve.as_deref().unwrap_or("")),
            text(&c.signature_algorithm),
            yes_no(c.self_signed),
            yes_no(c.is_ca),
            c.trust.status.as_str().to_string(),
            text(&c.trust.detail),
            text(&bindings.join("; ")),
            text(
                &presented
                    .get(c.sha256.as_str())
                    .map(|t| t.join(";"))
                    .unwrap_or_default(),
            ),
            count.to_string(),
            worst.map(|s| s.as_str().to_string()).unwrap_or_default(),
            waived.to_string(),
            text(&sources.join(";")),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes the findings as CSV: one row per finding, nothing else (the verdict is in
/// `report.json` and `report.html`; what was not audited in `not-audited.csv`).
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), csv::Error> {
    let certs = report.certificates_by_sha256();
    let protocols = endpoint_protocols(report);
    let mut writer = writer(out)?;
    writer.write_record(COLUMNS)?;
    for f in &report.findings {
        let cert = f.certificate.as_deref().and_then(|s| certs.get(s));
        let text = |s: &str| neutralise(s);
        writer.write_record([
            f.severity.as_str().to_string(),
            text(&f.rule),
            text(&f.title),
            text(f.server.as_deref().unwrap_or("")),
            text(&f.services.join(";")),
            text(f.endpoint.as_deref().unwrap_or("")),
            text(cert.map(|c| c.subject.as_str()).unwrap_or("")),
            text(cert.map(|c| c.thumbprint.as_str()).unwrap_or("")),
            cert.map(|c| crate::time::rfc3339(c.not_after)).unwrap_or_default(),
            cert.map(|c| c.days_left.to_string()).unwrap_or_default(),
            text(&f.message),
            text(&f.remediation.text()),
            if f.waiver.is_some() { "yes" } else { "no" }.to_string(),
            text(f.waiver.as_ref().map(|w| w.reason.as_str()).unwrap_or("")),
            text(f.waiver.as_ref().map(|w| w.owner.as_str()).unwrap_or("")),
            text(f.waiver.as_ref().map(|w| w.expires.as_str()).unwrap_or("")),
            f.endpoint
                .as_deref()
                .and_then(|t| protocols.get(t))
                .cloned()
                .unwrap_or_default(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// The protocol matrix of each endpoint target as one cell: the versions any of its
/// addresses accepts (`TLS1.2 TLS1.3`), then those no answer was had for (`TLS1.0=unknown`).
fn endpoint_protocols(report: &Report) -> HashMap<&str, String> {
    use crate::inventory::TlsProtocol;
    let mut by_target: HashMap<&str, Vec<(TlsProtocol, Option<bool>)>> = HashMap::new();
    for e in &report.endpoints {
        let rows = by_target.entry(e.target.as_str()).or_default();
        for p in &e.protocols {
            match rows.iter_mut().find(|(v, _)| *v == p.version) {
                Some((_, seen)) => {
                    *seen = match (*seen, p.accepted) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (None, _) | (_, None) => None,
                        _ => Some(false),
                    }
                }
                None => rows.push((p.version, p.accepted)),
            }
        }
    }
    by_target
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(target, mut rows)| {
            rows.sort();
            let accepted = rows
                .iter()
                .filter(|(_, a)| *a == Some(true))
                .map(|(v, _)| v.as_str().to_string());
            let unknown = rows
                .iter()
                .filter(|(_, a)| a.is_none())
                .map(|(v, _)| format!("{}=unknown", v.as_str()));
            let cell: Vec<String> = accepted.chain(unknown).collect();
            (
                target,
                if cell.is_empty() {
                    "none".to_string()
                } else {
                    cell.join(" ")
                },
            )
        })
        .collect()
}

/// Writes what in scope was not audited as CSV, one row per item (a header alone when the
/// scan audited everything).
pub fn write_not_audited(report: &Report, out: &mut dyn Write) -> Result<(), csv::Error> {
    let mut writer = writer(out)?;
    writer.write_record(NOT_AUDITED_COLUMNS)?;
    for n in &report.not_audited {
        writer.write_record([
            neutralise(&n.kind),
            neutralise(&n.subject),
            neutralise(n.server.as_deref().unwrap_or("")),
            neutralise(n.rule.as_deref().unwrap_or("")),
            neutralise(&n.reason),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Prefixes a cell with `'` when a spreadsheet would treat it as a formula
/// (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_and_text_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralise("CN=mail.contoso.com"), "CN=mail.contoso.com");
        assert_eq!(neutralise(""), "");
    }
}
