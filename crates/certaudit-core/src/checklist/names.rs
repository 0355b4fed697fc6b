//! The request of a new certificate: the names to keep, add and drop, the key, and the
//! lifetime the CA/Browser Forum allows.

use chrono::NaiveDate;

use super::context::PlanContext;
use super::{cab_max_lifetime_days, NameChange, NamePlan, RequestPlan};
use crate::inventory::server_key;
use crate::names::internal_name_reason;
use crate::x509::{names_cover, subject_common_names};

/// SAN count above which Microsoft and CAs discourage a certificate.
const SAN_LIMIT: usize = 50;

impl PlanContext<'_> {
    /// Names to keep, add and drop. `for_ca` false keeps every name (a self-signed
    /// certificate for server-to-server SMTP may carry internal names).
    pub(super) fn name_plan(&self, for_ca: bool) -> NamePlan {
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
        let subject = match subject_common_names(&self.cert.subject).next() {
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

    /// Key to request and lifetime to expect.
    pub(super) fn request_plan(&self, self_signed: bool) -> RequestPlan {
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
}

/// The CA/B limit that follows the one in force at `date`, with its start.
pub(super) fn next_cab_step(date: NaiveDate) -> Option<(NaiveDate, u32)> {
    [(2026, 3, 15), (2027, 3, 15), (2029, 3, 15)]
        .into_iter()
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .find(|from| *from > date)
        .map(|from| (from, cab_max_lifetime_days(from)))
}

pub(super) fn replace_common_name(subject: &str, cn: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_are_found_and_replaced() {
        assert_eq!(
            subject_common_names("CN=mail.contoso.local, O=Contoso").next(),
            Some("mail.contoso.local")
        );
        assert_eq!(subject_common_names("O=Contoso").next(), None);
        assert_eq!(
            replace_common_name("CN=mail.contoso.local, O=Contoso", "mail.contoso.com"),
            "CN=mail.contoso.com, O=Contoso"
        );
        assert_eq!(replace_common_name("O=Contoso", "a.b"), "CN=a.b, O=Contoso");
    }

    #[test]
    fn the_next_cab_step_follows_the_current_one() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(next_cab_step(d(2026, 6, 1)), Some((d(2027, 3, 15), 100)));
        assert_eq!(next_cab_step(d(2030, 1, 1)), None);
    }
}
