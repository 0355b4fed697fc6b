//! A renewal already made: a newer certificate that holds the services of the old one.

use super::context::PlanContext;
use crate::inventory::server_key;
use crate::report::model::CertificateEntry;
use crate::x509::normalise_dn;

impl PlanContext<'_> {
    /// A newer valid certificate with the same subject (or the same names) that already holds
    /// services on every server where this one is in service: the renewal happened, the old
    /// certificate was left behind.
    pub(super) fn successor(&self) -> Option<&CertificateEntry> {
        if self.servers.iter().any(|u| !u.services_known || u.from_endpoint) {
            return None;
        }
        let names = self.current_names();
        self.report.certificates.iter().find(|c| {
            c.sha256 != self.cert.sha256
                && !c.is_ca
                && c.not_after > self.cert.not_after
                && c.not_before <= self.at
                && c.not_after > self.at
                && c.trust.status.is_trusted() == self.cert.trust.status.is_trusted()
                && (normalise_dn(&c.subject) == normalise_dn(&self.cert.subject) || same_names(&c.dns_names, &names))
                && self.servers.iter().all(|u| {
                    c.bindings.iter().any(|b| {
                        server_key(&b.server) == server_key(&u.server) && b.services_known && !b.services.is_empty()
                    })
                })
        })
    }
}

/// True when both lists hold the same names, ignoring case and order.
pub(super) fn same_names(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|n| n.to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v
    };
    !b.is_empty() && norm(a) == norm(b)
}
