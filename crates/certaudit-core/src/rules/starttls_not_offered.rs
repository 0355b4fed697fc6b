//! `starttls-not-offered`: a mail port (SMTP, submission, IMAP, POP3) that offers no STARTTLS.

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::Endpoint;
use crate::inventory::ErrorKind;

static META: RuleMeta = RuleMeta {
    id: "starttls-not-offered",
    title: "Mail port offers no STARTTLS",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "Without STARTTLS, mail between servers (port 25) and client credentials and mail (submission, IMAP, POP3) cross the network in clear text. Exchange offers STARTTLS only when a valid certificate matching the connector's FQDN or the X509CertificateName is available.",
    remediation: "For SMTP/submission: bind a valid certificate to SMTP (`Enable-ExchangeCertificate -Server {server} -Thumbprint <thumbprint> -Services SMTP`), make sure the receive connector's FQDN is a name on it and TLS is allowed (`Get-ReceiveConnector -Server {server} | Format-List Fqdn,AuthMechanism,TlsCertificateName`; Set-ReceiveConnector -AuthMechanism Tls,…). For IMAP/POP: Set-ImapSettings/Set-PopSettings -Server {server} -X509CertificateName <fqdn on the certificate>, then `Restart-Service MSExchangeIMAP4, MSExchangePOP3`.",
    edge_remediation: None,
    references: &[
        "https://www.rfc-editor.org/rfc/rfc3207",
        "https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/receive-connectors",
    ],
};

/// Flags mail endpoints whose dialogue shows no STARTTLS/STLS.
pub struct StarttlsNotOffered;

impl Rule for StarttlsNotOffered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        match &endpoint.error {
            Some(e) if e.kind == ErrorKind::StarttlsNotOffered => {
                vec![
                    Hit::new(format!("{} offers no STARTTLS: {}.", endpoint.target, e.message))
                        .with("dialogue", e.message.clone())
                        .with("address", endpoint.address.clone())
                        .at_endpoint(index, endpoint),
                ]
            }
            _ => Vec::new(),
        }
    }
}
