//! `smtp-certificate-selection`: works out which certificate Exchange presents for STARTTLS on
//! each receive connector (and on each send connector with `TlsCertificateName`), and flags
//! the choices clients or the internet would reject.
//!
//! The selection follows Microsoft's "Selection of inbound STARTTLS certificates" (Exchange
//! 2016, 2019, SE): a connector without TLS in `AuthMechanism` offers no STARTTLS; with
//! `TlsCertificateName` the certificate with that issuer and subject is used; otherwise the
//! connector's `Fqdn` (the server's FQDN when empty) is looked up among the server's
//! certificates. Among several certificates that qualify — enabled for SMTP, `Valid` in
//! Exchange, inside their validity, carrying the FQDN — certaudit ranks, in this order:
//! an exact name before a wildcard, a CA-issued certificate before a self-signed one (both
//! from that article), then the latest NotBefore, then the thumbprint (so the result does not
//! depend on the export's order). When nothing qualifies, Exchange falls back to its default
//! (internal transport, self-signed) certificate or offers no STARTTLS, and senders see a
//! certificate that does not carry the name they connected to.

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::parse_tls_certificate_name;
use crate::inventory::{Binding, Connector, Exposure, Services};
use crate::x509::{dns_name_matches, normalise_dn};

static META: RuleMeta = RuleMeta {
    id: "smtp-certificate-selection",
    title: "Connector presents an unsuitable certificate for STARTTLS",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Exchange picks the STARTTLS certificate per connector: the one TlsCertificateName names, otherwise an SMTP-enabled certificate that carries the connector's FQDN. When none carries it, Exchange falls back to its self-signed default certificate and clients see a name mismatch; an expired or self-signed certificate on a connector that takes mail from clients (submission) or from the internet makes clients fail and makes TLS-enforcing senders (MTA-STS, partner connectors, Exchange Online) refuse to deliver.",
    remediation: "Give '{connector}' on {server} a certificate senders accept for {fqdn}: enable a CA-issued certificate that carries {fqdn} for SMTP (`Enable-ExchangeCertificate -Server {server} -Thumbprint <thumbprint> -Services SMTP`; answer No to replacing the default SMTP certificate), and pin it on the connector: `$c = Get-ExchangeCertificate -Server {server} -Thumbprint <thumbprint>; {set_connector} '{connector}' -TlsCertificateName \"<I>$($c.Issuer)<S>$($c.Subject)\"`; or point the connector at a name an existing certificate carries (`{set_connector} '{connector}' -Fqdn <name>`). Then `Restart-Service {transport_service}` on {server}.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/mail-flow/mail-routing/inbound-starttls-certificates-selection",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/set-receiveconnector",
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/certificates",
    ],
};

/// Flags connectors whose STARTTLS certificate is missing, mismatched, expired or self-signed
/// where clients or the internet see it.
/// Connectors clients submit to (ExchangeUsers, ports 587/465), and send connectors with
/// TlsCertificateName (partners, Exchange Online), are judged at the rule's own severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpCertificateSelection {
    /// Connectors that take anonymous mail from the internet.
    internet_severity: Severity,
    /// A self-signed certificate on an internet-facing connector (opportunistic senders accept
    /// it; senders that validate do not).
    self_signed_internet_severity: Severity,
    /// Connectors only Exchange servers use.
    internal_severity: Severity,
}

impl Default for SmtpCertificateSelection {
    fn default() -> Self {
        Self {
            internet_severity: Severity::Medium,
            self_signed_internet_severity: Severity::Low,
            internal_severity: Severity::Low,
        }
    }
}

/// How the presented certificate was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectedBy {
    TlsCertificateName,
    FqdnExact,
    FqdnWildcard,
}

impl SelectedBy {
    fn as_str(self) -> &'static str {
        match self {
            SelectedBy::TlsCertificateName => "TlsCertificateName",
            SelectedBy::FqdnExact => "FQDN (exact name)",
            SelectedBy::FqdnWildcard => "FQDN (wildcard)",
        }
    }
}

/// The outcome of selection for one connector on one server.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The certificate (inventory index) Exchange presents, when one qualifies.
    pub chosen: Option<(usize, SelectedBy)>,
    /// Every certificate that qualified, best first.
    pub candidates: Vec<usize>,
    /// Certificates that carry the name but were left out, with why.
    pub rejected: Vec<(usize, &'static str)>,
    /// The name looked up (FQDN selection), or the `<I>…<S>…` text.
    pub looked_up: String,
}

impl Rule for SmtpCertificateSelection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let mut hits = Vec::new();
        for c in &ctx.organisation().connectors {
            if c.enabled == Some(false) {
                continue;
            }
            if c.is_receive() {
                if !c.auth_mechanism.is_empty() && !c.auth_mechanism.iter().any(|m| m.eq_ignore_ascii_case("Tls")) {
                    continue; // no TLS in AuthMechanism: no STARTTLS, no certificate
                }
                let Some(server) = c.servers.first() else { continue };
                hits.extend(self.judge(c, server, c.exposure(ctx.is_edge(server)), ctx));
            } else if c.tls_certificate_name.is_some() {
                for server in &c.servers {
                    hits.extend(self.judge(c, server, Exposure::Clients, ctx));
                }
            }
        }
        hits
    }
}

impl SmtpCertificateSelection {
    /// The severity for a connector so exposed (None: the rule's configured severity).
    fn severity(&self, exposure: Exposure) -> Option<Severity> {
        match exposure {
            Exposure::Clients => None,
            Exposure::Internet => Some(self.internet_severity),
            Exposure::Internal => Some(self.internal_severity),
        }
    }

    fn judge(&self, c: &Connector, server: &str, exposure: Exposure, ctx: &Context<'_>) -> Option<Hit> {
        let what = format!("{} connector '{}' on {server}", c.kind, c.name);
        let role = if c.is_receive() {
            exposure.describe()
        } else {
            "sends with TlsCertificateName to partners or Exchange Online"
        };
        if !ctx.has_certificate_export(server) {
            ctx.not_audited(
                META.id,
                what,
                format!("no Get-ExchangeCertificate export was read for {server}"),
                Some(server),
            );
            return None;
        }
        let fqdn = c
            .fqdn
            .clone()
            .or_else(|| ctx.organisation().server(server).and_then(|s| s.fqdn.clone()));
        let selection = match (&c.tls_certificate_name, &fqdn) {
            (Some(name), _) => select_by_name(name, server, ctx)?, // unmatched: connector-certificate-missing
            (None, Some(fqdn)) => select_by_fqdn(fqdn, server, ctx),
            (None, None) => {
                ctx.not_audited(
                    META.id,
                    what,
                    "the connector has no Fqdn and Get-ExchangeServer gives no FQDN for its server",
                    Some(server),
                );
                return None;
            }
        };
        let certs = &ctx.inventory.certificates;
        let describe = |i: usize| format!("{} ({})", certs[i].thumbprint, certs[i].details.subject);
        let receive = c.is_receive();
        let hit =
            |message: String, severity: Option<Severity>| {
                let mut hit = Hit::new(message);
                hit.severity = severity;
                hit
                .with("connector", c.name.clone())
                .with("connector_identity", c.cmdlet_identity())
                .with("connector_kind", c.kind.clone())
                .with("exposure", exposure.as_str())
                .with("fqdn", fqdn.clone())
                .with("tls_certificate_name", c.tls_certificate_name.clone())
                .with("looked_up", selection.looked_up.clone())
                .with(
                    "selected_by",
                    selection.chosen.map(|(_, by)| by.as_str()).unwrap_or("nothing qualified"),
                )
                .with("selected_certificate", selection.chosen.map(|(i, _)| describe(i)))
                .with("candidates", selection.candidates.iter().map(|&i| describe(i)).collect::<Vec<_>>())
                .with(
                    "left_out",
                    selection
                        .rejected
                        .iter()
                        .map(|(i, why)| format!("{}: {why}", describe(*i)))
                        .collect::<Vec<_>>(),
                )
                .with(
                    "tie_break",
                    (selection.candidates.len() > 1).then_some(
                        "exact name before wildcard, CA-issued before self-signed, latest NotBefore, then thumbprint",
                    ),
                )
                .on(server, vec!["SMTP".into()])
                .about(selection.chosen.map(|(i, _)| i))
                .fill("connector", c.cmdlet_identity())
                .fill_known("fqdn", fqdn.clone())
                .fill(
                    "set_connector",
                    if receive { "Set-ReceiveConnector" } else { "Set-SendConnector" },
                )
                .fill("transport_service", transport_service(c, server, ctx))
            };
        let Some((chosen, by)) = selection.chosen else {
            if exposure == Exposure::Internal {
                return None; // servers among themselves use the internal transport certificate by design
            }
            return Some(hit(
                format!(
                    "{what} ({role}) looks up {}, but no SMTP-enabled, valid certificate on {server} carries it: Exchange presents its default self-signed certificate (or offers no STARTTLS) and senders see a name mismatch.",
                    selection.looked_up
                ),
                self.severity(exposure),
            ));
        };
        let cert = &certs[chosen];
        let d = &cert.details;
        if by == SelectedBy::TlsCertificateName {
            let binding = ctx.certificate_on(server, &cert.thumbprint).map(|(_, b)| b);
            if binding.and_then(|b| b.services).is_some_and(|s| !s.any(Services::SMTP)) {
                return Some(hit(
                    format!(
                        "{what} names {} with TlsCertificateName, but that certificate is not enabled for SMTP on {server}.",
                        describe(chosen)
                    ),
                    Some(Severity::Medium),
                ));
            }
        }
        if ctx.at > d.not_after {
            return Some(hit(
                format!(
                    "{what} presents {}, which expired on {}.",
                    describe(chosen),
                    d.not_after.format("%Y-%m-%d")
                ),
                self.severity(exposure),
            ));
        }
        let self_signed =
            d.self_signed || binding_self_signed(ctx.certificate_on(server, &cert.thumbprint).map(|(_, b)| b));
        if self_signed && exposure != Exposure::Internal && !ctx.is_auth_certificate(cert) {
            let severity = match exposure {
                Exposure::Internet if receive => Some(self.self_signed_internet_severity),
                other => self.severity(other),
            };
            return Some(hit(
                format!(
                    "{what} ({role}) presents the self-signed certificate {} (selected by {}).",
                    describe(chosen),
                    by.as_str()
                ),
                severity,
            ));
        }
        None
    }
}

fn binding_self_signed(b: Option<&Binding>) -> bool {
    b.and_then(|b| b.self_signed).unwrap_or(false)
}

/// The service to restart after changing a connector: front-end or hub transport.
fn transport_service(c: &Connector, server: &str, ctx: &Context<'_>) -> &'static str {
    let front_end = c
        .transport_role
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case("FrontendTransport"));
    if front_end && !ctx.is_edge(server) {
        "MSExchangeFrontEndTransport"
    } else {
        "MSExchangeTransport"
    }
}

/// True when the certificate is inside its validity and not marked otherwise by Exchange.
fn usable(i: usize, b: &Binding, ctx: &Context<'_>) -> Result<(), &'static str> {
    let d = &ctx.inventory.certificates[i].details;
    if ctx.at > d.not_after {
        Err("expired")
    } else if ctx.at < d.not_before {
        Err("not yet valid")
    } else if b.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("Valid")) {
        Err("not Valid in Exchange")
    } else {
        Ok(())
    }
}

/// The certificate `TlsCertificateName` names on `server` (None when it names none: the
/// `connector-certificate-missing` rule reports that).
pub fn select_by_name(name: &str, server: &str, ctx: &Context<'_>) -> Option<Selection> {
    let (issuer, subject) = parse_tls_certificate_name(name)?;
    let certs = &ctx.inventory.certificates;
    let mut matching: Vec<(usize, &Binding)> = ctx
        .bindings_on(server)
        .iter()
        .filter(|(i, _)| {
            normalise_dn(&certs[*i].details.issuer) == normalise_dn(&issuer)
                && normalise_dn(&certs[*i].details.subject) == normalise_dn(&subject)
        })
        .copied()
        .collect();
    matching.dedup_by_key(|(i, _)| *i);
    if matching.is_empty() {
        return None;
    }
    // A renewal from the same CA leaves two certificates with the same issuer and subject:
    // the usable one with the latest NotBefore is presented.
    matching.sort_by_key(|(i, b)| {
        (
            usable(*i, b, ctx).is_err(),
            std::cmp::Reverse(certs[*i].details.not_before),
            certs[*i].thumbprint.clone(),
        )
    });
    Some(Selection {
        chosen: matching.first().map(|(i, _)| (*i, SelectedBy::TlsCertificateName)),
        candidates: matching.iter().map(|(i, _)| *i).collect(),
        rejected: Vec::new(),
        looked_up: name.to_string(),
    })
}

/// The certificate Exchange picks for `fqdn` on `server` (see the module documentation).
pub fn select_by_fqdn(fqdn: &str, server: &str, ctx: &Context<'_>) -> Selection {
    let certs = &ctx.inventory.certificates;
    let mut candidates: Vec<(usize, bool)> = Vec::new();
    let mut rejected: Vec<(usize, &'static str)> = Vec::new();
    for (i, b) in ctx.bindings_on(server) {
        let d = &certs[*i].details;
        let names = if d.dns_names.is_empty() {
            &d.common_names
        } else {
            &d.dns_names
        };
        let exact = names.iter().any(|n| !n.starts_with("*.") && dns_name_matches(n, fqdn));
        let wildcard = !exact && names.iter().any(|n| dns_name_matches(n, fqdn));
        if d.is_ca || !(exact || wildcard) || candidates.iter().any(|(j, _)| j == i) {
            continue;
        }
        if !b.services.is_some_and(|s| s.any(Services::SMTP)) {
            rejected.push((
                *i,
                if b.services.is_none() {
                    "services unknown"
                } else {
                    "not enabled for SMTP"
                },
            ));
            continue;
        }
        match usable(*i, b, ctx) {
            Ok(()) => candidates.push((*i, exact)),
            Err(why) => rejected.push((*i, why)),
        }
    }
    candidates.sort_by_key(|(i, exact)| {
        let d = &certs[*i].details;
        (
            !exact,
            d.self_signed,
            std::cmp::Reverse(d.not_before),
            certs[*i].thumbprint.clone(),
        )
    });
    rejected.sort();
    rejected.dedup();
    Selection {
        chosen: candidates.first().map(|(i, exact)| {
            (
                *i,
                if *exact {
                    SelectedBy::FqdnExact
                } else {
                    SelectedBy::FqdnWildcard
                },
            )
        }),
        candidates: candidates.into_iter().map(|(i, _)| i).collect(),
        rejected,
        looked_up: fqdn.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Certificate, Inventory, Source};
    use crate::x509::CertDetails;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair};

    fn params(name: &str, from: (i32, u8, u8)) -> CertificateParams {
        let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        p.distinguished_name = dn;
        p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        p.not_after = rcgen::date_time_ymd(2028, 1, 1);
        p
    }

    fn add(inventory: &mut Inventory, der: Vec<u8>, services: u32) -> String {
        let details = CertDetails::parse(&der).unwrap();
        let mut cert = Certificate::new(
            der,
            details,
            Source {
                kind: crate::inventory::SourceKind::File,
                location: "test".into(),
            },
        );
        cert.bindings.push(Binding {
            server: "EX01".into(),
            services: Some(Services(services)),
            status: Some("Valid".into()),
            self_signed: None,
            root_ca_type: None,
            source: "test".into(),
        });
        let thumbprint = cert.thumbprint.clone();
        inventory.add(cert);
        thumbprint
    }

    /// Exact name before wildcard, CA-issued before self-signed, latest NotBefore; expired,
    /// not-SMTP and unknown-service certificates are left out with their reason.
    #[test]
    fn ranking() {
        let mut ca = CertificateParams::default();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let issued = |name: &str, from| {
            params(name, from)
                .signed_by(&KeyPair::generate().unwrap(), &ca)
                .unwrap()
                .der()
                .to_vec()
        };
        let self_signed = |name: &str, from| {
            params(name, from)
                .self_signed(&KeyPair::generate().unwrap())
                .unwrap()
                .der()
                .to_vec()
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut inv = Inventory::default();
        let wildcard = add(&mut inv, issued("*.contoso.com", (2026, 5, 1)), 16);
        let exact_self = add(&mut inv, self_signed("mx.contoso.com", (2026, 5, 1)), 16);
        let exact_old = add(&mut inv, issued("mx.contoso.com", (2025, 1, 1)), 16);
        let exact_new = add(&mut inv, issued("mx.contoso.com", (2026, 1, 1)), 16);
        let not_smtp = add(&mut inv, issued("mx.contoso.com", (2026, 3, 1)), 8);
        let later = add(&mut inv, issued("mx.contoso.com", (2026, 7, 1)), 16);
        let ctx = Context::new(&inv, at);
        let tp = |i: usize| inv.certificates[i].thumbprint.clone();
        let s = select_by_fqdn("MX.contoso.com", "ex01.contoso.com", &ctx);
        let order: Vec<String> = s.candidates.iter().map(|&i| tp(i)).collect();
        assert_eq!(order, [exact_new.clone(), exact_old, exact_self, wildcard.clone()]);
        assert_eq!(
            s.chosen.map(|(i, by)| (tp(i), by)),
            Some((exact_new, SelectedBy::FqdnExact))
        );
        let rejected: Vec<(String, &str)> = s.rejected.iter().map(|(i, why)| (tp(*i), *why)).collect();
        assert!(rejected.contains(&(not_smtp, "not enabled for SMTP")), "{rejected:?}");
        assert!(rejected.contains(&(later, "not yet valid")), "{rejected:?}");
        let s = select_by_fqdn("other.contoso.com", "EX01", &ctx);
        assert_eq!(
            s.chosen.map(|(i, by)| (tp(i), by)),
            Some((wildcard, SelectedBy::FqdnWildcard))
        );
        assert!(select_by_fqdn("mx.fabrikam.com", "EX01", &ctx).chosen.is_none());
    }
}
