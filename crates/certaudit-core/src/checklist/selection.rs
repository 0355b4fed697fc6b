//! Which certificates the checklist plans: where each is in service, and why it is planned.

use chrono::{DateTime, Utc};

use super::context::{day, Org};
use super::ServerUse;
use crate::inventory::server_key;
use crate::report::model::{CertificateEntry, FindingEntry, Report};

/// Where the certificate is in service: bindings with services (or unknown services), else the
/// hosts of endpoints that present it.
pub(super) fn server_uses(cert: &CertificateEntry, report: &Report) -> Vec<ServerUse> {
    let mut uses: Vec<ServerUse> = Vec::new();
    for b in &cert.bindings {
        if b.services_known && b.services.is_empty() {
            continue;
        }
        match uses.iter_mut().find(|u| server_key(&u.server) == server_key(&b.server)) {
            Some(u) => {
                for s in &b.services {
                    if !u.services.contains(s) {
                        u.services.push(s.clone());
                    }
                }
                u.services_known &= b.services_known;
            }
            None => uses.push(ServerUse {
                server: b.server.clone(),
                services: b.services.clone(),
                services_known: b.services_known,
                edge: Org::is_edge(report, &b.server),
                from_endpoint: false,
            }),
        }
    }
    if uses.is_empty() {
        for e in report.presented_by(&cert.sha256) {
            let service = e.protocol.service().to_string();
            match uses.iter_mut().find(|u| u.server.eq_ignore_ascii_case(&e.host)) {
                Some(u) if !u.services.contains(&service) => u.services.push(service),
                Some(_) => {}
                None => uses.push(ServerUse {
                    server: e.host.clone(),
                    services: vec![service],
                    services_known: true,
                    edge: false,
                    from_endpoint: true,
                }),
            }
        }
    }
    uses
}

/// One sentence per reason: the expiry, then each distinct finding.
pub(super) fn reasons(
    cert: &CertificateEntry,
    findings: &[&FindingEntry],
    at: DateTime<Utc>,
    expiring: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let date = day(cert.not_after);
    if cert.not_after <= at {
        out.push(format!("expired on {date}"));
    } else if expiring {
        out.push(format!("expires on {date} ({} days left)", cert.days_left));
    }
    for f in findings {
        let text = match &f.waiver {
            None => format!("{} {}: {}", f.severity.as_str(), f.rule, f.title),
            Some(w) => format!("{} (waived until {}: {})", f.rule, w.expires, w.reason),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}
