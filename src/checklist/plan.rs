//! Computes the renewal plans from a finished report: which certificates need work, which
//! names, key and lifetime to request, and the Exchange Management Shell steps per server.

use chrono::{DateTime, NaiveDate, Utc};

use super::powershell::{file_stem, quote, quote_list, server_param, NEW_THUMBPRINT};
use super::{
    cab_max_lifetime_days, Checklist, NameChange, NamePlan, NotPlanned, OrganisationFacts, Plan, PlanKind, RequestPlan,
    ServerUse, Step, SCHEMA,
};
use crate::inventory::needs_autodiscover;
use crate::inventory::{parse_tls_certificate_name, server_key};
use crate::names::internal_name_reason;
use crate::report::model::{CertificateEntry, FindingEntry, Report};
use crate::x509::{names_cover, normalise_dn};

/// SAN count above which Microsoft and CAs discourage a certificate.
const SAN_LIMIT: usize = 50;

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
        if servers.is_empty() && endpoints.is_empty() {
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
        let ctx = PlanContext {
            cert,
            report,
            org: &org,
            servers: &servers,
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
struct Org {
    namespaces: Vec<String>,
    autodiscover_domains: Vec<String>,
    /// Server names and FQDNs (lowercase): names that Microsoft says to leave out of client certificates.
    server_names: Vec<String>,
    auth_current: Vec<String>,
    /// Get-AuthConfig entries, thumbprints uppercase.
    auth: Vec<AuthEntry>,
}

/// Get-AuthConfig: (current, next, next effective date, previous).
type AuthEntry = (Option<String>, Option<String>, Option<DateTime<Utc>>, Option<String>);

impl Org {
    fn new(report: &Report) -> Self {
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
    fn auth_role(&self, thumbprint: &str) -> Option<&'static str> {
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
    fn staged_next(&self, current: &str) -> Option<(&str, Option<DateTime<Utc>>)> {
        self.auth.iter().find_map(|(c, n, e, _)| {
            let next = n.as_deref()?;
            (c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(current)) && !next.eq_ignore_ascii_case(current))
                .then_some((next, *e))
        })
    }

    fn is_edge(report: &Report, server: &str) -> bool {
        let key = server_key(server);
        report
            .organisation
            .servers
            .iter()
            .any(|s| s.edge && server_key(&s.name) == key)
    }
}

/// The date of an instant (`2026-06-30`), as plans write expiry dates.
fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Where the certificate is in service: bindings with services (or unknown services), else the
/// hosts of endpoints that present it.
fn server_uses(cert: &CertificateEntry, report: &Report) -> Vec<ServerUse> {
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
fn reasons(cert: &CertificateEntry, findings: &[&FindingEntry], at: DateTime<Utc>, expiring: bool) -> Vec<String> {
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

struct PlanContext<'a> {
    cert: &'a CertificateEntry,
    report: &'a Report,
    org: &'a Org,
    servers: &'a [ServerUse],
    at: DateTime<Utc>,
}

impl PlanContext<'_> {
    fn holds(&self, service: &str) -> bool {
        self.servers.iter().any(|u| u.services.iter().any(|s| s == service))
    }

    /// The server the request is made on: the first non-Edge server with known services.
    fn first_server(&self) -> &ServerUse {
        self.servers
            .iter()
            .find(|u| !u.edge && u.services_known && !u.from_endpoint)
            .or_else(|| self.servers.first())
            .expect("plans are only made for certificates in service")
    }

    fn current_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.cert.dns_names.iter().map(|n| n.to_ascii_lowercase()).collect();
        if names.is_empty() {
            if let Some(cn) = common_name(&self.cert.subject) {
                names.push(cn.to_ascii_lowercase());
            }
        }
        names.dedup();
        names
    }

    /// Names to keep, add and drop. `for_ca` false keeps every name (a self-signed
    /// certificate for server-to-server SMTP may carry internal names).
    fn name_plan(&self, for_ca: bool) -> NamePlan {
        let client = self.holds("IIS") || self.holds("IMAP") || self.holds("POP");
        let mut keep = Vec::new();
        let mut drop = Vec::new();
        for name in self.current_names() {
            let internal = for_ca.then(|| internal_name_reason(&name)).flatten();
            if let Some(reason) = internal {
                drop.push(NameChange {
                    reason: format!("internal name ({reason}): public CAs may not issue for it"),
                    name,
                });
            } else if for_ca && client && self.org.server_names.contains(&name) && !self.org.namespaces.contains(&name)
            {
                drop.push(NameChange {
                    reason: "server host name: clients use the namespaces, and Microsoft advises leaving server names out of client certificates".into(),
                    name,
                });
            } else {
                keep.push(name);
            }
        }
        let mut add: Vec<NameChange> = Vec::new();
        let mut notes = Vec::new();
        let mut want = |name: String, reason: String, add: &mut Vec<NameChange>| {
            if names_cover(&keep, &name) || add.iter().any(|a| a.name == name) {
                return;
            }
            if let Some(why) = internal_name_reason(&name) {
                notes.push(format!(
                    "{name} ({reason}) is an internal name ({why}) and cannot be on a CA-issued certificate: change that URL to a public namespace"
                ));
                return;
            }
            add.push(NameChange { name, reason });
        };
        if for_ca && self.holds("IIS") {
            for ns in &self.report.organisation.namespaces {
                let source = ns.sources.first().map(String::as_str).unwrap_or("--namespace");
                want(ns.name.clone(), format!("client namespace, from {source}"), &mut add);
            }
            for d in &self.org.autodiscover_domains {
                want(
                    format!("autodiscover.{d}"),
                    format!("Autodiscover for accepted domain {d}"),
                    &mut add,
                );
            }
        }
        if for_ca {
            // An Edge Transport server has no client namespaces: its SMTP certificate carries
            // the FQDNs its connectors announce (as missing-mail-san judges it).
            for u in self
                .servers
                .iter()
                .filter(|u| u.edge && u.services.iter().any(|s| s == "SMTP"))
            {
                for c in &self.report.organisation.connectors {
                    if !c.servers.iter().any(|s| server_key(s) == server_key(&u.server)) {
                        continue;
                    }
                    if let Some(fqdn) = c
                        .fqdn
                        .as_deref()
                        .map(|f| f.trim().trim_end_matches('.').to_ascii_lowercase())
                    {
                        if !fqdn.is_empty() {
                            want(
                                fqdn,
                                format!(
                                    "FQDN of {} connector '{}' on {}",
                                    c.kind.to_ascii_lowercase(),
                                    c.name,
                                    u.server
                                ),
                                &mut add,
                            );
                        }
                    }
                }
            }
            for (service, protocol) in [("IMAP", "Get-ImapSettings"), ("POP", "Get-PopSettings")] {
                if !self.holds(service) {
                    continue;
                }
                for setting in self.protocol_settings(service) {
                    if let Some(name) = setting.x509_certificate_name.as_deref().filter(|n| !n.contains('*')) {
                        want(
                            name.to_ascii_lowercase(),
                            format!("X509CertificateName of {protocol} on {}", setting.server),
                            &mut add,
                        );
                    }
                }
            }
        }
        let unknown: Vec<&str> = self
            .servers
            .iter()
            .filter(|u| !u.services_known)
            .map(|u| u.server.as_str())
            .collect();
        if !unknown.is_empty() {
            notes.push(format!(
                "services on {} are unknown (export without SerializationData): check them with Get-ExchangeCertificate before settling the names",
                unknown.join(", ")
            ));
        }
        let mut result = keep.clone();
        result.extend(add.iter().map(|a| a.name.clone()));
        if result.len() > SAN_LIMIT {
            notes.push(format!(
                "{} names is more than {SAN_LIMIT}: split the names over several certificates or drop unused ones",
                result.len()
            ));
        }
        if result.is_empty() {
            notes.push("no name is left to request: decide which namespace this certificate serves".into());
        }
        let subject = match common_name(&self.cert.subject) {
            Some(cn) if names_cover(&result, &cn.to_ascii_lowercase()) => self.cert.subject.clone(),
            _ => {
                let cn = result
                    .iter()
                    .find(|n| self.org.namespaces.contains(n))
                    .or(result.first())
                    .cloned()
                    .unwrap_or_default();
                replace_common_name(&self.cert.subject, &cn)
            }
        };
        NamePlan {
            subject,
            keep,
            add,
            drop,
            san_count: result.len(),
            result,
            notes,
        }
    }

    fn protocol_settings(&self, service: &str) -> Vec<&crate::inventory::ProtocolSetting> {
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

    /// Key to request and lifetime to expect.
    fn request_plan(&self, self_signed: bool) -> RequestPlan {
        let key = &self.cert.key;
        let current_key = match &key.curve {
            Some(curve) => format!("{} {} ({curve})", key.algorithm, key.bits),
            None => format!("{} {}", key.algorithm, key.bits),
        };
        let (key_size, key_note) = if key.algorithm == "RSA" {
            if key.bits < 2048 {
                (
                    2048,
                    Some(format!(
                        "the current key ({current_key}) is too weak: request 2048 bits"
                    )),
                )
            } else {
                (key.bits.min(4096), None)
            }
        } else {
            (
                2048,
                Some(format!(
                    "the current key is {current_key}; New-ExchangeCertificate requests RSA keys, so keep ECDSA only by creating the request outside Exchange with ECC support enabled"
                )),
            )
        };
        let issue = self.at.date_naive();
        let (max_lifetime_days, lifetime_note) = if self_signed {
            (
                None,
                "self-signed: New-ExchangeCertificate makes it valid for 5 years; no CA limit applies".to_string(),
            )
        } else {
            let max = cab_max_lifetime_days(issue);
            let mut note = format!(
                "at most {max} days if issued by a publicly trusted CA on {issue} (CA/Browser Forum Baseline Requirements), so plan the next renewal before {}",
                issue + chrono::Duration::days(i64::from(max))
            );
            if let Some((from, days)) = next_cab_step(issue) {
                note.push_str(&format!("; certificates issued from {from} get at most {days} days"));
            }
            note.push_str(". An enterprise CA's template decides the lifetime of internally issued certificates.");
            (Some(max), note)
        };
        RequestPlan {
            current_key,
            algorithm: "RSA".into(),
            key_size,
            key_note,
            issue_date: issue.to_string(),
            max_lifetime_days,
            lifetime_note,
        }
    }

    /// A newer valid certificate with the same subject (or the same names) that already holds
    /// services on every server where this one is in service: the renewal happened, the old
    /// certificate was left behind.
    fn successor(&self) -> Option<&CertificateEntry> {
        if self.servers.iter().any(|u| !u.services_known || u.from_endpoint) {
            return None;
        }
        let names = self.current_names();
        self.report.certificates.iter().find(|c| {
            c.sha256 != self.cert.sha256
                && !c.is_ca
                && c.not_after > self.cert.not_after
                && c.not_before <= self.at
                && c.not_after > self.at
                && c.trust.status.is_trusted() == self.cert.trust.status.is_trusted()
                && (normalise_dn(&c.subject) == normalise_dn(&self.cert.subject) || same_names(&c.dns_names, &names))
                && self.servers.iter().all(|u| {
                    c.bindings.iter().any(|b| {
                        server_key(&b.server) == server_key(&u.server) && b.services_known && !b.services.is_empty()
                    })
                })
        })
    }

    /// Connectors whose TlsCertificateName names this certificate (issuer and subject).
    fn connectors(&self) -> Vec<&crate::inventory::Connector> {
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

    fn renew_steps(&self, names: &NamePlan, key_size: u32) -> Vec<Step> {
        let first = self.first_server();
        let stem = file_stem(names.result.first().map(String::as_str).unwrap_or("certificate"));
        let share = if first.edge {
            "C:\\CertRequests".to_string()
        } else {
            format!("\\\\{}\\C$\\CertRequests", first.server)
        };
        let sp = server_param(&first.server, first.edge);
        let mut steps = vec![
            Step {
                title: "Create the certificate request".into(),
                on: Some(first.server.clone()),
                commands: vec![format!(
                    "New-ExchangeCertificate {sp}-GenerateRequest -RequestFile {} -SubjectName {} -DomainName {} -KeySize {key_size} -PrivateKeyExportable $true -FriendlyName {}",
                    quote(&format!("{share}\\{stem}.req")),
                    quote(&names.subject),
                    quote_list(&names.result),
                    quote(&format!("{stem} {}", self.at.date_naive())),
                )],
                note: Some("Submit the .req file to the CA and ask for exactly these names.".into()),
            },
            Step {
                title: "Complete the pending request with the issued certificate".into(),
                on: Some(first.server.clone()),
                commands: vec![format!(
                    "Import-ExchangeCertificate {sp}-FileData ([System.IO.File]::ReadAllBytes({}))",
                    quote(&format!("{share}\\{stem}.cer"))
                )],
                note: Some(format!(
                    "Its thumbprint replaces {NEW_THUMBPRINT} in the commands below (Get-ExchangeCertificate {sp}| Format-List Thumbprint,Subject,NotAfter)."
                )),
            },
        ];
        let others: Vec<&ServerUse> = self
            .servers
            .iter()
            .filter(|u| server_key(&u.server) != server_key(&first.server))
            .collect();
        if !others.is_empty() {
            steps.push(Step {
                title: "Export the new certificate with its private key for the other servers".into(),
                on: Some(first.server.clone()),
                commands: vec![
                    "$password = Read-Host 'PFX password' -AsSecureString".into(),
                    format!("$pfx = Export-ExchangeCertificate {sp}-Thumbprint {NEW_THUMBPRINT} -BinaryEncoded -Password $password"),
                    format!("[System.IO.File]::WriteAllBytes({}, $pfx.FileData)", quote(&format!("{share}\\{stem}.pfx"))),
                ],
                note: Some("Keep the .pfx and its password out of tickets and shares; delete the file once every server has imported it.".into()),
            });
        }
        for u in self.servers {
            if server_key(&u.server) == server_key(&first.server) {
                steps.push(self.install_step(u, None, NEW_THUMBPRINT));
                continue;
            }
            // The .pfx is read from the first server's share, unless one side is an Edge
            // server (outside the domain): then it is copied to the target server first.
            let copy = first.edge || u.edge;
            let pfx = match (copy, u.edge) {
                (false, _) => format!("{share}\\{stem}.pfx"),
                (true, true) => format!("C:\\CertRequests\\{stem}.pfx"),
                (true, false) => format!("\\\\{}\\C$\\CertRequests\\{stem}.pfx", u.server),
            };
            let mut step = self.install_step(u, Some(pfx.as_str()), NEW_THUMBPRINT);
            if copy {
                step.commands
                    .insert(0, "$password = Read-Host 'PFX password' -AsSecureString".into());
                let note = format!("Copy {stem}.pfx from {} to {} first.", first.server, u.server);
                step.note = Some(match step.note {
                    Some(n) => format!("{note} {n}"),
                    None => note,
                });
            }
            steps.push(step);
        }
        steps.extend(self.organisation_steps(NEW_THUMBPRINT, &first.server));
        steps.push(self.removal_step());
        steps
    }

    /// Import (when `pfx` is given), enable, POP/IMAP, receive connectors, iisreset on one server.
    fn install_step(&self, u: &ServerUse, pfx: Option<&str>, thumbprint: &str) -> Step {
        let sp = server_param(&u.server, u.edge);
        let mut commands = Vec::new();
        let mut notes = Vec::new();
        if let Some(pfx) = pfx {
            commands.push(format!(
                "Import-ExchangeCertificate {sp}-FileData ([System.IO.File]::ReadAllBytes({})) -Password $password",
                quote(pfx)
            ));
        }
        if u.services_known && !u.services.is_empty() {
            commands.push(format!(
                "Enable-ExchangeCertificate {sp}-Thumbprint {thumbprint} -Services {}",
                u.services.join(",")
            ));
            if u.services.iter().any(|s| s == "SMTP") {
                notes.push("Answer Yes when asked to overwrite the default SMTP certificate.".into());
            }
        } else {
            commands.push(format!(
                "Get-ExchangeCertificate {sp}-Thumbprint {} | Format-List Services",
                quote(&self.cert.thumbprint)
            ));
            notes.push(format!(
                "The export did not say which services {} holds here: enable the same ones on the new certificate with Enable-ExchangeCertificate {sp}-Thumbprint {thumbprint} -Services <those services>.",
                self.cert.thumbprint
            ));
        }
        for (service, cmdlet, services) in [
            ("IMAP", "Set-ImapSettings", "MSExchangeIMAP4,MSExchangeIMAP4BE"),
            ("POP", "Set-PopSettings", "MSExchangePOP3,MSExchangePOP3BE"),
        ] {
            if u.services.iter().any(|s| s == service) {
                commands.push(format!(
                    "{cmdlet} {sp}-X509CertificateName {}",
                    quote(&self.pop_imap_name(service, &u.server))
                ));
                commands.push(format!("Restart-Service {services}"));
            }
        }
        commands.extend(self.receive_connector_commands(u, thumbprint));
        if u.services.iter().any(|s| s == "IIS") {
            commands.push("iisreset /noforce".into());
        }
        Step {
            title: format!("Install and enable on {}", u.server),
            on: Some(u.server.clone()),
            commands,
            note: (!notes.is_empty()).then(|| notes.join(" ")),
        }
    }

    /// `Set-ReceiveConnector` for the receive connectors on `u` that name this certificate.
    fn receive_connector_commands(&self, u: &ServerUse, thumbprint: &str) -> Vec<String> {
        let sp = server_param(&u.server, u.edge);
        let mut commands = Vec::new();
        for c in self.connectors() {
            if c.kind == "Receive" && c.servers.iter().any(|s| server_key(s) == server_key(&u.server)) {
                if commands.is_empty() {
                    commands.push(format!("$cert = Get-ExchangeCertificate {sp}-Thumbprint {thumbprint}"));
                }
                commands.push(format!(
                    "Set-ReceiveConnector {} -TlsCertificateName \"<I>$($cert.Issuer)<S>$($cert.Subject)\"",
                    quote(&format!(
                        "{}\\{}",
                        c.servers.first().map(String::as_str).unwrap_or(&u.server),
                        c.name
                    ))
                ));
            }
        }
        commands
    }

    /// The FQDN POP/IMAP should present: the current setting if it is not a wildcard, else a
    /// namespace the new certificate covers.
    fn pop_imap_name(&self, service: &str, server: &str) -> String {
        let names = self.current_names();
        self.protocol_settings(service)
            .into_iter()
            .filter(|p| server_key(&p.server) == server_key(server))
            .filter_map(|p| p.x509_certificate_name.clone())
            .find(|n| !n.contains('*'))
            .or_else(|| {
                self.org
                    .namespaces
                    .iter()
                    .find(|n| names_cover(&names, n) && internal_name_reason(n).is_none())
                    .cloned()
            })
            .or_else(|| names.iter().find(|n| !n.contains('*')).cloned())
            .unwrap_or_else(|| "<FQDN clients use>".into())
    }

    /// Send connectors, the Edge Subscription and the Hybrid Configuration Wizard.
    fn organisation_steps(&self, thumbprint: &str, first: &str) -> Vec<Step> {
        let mut steps = Vec::new();
        let send: Vec<_> = self.connectors().into_iter().filter(|c| c.kind == "Send").collect();
        if !send.is_empty() {
            let mut commands = vec![format!(
                "$cert = Get-ExchangeCertificate -Server {} -Thumbprint {thumbprint}",
                quote(first)
            )];
            for c in send {
                commands.push(format!(
                    "Set-SendConnector {} -TlsCertificateName \"<I>$($cert.Issuer)<S>$($cert.Subject)\"",
                    quote(&c.name)
                ));
            }
            steps.push(Step {
                title: "Point the send connectors at the new certificate".into(),
                on: Some("any Exchange server".into()),
                commands,
                note: Some(
                    "TlsCertificateName names issuer and subject: required when either changes, harmless when not."
                        .into(),
                ),
            });
        }
        for u in self.servers.iter().filter(|u| u.edge) {
            let file = format!("EdgeSubscription-{}.xml", file_stem(&u.server));
            steps.push(Step {
                title: format!("Re-create the Edge Subscription of {}", u.server),
                on: Some(format!("{} and a Mailbox server", u.server)),
                commands: vec![
                    format!("New-EdgeSubscription -FileName {}", quote(&format!("C:\\{file}"))),
                    format!(
                        "New-EdgeSubscription -FileData ([System.IO.File]::ReadAllBytes({})) -Site '<Active Directory site>'",
                        quote(&format!("C:\\{file}"))
                    ),
                    "Start-EdgeSynchronization".into(),
                    "Test-EdgeSynchronization".into(),
                ],
                note: Some("The subscription carries the Edge server's SMTP certificate. Run the first command on the Edge server, copy the file to a Mailbox server and import it there within 24 hours.".into()),
            });
        }
        if !self.report.organisation.hybrid.is_empty()
            && (self.holds("SMTP") || self.holds("IIS") || self.servers.iter().any(|u| !u.services_known))
        {
            steps.push(Step {
                title: "Re-run the Hybrid Configuration Wizard".into(),
                on: Some("an Exchange server with internet access".into()),
                commands: Vec::new(),
                note: Some(format!(
                    "Choose the new certificate on the Transport Certificate page so the Exchange Online connectors match it. Hybrid seen in: {}.",
                    self.report.organisation.hybrid.join("; ")
                )),
            });
        }
        steps
    }

    fn removal_step(&self) -> Step {
        let mut commands = Vec::new();
        for u in self.servers.iter().filter(|u| !u.from_endpoint) {
            let sp = server_param(&u.server, u.edge);
            let t = quote(&self.cert.thumbprint);
            commands.push(format!(
                "Get-ExchangeCertificate {sp}-Thumbprint {t} | Format-List Services,Status"
            ));
            commands.push(format!("Remove-ExchangeCertificate {sp}-Thumbprint {t}"));
        }
        Step {
            title: format!("Remove the old certificate {}", self.cert.thumbprint),
            on: Some(self.servers.iter().map(|u| u.server.as_str()).collect::<Vec<_>>().join(", ")),
            commands,
            note: Some("Only when Services shows nothing and no connector names it any more: assigning services cannot be undone, so the old certificate is left holding them until it is removed.".into()),
        }
    }

    fn retire_steps(&self, successor: &CertificateEntry) -> Vec<Step> {
        let mut steps = Vec::new();
        let successor_thumbprint = quote(&successor.thumbprint);
        for u in self.servers {
            let held: Vec<String> = successor
                .bindings
                .iter()
                .filter(|b| server_key(&b.server) == server_key(&u.server))
                .flat_map(|b| b.services.clone())
                .collect();
            let missing: Vec<String> = u.services.iter().filter(|s| !held.contains(s)).cloned().collect();
            if !missing.is_empty() {
                let mut moved = u.clone();
                moved.services = missing;
                steps.push(self.install_step(&moved, None, &successor_thumbprint));
            }
        }
        let renamed = normalise_dn(&successor.issuer) != normalise_dn(&self.cert.issuer)
            || normalise_dn(&successor.subject) != normalise_dn(&self.cert.subject);
        if renamed && !self.connectors().is_empty() {
            for u in self.servers {
                let commands = self.receive_connector_commands(u, &successor_thumbprint);
                if !commands.is_empty() {
                    steps.push(Step {
                        title: format!(
                            "Point the receive connectors on {} at {}",
                            u.server, successor.thumbprint
                        ),
                        on: Some(u.server.clone()),
                        commands,
                        note: None,
                    });
                }
            }
            steps.extend(self.organisation_steps(&successor_thumbprint, &self.first_server().server));
        }
        steps.push(self.removal_step());
        steps
    }

    fn self_signed_steps(&self) -> Vec<Step> {
        let mut steps = Vec::new();
        for u in self.servers {
            let sp = server_param(&u.server, u.edge);
            let mut step = self.install_step(u, None, NEW_THUMBPRINT);
            step.title = format!("Renew the self-signed certificate on {}", u.server);
            step.commands.insert(
                0,
                format!(
                    "Get-ExchangeCertificate {sp}-Thumbprint {} | New-ExchangeCertificate -Force -PrivateKeyExportable $true",
                    quote(&self.cert.thumbprint)
                ),
            );
            step.note = Some(
                [
                    Some("The renewed certificate keeps the names; internal names are fine on a self-signed certificate used only between Exchange servers. If clients connect to it, replace it with a CA-issued certificate instead.".to_string()),
                    step.note,
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            );
            steps.push(step);
        }
        steps.push(self.removal_step());
        steps
    }

    fn auth_rollover_steps(&self) -> Vec<Step> {
        if let Some((next, effective)) = self.org.staged_next(&self.cert.thumbprint) {
            return self.staged_rollover_steps(next, effective);
        }
        let first = &self.first_server().server;
        let mut steps = vec![
            Step {
                title: "Create the new Auth certificate".into(),
                on: Some(first.clone()),
                commands: vec![format!(
                    "New-ExchangeCertificate -Server {} -KeySize 2048 -PrivateKeyExportable $true -SubjectName 'cn=Microsoft Exchange Server Auth Certificate' -FriendlyName 'Microsoft Exchange Server Auth Certificate' -DomainName @()",
                    quote(first)
                )],
                note: Some("Answer No when asked to replace the default SMTP certificate. The Auth certificate carries no names and is never enabled for IIS.".into()),
            },
            Step {
                title: "Stage it as the next Auth certificate".into(),
                on: Some("any Exchange server".into()),
                commands: vec![format!(
                    "Set-AuthConfig -NewCertificateThumbprint {NEW_THUMBPRINT} -NewCertificateEffectiveDate (Get-Date).AddHours(48)"
                )],
                note: Some(format!(
                    "Exchange copies it to every server; 48 hours leave time for that. The current certificate expires on {}.",
                    day(self.cert.not_after)
                )),
            },
            Step {
                title: "After the effective date: publish it and clear the previous one".into(),
                on: Some("any Exchange server".into()),
                commands: vec![
                    "Set-AuthConfig -PublishCertificate".into(),
                    "Set-AuthConfig -ClearPreviousCertificate".into(),
                ],
                note: None,
            },
        ];
        steps.extend(self.auth_finish_steps());
        steps
    }

    /// A rollover already staged with Set-AuthConfig: get the next certificate onto every
    /// server that lacks it, then publish it. No new certificate is made.
    fn staged_rollover_steps(&self, next: &str, effective: Option<DateTime<Utc>>) -> Vec<Step> {
        let holders: Vec<String> = self
            .report
            .certificates
            .iter()
            .filter(|c| c.thumbprint.eq_ignore_ascii_case(next))
            .flat_map(|c| c.bindings.iter().map(|b| server_key(&b.server)))
            .collect();
        let mut mailbox_servers: Vec<String> = Vec::new();
        for c in &self.report.certificates {
            for b in &c.bindings {
                if !b.server.starts_with('(')
                    && !Org::is_edge(self.report, &b.server)
                    && !mailbox_servers.iter().any(|s| server_key(s) == server_key(&b.server))
                {
                    mailbox_servers.push(b.server.clone());
                }
            }
        }
        let lacking: Vec<&String> = mailbox_servers
            .iter()
            .filter(|s| !holders.contains(&server_key(s)))
            .collect();
        let mut steps = Vec::new();
        if let Some(source) = mailbox_servers.iter().find(|s| holders.contains(&server_key(s))) {
            for server in &lacking {
                steps.push(Step {
                    title: format!("Copy the staged next Auth certificate {next} to {server}"),
                    on: Some(source.clone()),
                    commands: vec![
                        "$password = Read-Host -AsSecureString -Prompt 'Password for the .pfx'".into(),
                        format!(
                            "$pfx = Export-ExchangeCertificate -Server {} -Thumbprint {} -BinaryEncoded -Password $password",
                            quote(source),
                            quote(next)
                        ),
                        format!(
                            "Import-ExchangeCertificate -Server {} -FileData $pfx.FileData -Password $password -PrivateKeyExportable $true",
                            quote(server)
                        ),
                    ],
                    note: Some(format!(
                        "Get-AuthConfig stages {next} as the next Auth certificate, but {server}'s export does not hold it."
                    )),
                });
            }
        }
        steps.push(Step {
            title: "Publish the staged certificate and clear the previous one".into(),
            on: Some("any Exchange server".into()),
            commands: vec![
                "Set-AuthConfig -PublishCertificate".into(),
                "Set-AuthConfig -ClearPreviousCertificate".into(),
            ],
            note: Some(format!(
                "{next} is already staged{}: no new certificate is needed. The current certificate expires on {}.",
                effective
                    .map(|e| format!(" (effective {})", day(e)))
                    .unwrap_or_default(),
                day(self.cert.not_after)
            )),
        });
        steps.extend(self.auth_finish_steps());
        steps
    }

    /// Restarts, the hybrid wizard and the old certificate's removal, after a rollover.
    fn auth_finish_steps(&self) -> Vec<Step> {
        let mut steps = Vec::new();
        for u in self.servers.iter().filter(|u| !u.edge) {
            steps.push(Step {
                title: format!("Restart the services that cache the Auth certificate on {}", u.server),
                on: Some(u.server.clone()),
                commands: vec![
                    "Restart-Service MSExchangeServiceHost".into(),
                    "Restart-WebAppPool MSExchangeOWAAppPool".into(),
                    "Restart-WebAppPool MSExchangeECPAppPool".into(),
                ],
                note: None,
            });
        }
        if !self.report.organisation.hybrid.is_empty() {
            steps.push(Step {
                title: "Re-run the Hybrid Configuration Wizard".into(),
                on: Some("an Exchange server with internet access".into()),
                commands: Vec::new(),
                note: Some(format!(
                    "Exchange Online must learn the new Auth certificate for OAuth (free/busy, mailbox moves). Hybrid seen in: {}.",
                    self.report.organisation.hybrid.join("; ")
                )),
            });
        }
        steps.push(self.removal_step());
        steps
    }
}

/// True when both lists hold the same names, ignoring case and order.
fn same_names(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|n| n.to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v
    };
    !b.is_empty() && norm(a) == norm(b)
}

/// The CA/B limit that follows the one in force at `date`, with its start.
fn next_cab_step(date: NaiveDate) -> Option<(NaiveDate, u32)> {
    [(2026, 3, 15), (2027, 3, 15), (2029, 3, 15)]
        .into_iter()
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .find(|from| *from > date)
        .map(|from| (from, cab_max_lifetime_days(from)))
}

/// The CN of a subject such as `CN=mail.contoso.com, O=Contoso`.
fn common_name(subject: &str) -> Option<String> {
    subject
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("CN=").or_else(|| part.strip_prefix("cn=")))
        .map(|cn| cn.trim().to_string())
}

fn replace_common_name(subject: &str, cn: &str) -> String {
    let mut found = false;
    let mut parts: Vec<String> = subject
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            if !found && (part.starts_with("CN=") || part.starts_with("cn=")) {
                found = true;
                format!("CN={cn}")
            } else {
                part.to_string()
            }
        })
        .collect();
    if !found {
        parts.insert(0, format!("CN={cn}"));
    }
    parts.join(", ")
}

/// The final check: the same scan again, plus each server's certificate list.
fn verify_step(servers: &[ServerUse], command: &str) -> Step {
    let mut commands: Vec<String> = servers
        .iter()
        .filter(|u| !u.from_endpoint)
        .map(|u| {
            format!(
                "Get-ExchangeCertificate {}| Format-Table Thumbprint,Services,NotAfter,Subject -AutoSize",
                server_param(&u.server, u.edge)
            )
        })
        .collect();
    commands.push(command.to_string());
    Step {
        title: "Verify: export the inventory again and re-run certaudit with the same inputs".into(),
        on: None,
        commands,
        note: Some("The plan is done when this certificate no longer appears in the checklist and the scan shows no new finding.".into()),
    }
}

/// The scan's command line with `scan` in place of `checklist`, without `--before` and `--out`.
fn verify_command(report: &Report) -> String {
    let args = &report.scan.command_line;
    let mut out = vec!["certaudit".to_string()];
    let mut skip = false;
    let mut replaced = false;
    for arg in args.iter().skip(1) {
        if skip {
            skip = false;
            continue;
        }
        // The checklist's own option, and its out folder (the scan writes a new one).
        if matches!(arg.as_str(), "--before" | "--out" | "-o") {
            skip = true;
            continue;
        }
        if arg.starts_with("--before=") || arg.starts_with("--out=") {
            continue;
        }
        if !replaced && arg == "checklist" {
            replaced = true;
            out.push("scan".into());
            continue;
        }
        out.push(shell_word(arg));
    }
    out.join(" ")
}

/// A POSIX-shell word: plain when safe, else single-quoted.
fn shell_word(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_are_found_and_replaced() {
        assert_eq!(
            common_name("CN=mail.contoso.local, O=Contoso").as_deref(),
            Some("mail.contoso.local")
        );
        assert_eq!(common_name("O=Contoso"), None);
        assert_eq!(
            replace_common_name("CN=mail.contoso.local, O=Contoso", "mail.contoso.com"),
            "CN=mail.contoso.com, O=Contoso"
        );
        assert_eq!(replace_common_name("O=Contoso", "a.b"), "CN=a.b, O=Contoso");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("samples/contoso"), "samples/contoso");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn the_next_cab_step_follows_the_current_one() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(next_cab_step(d(2026, 6, 1)), Some((d(2027, 3, 15), 100)));
        assert_eq!(next_cab_step(d(2030, 1, 1)), None);
    }
}
