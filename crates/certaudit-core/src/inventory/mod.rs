//! The one model every input meets in: certificates keyed by the SHA-256 of their DER,
//! each with every place it was seen, plus a record of every input read.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::x509::CertDetails;

mod binding;
mod endpoint;
mod organisation;
mod trust;

pub use binding::{service_names, Binding, Services, CERTIFICATE_STATUS, ROOT_CA_TYPE};
pub use endpoint::{
    AutodiscoverCheck, CheckStatus, Endpoint, EndpointStatus, ErrorKind, ProbeError, Protocol, ProtocolSupport,
    StapleCheck, StapleStatus, TlsProtocol,
};
pub use organisation::{
    needs_autodiscover, parse_tls_certificate_name, AuthConfig, Connector, ContextItem, ExchangeServer, Exposure,
    Organisation, ProtocolSetting, ServerOrigin, ServerPort, ServerProbe, TransportService, WebBinding,
};
pub use trust::{ServedChain, Trust, TrustStatus, UnknownTrustStatus};

/// One distinct certificate (by DER) and everything known about it.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// The same SHA-256, as bytes.
    pub digest: [u8; 32],
    /// SHA-1 of the DER, uppercase hex (the Exchange/Windows thumbprint).
    pub thumbprint: String,
    pub details: CertDetails,
    /// Every place the certificate was seen.
    pub sources: Vec<Source>,
    /// Chain validation result, filled by trust evaluation.
    pub trust: Trust,
    /// Where Exchange has it installed, and for which services.
    pub bindings: Vec<Binding>,
}

/// A server's short name, lowercase (`EX01.contoso.com` and `ex01` are the same server).
pub fn server_key(server: &str) -> String {
    server.split('.').next().unwrap_or(server).trim().to_ascii_lowercase()
}

/// Where a certificate was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The file path, with `#N` for the N-th certificate of a bundle.
    pub location: String,
}

/// The kind of place a certificate was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A certificate store file (PEM, DER, PKCS#7, PKCS#12).
    File,
    /// An Exchange export (CliXML or JSON).
    Export,
    /// Presented by a probed endpoint.
    Endpoint,
}

/// What an input file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Pem,
    Der,
    Pkcs7,
    Pkcs12,
    /// PowerShell `Export-Clixml` of Exchange cmdlets.
    Clixml,
    /// `ConvertTo-Json` of `Get-ExchangeCertificate`.
    ExchangeJson,
    /// Read but not a certificate store (the record says why).
    Skipped,
    /// Could not be classified (unreadable, empty, unrecognised content).
    Unknown,
}

impl SourceKind {
    /// The name report.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Export => "export",
            SourceKind::Endpoint => "endpoint",
        }
    }
}

impl InputKind {
    /// The name report.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Pem => "pem",
            InputKind::Der => "der",
            InputKind::Pkcs7 => "pkcs7",
            InputKind::Pkcs12 => "pkcs12",
            InputKind::Clixml => "clixml",
            InputKind::ExchangeJson => "exchange-json",
            InputKind::Skipped => "skipped",
            InputKind::Unknown => "unknown",
        }
    }
}

/// One input as recorded in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: String,
    /// SHA-256 of the file's bytes, when it could be read.
    pub sha256: Option<String>,
    pub kind: InputKind,
    /// Certificates read from this input.
    pub certificates: usize,
    /// Why the input (or part of it) could not be read.
    pub error: Option<String>,
    /// A note that is not an error: why a file was skipped, what was ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// All certificates and inputs of one scan.
#[derive(Debug, Default)]
pub struct Inventory {
    pub certificates: Vec<Certificate>,
    pub inputs: Vec<InputRecord>,
    pub organisation: Organisation,
    /// Probed endpoints, in the order of the targets.
    pub endpoints: Vec<Endpoint>,
    /// Autodiscover reachability per accepted domain (when probing).
    pub autodiscover: Vec<AutodiscoverCheck>,
    /// Certificates by the SHA-256 of their DER.
    by_sha256: foldhash::HashMap<[u8; 32], usize>,
    /// For certificates seen in many places: their sightings and bindings as sets, so that
    /// merging stays linear however many times a certificate is seen (a certificate seen a few
    /// times is checked against its own short lists).
    many: foldhash::HashMap<usize, Seen>,
}

/// The sightings and bindings of one much-seen certificate.
#[derive(Debug, Default)]
struct Seen {
    sources: HashSet<Source>,
    bindings: HashSet<Binding>,
}

/// Up to this many sightings (or bindings), a new one is checked against the list itself.
const SHORT_LIST: usize = 16;

impl Certificate {
    /// A certificate seen once, with its hashes computed (not yet trust-evaluated).
    pub fn new(der: Vec<u8>, details: CertDetails, source: Source) -> Self {
        let digest = crate::digest::sha256(&der);
        Self::with_digest(der, digest, details, source)
    }

    /// [`Certificate::new`] for a DER whose SHA-256 (`digest`) is already known.
    pub fn with_digest(der: Vec<u8>, digest: [u8; 32], details: CertDetails, source: Source) -> Self {
        Self {
            sha256: hex::encode(digest),
            digest,
            thumbprint: crate::digest::thumbprint(&der),
            der,
            details,
            sources: vec![source],
            trust: Trust::default(),
            bindings: Vec::new(),
        }
    }
}

impl Inventory {
    /// Adds a certificate, merging its sightings into an earlier record of the same DER.
    /// Returns the index of the record.
    pub fn add(&mut self, mut cert: Certificate) -> usize {
        let key = cert.digest;
        let (i, sources, bindings) = match self.by_sha256.get(&key) {
            Some(&i) => (i, std::mem::take(&mut cert.sources), std::mem::take(&mut cert.bindings)),
            None => {
                let i = self.certificates.len();
                self.by_sha256.insert(key, i);
                let sources = std::mem::take(&mut cert.sources);
                let bindings = std::mem::take(&mut cert.bindings);
                self.certificates.push(cert);
                (i, sources, bindings)
            }
        };
        for source in sources {
            let list = &mut self.certificates[i].sources;
            if let Some(seen) = self.many.get_mut(&i) {
                if seen.sources.insert(source.clone()) {
                    list.push(source);
                }
            } else if !list.contains(&source) {
                list.push(source);
                if list.len() > SHORT_LIST {
                    self.promote(i);
                }
            }
        }
        for binding in bindings {
            let list = &mut self.certificates[i].bindings;
            if let Some(seen) = self.many.get_mut(&i) {
                if seen.bindings.insert(binding.clone()) {
                    list.push(binding);
                }
            } else if !list.contains(&binding) {
                list.push(binding);
                if list.len() > SHORT_LIST {
                    self.promote(i);
                }
            }
        }
        i
    }

    /// Gives certificate `i` sets of its sightings and bindings from now on.
    fn promote(&mut self, i: usize) {
        let cert = &self.certificates[i];
        self.many.insert(
            i,
            Seen {
                sources: cert.sources.iter().cloned().collect(),
                bindings: cert.bindings.iter().cloned().collect(),
            },
        );
    }

    /// Drops a binding whose services are unknown (a store export, an unreadable
    /// SerializationData) when another export of the same server knows the certificate's
    /// services there: the known view wins, nothing is guessed.
    pub fn drop_unknown_bindings_beside_known(&mut self) {
        for cert in &mut self.certificates {
            if cert.bindings.iter().all(|b| b.services.is_some()) {
                continue;
            }
            let known: std::collections::HashSet<String> = cert
                .bindings
                .iter()
                .filter(|b| b.services.is_some())
                .map(|b| server_key(&b.server))
                .collect();
            cert.bindings
                .retain(|b| b.services.is_some() || !known.contains(&server_key(&b.server)));
        }
    }

    /// Looks a certificate up by its SHA-256 (lowercase hex).
    pub fn get(&self, sha256: &str) -> Option<&Certificate> {
        self.index_of(sha256).map(|i| &self.certificates[i])
    }

    /// The index of a certificate by its SHA-256 (lowercase hex).
    pub fn index_of(&self, sha256: &str) -> Option<usize> {
        self.by_sha256.get(&crate::digest::sha256_bytes(sha256)?).copied()
    }

    /// Adds a probed endpoint and the certificates it presented (sources `endpoint`), and the
    /// leaf it served without SNI when that was another one.
    pub fn add_endpoint(&mut self, mut endpoint: Endpoint, chain_der: Vec<Vec<u8>>) {
        for (n, der) in chain_der.into_iter().enumerate() {
            let location = if n == 0 {
                endpoint.target.clone()
            } else {
                format!("{}#{}", endpoint.target, n + 1)
            };
            if let Err(e) = self.add_presented(der, location) {
                endpoint
                    .notes
                    .push(format!("presented certificate #{} could not be parsed: {e}", n + 1));
            }
        }
        self.endpoints.push(endpoint);
    }

    /// Adds a certificate an endpoint presented, seen at `location`.
    pub fn add_presented(&mut self, der: Vec<u8>, location: String) -> Result<(), String> {
        let details = CertDetails::parse(&der).map_err(|e| e.to_string())?;
        let source = Source {
            kind: SourceKind::Endpoint,
            location,
        };
        self.add(Certificate::new(der, details, source));
        Ok(())
    }
}

#[cfg(test)]
mod names {
    use super::*;

    /// The JSON string a value serialises to.
    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn as_str_is_the_serialised_name() {
        for k in [SourceKind::File, SourceKind::Export, SourceKind::Endpoint] {
            assert_eq!(json(&k), k.as_str());
        }
        for k in [
            InputKind::Pem,
            InputKind::Der,
            InputKind::Pkcs7,
            InputKind::Pkcs12,
            InputKind::Clixml,
            InputKind::ExchangeJson,
            InputKind::Skipped,
            InputKind::Unknown,
        ] {
            assert_eq!(json(&k), k.as_str());
        }
        for k in [EndpointStatus::Ok, EndpointStatus::Closed, EndpointStatus::Error] {
            assert_eq!(json(&k), k.as_str());
        }
        for k in [CheckStatus::Ok, CheckStatus::Error] {
            assert_eq!(json(&k), k.as_str());
        }
    }
}
