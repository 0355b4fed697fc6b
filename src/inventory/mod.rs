//! The one model every input meets in: certificates keyed by the SHA-256 of their DER,
//! each with every place it was seen, plus a record of every input read.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::x509::CertDetails;

mod binding;
mod endpoint;
mod organisation;
mod trust;

pub use binding::{service_names, Binding, Services, CERTIFICATE_STATUS, ROOT_CA_TYPE};
pub use endpoint::{AutodiscoverCheck, CheckStatus, Endpoint, EndpointStatus, ErrorKind, ProbeError, Protocol};
pub use organisation::{
    needs_autodiscover, parse_tls_certificate_name, AuthConfig, Connector, ContextItem, ExchangeServer, Exposure,
    Organisation, ProtocolSetting, ServerOrigin, TransportService, WebBinding,
};
pub use trust::{ServedChain, Trust, TrustStatus};

/// One distinct certificate (by DER) and everything known about it.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
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
    /// `file` for certificate stores.
    pub kind: String,
    /// The file path, with `#N` for the N-th certificate of a bundle.
    pub location: String,
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
    by_sha256: HashMap<String, usize>,
    /// Sightings and bindings already recorded, per certificate index: merging stays linear
    /// however many times a certificate is seen.
    seen_sources: HashSet<(usize, Source)>,
    seen_bindings: HashSet<(usize, Binding)>,
}

impl Certificate {
    /// A certificate seen once, with its hashes computed (not yet trust-evaluated).
    pub fn new(der: Vec<u8>, details: CertDetails, source: Source) -> Self {
        Self {
            sha256: crate::digest::sha256_hex(&der),
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
        let (i, sources, bindings) = match self.by_sha256.get(&cert.sha256) {
            Some(&i) => (i, std::mem::take(&mut cert.sources), std::mem::take(&mut cert.bindings)),
            None => {
                let i = self.certificates.len();
                self.by_sha256.insert(cert.sha256.clone(), i);
                let sources = std::mem::take(&mut cert.sources);
                let bindings = std::mem::take(&mut cert.bindings);
                self.certificates.push(cert);
                (i, sources, bindings)
            }
        };
        for source in sources {
            if self.seen_sources.insert((i, source.clone())) {
                self.certificates[i].sources.push(source);
            }
        }
        for binding in bindings {
            if self.seen_bindings.insert((i, binding.clone())) {
                self.certificates[i].bindings.push(binding);
            }
        }
        i
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
        self.by_sha256.get(sha256).copied()
    }

    /// Adds a probed endpoint and the certificates it presented (sources `endpoint`).
    pub fn add_endpoint(&mut self, mut endpoint: Endpoint, chain_der: Vec<Vec<u8>>) {
        for (n, der) in chain_der.into_iter().enumerate() {
            match CertDetails::parse(&der) {
                Ok(details) => {
                    let source = Source {
                        kind: "endpoint".into(),
                        location: if n == 0 {
                            endpoint.target.clone()
                        } else {
                            format!("{}#{}", endpoint.target, n + 1)
                        },
                    };
                    self.add(Certificate::new(der, details, source));
                }
                Err(e) => endpoint
                    .notes
                    .push(format!("presented certificate #{} could not be parsed: {e}", n + 1)),
            }
        }
        self.endpoints.push(endpoint);
    }
}
