//! A finding's evidence in words: each key under a label an auditor understands, each value
//! written for people (dates as dates, empty lists as "none", units named), and no row that
//! repeats what the finding already shows (the certificate's expiry under its header) or
//! another row.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::inventory::TrustStatus;

/// One evidence row as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct EvidenceRow {
    pub label: String,
    pub value: String,
}

/// Keys the finding's header already shows when it names a certificate (its subject,
/// thumbprint, expiry and the days left or since).
const SHOWN_WITH_THE_CERTIFICATE: [&str; 5] = ["not_after", "thumbprint", "subject", "days_left", "days_expired"];

/// The label and, for numbers, the unit of each evidence key the rules write. A key missing
/// here is shown with its underscores as spaces.
const LABELS: &[(&str, &str, Unit)] = &[
    ("accepted_domains", "Accepted domains", Unit::None),
    ("address", "Address", Unit::None),
    ("algorithm", "Key algorithm", Unit::None),
    ("auth_certificate", "Auth certificate role", Unit::None),
    ("auth_config_source", "Read from (Get-AuthConfig)", Unit::None),
    ("auth_role", "Auth certificate role", Unit::None),
    ("auth_thumbprint", "Auth certificate", Unit::None),
    ("binding", "IIS binding", Unit::None),
    ("bindings", "IIS bindings", Unit::None),
    ("bits", "Key size", Unit::Bits),
    ("candidates", "Candidate certificates", Unit::None),
    ("certificate_hash", "Certificate the binding names", Unit::None),
    ("certificates", "Certificates", Unit::None),
    ("cn_would_match", "Common name would match", Unit::None),
    ("common_names", "Common names", Unit::None),
    ("connector", "Connector", Unit::None),
    ("connector_identity", "Connector identity", Unit::None),
    ("connector_kind", "Connector kind", Unit::None),
    ("current", "Current Auth certificate", Unit::None),
    ("current_not_after", "Current Auth certificate valid until", Unit::None),
    ("current_thumbprint", "Current Auth certificate", Unit::None),
    ("curve", "Curve", Unit::None),
    ("days_expired", "Expired for", Unit::Days),
    ("days_left", "Days left", Unit::Days),
    ("dialogue", "Dialogue", Unit::None),
    ("dns_names", "Names on the certificate", Unit::None),
    ("domain", "Accepted domain", Unit::None),
    ("endpoints", "Endpoints", Unit::None),
    ("error", "Error", Unit::None),
    ("exchange_status", "Exchange status", Unit::None),
    ("expanded", "Expanded from a bare host", Unit::None),
    ("exposure", "Exposure", Unit::None),
    ("fqdn", "Connector FQDN", Unit::None),
    ("full_chain", "Full chain", Unit::None),
    ("host", "Host", Unit::None),
    ("http_status", "HTTP status", Unit::None),
    ("https_endpoint", "HTTPS endpoint", Unit::None),
    ("iis_enabled_certificates", "Certificates enabled for IIS", Unit::None),
    (
        "internal_transport_certificate",
        "Internal transport certificate",
        Unit::None,
    ),
    ("issuer", "Issuer", Unit::None),
    ("kind", "Kind", Unit::None),
    ("left_out", "Left out", Unit::None),
    ("limit", "Limit", Unit::None),
    ("looked_up", "Name looked up", Unit::None),
    ("matching_certificates", "Certificates that match", Unit::None),
    ("minimum_bits", "Minimum key size", Unit::Bits),
    ("missing_issuer", "Missing issuer", Unit::None),
    ("missing_names", "Missing names", Unit::None),
    ("names", "Names", Unit::None),
    ("namespace", "Client namespace", Unit::None),
    ("namespaces", "Client namespaces", Unit::None),
    ("new_thumbprint", "New certificate", Unit::None),
    ("newer_thumbprint", "Newer certificate", Unit::None),
    ("next", "Next Auth certificate", Unit::None),
    ("next_effective", "Next Auth certificate effective from", Unit::None),
    ("next_thumbprint", "Next Auth certificate", Unit::None),
    ("not_after", "Not after", Unit::None),
    ("not_before", "Valid from", Unit::None),
    ("pop_imap_name", "POP/IMAP certificate name", Unit::None),
    ("reason", "Reason", Unit::None),
    ("san_count", "Subject alternative names", Unit::None),
    ("selected_by", "Selected by", Unit::None),
    ("selected_certificate", "Selected certificate", Unit::None),
    ("served_certificates", "Certificates served", Unit::None),
    ("served_chain", "Chain as served", Unit::None),
    ("server_role", "Server roles", Unit::None),
    ("signature_algorithm", "Signature algorithm", Unit::None),
    ("site", "IIS site", Unit::None),
    ("sources", "Read from", Unit::None),
    ("status", "Exchange status", Unit::None),
    ("tie_break", "Tie break", Unit::None),
    ("tls_certificate_name", "TlsCertificateName", Unit::None),
    ("transport_service", "Transport service", Unit::None),
    (
        "transport_service_source",
        "Read from (Get-TransportService)",
        Unit::None,
    ),
    ("trust_status", "Trust", Unit::None),
    ("url", "URL", Unit::None),
    ("wildcard_names", "Wildcard names", Unit::None),
    ("window_days", "Warning window", Unit::Days),
    ("windows", "Warning windows", Unit::None),
];

/// What a number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    None,
    Days,
    Bits,
}

/// The rows of `evidence`, in its order; `with_certificate` when the finding's header shows
/// the certificate (its subject, thumbprint and expiry are then not repeated).
pub(super) fn rows(evidence: &Map<String, Value>, with_certificate: bool) -> Vec<EvidenceRow> {
    let mut rows: Vec<EvidenceRow> = Vec::with_capacity(evidence.len());
    for (key, value) in evidence {
        if with_certificate && SHOWN_WITH_THE_CERTIFICATE.contains(&key.as_str()) {
            continue;
        }
        let (label, unit) = label(key);
        let value = match (key.as_str(), value) {
            ("trust_status", Value::String(s)) => s
                .parse::<TrustStatus>()
                .map(|t| t.in_words().to_string())
                .unwrap_or_else(|_| s.clone()),
            _ => words(value, unit),
        };
        let row = EvidenceRow { label, value };
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    rows
}

fn label(key: &str) -> (String, Unit) {
    match LABELS.binary_search_by(|(k, _, _)| k.cmp(&key)) {
        Ok(i) => (LABELS[i].1.to_string(), LABELS[i].2),
        Err(_) => {
            let spaced = key.replace('_', " ");
            let mut chars = spaced.chars();
            let label = match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => spaced,
            };
            (label, Unit::None)
        }
    }
}

/// A value in words.
fn words(value: &Value, unit: Unit) -> String {
    match value {
        Value::Null => "none".into(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => match (unit, n.as_i64()) {
            (Unit::Days, Some(1)) => "1 day".into(),
            (Unit::Days, _) => format!("{n} days"),
            (Unit::Bits, _) => format!("{n} bits"),
            (Unit::None, _) => n.to_string(),
        },
        Value::String(s) => instant(s).unwrap_or_else(|| s.clone()),
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(|v| words(v, unit)).collect::<Vec<_>>().join("; "),
        Value::Object(map) => object(map),
    }
}

/// An object: a name with where it was found and why (`internal-name-in-san`'s names), or a
/// window (days and severity), else each field in words.
fn object(map: &Map<String, Value>) -> String {
    let text = |k: &str| map.get(k).and_then(Value::as_str);
    match (text("name"), text("field"), text("reason")) {
        (Some(name), Some(field), Some(reason)) => return format!("{name} ({field}): {reason}"),
        (Some(name), None, Some(reason)) => return format!("{name}: {reason}"),
        _ => {}
    }
    if let (Some(days), Some(severity)) = (map.get("days").and_then(Value::as_i64), text("severity")) {
        return format!("{severity} within {days} days");
    }
    map.iter()
        .map(|(k, v)| format!("{}: {}", label(k).0.to_lowercase(), words(v, label(k).1)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An RFC 3339 instant as a date (midnight UTC) or a date and time in UTC.
fn instant(s: &str) -> Option<String> {
    if s.len() < 20 || !s.as_bytes()[4].eq(&b'-') {
        return None;
    }
    let t = chrono::DateTime::parse_from_rfc3339(s)
        .ok()?
        .with_timezone(&chrono::Utc);
    Some(if t.format("%H:%M:%S").to_string() == "00:00:00" {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows_of(v: Value, with_certificate: bool) -> Vec<(String, String)> {
        let Value::Object(map) = v else { panic!("an object") };
        rows(&map, with_certificate)
            .into_iter()
            .map(|r| (r.label, r.value))
            .collect()
    }

    #[test]
    fn labels_are_sorted_for_the_binary_search() {
        assert!(LABELS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn the_expiry_is_not_repeated_under_a_certificate_and_values_are_words() {
        let ev = json!({"days_expired": 92, "not_after": "2026-03-01T00:00:00Z", "window_days": 1});
        assert_eq!(
            rows_of(ev.clone(), true),
            vec![("Warning window".into(), "1 day".into())]
        );
        assert_eq!(
            rows_of(ev, false),
            vec![
                ("Expired for".into(), "92 days".into()),
                ("Not after".into(), "2026-03-01".into()),
                ("Warning window".into(), "1 day".into())
            ]
        );
        let ev = json!({"matching_certificates": [], "bits": 224, "trust_status": "weak-signature",
            "next_effective": "2026-05-01T10:30:00Z", "some_new_key": true});
        assert_eq!(
            rows_of(ev, true),
            vec![
                ("Key size".into(), "224 bits".into()),
                ("Certificates that match".into(), "none".into()),
                (
                    "Next Auth certificate effective from".into(),
                    "2026-05-01 10:30 UTC".into()
                ),
                ("Some new key".into(), "yes".into()),
                (
                    "Trust".into(),
                    "not trusted: a signature in the chain uses a weak algorithm or key".into()
                ),
            ]
        );
    }

    #[test]
    fn rows_with_the_same_words_are_shown_once() {
        let ev = json!({"sources": ["a.xml"], "transport_service_source": "a.xml", "auth_config_source": "a.xml"});
        let got = rows_of(ev, true);
        assert_eq!(got.len(), 3, "different labels stay: {got:?}");
        let ev = json!({"current": "AB", "current_thumbprint": "AB"});
        assert_eq!(
            rows_of(ev, true),
            vec![("Current Auth certificate".into(), "AB".into())]
        );
    }

    #[test]
    fn names_objects_read_as_sentences() {
        let ev = json!({"names": [{"field": "SAN", "name": "EX01", "reason": "single-label name"}],
            "windows": [{"days": 7, "severity": "critical"}]});
        assert_eq!(
            rows_of(ev, true),
            vec![
                ("Names".into(), "EX01 (SAN): single-label name".into()),
                ("Warning windows".into(), "critical within 7 days".into())
            ]
        );
    }
}
