//! The one model every input meets in: certificates keyed by the SHA-256 of their DER,
//! each with every place it was seen, plus a record of every input read.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::trust::Trust;
use crate::x509::CertDetails;

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
    /// Chain validation result, filled by [`crate::trust::evaluate_inventory`].
    pub trust: Trust,
}

/// Where a certificate was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    by_sha256: HashMap<String, usize>,
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
        }
    }
}

impl Inventory {
    /// Adds a certificate, merging its sightings into an earlier record of the same DER.
    /// Returns the index of the record.
    pub fn add(&mut self, cert: Certificate) -> usize {
        if let Some(&i) = self.by_sha256.get(&cert.sha256) {
            let sources = &mut self.certificates[i].sources;
            for source in cert.sources {
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
            return i;
        }
        let i = self.certificates.len();
        self.by_sha256.insert(cert.sha256.clone(), i);
        self.certificates.push(cert);
        i
    }

    /// Looks a certificate up by its SHA-256 (lowercase hex).
    pub fn get(&self, sha256: &str) -> Option<&Certificate> {
        self.by_sha256.get(sha256).map(|&i| &self.certificates[i])
    }
}
