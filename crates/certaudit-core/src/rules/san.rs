//! Helpers of the rules that check names (`missing-autodiscover-san`, `missing-mail-san`).

use super::Hit;
use crate::inventory::{Certificate, Endpoint};

/// The names of `wanted` that the certificate's SAN DNS names do not cover (RFC 6125).
pub(super) fn uncovered_names(cert: &Certificate, wanted: &[String]) -> Vec<String> {
    wanted
        .iter()
        .filter(|n| !crate::x509::names_cover(&cert.details.dns_names, n))
        .cloned()
        .collect()
}

/// The certificate's DNS names followed by `extra` (each once), comma-separated: the
/// `-DomainName` list of a replacement request.
pub(super) fn names_plus(cert: &Certificate, extra: &[String]) -> String {
    let mut names: Vec<String> = cert.details.dns_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    for n in extra {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names.join(",")
}

/// The hit for an endpoint whose certificate lacks `missing` of the names listed as `key`.
pub(super) fn endpoint_lacks_names(
    index: usize,
    endpoint: &Endpoint,
    cert: &Certificate,
    missing: Vec<String>,
    key: &str,
    wanted: Vec<String>,
) -> Hit {
    Hit::new(format!(
        "{} serves a certificate that lacks {}.",
        endpoint.target,
        missing.join(", ")
    ))
    .with("missing_names", missing)
    .with(key, wanted)
    .with("dns_names", cert.details.dns_names.clone())
    .at_endpoint(index, endpoint)
}
