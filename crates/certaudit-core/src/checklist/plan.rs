//! Builds the checklist: for each certificate in service that needs work, which kind of plan
//! (renew, renew self-signed, Auth rollover, retire), and the context its parts are built
//! from. The parts: `selection.rs` (where a certificate is in service and why it is planned),
//! `names.rs` (names, key and lifetime to request), `successor.rs` (a renewal already made),
//! `steps.rs` and `auth_steps.rs` (the Exchange Management Shell steps), all built on
//! `context.rs`; and, apart from certificates, the servers whose TLS configuration needs work
//! (`tls_steps.rs`).

use chrono::{DateTime, Utc};

use super::context::{Org, PlanContext};
use super::selection::{reasons, server_uses};
use super::steps::{verify_command, verify_step};
use super::{Checklist, NotPlanned, OrganisationFacts, Plan, PlanKind, SCHEMA};
use crate::report::model::{FindingEntry, Report};

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
            .filter(|f| !super::TLS_CONFIGURATION_RULES.contains(&f.rule.as_str()))
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
    let tls = super::tls_steps::plans(report, &verify_command);
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
        tls,
    }
}
