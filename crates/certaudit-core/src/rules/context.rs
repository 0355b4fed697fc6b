//! What rules consult besides the certificate itself: the evaluation instant, the inventory,
//! bindings indexed by server, endpoints by the leaf they served, Auth roles, and the list of
//! what could not be judged.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::auth::AUTH_CERTIFICATE_CN;
use crate::inventory::{server_key, Binding, Certificate, Endpoint, Inventory, Organisation, Protocol};

/// Something in scope that a rule could not judge, and why (an export it needs is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub rule: &'static str,
    /// What was not audited (`web binding *:444: of 'Exchange Back End' on EX05`).
    pub subject: String,
    pub reason: String,
    pub server: Option<String>,
}

/// What rules may consult besides the certificate itself.
pub struct Context<'a> {
    /// The evaluation instant (`--at`).
    pub at: DateTime<Utc>,
    pub inventory: &'a Inventory,
    auth_thumbprints: Vec<String>,
    /// Bindings by server short name, and the servers' names as first seen, sorted.
    by_server: HashMap<String, Vec<(usize, &'a Binding)>>,
    servers: Vec<String>,
    /// Endpoints by the certificate index of the leaf they presented.
    serving: HashMap<usize, Vec<usize>>,
    /// What rules could not judge (see [`Context::not_audited`]).
    gaps: Mutex<Vec<Gap>>,
    /// Short names of the Edge Transport servers (`Get-ExchangeServer`).
    edge: HashSet<String>,
}

impl<'a> Context<'a> {
    /// A context for evaluating `inventory` at `at`.
    pub fn new(inventory: &'a Inventory, at: DateTime<Utc>) -> Self {
        let mut by_server: HashMap<String, Vec<(usize, &'a Binding)>> = HashMap::new();
        let mut servers: Vec<String> = Vec::new();
        for (i, cert) in inventory.certificates.iter().enumerate() {
            for b in &cert.bindings {
                let entry = by_server.entry(server_key(&b.server)).or_default();
                if entry.is_empty() {
                    servers.push(b.server.clone());
                }
                entry.push((i, b));
            }
        }
        servers.sort_by_key(|s| server_key(s));
        let mut serving: HashMap<usize, Vec<usize>> = HashMap::new();
        for (e, endpoint) in inventory.endpoints.iter().enumerate() {
            if let Some(leaf) = endpoint.leaf().and_then(|h| inventory.index_of(h)) {
                serving.entry(leaf).or_default().push(e);
            }
        }
        Self {
            at,
            inventory,
            auth_thumbprints: inventory.organisation.auth_thumbprints(),
            by_server,
            servers,
            serving,
            gaps: Mutex::new(Vec::new()),
            edge: inventory
                .organisation
                .servers
                .iter()
                .filter(|s| s.edge)
                .map(|s| server_key(&s.name))
                .collect(),
        }
    }

    /// Records that `rule` could not judge `subject`, and why.
    pub fn not_audited(&self, rule: &'static str, subject: String, reason: impl Into<String>, server: Option<&str>) {
        let gap = Gap {
            rule,
            subject,
            reason: reason.into(),
            server: server.map(str::to_string),
        };
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).push(gap);
    }

    /// True when `Get-ExchangeServer` says `server` is an Edge Transport server.
    pub fn is_edge(&self, server: &str) -> bool {
        !self.edge.is_empty() && self.edge.contains(&server_key(server))
    }

    /// True when a certificate export (Get-ExchangeCertificate, or a store export) was read
    /// for `server`: only then can "not on the server" be said.
    pub fn has_certificate_export(&self, server: &str) -> bool {
        !self.bindings_on(server).is_empty()
    }

    /// The certificate with this SHA-1 thumbprint on `server`, with its binding there.
    pub fn certificate_on(&self, server: &str, thumbprint: &str) -> Option<(usize, &'a Binding)> {
        let certs = &self.inventory.certificates;
        self.bindings_on(server)
            .iter()
            .find(|(i, _)| certs[*i].thumbprint.eq_ignore_ascii_case(thumbprint))
            .copied()
    }

    pub fn organisation(&self) -> &'a Organisation {
        &self.inventory.organisation
    }

    /// The Exchange Auth (OAuth) certificate: named by `Get-AuthConfig`, or by its subject.
    pub fn is_auth_certificate(&self, cert: &Certificate) -> bool {
        self.auth_thumbprints.contains(&cert.thumbprint)
            || cert
                .details
                .common_names
                .iter()
                .any(|cn| cn.eq_ignore_ascii_case(AUTH_CERTIFICATE_CN))
    }

    /// The role `Get-AuthConfig` gives the certificate: `current`, `next` or `previous`
    /// (`subject` when it is only recognised by its subject name).
    pub fn auth_role(&self, cert: &Certificate) -> Option<&'static str> {
        let tp = Some(cert.thumbprint.as_str());
        for a in &self.inventory.organisation.auth_configs {
            if a.current.as_deref() == tp {
                return Some("current");
            }
            if a.next.as_deref() == tp {
                return Some("next");
            }
        }
        for a in &self.inventory.organisation.auth_configs {
            if a.previous.as_deref() == tp {
                return Some("previous");
            }
        }
        self.is_auth_certificate(cert).then_some("subject")
    }

    /// Every (certificate index, binding) on the server whose short name matches `server`.
    pub fn bindings_on(&self, server: &str) -> &[(usize, &'a Binding)] {
        self.by_server
            .get(&server_key(server))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Indices of the endpoints that presented the certificate (by inventory index) as their leaf.
    pub fn endpoints_serving(&self, cert: usize) -> &[usize] {
        self.serving.get(&cert).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Indices of the endpoints that presented `cert` as their leaf.
    pub fn endpoints_serving_cert(&self, cert: &Certificate) -> &[usize] {
        self.inventory
            .index_of(&cert.sha256)
            .map(|i| self.endpoints_serving(i))
            .unwrap_or(&[])
    }

    /// The end-entity leaf an endpoint presented, when the endpoint speaks `protocol`.
    pub fn leaf_served_on(&self, endpoint: &Endpoint, protocol: Protocol) -> Option<&'a Certificate> {
        if endpoint.protocol != protocol {
            return None;
        }
        self.leaf(endpoint).map(|(_, c)| c).filter(|c| !c.details.is_ca)
    }

    /// The Exchange services answering on these endpoints, each once, in first-seen order.
    pub fn services_of_endpoints(&self, endpoints: &[usize]) -> Vec<String> {
        let mut services: Vec<String> = Vec::new();
        for &e in endpoints {
            let s = self.inventory.endpoints[e].protocol.service();
            if !services.iter().any(|x| x == s) {
                services.push(s.to_string());
            }
        }
        services
    }

    /// The leaf an endpoint presented, with its inventory index.
    pub fn leaf(&self, endpoint: &Endpoint) -> Option<(usize, &'a Certificate)> {
        let i = self.inventory.index_of(endpoint.leaf()?)?;
        Some((i, &self.inventory.certificates[i]))
    }

    /// The server an endpoint's host names, when it is a server exports were read for.
    pub fn server_for_host(&self, host: &str) -> Option<&String> {
        let key = server_key(host);
        self.servers.iter().find(|s| server_key(s) == key)
    }

    /// Servers that certificate exports were read for, sorted by short name.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }
}

impl Context<'_> {
    /// What rules could not judge, in the order they were recorded.
    pub(super) fn into_gaps(self) -> Vec<Gap> {
        self.gaps.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}
