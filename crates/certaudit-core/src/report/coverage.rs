//! What in scope was not audited, and why: the inputs that could not be read (wholly or in
//! part), the named endpoints that could not be audited, the bare hosts none of whose ports
//! answered, certificates whose Exchange services are unknown, and what a rule could not judge
//! for lack of an export. Any of these makes the verdict incomplete unless a finding already
//! fails the scan.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::inventory::{server_key, EndpointStatus, Inventory};
use crate::rules::Gap;

/// Something in scope that was not audited.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NotAuditedEntry {
    /// `input`, `endpoint`, `target`, `services`, `server` or `rule`.
    pub kind: String,
    /// What was not audited (a path, a target, a certificate on a server …).
    pub subject: String,
    pub reason: String,
    /// The rule that could not judge it (kind `rule`).
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub server: Option<String>,
}

impl NotAuditedEntry {
    fn new(kind: &str, subject: String, reason: String) -> Self {
        Self {
            kind: kind.to_string(),
            subject,
            reason,
            rule: None,
            server: None,
        }
    }
}

/// Exchange servers the exports name (`Get-ExchangeServer`, connectors, virtual directories,
/// web bindings, transport and POP/IMAP settings) whose certificates no export gives: the
/// organisation's scope has a hole there.
fn servers_without_certificates(inventory: &Inventory) -> Vec<NotAuditedEntry> {
    let exported: std::collections::HashSet<String> = inventory
        .certificates
        .iter()
        .flat_map(|c| c.bindings.iter().map(|b| server_key(&b.server)))
        .collect();
    let org = &inventory.organisation;
    // By server, the name as first seen and where it was named.
    let mut named: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut name = |server: &str, place: String| {
        let key = server_key(server);
        if key.is_empty() || exported.contains(&key) {
            return;
        }
        let entry = named.entry(key).or_insert_with(|| (server.to_string(), Vec::new()));
        if !entry.1.contains(&place) {
            entry.1.push(place);
        }
    };
    for s in &org.servers {
        name(&s.name, format!("Get-ExchangeServer ({})", s.source));
    }
    for c in &org.connectors {
        for s in &c.servers {
            name(s, format!("{} connector '{}' ({})", c.kind, c.name, c.source));
        }
    }
    for (server, source) in &org.mentioned_servers {
        name(server, source.clone());
    }
    for b in &org.web_bindings {
        if let Some(server) = &b.server {
            name(server, format!("Get-WebBinding ({})", b.source));
        }
    }
    for t in &org.transport_services {
        name(&t.server, format!("Get-TransportService ({})", t.source));
    }
    for p in &org.protocol_settings {
        name(
            &p.server,
            format!("Get-{}Settings ({})", p.protocol.to_ascii_uppercase(), p.source),
        );
    }
    named
        .into_values()
        .map(|(server, places)| {
            let mut entry = NotAuditedEntry::new(
                "server",
                server.clone(),
                format!(
                    "named by {}, but no Get-ExchangeCertificate export was read for it: its certificates were not audited",
                    places.join("; ")
                ),
            );
            entry.server = Some(server);
            entry
        })
        .collect()
}

/// Everything in scope that was not audited, in a stable order: inputs, endpoints, bare
/// hosts, unknown services, servers without certificates, then rule gaps.
pub fn not_audited(inventory: &Inventory, gaps: &[Gap]) -> Vec<NotAuditedEntry> {
    let mut out = Vec::new();
    for input in &inventory.inputs {
        if let Some(error) = &input.error {
            out.push(NotAuditedEntry::new("input", input.path.clone(), error.clone()));
        }
    }
    // A named endpoint that failed; ports of a bare host are judged together below.
    for e in inventory.endpoints.iter().filter(|e| !e.expanded) {
        if e.status == EndpointStatus::Error {
            let reason = e
                .error
                .as_ref()
                .map(|x| format!("{}: {}", x.kind.as_str(), x.message))
                .unwrap_or_else(|| "not audited".into());
            let subject = match &e.address {
                Some(a) => format!("{} ({a})", e.target),
                None => e.target.clone(),
            };
            out.push(NotAuditedEntry::new("endpoint", subject, reason));
        }
    }
    // A bare host counts as audited when at least one port of its client set answered with
    // TLS; ports that refused are services not offered, ports that failed otherwise are
    // reported by probe-failed (info).
    let mut hosts: BTreeMap<(&str, Option<&str>), (usize, usize, usize)> = BTreeMap::new();
    for e in inventory.endpoints.iter().filter(|e| e.expanded) {
        let address = e
            .address
            .as_deref()
            .map(|a| a.rsplit_once(':').map(|(ip, _)| ip).unwrap_or(a));
        let slot = hosts.entry((e.host.as_str(), address)).or_default();
        match e.status {
            EndpointStatus::Ok => slot.0 += 1,
            EndpointStatus::Closed => slot.1 += 1,
            EndpointStatus::Error => slot.2 += 1,
        }
    }
    for ((host, address), (ok, closed, failed)) in hosts {
        if ok == 0 {
            let subject = match address {
                Some(a) if a.trim_matches(['[', ']']) != host.trim_matches(['[', ']']) => format!("{host} ({a})"),
                _ => host.to_string(),
            };
            out.push(NotAuditedEntry::new(
                "target",
                subject,
                format!("no port of the client set could be audited: {closed} refused the connection, {failed} failed"),
            ));
        }
    }
    for c in &inventory.certificates {
        for b in c.bindings.iter().filter(|b| b.services.is_none()) {
            let mut entry = NotAuditedEntry::new(
                "services",
                format!("certificate {} ({}) on {}", c.thumbprint, c.details.subject, b.server),
                format!(
                    "{} does not say which Exchange services it is bound to (no readable SerializationData, or a store export): the binding rules could not judge it there",
                    b.source
                ),
            );
            entry.server = Some(b.server.clone());
            out.push(entry);
        }
    }
    out.extend(servers_without_certificates(inventory));
    for g in gaps {
        let mut entry = NotAuditedEntry::new("rule", g.subject.clone(), g.reason.clone());
        entry.rule = Some(g.rule.to_string());
        entry.server = g.server.clone();
        out.push(entry);
    }
    out
}
