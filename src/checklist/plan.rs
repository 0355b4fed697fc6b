//! Builds the checklist: for each certificate in service that needs work, which kind of plan
//! (renew, renew self-signed, Auth rollover, retire), and the context its parts are built
//! from. The parts: `selection.rs` (where a certificate is in service and why it is planned),
//! `names.rs` (names, key and lifetime to request), `successor.rs` (a renewal already made),
//! `steps.rs` and `auth_steps.rs` (the Exchange Management Shell steps).

use chrono::{DateTime, Utc};

use super::selection::{reasons, server_uses};
use super::steps::{verify_command, verify_step};
use super::{Checklist, NotPlanned, OrganisationFacts, Plan, PlanKind, ServerUse, SCHEMA};
use crate::inventory::needs_autodiscover;
use crate::inventory::{parse_tls_certificate_name, server_key};
use crate::report::model::{CertificateEntry, FindingEntry, Report};
use crate::x509::{normalise_dn, subject_common_names};

/// Builds the checklist: a plan for each certificate in service that expires before `before`
/// or has an unwaived finding, in order of expiry.
pub fn build(report: &Report, at: DateTime<Utc>, before: DateTime<Utc>) -> Checklist {
    let org = Org::new(report);
    let verify_command = verify_command(report);
    let mut plans = Vec::new();
    let mut not_planned = Vec::new();
    for cert in report.certificates.iter().filter(|c| !c.is_ca) {
        let findings: Vec<&FindingEntry> = report
            .findings
            .iter()
            .filter(|f| f.certificate.as_deref() == Some(cert.sha256.as_str()))
            .collect();
        let expiring = cert.not_after < before;
        let open = findings.iter().any(|f| f.waiver.is_none());
        if !expiring && !open {
            continue;
        }
        let servers = server_uses(cert, report);
        let endpoints: Vec<String> = report.presented_by(&cert.sha256).map(|e| e.target.clone()).collect();
        // `server_uses` falls back to the hosts of the endpoints that present the certificate:
        // no server means neither a binding nor an endpoint.
        if servers.is_empty() {
            not_planned.push(NotPlanned {
                thumbprint: cert.thumbprint.clone(),
                subject: cert.subject.clone(),
                not_after: cert.not_after,
                reason: match org.auth_role(&cert.thumbprint) {
                    Some("next") => "Get-AuthConfig's staged next Auth certificate: keep it; Set-AuthConfig -PublishCertificate makes it the current one".into(),
                    Some("previous") => "Get-AuthConfig's previous Auth certificate: clear it with Set-AuthConfig -ClearPreviousCertificate before removing it".into(),
                    Some(_) => "Get-AuthConfig's current Auth certificate: never remove it".into(),
                    None if cert.bindings.is_empty() => "bound to no Exchange service in the exports and presented by no probed endpoint: nothing to renew on Exchange".into(),
                    None => "on an Exchange server but bound to no service: remove it with Remove-ExchangeCertificate once you have confirmed nothing uses it".into(),
                },
            });
            continue;
        }
        let reasons = reasons(cert, &findings, at, expiring);
        let Some(first) = servers
            .iter()
            .find(|u| !u.edge && u.services_known && !u.from_endpoint)
            .or_else(|| servers.first())
        else {
            continue; // `servers` is not empty
        };
        let ctx = PlanContext {
            cert,
            report,
            org: &org,
            servers: &servers,
            first,
            at,
        };
        let mut plan = Plan {
            kind: PlanKind::Renew,
            thumbprint: cert.thumbprint.clone(),
            sha256: cert.sha256.clone(),
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
            not_after: cert.not_after,
            days_left: cert.days_left,
            reasons,
            servers: servers.clone(),
            endpoints,
            successor: None,
            names: None,
            request: None,
            steps: Vec::new(),
        };
        if org.auth_current.contains(&cert.thumbprint) {
            plan.kind = PlanKind::AuthRollover;
            if org.staged_next(&cert.thumbprint).is_none() {
                plan.request = Some(ctx.request_plan(true));
            }
            plan.steps = ctx.auth_rollover_steps();
        } else if let Some(successor) = ctx.successor() {
            plan.kind = PlanKind::Retire;
            plan.successor = Some(successor.thumbprint.clone());
            plan.steps = ctx.retire_steps(successor);
        } else if cert.self_signed {
            plan.kind = PlanKind::RenewSelfSigned;
            plan.names = Some(ctx.name_plan(false));
            plan.request = Some(ctx.request_plan(true));
            plan.steps = ctx.self_signed_steps();
        } else {
            let names = ctx.name_plan(true);
            plan.request = Some(ctx.request_plan(false));
            plan.steps = ctx.renew_steps(&names, plan.request.as_ref().map_or(2048, |r| r.key_size));
            plan.names = Some(names);
        }
        plan.steps.push(verify_step(&servers, &verify_command));
        plans.push(plan);
    }
    plans.sort_by(|a, b| a.not_after.cmp(&b.not_after).then(a.thumbprint.cmp(&b.thumbprint)));
    Checklist {
        schema: SCHEMA.into(),
        tool: format!("certaudit {}", env!("CARGO_PKG_VERSION")),
        evaluated_at: report.scan.evaluated_at,
        before,
        verify_command,
        organisation: OrganisationFacts {
            domains: org.autodiscover_domains.clone(),
            namespaces: org.namespaces.clone(),
            edge_servers: report
                .organisation
                .servers
                .iter()
                .filter(|s| s.edge)
                .map(|s| s.name.clone())
                .collect(),
            hybrid: report.organisation.hybrid.clone(),
        },
        plans,
        not_planned,
    }
}

/// Organisation facts prepared once.
pub(super) struct Org {
    pub(super) namespaces: Vec<String>,
    pub(super) autodiscover_domains: Vec<String>,
    /// Server names and FQDNs (lowercase): names that Microsoft says to leave out of client certificates.
    pub(super) server_names: Vec<String>,
    pub(super) auth_current: Vec<String>,
    /// Get-AuthConfig entries, thumbprints uppercase.
    pub(super) auth: Vec<AuthEntry>,
}

/// Get-AuthConfig: (current, next, next effective date, previous).
pub(super) type AuthEntry = (Option<String>, Option<String>, Option<DateTime<Utc>>, Option<String>);

impl Org {
    pub(super) fn new(report: &Report) -> Self {
        let o = &report.organisation;
        let mut server_names: Vec<String> = Vec::new();
        for s in &o.servers {
            server_names.push(s.name.to_ascii_lowercase());
            server_names.extend(s.fqdn.clone());
        }
        for c in &report.certificates {
            for b in &c.bindings {
                let name = b.server.to_ascii_lowercase();
                if !name.starts_with('(') {
                    server_names.push(name);
                }
            }
        }
        server_names.sort();
        server_names.dedup();
        Self {
            namespaces: o.namespaces.iter().map(|n| n.name.clone()).collect(),
            autodiscover_domains: o
                .domains
                .iter()
                .map(|d| d.name.clone())
                .filter(|d| needs_autodiscover(d))
                .collect(),
            server_names,
            auth_current: o
                .auth_configs
                .iter()
                .flat_map(|a| [&a.current, &a.next])
                .flatten()
                .map(|t| t.to_ascii_uppercase())
                .collect(),
            auth: o
                .auth_configs
                .iter()
                .map(|a| {
                    let up = |t: &Option<String>| t.as_ref().map(|t| t.to_ascii_uppercase());
                    (up(&a.current), up(&a.next), a.next_effective, up(&a.previous))
                })
                .collect(),
        }
    }

    /// The role Get-AuthConfig gives a thumbprint: `current`, `next` or `previous`.
    pub(super) fn auth_role(&self, thumbprint: &str) -> Option<&'static str> {
        let t = Some(thumbprint.to_ascii_uppercase());
        self.auth.iter().find_map(|(c, n, _, p)| {
            if *c == t {
                Some("current")
            } else if *n == t {
                Some("next")
            } else if *p == t {
                Some("previous")
            } else {
                None
            }
        })
    }

    /// The next certificate staged beside `current`, with its effective date.
    pub(super) fn staged_next(&self, current: &str) -> Option<(&str, Option<DateTime<Utc>>)> {
        self.auth.iter().find_map(|(c, n, e, _)| {
            let next = n.as_deref()?;
            (c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(current)) && !next.eq_ignore_ascii_case(current))
                .then_some((next, *e))
        })
    }

    pub(super) fn is_edge(report: &Report, server: &str) -> bool {
        let key = server_key(server);
        report
            .organisation
            .servers
            .iter()
            .any(|s| s.edge && server_key(&s.name) == key)
    }
}

/// The date of an instant (`2026-06-30`), as plans write expiry dates.
pub(super) fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// What the plan of one certificate is built from.
pub(super) struct PlanContext<'a> {
    pub(super) cert: &'a CertificateEntry,
    pub(super) report: &'a Report,
    pub(super) org: &'a Org,
    pub(super) servers: &'a [ServerUse],
    /// Where the request is made: the first non-Edge server with known services.
    pub(super) first: &'a ServerUse,
    pub(super) at: DateTime<Utc>,
}

impl PlanContext<'_> {
    pub(super) fn holds(&self, service: &str) -> bool {
        self.servers.iter().any(|u| u.services.iter().any(|s| s == service))
    }

    /// The server the request is made on: the first non-Edge server with known services.
    pub(super) fn first_server(&self) -> &ServerUse {
        self.first
    }

    pub(super) fn current_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.cert.dns_names.iter().map(|n| n.to_ascii_lowercase()).collect();
        if names.is_empty() {
            if let Some(cn) = subject_common_names(&self.cert.subject).next() {
                names.push(cn.to_ascii_lowercase());
            }
        }
        names.dedup();
        names
    }

    pub(super) fn protocol_settings(&self, service: &str) -> Vec<&crate::inventory::ProtocolSetting> {
        self.report
            .organisation
            .protocol_settings
            .iter()
            .filter(|p| {
                p.protocol == service
                    && self
                        .servers
                        .iter()
                        .any(|u| server_key(&u.server) == server_key(&p.server))
            })
            .collect()
    }

    /// Connectors whose TlsCertificateName names this certificate (issuer and subject).
    pub(super) fn connectors(&self) -> Vec<&crate::inventory::Connector> {
        let (issuer, subject) = (normalise_dn(&self.cert.issuer), normalise_dn(&self.cert.subject));
        self.report
            .organisation
            .connectors
            .iter()
            .filter(|c| {
                c.tls_certificate_name
                    .as_deref()
                    .and_then(parse_tls_certificate_name)
                    .is_some_and(|(i, s)| normalise_dn(&i) == issuer && normalise_dn(&s) == subject)
            })
            .collect()
    }
}
