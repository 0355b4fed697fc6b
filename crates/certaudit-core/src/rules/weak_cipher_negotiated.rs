//! `weak-cipher-negotiated`: an endpoint chose an RC4, 3DES, DES, NULL, EXPORT or anonymous
//! suite from certaudit's offer (which lists RC4 and 3DES last, after every AES suite, so a
//! server that picks one has nothing better or prefers it).

use super::{Context, Hit, Rule, RuleMeta, Scope, Severity};
use crate::inventory::{Endpoint, EndpointStatus, TlsProtocol};

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

/// Flags endpoints that chose a weak suite, in the main handshake or for any version of the
/// protocol matrix.
pub struct WeakCipherNegotiated;

impl Rule for WeakCipherNegotiated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_endpoint(&self, index: usize, endpoint: &Endpoint, _ctx: &Context<'_>) -> Vec<Hit> {
        if endpoint.status != EndpointStatus::Ok {
            return Vec::new();
        }
        // (version, suite) for every choice the endpoint made, once each.
        let mut chosen: Vec<(String, &str)> = Vec::new();
        if let Some(cipher) = endpoint.cipher.as_deref() {
            let version = endpoint.tls_version.as_deref().and_then(TlsProtocol::from_name);
            chosen.push((version.map_or("an unknown version", |v| v.as_str()).to_string(), cipher));
        }
        for row in endpoint.protocols.iter().filter(|r| r.accepted == Some(true)) {
            if let Some(cipher) = row.cipher.as_deref() {
                let entry = (row.version.as_str().to_string(), cipher);
                if !chosen.contains(&entry) {
                    chosen.push(entry);
                }
            }
        }
        let weak: Vec<(String, &str, &str)> = chosen
            .into_iter()
            .filter_map(|(v, c)| {
                WEAK.iter()
                    .find(|(part, _)| c.contains(part))
                    .map(|(_, why)| (v, c, *why))
            })
            .collect();
        if weak.is_empty() {
            return Vec::new();
        }
        let listed: Vec<String> = weak.iter().map(|(v, c, why)| format!("{c} ({why}) over {v}")).collect();
        let mut ciphers: Vec<&str> = weak.iter().map(|(_, c, _)| *c).collect();
        ciphers.dedup();
        vec![Hit::new(format!("{} chose {}.", endpoint.target, listed.join("; ")))
            .with("ciphers", ciphers)
            .with("versions", weak.iter().map(|(v, _, _)| v.clone()).collect::<Vec<_>>())
            .with("weakness", weak.iter().map(|(_, _, w)| *w).collect::<Vec<_>>())
            .at_endpoint(index, endpoint)]
    }
}
