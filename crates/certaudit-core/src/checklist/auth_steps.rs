//! The Exchange Management Shell steps of an Auth certificate rollover: a new certificate,
//! or one already staged with Set-AuthConfig, then publishing it and clearing the old one.

use chrono::{DateTime, Utc};

use super::context::{day, Org, PlanContext};
use super::powershell::{quote, NEW_THUMBPRINT};
use super::Step;
use crate::inventory::server_key;

impl PlanContext<'_> {
    pub(super) fn auth_rollover_steps(&self) -> Vec<Step> {
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
    pub(super) fn staged_rollover_steps(&self, next: &str, effective: Option<DateTime<Utc>>) -> Vec<Step> {
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
    pub(super) fn auth_finish_steps(&self) -> Vec<Step> {
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
