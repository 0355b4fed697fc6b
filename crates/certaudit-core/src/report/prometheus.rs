//! `report.prom`: a node-exporter textfile (Prometheus text exposition format 0.0.4) with
//! days left per certificate and where it is used, unwaived findings by severity and rule,
//! and the scan's success, duration and time. Label values are escaped (`\`, `"`, newline).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::{Presenter, RenderError};
use super::model::Report;
use super::verdict::{self, Verdict};
use super::Presentation;
use crate::rules::Severity;

/// `prometheus`: `report.prom`, a node-exporter textfile.
pub struct PrometheusFormat;

impl<'a> Presenter<Presentation<'a>> for PrometheusFormat {
    fn name(&self) -> &'static str {
        "prometheus"
    }
    fn help(&self) -> &'static str {
        "A node-exporter textfile (`report.prom`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["report.prom"]
    }
    fn render(&self, _file: &str, p: &Presentation<'a>, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
        Ok(out.write_all(render(p.report).as_bytes())?)
    }
}

/// Renders the textfile.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    metric_header(
        &mut out,
        "certaudit_certificate_days_left",
        "Days until the certificate expires (negative: expired), per server binding or endpoint that uses it.",
    );
    for c in report.certificates.iter().filter(|c| !c.is_ca) {
        let mut places: Vec<(String, String, String)> = c
            .bindings
            .iter()
            .map(|b| (b.server.clone(), b.services.join(","), String::new()))
            .collect();
        for e in report.presented_by(&c.sha256) {
            places.push((String::new(), e.protocol.service().to_string(), e.target.clone()));
        }
        if places.is_empty() {
            places.push(Default::default());
        }
        places.dedup();
        for (server, services, endpoint) in places {
            let _ = writeln!(
                out,
                "certaudit_certificate_days_left{{subject=\"{}\",thumbprint=\"{}\",server=\"{}\",services=\"{}\",endpoint=\"{}\"}} {}",
                label(&c.subject),
                label(&c.thumbprint),
                label(&server),
                label(&services),
                label(&endpoint),
                c.days_left
            );
        }
    }
    metric_header(
        &mut out,
        "certaudit_findings",
        "Unwaived findings by severity and rule.",
    );
    let mut counts: BTreeMap<(usize, &str), (Severity, usize)> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.waiver.is_none()) {
        let rank = Severity::DESCENDING.iter().position(|s| *s == f.severity).unwrap_or(0);
        counts.entry((rank, f.rule.as_str())).or_insert((f.severity, 0)).1 += 1;
    }
    for ((_, rule), (severity, n)) in &counts {
        let _ = writeln!(
            out,
            "certaudit_findings{{severity=\"{}\",rule=\"{}\"}} {n}",
            severity.as_str(),
            label(rule)
        );
    }
    metric_header(
        &mut out,
        "certaudit_findings_waived",
        "Findings waived as accepted risk.",
    );
    let _ = writeln!(out, "certaudit_findings_waived {}", report.summary.waived);
    metric_header(
        &mut out,
        "certaudit_scan_success",
        "1 when everything in scope was audited and the scan ran to the end; 0 when it is incomplete (nothing read, an input or endpoint not audited, interrupted).",
    );
    let complete = !report.scan.interrupted && report.summary.not_audited == 0 && !verdict::nothing_audited(report);
    let _ = writeln!(out, "certaudit_scan_success {}", u8::from(complete));
    metric_header(
        &mut out,
        "certaudit_scan_passed",
        "1 when the verdict is pass: everything in scope audited and no unwaived finding at or above --fail-on.",
    );
    let _ = writeln!(
        out,
        "certaudit_scan_passed {}",
        u8::from(report.summary.result == Verdict::Pass)
    );
    metric_header(
        &mut out,
        "certaudit_scan_verdict",
        "The scan's verdict: 1 for the one that holds (pass, fail or incomplete), 0 for the others.",
    );
    for v in [Verdict::Pass, Verdict::Fail, Verdict::Incomplete] {
        let _ = writeln!(
            out,
            "certaudit_scan_verdict{{verdict=\"{}\"}} {}",
            v.as_str(),
            u8::from(report.summary.result == v)
        );
    }
    metric_header(
        &mut out,
        "certaudit_inputs_unreadable",
        "Inputs that could not be read, wholly or in part.",
    );
    let _ = writeln!(out, "certaudit_inputs_unreadable {}", report.summary.input_errors);
    metric_header(
        &mut out,
        "certaudit_endpoints_not_audited",
        "Probed endpoints that could not be audited (status error).",
    );
    let _ = writeln!(
        out,
        "certaudit_endpoints_not_audited {}",
        report.summary.endpoint_errors
    );
    metric_header(
        &mut out,
        "certaudit_not_audited",
        "Items in scope that were not audited: inputs, endpoints, hosts, unknown services, what rules could not judge.",
    );
    let _ = writeln!(out, "certaudit_not_audited {}", report.summary.not_audited);
    metric_header(&mut out, "certaudit_scan_duration_seconds", "How long the scan took.");
    let _ = writeln!(
        out,
        "certaudit_scan_duration_seconds {:.3}",
        report.scan.duration_seconds
    );
    let end = Some(report.scan.finished_at);
    metric_header(
        &mut out,
        "certaudit_scan_timestamp_seconds",
        "When the scan finished (Unix time).",
    );
    let _ = writeln!(
        out,
        "certaudit_scan_timestamp_seconds {}",
        end.map(|e| e.timestamp()).unwrap_or(0)
    );
    out
}

fn metric_header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value as the exposition format wants it.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("CN=a\"b\\c\nd"), "CN=a\\\"b\\\\c\\nd");
    }
}
