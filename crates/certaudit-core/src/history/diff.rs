//! What changed between two scans. Findings are matched by a stable key (rule, certificate
//! or endpoint, server), never by position or message, so a daily countdown of days left
//! does not make a finding look new.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashSet};

use crate::inventory::server_key;
use crate::report::changes::{BindingMove, CertRef, Changes, EndpointChange, FindingChange, Renewal};
use crate::report::Report;
use crate::x509::normalise_dn;

/// What one scan saw, as the history keeps it.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The history id (None for the scan being run).
    pub scan_id: Option<i64>,
    pub started_at: String,
    pub evaluated_at: String,
    pub certificates: Vec<CertRow>,
    pub bindings: Vec<BindingRow>,
    pub endpoints: Vec<EndpointRow>,
    pub findings: Vec<FindingRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRow {
    pub sha256: String,
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_after: String,
    /// DNS names, lowercase and sorted.
    pub names: Vec<String>,
}

/// One service on one server (server as its short lowercase name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRow {
    pub sha256: String,
    pub server: String,
    pub service: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    pub target: String,
    pub address: Option<String>,
    pub status: String,
    /// SHA-256 of the certificate presented first.
    pub leaf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    /// `rule|certificate|endpoint|server`.
    pub key: String,
    pub rule: String,
    pub severity: String,
    pub certificate: Option<String>,
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub message: String,
    pub waived: bool,
}

impl Snapshot {
    /// The snapshot of a report (the scan being run, or one to record).
    pub fn from_report(report: &Report) -> Self {
        let certificates = report
            .certificates
            .iter()
            .map(|c| {
                let mut names: Vec<String> = c.dns_names.iter().map(|n| n.to_ascii_lowercase()).collect();
                names.sort();
                names.dedup();
                CertRow {
                    sha256: c.sha256.clone(),
                    thumbprint: c.thumbprint.clone(),
                    subject: c.subject.clone(),
                    issuer: c.issuer.clone(),
                    serial: c.serial.clone(),
                    not_after: crate::time::rfc3339(c.not_after),
                    names,
                }
            })
            .collect();
        let mut bindings: Vec<BindingRow> = Vec::new();
        let mut seen: HashSet<(&str, String, &str)> = HashSet::default();
        for c in &report.certificates {
            for b in &c.bindings {
                for s in &b.services {
                    if seen.insert((c.sha256.as_str(), server_key(&b.server), s.as_str())) {
                        bindings.push(BindingRow {
                            sha256: c.sha256.clone(),
                            server: server_key(&b.server),
                            service: s.clone(),
                        });
                    }
                }
            }
        }
        let endpoints = report
            .endpoints
            .iter()
            .map(|e| EndpointRow {
                target: e.target.clone(),
                address: e.address.clone(),
                status: format!("{:?}", e.status).to_ascii_lowercase(),
                leaf: e.chain.first().cloned(),
            })
            .collect();
        let findings = report
            .findings
            .iter()
            .map(|f| {
                let server = f.server.as_deref().map(server_key);
                FindingRow {
                    key: finding_key(
                        &f.rule,
                        f.certificate.as_deref(),
                        f.endpoint.as_deref(),
                        server.as_deref(),
                    ),
                    rule: f.rule.clone(),
                    severity: f.severity.as_str().to_string(),
                    certificate: f.certificate.clone(),
                    endpoint: f.endpoint.clone(),
                    server,
                    message: f.message.clone(),
                    waived: f.waiver.is_some(),
                }
            })
            .collect();
        Self {
            scan_id: None,
            started_at: crate::time::rfc3339(report.scan.started_at),
            evaluated_at: crate::time::rfc3339(report.scan.evaluated_at),
            certificates,
            bindings,
            endpoints,
            findings,
        }
    }
}

/// The stable identity of a finding across scans.
pub fn finding_key(rule: &str, certificate: Option<&str>, endpoint: Option<&str>, server: Option<&str>) -> String {
    format!(
        "{rule}|{}|{}|{}",
        certificate.unwrap_or(""),
        endpoint.unwrap_or(""),
        server.unwrap_or("")
    )
}

/// Certificates of a snapshot by SHA-256.
fn index(snap: &Snapshot) -> HashMap<&str, &CertRow> {
    snap.certificates.iter().map(|c| (c.sha256.as_str(), c)).collect()
}

fn cert_ref(by_sha: &HashMap<&str, &CertRow>, sha: &str) -> Option<CertRef> {
    // A row read without its details (`History::snapshot_light`) names no certificate.
    by_sha.get(sha).filter(|c| !c.thumbprint.is_empty()).map(|c| CertRef {
        thumbprint: c.thumbprint.clone(),
        subject: c.subject.clone(),
        not_after: c.not_after.clone(),
    })
}

/// What changed from `before` to `after`. Every lookup goes through a map, so the work grows
/// with the size of the two scans, not with their product.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Changes {
    let (old_certs, new_certs) = (index(before), index(after));
    // A certificate is the same in every scan (its SHA-256 says so): one the earlier snapshot
    // holds without details is described from this scan's.
    let old_ref = |sha: &str| cert_ref(&old_certs, sha).or_else(|| cert_ref(&new_certs, sha));
    let finding_change = |certs: &dyn Fn(&str) -> Option<CertRef>, f: &FindingRow| {
        let cert = f.certificate.as_deref().and_then(certs);
        FindingChange {
            rule: f.rule.clone(),
            severity: f.severity.clone(),
            subject: cert.as_ref().map(|c| c.subject.clone()),
            thumbprint: cert.map(|c| c.thumbprint),
            endpoint: f.endpoint.clone(),
            server: f.server.clone(),
            message: f.message.clone(),
        }
    };
    fn keys(s: &Snapshot) -> HashSet<&str> {
        s.findings.iter().map(|f| f.key.as_str()).collect()
    }
    let (old_keys, new_keys) = (keys(before), keys(after));
    let mut changes = Changes {
        since_scan: before.scan_id,
        since_started_at: before.started_at.clone(),
        since_evaluated_at: before.evaluated_at.clone(),
        ..Changes::default()
    };
    let mut seen = HashSet::default();
    for f in after.findings.iter().filter(|f| !old_keys.contains(f.key.as_str())) {
        if seen.insert(f.key.as_str()) {
            changes
                .new_findings
                .push(finding_change(&|sha| cert_ref(&new_certs, sha), f));
        }
    }
    for f in before.findings.iter().filter(|f| !new_keys.contains(f.key.as_str())) {
        if seen.insert(f.key.as_str()) {
            changes.resolved_findings.push(finding_change(&old_ref, f));
        }
    }

    let appeared: Vec<&CertRow> = after
        .certificates
        .iter()
        .filter(|c| !old_certs.contains_key(c.sha256.as_str()))
        .collect();
    let disappeared: Vec<&CertRow> = before
        .certificates
        .iter()
        .filter(|c| !new_certs.contains_key(c.sha256.as_str()))
        .collect();
    // A renewal: a certificate gone and one come with the same subject or the same names.
    // Appeared certificates are indexed by both, and each is used once, in order.
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::default();
    let mut by_names: HashMap<String, Vec<usize>> = HashMap::default();
    for (i, c) in appeared.iter().enumerate().rev() {
        by_subject.entry(normalise_dn(&c.subject)).or_default().push(i);
        if !c.names.is_empty() {
            by_names.entry(c.names.join(",")).or_default().push(i);
        }
    }
    let mut used = vec![false; appeared.len()];
    let take = |slot: Option<&mut Vec<usize>>, used: &mut Vec<bool>| -> Option<usize> {
        let v = slot?;
        while let Some(&i) = v.last() {
            if used[i] {
                v.pop();
            } else {
                return Some(i);
            }
        }
        None
    };
    let mut gone = Vec::new();
    for old in disappeared {
        let by_dn = take(by_subject.get_mut(&normalise_dn(&old.subject)), &mut used);
        let by_name = if old.names.is_empty() {
            None
        } else {
            take(by_names.get_mut(&old.names.join(",")), &mut used)
        };
        // The earlier of the two in the appeared order, as a scan in order would find it.
        let Some(i) = [by_dn, by_name].into_iter().flatten().min() else {
            gone.push(old);
            continue;
        };
        used[i] = true;
        let new = appeared[i];
        let mut what = Vec::new();
        if new.serial != old.serial {
            what.push("new serial");
        }
        if new.names != old.names {
            what.push("names changed");
        }
        if normalise_dn(&new.issuer) != normalise_dn(&old.issuer) {
            what.push("new issuer");
        }
        changes.renewed_certificates.push(Renewal {
            old: old_ref(&old.sha256).unwrap_or_else(|| unknown(&old.sha256)),
            new: cert_ref(&new_certs, &new.sha256).unwrap_or_else(|| unknown(&new.sha256)),
            note: format!("until {} (was {}); {}", new.not_after, old.not_after, what.join(", ")),
        });
    }
    changes.appeared_certificates = appeared
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .filter_map(|(c, _)| cert_ref(&new_certs, &c.sha256))
        .collect();
    changes.disappeared_certificates = gone.iter().filter_map(|c| old_ref(&c.sha256)).collect();

    // Bindings: per (server, service), the set of certificates holding it.
    let holders = |s: &Snapshot| {
        let mut m: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for b in &s.bindings {
            m.entry((b.server.clone(), b.service.clone()))
                .or_default()
                .insert(b.sha256.clone());
        }
        m
    };
    let (old_h, new_h) = (holders(before), holders(after));
    let slots: BTreeSet<&(String, String)> = old_h.keys().chain(new_h.keys()).collect();
    let empty = BTreeSet::new();
    for slot in slots {
        let (was, now) = (old_h.get(slot).unwrap_or(&empty), new_h.get(slot).unwrap_or(&empty));
        if was == now {
            continue;
        }
        changes.binding_moves.push(BindingMove {
            server: slot.0.clone(),
            service: slot.1.clone(),
            from: was.difference(now).filter_map(|s| old_ref(s)).collect(),
            to: now.difference(was).filter_map(|s| cert_ref(&new_certs, s)).collect(),
        });
    }

    let old_endpoints: HashMap<(&str, Option<&str>), &EndpointRow> = before
        .endpoints
        .iter()
        .map(|e| ((e.target.as_str(), e.address.as_deref()), e))
        .collect();
    for e in &after.endpoints {
        let Some(old) = old_endpoints.get(&(e.target.as_str(), e.address.as_deref())) else {
            continue;
        };
        if old.leaf != e.leaf && old.leaf.is_some() && e.leaf.is_some() {
            changes.endpoint_changes.push(EndpointChange {
                target: e.target.clone(),
                address: e.address.clone(),
                from: old.leaf.as_deref().and_then(old_ref),
                to: e.leaf.as_deref().and_then(|s| cert_ref(&new_certs, s)),
            });
        }
    }
    changes
}

fn unknown(sha256: &str) -> CertRef {
    CertRef {
        thumbprint: String::new(),
        subject: format!("sha256 {sha256}"),
        not_after: String::new(),
    }
}
