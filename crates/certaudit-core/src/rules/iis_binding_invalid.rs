//! `iis-binding-invalid`: an https binding of Default Web Site (:443) or Exchange Back End
//! (:444) names a certificate that is not on its server, is expired or not yet valid, or is
//! not `Valid` in Exchange's view; or the Default Web Site binding differs from the
//! certificate Exchange has enabled for IIS on that server.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Services, WebBinding};
use crate::time::rfc3339;

static META: RuleMeta = RuleMeta {
    id: "iis-binding-invalid",
    title: "IIS https binding names a missing or invalid certificate",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "IIS serves Exchange's web protocols from two sites: Default Web Site on port 443, which clients reach and which carries the certificate enabled for IIS, and Exchange Back End on port 444, which the front end proxies every request to and which usually carries the setup self-signed certificate. A binding that names a certificate the server no longer has, or one that is expired or not valid, breaks what it serves: on the Back End, OWA, ECP and EWS stop working for every mailbox on the server; on the front end, clients see certificate errors. Removing a certificate that the Back End still names is a classic outage after a renewal.",
    remediation: "Bind the certificate Exchange serves clients with to the Default Web Site ({binding}) on {server}: `Enable-ExchangeCertificate -Server {server} -Thumbprint {replacement_thumbprint} -Services IIS` rewrites the https binding; then run `iisreset /noforce` on {server}.",
    edge_remediation: Some("An Edge Transport server serves no client access (no web sites, no autodiscover, no virtual directories): do not enable web services on {server}. Check why a client-access name is served there (DNS or a load balancer pointing clients at the Edge) and point clients at the Mailbox servers' namespace; the Edge certificate needs only its connectors' names, bound with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` in the Edge server's shell."),
    references: &[
        "https://learn.microsoft.com/en-us/exchange/architecture/client-access/assign-certificates-to-services",
        "https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/bindings/binding",
        "https://learn.microsoft.com/en-us/powershell/module/webadministration/get-webbinding",
    ],
};

/// Remediation for the Exchange Back End site, which Enable-ExchangeCertificate does not touch.
pub(crate) const BACK_END_REMEDIATION: &str = "Bind a valid certificate to the Exchange Back End https binding ({binding}) on {server}: in IIS Manager on {server} open Exchange Back End > Bindings > https (port 444) and select {replacement_thumbprint} (the setup self-signed certificate is right there; if it was removed, create one with `New-ExchangeCertificate -Server {server}`), or in PowerShell on {server}: `Import-Module WebAdministration; (Get-WebBinding -Name 'Exchange Back End' -Protocol https).AddSslCertificate('{replacement_thumbprint}', 'My')`. Then run `iisreset /noforce` on {server}.";

/// Flags https bindings of the two Exchange sites whose certificate is missing or unusable.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IisBindingInvalid {
    /// Severity for the Exchange Back End site (OWA, ECP and EWS stop working).
    back_end_severity: Severity,
    /// Severity when the Default Web Site serves another certificate than the IIS-enabled one.
    mismatch_severity: Severity,
}

impl Default for IisBindingInvalid {
    fn default() -> Self {
        Self {
            back_end_severity: Severity::Critical,
            mismatch_severity: Severity::Medium,
        }
    }
}

/// The bindings of one site on one server that name the same certificate: one finding each.
struct Group<'a> {
    server: &'a str,
    site: &'a str,
    hash: Option<&'a str>,
    bindings: Vec<&'a WebBinding>,
}

impl Rule for IisBindingInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let mut groups: BTreeMap<(String, String, Option<String>), Group<'_>> = BTreeMap::new();
        for b in &ctx.organisation().web_bindings {
            if b.protocol != "https" || !(b.is_front_end() || b.is_back_end()) {
                continue;
            }
            if b.server.as_deref().is_some_and(|s| ctx.is_edge(s)) {
                continue; // an Edge Transport server has no Exchange web sites
            }
            let Some(server) = b.server.as_deref() else {
                ctx.not_audited(
                    META.id,
                    format!("https binding {} of '{}' in {}", b.binding_information, b.site, b.source),
                    "the export names no server (no PSComputerName, not in a per-server folder, or a folder that is not a known server)",
                    None,
                );
                continue;
            };
            let key = (
                crate::inventory::server_key(server),
                b.site.to_ascii_lowercase(),
                b.certificate_hash.clone(),
            );
            groups
                .entry(key)
                .or_insert_with(|| Group {
                    server,
                    site: &b.site,
                    hash: b.certificate_hash.as_deref(),
                    bindings: Vec::new(),
                })
                .bindings
                .push(b);
        }
        groups.values().filter_map(|g| self.judge(g, ctx)).collect()
    }
}

impl IisBindingInvalid {
    fn judge(&self, g: &Group<'_>, ctx: &Context<'_>) -> Option<Hit> {
        let back_end = g.bindings[0].is_back_end();
        let certs = &ctx.inventory.certificates;
        let informations: Vec<String> = g.bindings.iter().map(|b| b.binding_information.clone()).collect();
        let what = format!(
            "The {} https binding {} on {}",
            g.site,
            informations.join(", "),
            g.server
        );
        let severity = if back_end {
            self.back_end_severity
        } else {
            META.default_severity
        };
        let replacement = self.replacement(g.server, back_end, ctx);
        let hit = |message: String| {
            let mut hit = Hit::new(message);
            if back_end {
                hit.remediation = Some(BACK_END_REMEDIATION);
            }
            hit.with("site", g.site)
                .with("bindings", informations.clone())
                .with("certificate_hash", g.hash)
                .with(
                    "sources",
                    g.bindings.iter().map(|b| b.source.clone()).collect::<Vec<_>>(),
                )
                .on(g.server, vec!["IIS".into()])
                .at(severity)
                .fill("site", g.site)
                .fill("binding", informations.join(", "))
                .fill_known(
                    "replacement_thumbprint",
                    replacement.map(|i| certs[i].thumbprint.clone()),
                )
        };
        let Some(hash) = g.hash else {
            return Some(hit(format!("{what} names no certificate.")));
        };
        if !ctx.has_certificate_export(g.server) {
            ctx.not_audited(
                META.id,
                format!("{what} (certificate {hash})"),
                format!("no Get-ExchangeCertificate export was read for {}", g.server),
                Some(g.server),
            );
            return None;
        }
        let Some((i, binding)) = ctx.certificate_on(g.server, hash) else {
            return Some(hit(format!(
                "{what} names certificate {hash}, which is not among the certificates exported for {}{}.",
                g.server,
                if back_end {
                    ": OWA, ECP and EWS fail for mailboxes on this server"
                } else {
                    ": clients get no valid certificate"
                }
            )));
        };
        let cert = &certs[i];
        let d = &cert.details;
        let problem = if ctx.at > d.not_after {
            Some(format!("expired on {}", d.not_after.format("%Y-%m-%d")))
        } else if ctx.at < d.not_before {
            Some(format!("is not valid before {}", d.not_before.format("%Y-%m-%d")))
        } else {
            binding
                .status
                .as_deref()
                .filter(|s| !s.eq_ignore_ascii_case("Valid"))
                .map(|s| format!("has status {s} in Exchange"))
        };
        if let Some(problem) = problem {
            return Some(
                hit(format!("{what} names {hash} ({}), which {problem}.", d.subject))
                    .about(Some(i))
                    .with("not_after", rfc3339(d.not_after))
                    .with("exchange_status", binding.status.clone()),
            );
        }
        if back_end {
            return None;
        }
        // The Default Web Site should serve the certificate Exchange has enabled for IIS.
        let iis_enabled: Vec<usize> = ctx
            .bindings_on(g.server)
            .iter()
            .filter(|(_, b)| b.services.is_some_and(|s| s.any(Services::IIS)))
            .map(|(i, _)| *i)
            .collect();
        if iis_enabled.is_empty() || iis_enabled.contains(&i) {
            return None;
        }
        let enabled: Vec<String> = iis_enabled.iter().map(|&j| certs[j].thumbprint.clone()).collect();
        Some(
            hit(format!(
                "{what} serves {hash} ({}), but the certificate Exchange has enabled for IIS there is {}.",
                d.subject,
                enabled.join(", ")
            ))
            .about(Some(i))
            .at(self.mismatch_severity)
            .with("iis_enabled_certificates", enabled),
        )
    }

    /// A certificate that could take the binding: for the Back End a time-valid certificate on
    /// the server (the setup self-signed one first); for the front end the IIS-enabled one.
    fn replacement(&self, server: &str, back_end: bool, ctx: &Context<'_>) -> Option<usize> {
        let certs = &ctx.inventory.certificates;
        let usable = |i: usize| {
            let d = &certs[i].details;
            d.not_before <= ctx.at && ctx.at <= d.not_after && !d.is_ca && !ctx.is_auth_certificate(&certs[i])
        };
        let on_server = ctx.bindings_on(server);
        let valid_status =
            |b: &crate::inventory::Binding| b.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("Valid"));
        if back_end {
            on_server
                .iter()
                .filter(|(i, b)| usable(*i) && valid_status(b))
                .max_by_key(|(i, _)| (certs[*i].details.self_signed, certs[*i].details.not_after))
                .map(|(i, _)| *i)
        } else {
            on_server
                .iter()
                .filter(|(i, b)| usable(*i) && valid_status(b) && b.services.is_some_and(|s| s.any(Services::IIS)))
                .max_by_key(|(i, _)| certs[*i].details.not_after)
                .map(|(i, _)| *i)
        }
    }
}
