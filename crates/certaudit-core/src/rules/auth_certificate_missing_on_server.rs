//! `auth-certificate-missing-on-server`: the current Auth certificate (or the next one, once
//! its effective date has passed) is absent from the certificate export of a server that is
//! not an Edge Transport server.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};

static META: RuleMeta = RuleMeta {
    id: "auth-certificate-missing-on-server",
    title: "Auth certificate missing on a server",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::EndEntity,
    rationale: "Exchange signs OAuth tokens (hybrid free/busy and mailbox moves, Exchange Online, Teams, server-to-server calls) with the Auth certificate Get-AuthConfig names; every Mailbox server needs a copy with its private key. A server without it fails those requests, and after a rollover the next certificate must have reached every server before its effective date.",
    remediation: "Copy the Auth certificate {auth_thumbprint} to {server}: on a server that has it, `Export-ExchangeCertificate -Thumbprint {auth_thumbprint} -FileName '\\\\{server}\\C$\\auth.pfx' -BinaryEncoded -Password (Read-Host -AsSecureString)`, then `Import-ExchangeCertificate -Server {server} -FileData ([System.IO.File]::ReadAllBytes('\\\\{server}\\C$\\auth.pfx')) -Password <the same password> -PrivateKeyExportable $true`, delete the .pfx, and restart MSExchangeServiceHost and the OWA/ECP app pools on {server}. If no server has it, renew it (`New-ExchangeCertificate -KeySize 2048 -PrivateKeyExportable $true -SubjectName 'cn=Microsoft Exchange Server Auth Certificate' -DomainName @()`, Set-AuthConfig -NewCertificateThumbprint …, `Set-AuthConfig -PublishCertificate`).",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-oauth-certificate",
        "https://learn.microsoft.com/en-us/powershell/module/exchange/set-authconfig",
    ],
};

/// Flags non-Edge servers whose export lacks the Auth certificate in force.
pub struct AuthCertificateMissingOnServer;

impl Rule for AuthCertificateMissingOnServer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_organisation(&self, ctx: &Context<'_>) -> Vec<Hit> {
        let org = ctx.organisation();
        let mut hits = Vec::new();
        for config in &org.auth_configs {
            let mut expected: Vec<(&str, &str)> = Vec::new();
            if let Some(current) = config.current.as_deref() {
                expected.push(("current", current));
            }
            if let (Some(next), Some(from)) = (config.next.as_deref(), config.next_effective) {
                if from <= ctx.at && Some(next) != config.current.as_deref() {
                    expected.push(("next", next));
                }
            }
            for server in ctx.servers() {
                if ctx.is_edge(server) {
                    continue; // Edge Transport servers do not take part in OAuth
                }
                for (role, thumbprint) in &expected {
                    if ctx.certificate_on(server, thumbprint).is_some() {
                        continue;
                    }
                    let known = ctx
                        .inventory
                        .certificates
                        .iter()
                        .position(|c| c.thumbprint.eq_ignore_ascii_case(thumbprint));
                    let role_text = match *role {
                        "current" => "current Auth certificate".to_string(),
                        _ => format!(
                            "next Auth certificate (effective since {})",
                            config
                                .next_effective
                                .map(|t| t.format("%Y-%m-%d").to_string())
                                .unwrap_or_default()
                        ),
                    };
                    let server_role = match org.server(server) {
                        Some(s) if !s.roles.is_empty() => s.roles.join(", "),
                        Some(_) => "not Edge (Get-ExchangeServer)".into(),
                        None => "unknown: no Get-ExchangeServer entry, taken as a Mailbox server".into(),
                    };
                    hits.push(
                        Hit::new(format!(
                            "The {role_text} {thumbprint} named by Get-AuthConfig is not in the certificate export of {server}."
                        ))
                        .with("auth_role", *role)
                        .with("auth_thumbprint", *thumbprint)
                        .with("auth_config_source", config.source.clone())
                        .with("server_role", server_role)
                        .on(server, Vec::new())
                        .about(known)
                        .fill("auth_thumbprint", *thumbprint),
                    );
                }
            }
        }
        hits
    }
}
