//! Times as certaudit writes and reads them: RFC 3339, UTC, whole seconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 UTC with seconds and a `Z`, as every time in the reports.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an instant: RFC 3339, or a date meaning midnight UTC.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, BadInstant> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| BadInstant(s.to_string()))
}

/// Text that is neither an RFC 3339 instant nor a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is neither RFC 3339 (2026-01-31T12:00:00Z) nor a date (2026-01-31)")]
pub struct BadInstant(pub String);

/// A CliXML `<DT>` value: RFC 3339 with any fraction of a second (`2023-02-03T14:16:02.1234567+00:00`),
/// or without an offset (taken as UTC).
pub fn parse_clixml_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// Serde for `DateTime<Utc>` fields written as [`rfc3339`].
pub mod serde_rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        super::parse_instant(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Serde for `Option<DateTime<Utc>>` fields written as [`rfc3339`] (or null).
pub mod serde_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::rfc3339(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::parse_instant(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Whole days from `at` to `until`, rounded down (negative once `until` has passed).
pub fn days_between(at: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    (until - at).num_seconds().div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_down() {
        let at = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z").unwrap().to_utc();
        let later = DateTime::parse_from_rfc3339("2026-01-02T11:59:59Z").unwrap().to_utc();
        assert_eq!(days_between(at, later), 0);
        let earlier = DateTime::parse_from_rfc3339("2026-01-01T11:00:00Z").unwrap().to_utc();
        assert_eq!(days_between(at, earlier), -1);
    }

    #[test]
    fn parses_both_forms_and_writes_z() {
        let t = parse_instant("2026-06-01").unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T00:00:00Z");
        let t = parse_instant("2026-06-01T12:30:00+02:00").unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T10:30:00Z");
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn clixml_dates() {
        let t = |s| parse_clixml_date(s).map(rfc3339);
        assert_eq!(t("2023-02-03T14:16:02+00:00").as_deref(), Some("2023-02-03T14:16:02Z"));
        assert_eq!(
            t("2023-02-03T14:16:02.1234567+01:00").as_deref(),
            Some("2023-02-03T13:16:02Z")
        );
        assert_eq!(t("2023-02-03T14:16:02").as_deref(), Some("2023-02-03T14:16:02Z"));
        assert_eq!(t("soon"), None);
    }
}
