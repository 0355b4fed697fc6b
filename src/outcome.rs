//! The one place that decides the exit code of a scan.

use crate::report::Report;

/// Nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Unwaived findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage or configuration error, or no input could be read at all.
pub const EXIT_UNUSABLE: u8 = 2;

/// Interrupted by Ctrl-C (128 + SIGINT, as shells expect); the reports were still written.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Exit code of a finished scan.
pub fn exit_code(report: &Report) -> u8 {
    if report.scan.interrupted {
        EXIT_INTERRUPTED
    } else if nothing_read(report) {
        EXIT_UNUSABLE
    } else if report.summary.result == "fail" {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// True when no certificate at all could be read from the inputs.
pub fn nothing_read(report: &Report) -> bool {
    report.certificates.is_empty() && report.endpoints.is_empty()
}
