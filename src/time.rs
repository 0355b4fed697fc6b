//! Times as certaudit writes and reads them: RFC 3339, UTC, whole seconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 UTC with seconds and a `Z`, as every time in the reports.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an instant: RFC 3339, or a date meaning midnight UTC.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("`{s}` is neither RFC 3339 (2026-01-31T12:00:00Z) nor a date (2026-01-31)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_writes_z() {
        let t = parse_instant("2026-06-01").unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T00:00:00Z");
        let t = parse_instant("2026-06-01T12:30:00+02:00").unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T10:30:00Z");
        assert!(parse_instant("yesterday").is_err());
    }
}
