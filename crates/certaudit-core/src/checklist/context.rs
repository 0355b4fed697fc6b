//! What every part of a plan is built from: the organisation's facts prepared once (`Org`)
//! and one certificate's context (`PlanContext`). The lowest module of the checklist: the
//! parts (`selection`, `names`, `successor`, `steps`, `auth_steps`) and `plan` use it, it uses
//! none of them.

use chrono::{DateTime, Utc};

use super::ServerUse;
use crate::inventory::{needs_autodiscover, parse_tls_certificate_name, server_key};
use crate::report::model::{CertificateEntry, ConnectorEntry, ProtocolSettingEntry, Report};
use crate::x509::{normalise_dn, subject_common_names};

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

    pub(super) fn protocol_settings(&self, service: &str) -> Vec<&ProtocolSettingEntry> {
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
    pub(super) fn connectors(&self) -> Vec<&ConnectorEntry> {
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
