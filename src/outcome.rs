//! The one place that turns a scan's verdict (`report::verdict`) into an exit code.

use certaudit_core::report::{Report, Verdict};

/// Nothing at or above `--fail-on`, and everything in scope audited.
pub const EXIT_OK: u8 = 0;
/// Unwaived findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage or configuration error: nothing was scanned.
pub const EXIT_UNUSABLE: u8 = 2;
/// Something in scope could not be audited and no finding already fails the scan.
pub const EXIT_INCOMPLETE: u8 = 3;
/// Interrupted by Ctrl-C (128 + SIGINT, as shells expect); the reports were still written.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Exit code of a finished scan.
pub fn exit_code(report: &Report) -> u8 {
    if report.scan.interrupted {
        return EXIT_INTERRUPTED;
    }
    match report.summary.result {
        Verdict::Pass => EXIT_OK,
        Verdict::Fail => EXIT_FINDINGS,
        Verdict::Incomplete => EXIT_INCOMPLETE,
    }
}
