//! `weak-cipher-negotiated`: an endpoint chose an RC4, 3DES, DES, NULL, EXPORT or anonymous
//! suite from certaudit's offer (which lists RC4 and 3DES last, after every AES suite, so a
//! server that picks one has nothing better or prefers it).

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus};

static META: RuleMeta = RuleMeta {
    id: "weak-cipher-negotiated",
    title: "Endpoint negotiates a weak cipher suite",
    default_severity: Severity::High,
    default_enabled: true,
    scope: Scope::All,
    rationale: "RC4 is broken (RFC 7465 forbids it), 3DES and DES have 64-bit blocks open to Sweet32 and too short keys, NULL suites do not encrypt, EXPORT suites were weakened on purpose and anonymous suites authenticate no server. A server that chooses one when AES suites are offered exposes every client that connects.",
    remediation: "Disable the weak ciphers in Schannel on the server behind {endpoint}: under `HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Ciphers`, set `Enabled=0` for `RC4 128/128`, `RC4 64/128`, `RC4 56/128`, `RC4 40/128`, `Triple DES 168`, `DES 56/56` and `NULL`, and order the suites with `Disable-TlsCipherSuite` / the SSL Cipher Suite Order policy so that ECDHE with AES-GCM comes first; restart the server. Follow Microsoft's Exchange Server TLS configuration guidance; clients that only know RC4 or 3DES (very old devices) stop connecting.",
    edge_remediation: None,
    references: &[
        "https://www.rfc-editor.org/rfc/rfc7465",
        "https://sweet32.info/",
        "https://learn.microsoft.com/en-us/exchange/exchange-tls-configuration",
        "https://learn.microsoft.com/en-us/windows-server/security/tls/tls-registry-settings",
    ],
};

/// The parts of an IANA suite name that make it weak, and why.
const WEAK: [(&str, &str); 6] = [
    ("_RC4_", "RC4"),
    ("_3DES_", "3DES"),
    ("_DES_", "DES"),
    ("_NULL_", "no encryption"),
    ("_EXPORT", "an export-grade suite"),
    ("_anon_", "no server authentication"),
];

/// Flags endpoints whose negotiated suite is weak.
pub struct WeakCipherNegotiated;

impl Rule for WeakCipherNegotiated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        let Some(cipher) = endpoint.cipher.as_deref() else {
            return Vec::new();
        };
        if endpoint.status != EndpointStatus::Ok {
            return Vec::new();
        }
        let Some((_, why)) = WEAK.iter().find(|(part, _)| cipher.contains(part)) else {
            return Vec::new();
        };
        vec![Hit::new(format!(
            "{} negotiated {cipher} ({why}) over {}.",
            endpoint.target,
            endpoint.tls_version.as_deref().unwrap_or("an unknown version")
        ))
        .with("cipher", cipher)
        .with("weakness", *why)
        .with("version", endpoint.tls_version.clone())
        .at_endpoint(index, endpoint)]
    }
}
