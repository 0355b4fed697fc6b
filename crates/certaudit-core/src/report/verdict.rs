//! The scan's verdict: pass, fail or incomplete.
//!
//! A scan that audited nothing never passes. The verdict is, in this order:
//! - **incomplete** when nothing in scope was audited (no certificate read from any input, no
//!   endpoint audited);
//! - **fail** when an unwaived finding is at or above `--fail-on` (more auditing could only
//!   add findings, so a failure is certain even when something was not audited);
//! - **incomplete** when the scan was interrupted, or something in scope could not be audited
//!   (an unreadable input, a named endpoint, a bare host none of whose ports answered, what a
//!   rule could not judge for lack of an export, certificates whose Exchange services are
//!   unknown);
//! - **pass** otherwise.

use serde::{Deserialize, Serialize};

use super::Report;

/// The verdict of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the verdict rests on.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    /// Something in scope was audited: a certificate read from an input, or an endpoint.
    pub audited_anything: bool,
    /// An unwaived finding at or above `--fail-on`.
    pub failing: bool,
    pub interrupted: bool,
    /// Items in scope that could not be audited.
    pub not_audited: usize,
}

/// The verdict for these facts (see the module documentation).
pub fn verdict(f: Facts) -> Verdict {
    if !f.audited_anything {
        Verdict::Incomplete
    } else if f.failing {
        Verdict::Fail
    } else if f.interrupted || f.not_audited > 0 {
        Verdict::Incomplete
    } else {
        Verdict::Pass
    }
}

/// True when nothing in scope could be audited.
pub fn nothing_audited(report: &Report) -> bool {
    report.summary.certificates_read == 0 && report.summary.endpoints_audited == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_audited_never_passes_and_a_failure_is_a_failure() {
        let f = |audited_anything, failing, interrupted, not_audited| {
            verdict(Facts {
                audited_anything,
                failing,
                interrupted,
                not_audited,
            })
        };
        assert_eq!(f(false, false, false, 0), Verdict::Incomplete);
        assert_eq!(f(false, true, false, 3), Verdict::Incomplete);
        assert_eq!(f(true, true, true, 3), Verdict::Fail);
        assert_eq!(f(true, false, true, 0), Verdict::Incomplete);
        assert_eq!(f(true, false, false, 1), Verdict::Incomplete);
        assert_eq!(f(true, false, false, 0), Verdict::Pass);
    }
}
