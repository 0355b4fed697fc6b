//! `report.csv`: a first row with the scan's verdict (severity `verdict`), one row per
//! finding, and one row per item in scope that was not audited (severity `not-audited`);
//! RFC 4180, UTF-8 with a byte-order mark so that Excel opens it as UTF-8. Text cells a
//! spreadsheet would evaluate as a formula are neutralised.

use std::io::Write;

use super::Report;

/// The fixed column order (documented in the README).
pub const COLUMNS: [&str; 16] = [
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
];

/// Writes the findings as CSV.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), csv::Error> {
    let certs = report.certificates_by_sha256();
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    let row = |severity: &str, rule: &str, title: &str, server: &str, endpoint: &str, subject: &str, message: &str| {
        let mut cells = vec![String::new(); COLUMNS.len()];
        cells[0] = severity.to_string();
        cells[1] = neutralise(rule);
        cells[2] = neutralise(title);
        cells[3] = neutralise(server);
        cells[5] = neutralise(endpoint);
        cells[6] = neutralise(subject);
        cells[10] = neutralise(message);
        cells[12] = "no".to_string();
        cells
    };
    writer.write_record(row(
        "verdict",
        report.summary.result.as_str(),
        "Scan verdict",
        "",
        "",
        "",
        &report.summary.result_detail,
    ))?;
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
        ])?;
    }
    for n in &report.not_audited {
        let endpoint = if n.kind == "endpoint" { n.subject.as_str() } else { "" };
        writer.write_record(row(
            "not-audited",
            n.rule.as_deref().unwrap_or(&n.kind),
            "Not audited",
            n.server.as_deref().unwrap_or(""),
            endpoint,
            &n.subject,
            &n.reason,
        ))?;
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
