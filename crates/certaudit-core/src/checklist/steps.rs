//! The Exchange Management Shell steps of a renewal, a retirement and a self-signed renewal,
//! and the final verification.

use super::context::PlanContext;
use super::powershell::{file_stem, quote, quote_list, server_param, NEW_THUMBPRINT};
use super::{NamePlan, ServerUse, Step};
use crate::inventory::server_key;
use crate::names::internal_name_reason;
use crate::report::model::{CertificateEntry, Report};
use crate::x509::{names_cover, normalise_dn};

impl PlanContext<'_> {
    pub(super) fn renew_steps(&self, names: &NamePlan, key_size: u32) -> Vec<Step> {
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
    pub(super) fn install_step(&self, u: &ServerUse, pfx: Option<&str>, thumbprint: &str) -> Step {
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
    pub(super) fn receive_connector_commands(&self, u: &ServerUse, thumbprint: &str) -> Vec<String> {
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
    pub(super) fn pop_imap_name(&self, service: &str, server: &str) -> String {
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
    pub(super) fn organisation_steps(&self, thumbprint: &str, first: &str) -> Vec<Step> {
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

    pub(super) fn removal_step(&self) -> Step {
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

    pub(super) fn retire_steps(&self, successor: &CertificateEntry) -> Vec<Step> {
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

    pub(super) fn self_signed_steps(&self) -> Vec<Step> {
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
}

/// The final check: the same scan again, plus each server's certificate list.
pub(super) fn verify_step(servers: &[ServerUse], command: &str) -> Step {
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
pub(super) fn verify_command(report: &Report) -> String {
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
pub(super) fn shell_word(arg: &str) -> String {
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
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("samples/contoso"), "samples/contoso");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
