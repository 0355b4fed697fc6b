//! The page's sentences: its title, and the verdict as an auditor would say it.

use super::super::model::{Report, SeverityCounts};
use super::super::Verdict;
use crate::inventory::needs_autodiscover;
use crate::rules::Severity;

/// The page title: `--title`, else "Certificate audit — " and the organisation's accepted
/// domains (the first three and how many more; routing domains such as
/// `contoso.mail.onmicrosoft.com` only when there are no others), else "Certificate audit".
pub(super) fn title(report: &Report, given: Option<&str>) -> String {
    if let Some(t) = given.map(str::trim).filter(|t| !t.is_empty()) {
        return t.to_string();
    }
    // The organisation's own domains: Microsoft's routing domains (contoso.mail.onmicrosoft.com)
    // only when there is nothing else.
    let all: Vec<&str> = report.organisation.domains.iter().map(|d| d.name.as_str()).collect();
    let own: Vec<&str> = all.iter().copied().filter(|d| needs_autodiscover(d)).collect();
    let domains = if own.is_empty() { all } else { own };
    match domains.len() {
        0 => "Certificate audit".to_string(),
        1..=3 => format!("Certificate audit — {}", domains.join(", ")),
        n => format!("Certificate audit — {} and {} more", domains[..3].join(", "), n - 3),
    }
}

/// `n` followed by the noun, in the singular for one.
pub(super) fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// The severities at or above `fail_on`, in words: "high or critical".
fn at_or_above(fail_on: Severity) -> String {
    let names: Vec<String> = Severity::DESCENDING
        .iter()
        .rev()
        .filter(|s| **s >= fail_on)
        .map(|s| s.as_str().to_string())
        .collect();
    match names.as_slice() {
        [one] => one.clone(),
        [head @ .., last] => format!("{} or {last}", head.join(", ")),
        [] => String::new(),
    }
}

/// "6 critical and 15 high findings" for the severities selected, most severe first.
fn findings_at(counts: &SeverityCounts, keep: impl Fn(Severity) -> bool) -> Option<String> {
    let parts: Vec<(usize, &str)> = Severity::DESCENDING
        .iter()
        .filter(|s| keep(**s) && counts.get(**s) > 0)
        .map(|s| (counts.get(*s), s.as_str()))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let total: usize = parts.iter().map(|(n, _)| n).sum();
    let listed: Vec<String> = parts.iter().map(|(n, s)| format!("{n} {s}")).collect();
    Some(format!(
        "{} {}",
        and_list(&listed),
        if total == 1 { "finding" } else { "findings" }
    ))
}

/// The verdict: a headline and the sentences that explain it, without command-line terms.
#[derive(Debug, serde::Serialize)]
pub(super) struct VerdictWords {
    pub headline: String,
    pub details: Vec<String>,
}

/// The verdict of `report` in words.
pub(super) fn verdict(report: &Report) -> VerdictWords {
    let s = &report.summary;
    let fail_on = report.scan.fail_on;
    let threshold = at_or_above(fail_on);
    let failing = findings_at(&s.findings, |sev| sev >= fail_on);
    let below = findings_at(&s.findings, |sev| sev < fail_on);
    let nothing = s.certificates_read == 0 && s.endpoints_audited == 0;
    let not_audited = count(s.not_audited, "item", "items");
    let headline = match s.result {
        Verdict::Fail => format!(
            "Fail: {} {} unresolved.",
            failing.as_deref().unwrap_or("findings"),
            if failing.as_deref().is_some_and(|f| f.ends_with("findings")) {
                "remain"
            } else {
                "remains"
            }
        ),
        Verdict::Incomplete if nothing => "Incomplete: nothing in scope could be audited.".to_string(),
        Verdict::Incomplete if report.scan.interrupted => {
            "Incomplete: the scan was interrupted before everything in scope was audited.".to_string()
        }
        Verdict::Incomplete => {
            format!("Incomplete: {not_audited} in scope could not be audited, so the audit cannot pass.")
        }
        Verdict::Pass => format!("Pass: everything in scope was audited and no {threshold} finding remains."),
    };
    let mut details = vec![format!(
        "The audit fails on any {threshold} finding that is not waived as an accepted risk."
    )];
    if s.result == Verdict::Incomplete && !nothing && failing.is_none() {
        details.push(format!("No {threshold} finding was found in what was audited."));
    }
    if s.result == Verdict::Fail && s.not_audited > 0 {
        details.push(format!(
            "Besides, {not_audited} in scope could not be audited (see Not audited)."
        ));
    }
    if s.result == Verdict::Incomplete && s.not_audited > 0 && report.scan.interrupted {
        details.push(format!(
            "{not_audited} in scope could not be audited (see Not audited)."
        ));
    }
    if let Some(below) = below {
        details.push(format!(
            "{below} below that level {} listed for follow-up.",
            if below.ends_with("findings") { "are" } else { "is" }
        ));
    }
    if s.waived > 0 {
        details.push(format!(
            "{} waived as accepted risk and not counted.",
            count(s.waived, "finding is", "findings are")
        ));
    }
    VerdictWords { headline, details }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(and_list(&["a".into()]), "a");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(at_or_above(Severity::High), "high or critical");
        assert_eq!(at_or_above(Severity::Medium), "medium, high or critical");
        assert_eq!(at_or_above(Severity::Critical), "critical");
        let counts = SeverityCounts {
            critical: 3,
            high: 11,
            medium: 1,
            ..SeverityCounts::default()
        };
        assert_eq!(
            findings_at(&counts, |s| s >= Severity::High).as_deref(),
            Some("3 critical and 11 high findings")
        );
        assert_eq!(
            findings_at(&counts, |s| s < Severity::High).as_deref(),
            Some("1 medium finding")
        );
        assert_eq!(findings_at(&counts, |s| s == Severity::Low), None);
    }
}
