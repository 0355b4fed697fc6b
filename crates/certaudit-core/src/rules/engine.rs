//! The engine: runs the enabled rules of a pack over an inventory, repeats certificate
//! findings per server (or ties them to the endpoints that served the certificate), fills
//! remediation templates, and sorts the findings.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::remediation::Remediation;
use super::{ConfiguredRule, Context, Gap, Hit, RuleMeta, RuleSet, Scope, Severity};
use crate::inventory::{service_names, Certificate, Inventory, Organisation};

/// A finding as the engine produces it, before it is frozen into the report model.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// Index into the inventory's certificates.
    pub certificate: Option<usize>,
    /// Index into the inventory's endpoints.
    pub endpoint: Option<usize>,
    pub server: Option<String>,
    pub services: Vec<String>,
    pub evidence: Map<String, Value>,
    /// Remediation: the rule's template with the certificate's and server's values.
    pub remediation: Remediation,
}

/// What the rules made of an inventory.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Sorted by severity (most severe first), then rule order, then certificate and server.
    pub findings: Vec<Finding>,
    /// What rules could not judge, in rule order.
    pub gaps: Vec<Gap>,
}

/// Runs every enabled rule of the set over the inventory.
pub fn evaluate(inventory: &Inventory, rules: &RuleSet, at: DateTime<Utc>) -> Evaluation {
    use rayon::prelude::*;
    let ctx = Context::new(inventory, at);
    let mut findings: Vec<Finding> = inventory
        .certificates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, cert)| {
            let ctx = &ctx;
            rules.enabled().flat_map(move |configured| {
                let meta = configured.rule.meta();
                if meta.scope == Scope::EndEntity && cert.details.is_ca {
                    return Vec::new();
                }
                configured
                    .rule
                    .check_certificate(cert, ctx)
                    .into_iter()
                    .flat_map(|hit| per_server(hit, cert))
                    .map(|hit| served_on(hit, i, ctx))
                    .map(|hit| {
                        finding(
                            configured,
                            Hit {
                                certificate: Some(i),
                                ..hit
                            },
                            ctx,
                        )
                    })
                    .collect()
            })
        })
        .collect();
    for (e, endpoint) in inventory.endpoints.iter().enumerate() {
        for configured in rules.enabled() {
            for mut hit in configured.rule.check_endpoint(e, endpoint, &ctx) {
                hit.endpoint = Some(e);
                if hit.certificate.is_none() {
                    hit.certificate = ctx.leaf(endpoint).map(|(i, _)| i);
                }
                if hit.server.is_none() {
                    hit.server = ctx.server_for_host(&endpoint.host).cloned();
                }
                findings.push(finding(configured, hit, &ctx));
            }
        }
    }
    for configured in rules.enabled() {
        for hit in configured.rule.check_organisation(&ctx) {
            findings.push(finding(configured, hit, &ctx));
        }
    }
    let order = |id: &str| {
        rules
            .rules
            .iter()
            .position(|r| r.rule.meta().id == id)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| order(a.rule.id).cmp(&order(b.rule.id)))
            .then_with(|| a.certificate.cmp(&b.certificate))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
            .then_with(|| a.server.cmp(&b.server))
    });
    let mut gaps = ctx.into_gaps();
    gaps.sort_by(|a, b| {
        order(a.rule)
            .cmp(&order(b.rule))
            .then_with(|| a.server.cmp(&b.server))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    gaps.dedup();
    Evaluation { findings, gaps }
}

/// A certificate hit that names no server is repeated for each server the certificate is
/// bound on, with that server's services.
fn per_server(hit: Hit, cert: &Certificate) -> Vec<Hit> {
    if hit.server.is_some() || hit.endpoint.is_some() || cert.bindings.is_empty() {
        return vec![hit];
    }
    cert.bindings
        .iter()
        .map(|b| Hit {
            server: Some(b.server.clone()),
            services: service_names(b),
            ..hit.clone()
        })
        .collect()
}

/// A certificate hit about a certificate that endpoints presented lists them; when no Exchange
/// binding names a server, the first endpoint (and the services of all) stand for where it is seen.
fn served_on(mut hit: Hit, cert: usize, ctx: &Context<'_>) -> Hit {
    let serving = ctx.endpoints_serving(cert);
    if serving.is_empty() {
        return hit;
    }
    let endpoints = &ctx.inventory.endpoints;
    if serving.len() > 1 && !hit.evidence.contains_key("endpoints") {
        let targets: Vec<String> = serving.iter().map(|&e| endpoints[e].target.clone()).collect();
        hit = hit.with("endpoints", targets);
    }
    if hit.server.is_none() && hit.endpoint.is_none() {
        hit.endpoint = Some(serving[0]);
        hit.services = ctx.services_of_endpoints(serving);
    }
    hit
}

/// Remediation values every finding may use: `{namespace}` (the first client namespace, else
/// `mail.` under the first accepted domain) and `{domain}` (the first accepted domain).
fn organisation_vars(org: &Organisation) -> [(&'static str, Option<String>); 2] {
    let domain = org.autodiscover_domains().into_iter().next();
    let namespace = org
        .namespaces
        .first()
        .map(|n| n.name.clone())
        .or_else(|| domain.as_ref().map(|d| format!("mail.{d}")));
    [("namespace", namespace), ("domain", domain)]
}

/// Edge Transport servers are not in the organisation's Active Directory: their cmdlets run
/// in the Edge server's own shell, without `-Server`.
const EDGE_SHELL: &str = " (Run these in the Exchange Management Shell on {server} itself: an Edge Transport server is managed locally, without -Server.)";

fn finding(configured: &ConfiguredRule, hit: Hit, ctx: &Context<'_>) -> Finding {
    let inventory = ctx.inventory;
    let meta = configured.rule.meta();
    let on_edge = hit.server.as_deref().is_some_and(|s| ctx.is_edge(s));
    let template = match (hit.remediation, on_edge, meta.edge_remediation) {
        (Some(own), _, _) => own,
        (None, true, Some(edge)) => edge,
        _ => meta.remediation,
    };
    let cert = hit.certificate.map(|i| &inventory.certificates[i]);
    let template: Cow<'static, str> = if on_edge && template.contains("-Server {server}") {
        Cow::Owned(template.replace(" -Server {server}", "") + EDGE_SHELL)
    } else {
        Cow::Borrowed(template)
    };
    let services = (!hit.services.is_empty()).then(|| hit.services.join(","));
    let endpoint = hit.endpoint.map(|e| &inventory.endpoints[e]);
    let known = |key: &str| -> Option<String> {
        if let Some((_, v)) = hit.vars.iter().find(|(k, _)| *k == key) {
            return Some(v.clone());
        }
        match key {
            "server" => hit.server.clone(),
            "services" => services.clone(),
            "endpoint" => endpoint.map(|e| e.target.clone()),
            "host" => endpoint.map(|e| e.host.clone()),
            "thumbprint" => cert.map(|c| c.thumbprint.clone()),
            "subject" => cert.map(|c| c.details.subject.clone()),
            "not_after" => cert.map(|c| c.details.not_after.format("%Y-%m-%d").to_string()),
            _ => organisation_vars(&inventory.organisation)
                .into_iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v),
        }
    };
    let remediation = Remediation::new(template, known);
    Finding {
        rule: meta,
        severity: hit.severity.unwrap_or(configured.severity),
        message: hit.message,
        certificate: hit.certificate,
        endpoint: hit.endpoint,
        remediation,
        server: hit.server,
        services: hit.services,
        evidence: hit.evidence,
    }
}
