//! Building the report from the evaluated inventory and the findings, and the verdict in words.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::{
    BindingEntry, CertificateEntry, EndpointEntry, FileRef, FindingEntry, KeyEntry, NotAuditedEntry, OrganisationEntry,
    PackRef, Report, RunInfo, Scan, SeverityCounts, Summary, Tool, WaiverEntry, WaiverStatusEntry, SCHEMA,
};
use crate::inventory::Certificate;
use crate::inventory::{EndpointStatus, Inventory};
use crate::report::verdict::{self, Verdict};
use crate::rules::{Evaluation, Severity};
use crate::time::days_between;

use crate::waivers::WaiverOutcome;
impl CertificateEntry {
    /// The report's entry for a certificate, its fields moved out of the inventory's.
    fn from_certificate(c: Certificate, evaluated_at: DateTime<Utc>) -> Self {
        let d = c.details;
        CertificateEntry {
            sha256: c.sha256,
            thumbprint: c.thumbprint,
            subject: d.subject,
            issuer: d.issuer,
            serial: d.serial,
            not_before: d.not_before,
            not_after: d.not_after,
            days_left: days_between(evaluated_at, d.not_after),
            dns_names: d.dns_names,
            ip_addresses: d.ip_addresses.iter().map(|ip| ip.to_string()).collect(),
            key: KeyEntry {
                algorithm: d.key.algorithm,
                bits: d.key.bits,
                curve: d.key.curve,
            },
            signature_algorithm: d.signature_algorithm,
            self_signed: d.self_signed,
            is_ca: d.is_ca,
            trust: c.trust.into(),
            bindings: c
                .bindings
                .into_iter()
                .map(|b| BindingEntry {
                    services_known: b.services.is_some(),
                    services: b
                        .services
                        .map(|s| s.names().iter().map(|n| n.to_string()).collect())
                        .unwrap_or_default(),
                    server: b.server,
                    status: b.status.unwrap_or_else(|| "unknown".into()),
                    self_signed: b.self_signed,
                    root_ca_type: b.root_ca_type,
                    source: b.source,
                })
                .collect(),
            sources: c.sources.into_iter().map(Into::into).collect(),
        }
    }
}

impl Report {
    /// Builds the report from the evaluated inventory and the findings, taking both: the
    /// certificates' fields move into the report (in parallel), and what only the scan needed
    /// (DER, raw names) is freed as it goes, so that the inventory and the report are never
    /// both held whole.
    pub fn build(inventory: Inventory, evaluation: Evaluation, run: &RunInfo<'_>) -> Self {
        let findings = &evaluation.findings;
        let waivers: &[crate::waivers::Waiver] = run.waivers.map(|w| w.waivers.as_slice()).unwrap_or(&[]);
        let mut matched = vec![0usize; waivers.len()];
        let findings: Vec<FindingEntry> = findings
            .iter()
            .map(|f| {
                let cert = f.certificate.map(|i| &inventory.certificates[i]);
                let endpoint = f.endpoint.map(|e| inventory.endpoints[e].target.as_str());
                let mut waiver = None;
                for (i, w) in waivers.iter().enumerate() {
                    if w.covers(
                        f.rule.id,
                        cert.map(|c| c.thumbprint.as_str()),
                        endpoint,
                        f.server.as_deref(),
                    ) {
                        matched[i] += 1;
                        if waiver.is_none() && run.evaluated_at < w.ends_at {
                            waiver = Some(WaiverEntry {
                                reason: w.reason.clone(),
                                owner: w.owner.clone(),
                                expires: w.expires.clone(),
                            });
                        }
                    }
                }
                (f, waiver)
            })
            .map(|(f, waiver)| FindingEntry {
                rule: f.rule.id.to_string(),
                severity: f.severity,
                title: f.rule.title.to_string(),
                message: f.message.clone(),
                certificate: f.certificate.map(|i| inventory.certificates[i].sha256.clone()),
                endpoint: f.endpoint.map(|e| inventory.endpoints[e].target.clone()),
                server: f.server.clone(),
                services: f.services.clone(),
                evidence: f.evidence.clone(),
                remediation: f.remediation.clone(),
                references: f.rule.references.iter().map(|r| r.to_string()).collect(),
                waiver,
            })
            .collect();
        let waiver_statuses: Vec<WaiverStatusEntry> = waivers
            .iter()
            .zip(&matched)
            .map(|(w, &n)| WaiverStatusEntry {
                waiver: w.clone().into(),
                status: if run.evaluated_at >= w.ends_at {
                    WaiverOutcome::Expired
                } else if n == 0 {
                    WaiverOutcome::Unused
                } else {
                    WaiverOutcome::Applied
                },
                matched: n,
            })
            .collect();
        let mut counts = SeverityCounts::default();
        findings
            .iter()
            .filter(|f| f.waiver.is_none())
            .for_each(|f| counts.add(f.severity));
        let endpoints: Vec<EndpointEntry> = inventory
            .endpoints
            .iter()
            .map(|e| EndpointEntry {
                target: e.target.clone(),
                host: e.host.clone(),
                port: e.port,
                protocol: e.protocol,
                address: e.address.clone(),
                status: e.status,
                error: e.error.as_ref().map(|x| x.message.clone()),
                error_kind: e.error.as_ref().map(|x| x.kind),
                tls_version: e.tls_version.clone(),
                cipher: e.cipher.clone(),
                chain: e.chain.clone(),
                served_chain: e.served_chain.clone().map(Into::into),
                sni: e.sni.clone(),
                expanded: e.expanded,
                probed_at: e.probed_at,
                notes: e.notes.clone(),
                leaf_without_sni: e.leaf_without_sni.clone(),
                protocols: e.protocols.clone(),
                staple_requested: e.staple_requested,
                ocsp_staple: e.staple_check.clone(),
            })
            .collect();
        let failing = findings.iter().any(|f| f.waiver.is_none() && f.severity >= run.fail_on);
        let not_audited = crate::report::coverage::not_audited(&inventory, &evaluation.gaps);
        let certificates_read = inventory.inputs.iter().map(|i| i.certificates).sum::<usize>();
        let endpoints_audited = endpoints.iter().filter(|e| e.status == EndpointStatus::Ok).count();
        let result = verdict::verdict(verdict::Facts {
            audited_anything: certificates_read > 0 || endpoints_audited > 0,
            failing,
            interrupted: run.interrupted,
            not_audited: not_audited.len(),
        });
        let result_detail = describe_verdict(
            result,
            &counts,
            run,
            &not_audited,
            certificates_read + endpoints_audited,
        );
        let input_errors = inventory.inputs.iter().filter(|i| i.error.is_some()).count();
        let Inventory {
            certificates,
            inputs,
            organisation,
            autodiscover,
            ..
        } = inventory;
        let inputs: Vec<_> = inputs.into_iter().map(Into::into).collect();
        let autodiscover: Vec<_> = autodiscover.into_iter().map(Into::into).collect();
        let evaluated_at = run.evaluated_at;
        let certificates: Vec<CertificateEntry> = certificates
            .into_par_iter()
            .map(|c| CertificateEntry::from_certificate(c, evaluated_at))
            .collect();
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool {
                name: "certaudit".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            scan: Scan {
                started_at: run.started_at,
                finished_at: run.finished_at,
                evaluated_at: run.evaluated_at,
                duration_seconds: run.duration_seconds,
                audit: run.audit.clone(),
                pack: PackRef {
                    id: run.pack.id.clone(),
                    sha256: run.pack.sha256.clone(),
                },
                fail_on: run.fail_on,
                inputs,
                probe: run.probe.clone(),
                interrupted: run.interrupted,
                waivers: run.waivers.map(|w| FileRef {
                    path: w.source.clone(),
                    sha256: w.sha256.clone(),
                }),
                command_line: run.command_line.to_vec(),
                host: gethostname::gethostname().to_string_lossy().into_owned(),
            },
            summary: Summary {
                certificates: certificates.len(),
                endpoints: endpoints.len(),
                findings: counts,
                waived: findings.iter().filter(|f| f.waiver.is_some()).count(),
                input_errors,
                endpoint_errors: endpoints.iter().filter(|e| e.status == EndpointStatus::Error).count(),
                certificates_read,
                endpoints_audited,
                not_audited: not_audited.len(),
                result,
                result_detail,
            },
            organisation: OrganisationEntry {
                domains: organisation.domains.into_iter().map(Into::into).collect(),
                namespaces: organisation.namespaces.into_iter().map(Into::into).collect(),
                auth_configs: organisation.auth_configs.into_iter().map(Into::into).collect(),
                connectors: organisation.connectors.into_iter().map(Into::into).collect(),
                protocol_settings: organisation.protocol_settings.into_iter().map(Into::into).collect(),
                servers: organisation.servers.into_iter().map(Into::into).collect(),
                hybrid: organisation.hybrid,
                web_bindings: organisation.web_bindings.into_iter().map(Into::into).collect(),
                transport_services: organisation.transport_services.into_iter().map(Into::into).collect(),
            },
            certificates,
            endpoints,
            autodiscover,
            findings,
            not_audited,
            waivers: waiver_statuses,
            changes: None,
        }
    }

    /// Unwaived findings at or above the scan's `--fail-on`.
    pub fn failing_findings(&self) -> usize {
        Severity::DESCENDING
            .iter()
            .filter(|s| **s >= self.scan.fail_on)
            .map(|s| self.summary.findings.get(*s))
            .sum()
    }

    /// Certificates by SHA-256, for presenters that join findings to certificates.
    pub fn certificates_by_sha256(&self) -> BTreeMap<&str, &CertificateEntry> {
        self.certificates.iter().map(|c| (c.sha256.as_str(), c)).collect()
    }

    /// The endpoints that present the certificate `sha256` first (as their leaf).
    pub fn presented_by<'a>(&'a self, sha256: &'a str) -> impl Iterator<Item = &'a EndpointEntry> + 'a {
        self.endpoints
            .iter()
            .filter(move |e| e.chain.first().map(String::as_str) == Some(sha256))
    }
}

/// The verdict in words: what fails, or what was not audited.
fn describe_verdict(
    result: Verdict,
    counts: &SeverityCounts,
    run: &RunInfo<'_>,
    not_audited: &[NotAuditedEntry],
    audited: usize,
) -> String {
    match result {
        Verdict::Pass => format!(
            "pass: no unwaived finding at or above {}, and everything in scope was audited",
            run.fail_on
        ),
        Verdict::Fail => {
            let failing: Vec<String> = Severity::DESCENDING
                .iter()
                .filter(|s| **s >= run.fail_on && counts.get(**s) > 0)
                .map(|s| format!("{} {s}", counts.get(*s)))
                .collect();
            let mut text = format!(
                "fail: {} unwaived finding(s) remain at or above {}",
                join_and(&failing),
                run.fail_on
            );
            if !not_audited.is_empty() || run.interrupted {
                text.push_str(&format!(
                    "; besides, {} item(s) in scope could not be audited",
                    not_audited.len()
                ));
            }
            text
        }
        Verdict::Incomplete => {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            for n in not_audited {
                *kinds.entry(n.kind.as_str()).or_default() += 1;
            }
            let mut parts: Vec<String> = kinds
                .iter()
                .map(|(kind, n)| {
                    let what = match *kind {
                        "input" => "input(s) could not be read",
                        "endpoint" => "endpoint(s) could not be audited",
                        "target" => "host(s) answered on no port",
                        "services" => "certificate binding(s) with unknown services",
                        _ => "item(s) a rule could not judge",
                    };
                    format!("{n} {what}")
                })
                .collect();
            if run.interrupted {
                parts.insert(0, "the scan was interrupted".into());
            }
            if audited == 0 {
                parts.insert(0, "nothing in scope could be audited".into());
            }
            format!("incomplete: {}", parts.join("; "))
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
