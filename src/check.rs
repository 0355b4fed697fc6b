//! `certaudit check`: the scan's verdict as a Nagios/Icinga plugin — one status line with
//! performance data, a few detail lines, and the plugin exit codes. UNKNOWN when nothing in
//! scope was audited or the scan was interrupted; at least WARNING when part of the scope
//! could not be audited.

use std::fmt::Write;

use certaudit_core::report::Report;
use certaudit_core::rules::Severity;

/// Plugin states and their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// Detail lines after the status line, at most.
const DETAIL_LINES: usize = 10;

/// The state and the plugin output for a finished scan.
pub fn evaluate(report: &Report, warning: Severity, critical: Severity) -> (State, String) {
    let open: Vec<_> = report.findings.iter().filter(|f| f.waiver.is_none()).collect();
    let worst = open.iter().map(|f| f.severity).max();
    let read_nothing = certaudit_core::report::verdict::nothing_audited(report);
    let mut state = match worst {
        Some(s) if s >= critical => State::Critical,
        Some(s) if s >= warning => State::Warning,
        _ => State::Ok,
    };
    if report.summary.not_audited > 0 {
        state = state.max(State::Warning);
    }
    if report.scan.interrupted || read_nothing {
        state = State::Unknown;
    }
    let c = &report.summary.findings;
    let mut parts = Vec::new();
    if read_nothing {
        parts.push(format!(
            "nothing in scope could be audited ({} item(s) not audited)",
            report.summary.not_audited
        ));
    } else if report.scan.interrupted {
        parts.push("the scan was interrupted".to_string());
    }
    let counted: Vec<String> = Severity::DESCENDING
        .iter()
        .filter(|s| c.get(**s) > 0)
        .map(|s| format!("{} {s}", c.get(*s)))
        .collect();
    parts.push(if counted.is_empty() {
        format!("no unwaived finding in {} certificate(s)", report.summary.certificates)
    } else {
        format!("{} unwaived finding(s)", counted.join(", "))
    });
    if report.summary.not_audited > 0 && !read_nothing {
        parts.push(format!(
            "incomplete: {} item(s) in scope not audited",
            report.summary.not_audited
        ));
    }
    // Certificates in use: bound on a server, or presented by an endpoint.
    let in_use = report
        .certificates
        .iter()
        .filter(|c| !c.is_ca && (!c.bindings.is_empty() || report.presented_by(&c.sha256).next().is_some()));
    let soonest = in_use.min_by_key(|c| c.days_left);
    if let Some(s) = soonest {
        parts.push(if s.days_left < 0 {
            format!("{} expired {} day(s) ago", plain(&s.subject), -s.days_left)
        } else {
            format!(
                "next expiry in service: {} in {} day(s)",
                plain(&s.subject),
                s.days_left
            )
        });
    }
    let mut out = format!("CERTAUDIT {} - {}", state.label(), parts.join("; "));
    let _ = write!(
        out,
        " | critical={} high={} medium={} low={} info={} waived={} certificates={} endpoints={} endpoint_errors={} input_errors={} not_audited={}",
        c.critical,
        c.high,
        c.medium,
        c.low,
        c.info,
        report.summary.waived,
        report.summary.certificates,
        report.summary.endpoints,
        report.summary.endpoint_errors,
        report.summary.input_errors,
        report.summary.not_audited
    );
    if let Some(s) = soonest {
        let _ = write!(out, " min_days_left={}", s.days_left);
    }
    out.push('\n');
    for n in report.not_audited.iter().take(DETAIL_LINES) {
        let _ = writeln!(out, "not audited: {}: {}", plain(&n.subject), plain(&n.reason));
    }
    let mut sorted = open.clone();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let certs = report.certificates_by_sha256();
    for f in sorted.iter().take(DETAIL_LINES) {
        let subject = f
            .certificate
            .as_deref()
            .and_then(|sha| certs.get(sha))
            .map(|c| c.subject.as_str());
        let on: Vec<&str> = [f.server.as_deref(), f.endpoint.as_deref(), subject]
            .into_iter()
            .flatten()
            .collect();
        let on = if on.is_empty() { "-".to_string() } else { on.join(" ") };
        let _ = writeln!(out, "{} {} {}: {}", f.severity, f.rule, plain(&on), plain(&f.message));
    }
    if sorted.len() > DETAIL_LINES {
        let _ = writeln!(
            out,
            "… and {} more (run certaudit scan for the report)",
            sorted.len() - DETAIL_LINES
        );
    }
    (state, out)
}

/// Text safe in plugin output: no `|` (it starts the performance data), control characters
/// shown escaped (no line break, no terminal escape sequence).
fn plain(s: &str) -> String {
    crate::terminal::printable(&s.replace('|', " "))
}
