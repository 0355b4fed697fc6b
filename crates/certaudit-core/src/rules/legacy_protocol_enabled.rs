//! `legacy-protocol-enabled`: an endpoint that negotiated SSL 3.0, TLS 1.0 or TLS 1.1 (which
//! versions count is the `versions` parameter). Such endpoints are seen through the legacy
//! handshake capture (`probe::legacy`): rustls speaks only TLS 1.2 and 1.3, so a server that
//! settles on an older version is one that offers nothing newer to a modern client's suites.

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "legacy-protocol-enabled",
    title: "Endpoint negotiates a legacy TLS version",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "SSL 3.0, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996): they rest on MD5/SHA-1 handshakes and CBC constructions with known attacks (POODLE, BEAST), and current clients and Exchange Online refuse them. An endpoint that settles on one of them offers nothing newer, so modern clients fail and old ones are exposed.",
    remediation: "Enable TLS 1.2 on {endpoint}'s server and disable the legacy versions in Schannel: under `HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols`, set `TLS 1.2\\Server` and `TLS 1.2\\Client` `Enabled=1` and `DisabledByDefault=0`, and for `SSL 3.0`, `TLS 1.0` and `TLS 1.1` (`Server` and `Client`) `Enabled=0` and `DisabledByDefault=1`; make .NET use the system's TLS (`HKLM:\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319` and the `Wow6432Node` key: `SystemDefaultTlsVersions=1`, `SchUseStrongCrypto=1`), then restart the server. Follow Microsoft's Exchange Server TLS configuration guidance (Exchange 2013 and 2016 need their latest cumulative update first); clients and devices that only speak TLS 1.0/1.1 (old Outlook, printers and scanners that relay over SMTP) stop connecting: inventory them first.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/exchange-tls-configuration",
        "https://learn.microsoft.com/en-us/windows-server/security/tls/tls-registry-settings",
        "https://www.rfc-editor.org/rfc/rfc8996",
    ],
};

/// Flags endpoints whose negotiated version is in `versions`; SSL 3.0 at `ssl3_severity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegacyProtocolEnabled {
    /// The versions that count as legacy, as endpoints name them (`TLSv1.0` …).
    versions: Vec<String>,
    ssl3_severity: Severity,
}

impl Default for LegacyProtocolEnabled {
    fn default() -> Self {
        Self {
            versions: vec!["SSLv3".into(), "TLSv1.0".into(), "TLSv1.1".into()],
            ssl3_severity: Severity::Critical,
        }
    }
}

impl Rule for LegacyProtocolEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn configure(&mut self, params: Params<'_>) -> Result<(), ParamError> {
        *self = params.parse()?;
        Ok(())
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        let Some(version) = endpoint.tls_version.as_deref() else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Ok || !self.versions.iter().any(|v| v == version) {
            return Vec::new();
        }
        let mut hit = Hit::new(format!(
            "{} negotiated {version} ({}) although certaudit offered up to TLS 1.2: the server speaks nothing newer with these suites.",
            endpoint.target,
            endpoint.cipher.as_deref().unwrap_or("suite unknown")
        ))
        .with("version", version)
        .with("cipher", endpoint.cipher.clone())
        .with("address", endpoint.address.clone())
        .at_endpoint(index, endpoint);
        if version == "SSLv3" {
            hit.severity = Some(self.ssl3_severity);
        }
        vec![hit]
    }
}
