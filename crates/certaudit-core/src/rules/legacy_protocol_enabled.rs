//! `legacy-protocol-enabled`: an endpoint that accepts SSL 3.0, TLS 1.0 or TLS 1.1 (which
//! versions count is the `versions` parameter), as the protocol matrix found (`probe::
//! protocol_matrix`); without the matrix, one that negotiated such a version. A version the
//! matrix could not answer for is recorded as not audited, never as refused.

use serde::Deserialize;

use super::params::{ParamError, Params};
use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus, TlsProtocol};

static META: RuleMeta = RuleMeta {
    id: "legacy-protocol-enabled",
    title: "Endpoint accepts a legacy TLS version",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "SSL 3.0, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996): they rest on MD5/SHA-1 handshakes and CBC constructions with known attacks (POODLE, BEAST), and current clients and Exchange Online refuse them. An endpoint that still accepts one of them lets an attacker or an old client use it, and one that offers nothing newer fails every modern client.",
    remediation: "Enable TLS 1.2 on {endpoint}'s server and disable the legacy versions in Schannel: under `HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols`, set `TLS 1.2\\Server` and `TLS 1.2\\Client` `Enabled=1` and `DisabledByDefault=0`, and for `SSL 3.0`, `TLS 1.0` and `TLS 1.1` (`Server` and `Client`) `Enabled=0` and `DisabledByDefault=1`; make .NET use the system's TLS (`HKLM:\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319` and the `Wow6432Node` key: `SystemDefaultTlsVersions=1`, `SchUseStrongCrypto=1`), then restart the server. Follow Microsoft's Exchange Server TLS configuration guidance (Exchange 2013 and 2016 need their latest cumulative update first); clients and devices that only speak TLS 1.0/1.1 (old Outlook, printers and scanners that relay over SMTP) stop connecting: inventory them first.",
    edge_remediation: None,
    references: &[
        "https://learn.microsoft.com/en-us/exchange/exchange-tls-configuration",
        "https://learn.microsoft.com/en-us/windows-server/security/tls/tls-registry-settings",
        "https://www.rfc-editor.org/rfc/rfc8996",
    ],
};

/// Flags endpoints that accept a version in `versions`; SSL 3.0 at `ssl3_severity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegacyProtocolEnabled {
    /// The versions that count as legacy (`SSLv3`, `TLS1.0`, `TLS1.1`; `TLSv1.0` is read too).
    #[serde(deserialize_with = "version_names")]
    versions: Vec<TlsProtocol>,
    ssl3_severity: Severity,
}

impl Default for LegacyProtocolEnabled {
    fn default() -> Self {
        Self {
            versions: vec![TlsProtocol::Ssl3, TlsProtocol::Tls10, TlsProtocol::Tls11],
            ssl3_severity: Severity::Critical,
        }
    }
}

/// Version names as packs write them, each checked.
fn version_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TlsProtocol>, D::Error> {
    let names: Vec<String> = Vec::deserialize(d)?;
    names
        .iter()
        .map(|n| {
            TlsProtocol::from_name(n).ok_or_else(|| {
                serde::de::Error::custom(format!("`{n}` is not one of SSLv3, TLS1.0, TLS1.1, TLS1.2, TLS1.3"))
            })
        })
        .collect()
}

impl LegacyProtocolEnabled {
    fn counts(&self, version: TlsProtocol) -> bool {
        self.versions.contains(&version)
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

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, ctx: &Context<'_>) -> Vec<Hit> {
        if endpoint.status != EndpointStatus::Ok {
            return Vec::new();
        }
        // Without the matrix (`--no-protocol-scan`) only the negotiated version is known.
        let accepted: Vec<(TlsProtocol, Option<&str>)> = if endpoint.protocols.is_empty() {
            endpoint
                .tls_version
                .as_deref()
                .and_then(TlsProtocol::from_name)
                .map(|v| (v, endpoint.cipher.as_deref()))
                .into_iter()
                .filter(|(v, _)| self.counts(*v))
                .collect()
        } else {
            for row in endpoint
                .protocols
                .iter()
                .filter(|r| r.accepted.is_none() && self.counts(r.version))
            {
                ctx.not_audited(
                    META.id,
                    format!("{} on {}", row.version.as_str(), endpoint.target),
                    format!(
                        "whether the endpoint accepts {} is unknown: {}",
                        row.version.as_str(),
                        row.detail.as_deref().unwrap_or("no answer")
                    ),
                    None,
                );
            }
            endpoint
                .protocols
                .iter()
                .filter(|r| r.accepted == Some(true) && self.counts(r.version))
                .map(|r| (r.version, r.cipher.as_deref()))
                .collect()
        };
        if accepted.is_empty() {
            return Vec::new();
        }
        let listed: Vec<String> = accepted
            .iter()
            .map(|(v, c)| format!("{} ({})", v.as_str(), c.unwrap_or("suite unknown")))
            .collect();
        let versions: Vec<&str> = accepted.iter().map(|(v, _)| v.as_str()).collect();
        let how = if endpoint.protocols.is_empty() {
            "negotiated"
        } else {
            "accepts"
        };
        let mut hit = Hit::new(format!("{} {how} {}.", endpoint.target, listed.join(", ")))
            .with("versions", versions)
            .with(
                "ciphers",
                accepted.iter().map(|(_, c)| c.unwrap_or("")).collect::<Vec<_>>(),
            )
            .with("address", endpoint.address.clone())
            .at_endpoint(index, endpoint);
        if accepted.iter().any(|(v, _)| *v == TlsProtocol::Ssl3) {
            hit.severity = Some(self.ssl3_severity);
        }
        vec![hit]
    }
}
