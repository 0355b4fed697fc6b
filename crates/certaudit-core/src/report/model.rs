//! Report v1 (`report.json`): the frozen schema other tools read (see DESIGN.md).
//! Built once from the inventory and the findings; presenters only format it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::verdict::{self, Verdict};
use crate::inventory::{
    AuthConfig, Connector, ContextItem, EndpointStatus, ExchangeServer, InputRecord, Inventory, ProtocolSetting,
    Source, TransportService, WebBinding,
};
use crate::inventory::{AutodiscoverCheck, Certificate, ErrorKind, Protocol};
use crate::rules::{Evaluation, PackInfo, Remediation, Severity};
use crate::time::days_between;

pub use super::coverage::NotAuditedEntry;
use crate::inventory::{ServedChain, Trust};
use crate::waivers::{WaiverOutcome, WaiverSet, WaiverStatus};

/// The schema identifier of this report version.
pub const SCHEMA: &str = "certaudit.report/v1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub scan: Scan,
    pub summary: Summary,
    /// Domains, namespaces, Auth configuration, connectors and POP/IMAP settings in force.
    pub organisation: OrganisationEntry,
    pub certificates: Vec<CertificateEntry>,
    pub endpoints: Vec<EndpointEntry>,
    /// Autodiscover reachability per accepted domain (only when probing).
    pub autodiscover: Vec<AutodiscoverCheck>,
    pub findings: Vec<FindingEntry>,
    /// What in scope was not audited, and why (inputs, endpoints, unknown services, rules).
    #[serde(default)]
    pub not_audited: Vec<NotAuditedEntry>,
    /// Every waiver of `--waivers` and what became of it (applied, expired, unused).
    pub waivers: Vec<WaiverStatus>,
    /// What changed since the last complete scan in the history (absent without history, or
    /// for the first scan recorded).
    #[serde(default)]
    pub changes: Option<super::changes::Changes>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    #[serde(with = "crate::time::serde_rfc3339")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub finished_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub evaluated_at: DateTime<Utc>,
    /// How long the scan took, in seconds (with fractions).
    #[serde(default)]
    pub duration_seconds: f64,
    /// Which audit this scan belongs to: the history compares scans of one audit only.
    #[serde(default)]
    pub audit: AuditRef,
    pub pack: PackRef,
    /// The severity at or above which the scan fails (`--fail-on`).
    pub fail_on: Severity,
    pub inputs: Vec<InputRecord>,
    /// Probe settings, when live endpoints were probed.
    pub probe: Option<ProbeSettings>,
    /// Ctrl-C stopped the scan: some targets were not probed (their endpoints say so).
    pub interrupted: bool,
    /// The waiver file in force, with its SHA-256.
    pub waivers: Option<FileRef>,
    /// The command line (passwords are never on it: only the names of the variable or file
    /// that hold them).
    pub command_line: Vec<String>,
    /// The host the scan ran on.
    pub host: String,
}

/// The audit a scan belongs to: a name given with `--audit` / `audit =`, or a fingerprint of
/// its scope (the inputs, the targets and the pack).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditRef {
    /// The name, or `scope-` and 16 hex digits of the scope's SHA-256.
    pub id: String,
    /// True when the id was given (`--audit`), false for a scope fingerprint.
    pub named: bool,
    /// The scope, one line per input, target and the pack.
    pub scope: Vec<String>,
}

impl AuditRef {
    /// The audit for `scope`: `name` when given, else the scope's fingerprint.
    pub fn new(name: Option<&str>, scope: Vec<String>) -> Self {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Self {
                id: n.to_string(),
                named: true,
                scope,
            },
            None => {
                let digest = crate::digest::sha256_hex(scope.join("\n").as_bytes());
                Self {
                    id: format!("scope-{}", &digest[..16]),
                    named: false,
                    scope,
                }
            }
        }
    }
}

/// A file the scan was configured with, identified by its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
}

/// How live endpoints were probed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeSettings {
    /// The targets as given (`--probe`, `--targets`), before expansion.
    pub targets: Vec<String>,
    pub resolve: Vec<String>,
    pub concurrency: usize,
    pub timeout_seconds: f64,
    pub all_addresses: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackRef {
    pub id: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub certificates: usize,
    pub endpoints: usize,
    pub findings: SeverityCounts,
    pub waived: usize,
    /// Inputs that could not be read completely.
    pub input_errors: usize,
    /// Endpoints that could not be audited (status `error`).
    pub endpoint_errors: usize,
    /// Certificates read from the inputs (not counting those only presented by endpoints).
    #[serde(default)]
    pub certificates_read: usize,
    /// Endpoints audited (status `ok`).
    #[serde(default)]
    pub endpoints_audited: usize,
    /// Items in scope that could not be audited (see `not_audited`).
    #[serde(default)]
    pub not_audited: usize,
    /// `fail` when an unwaived finding is at or above `fail_on`; `incomplete` when nothing in
    /// scope was audited, or (without a failing finding) something in scope was not or the
    /// scan was interrupted; `pass` otherwise.
    pub result: Verdict,
    /// The verdict in words.
    #[serde(default)]
    pub result_detail: String,
}

/// Unwaived findings per severity.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        *match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        } += 1;
    }

    /// The count for one severity.
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateEntry {
    pub sha256: String,
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_before: DateTime<Utc>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_after: DateTime<Utc>,
    pub days_left: i64,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub key: KeyEntry,
    pub signature_algorithm: String,
    pub self_signed: bool,
    /// A CA certificate (judged for expiry and strength, not by name rules).
    pub is_ca: bool,
    pub trust: Trust,
    pub bindings: Vec<BindingEntry>,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    pub algorithm: String,
    pub bits: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// A service binding of a certificate on an Exchange server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BindingEntry {
    pub server: String,
    pub services: Vec<String>,
    /// Exchange's status (`Valid`, `PendingRequest` …) or `unknown`.
    pub status: String,
    /// False when the export did not say which services are bound (never guessed).
    pub services_known: bool,
    /// Exchange's own view of the certificate, when the export carries it.
    pub self_signed: Option<bool>,
    pub root_ca_type: Option<String>,
    /// The export this binding was read from.
    pub source: String,
}

/// The organisation facts the binding-aware rules used.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganisationEntry {
    pub domains: Vec<ContextItem>,
    pub namespaces: Vec<ContextItem>,
    pub auth_configs: Vec<AuthConfig>,
    pub connectors: Vec<Connector>,
    pub protocol_settings: Vec<ProtocolSetting>,
    /// Exchange servers and their roles (`Get-ExchangeServer`).
    pub servers: Vec<ExchangeServer>,
    /// Signs of a hybrid deployment, each naming where it was seen.
    pub hybrid: Vec<String>,
    /// IIS site bindings (`Get-WebBinding`).
    #[serde(default)]
    pub web_bindings: Vec<WebBinding>,
    /// The internal transport certificate per server (`Get-TransportService`).
    #[serde(default)]
    pub transport_services: Vec<TransportService>,
}

/// A probed endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointEntry {
    /// `scheme://host:port`.
    pub target: String,
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// The address connected to.
    pub address: Option<String>,
    /// `ok`, `closed` (a bare host's port refused the connection) or `error`.
    pub status: EndpointStatus,
    /// Why it could not be audited, with the server's words where it gave any.
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// SHA-256 of each presented certificate, leaf first.
    pub chain: Vec<String>,
    /// Whether the chain as served reaches a trust anchor by itself.
    pub served_chain: Option<ServedChain>,
    /// The name sent in SNI (none for IP literals).
    pub sni: Option<String>,
    /// Came from a bare host's expansion to the client set.
    pub expanded: bool,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub probed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingEntry {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    /// SHA-256 of the certificate concerned.
    pub certificate: Option<String>,
    pub endpoint: Option<String>,
    pub server: Option<String>,
    pub services: Vec<String>,
    pub evidence: Map<String, Value>,
    pub remediation: Remediation,
    pub references: Vec<String>,
    pub waiver: Option<WaiverEntry>,
}

/// The accepted-risk waiver that covers a finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverEntry {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

/// Facts about the run that are not in the inventory.
pub struct RunInfo<'a> {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_seconds: f64,
    pub audit: AuditRef,
    pub evaluated_at: DateTime<Utc>,
    pub pack: &'a PackInfo,
    pub fail_on: Severity,
    pub probe: Option<ProbeSettings>,
    pub interrupted: bool,
    pub waivers: Option<&'a WaiverSet>,
    pub command_line: &'a [String],
}

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
            trust: c.trust,
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
            sources: c.sources,
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
        let waiver_statuses: Vec<WaiverStatus> = waivers
            .iter()
            .zip(&matched)
            .map(|(w, &n)| WaiverStatus {
                waiver: w.clone(),
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
                served_chain: e.served_chain.clone(),
                sni: e.sni.clone(),
                expanded: e.expanded,
                probed_at: e.probed_at,
                notes: e.notes.clone(),
            })
            .collect();
        let failing = findings.iter().any(|f| f.waiver.is_none() && f.severity >= run.fail_on);
        let not_audited = super::coverage::not_audited(&inventory, &evaluation.gaps);
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
                domains: organisation.domains,
                namespaces: organisation.namespaces,
                auth_configs: organisation.auth_configs,
                connectors: organisation.connectors,
                protocol_settings: organisation.protocol_settings,
                servers: organisation.servers,
                hybrid: organisation.hybrid,
                web_bindings: organisation.web_bindings,
                transport_services: organisation.transport_services,
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
