//! Certificate details extracted once from DER with x509-parser.

use chrono::{DateTime, Utc};
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;

/// The facts the rules and reports need about one certificate.
#[derive(Debug, Clone)]
pub struct CertDetails {
    /// Subject in RFC 4514 order (most specific first, as Windows shows it).
    pub subject: String,
    /// Issuer in RFC 4514 order.
    pub issuer: String,
    /// Raw DER of the subject name, for chain building.
    pub subject_raw: Vec<u8>,
    /// Raw DER of the issuer name, for chain building.
    pub issuer_raw: Vec<u8>,
    /// Serial number, uppercase hex as Exchange shows it.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// DNS names from the subject alternative name extension.
    pub dns_names: Vec<String>,
    /// IP addresses from the subject alternative name extension.
    pub ip_addresses: Vec<std::net::IpAddr>,
    /// Common names of the subject.
    pub common_names: Vec<String>,
    pub key: KeyInfo,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex.
    pub spki_sha256: String,
    pub signature_algorithm: String,
    /// Subject equals issuer and the certificate's signature verifies with its own key.
    pub self_signed: bool,
    /// Subject equals issuer, and whether the certificate signed itself is still to be
    /// checked ([`CertDetails::parse_deferred`]; trust evaluation checks it first).
    pub self_signature_pending: bool,
    /// basicConstraints cA=TRUE.
    pub is_ca: bool,
    /// Extended key usages, when the extension is present (None means "any").
    pub extended_key_usage: Option<Vec<String>>,
}

/// Public key algorithm and strength.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID.
    pub algorithm: String,
    /// Key size in bits (0 when unknown).
    pub bits: u32,
    /// Named curve for EC keys (`P-256`, …).
    pub curve: Option<String>,
}

impl KeyInfo {
    /// Below the sizes clients accept today: RSA under 2048 bits, EC under 256, or DSA (the
    /// `weak-key` rule's defaults; a pack may ask for more there).
    pub fn is_weak_by_default(&self) -> bool {
        match self.algorithm.as_str() {
            "RSA" => self.bits < 2048,
            "EC" => self.bits < 256,
            "DSA" => true,
            _ => false,
        }
    }
}

/// Why a DER blob could not be read as a certificate.
#[derive(Debug, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct ParseError(String);

impl CertDetails {
    /// Parses a DER certificate. Trailing bytes after the certificate are an error.
    pub fn parse(der: &[u8]) -> Result<Self, ParseError> {
        let mut details = Self::parse_deferred(der)?;
        details.check_self_signature(der);
        Ok(details)
    }

    /// Whether a certificate whose subject is its issuer signed itself: checks the signature
    /// with its own key when that is still pending.
    pub fn check_self_signature(&mut self, der: &[u8]) {
        if self.self_signature_pending {
            self.self_signed = verifies_itself(der);
            self.self_signature_pending = false;
        }
    }

    /// [`CertDetails::parse`] without the self-signature check, which costs a signature
    /// verification for every self-issued certificate: `self_signed` stays false and
    /// `self_signature_pending` tells that the check is owed (trust evaluation makes it, once
    /// per scan, or takes it from what an earlier scan kept).
    pub fn parse_deferred(der: &[u8]) -> Result<Self, ParseError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| ParseError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(ParseError(format!(
                "{} trailing bytes after the certificate",
                rest.len()
            )));
        }
        Ok(Self::from_parsed(&cert))
    }

    fn from_parsed(cert: &X509Certificate<'_>) -> Self {
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(n) => dns_names.push((*n).to_string()),
                    GeneralName::IPAddress(bytes) => {
                        if let Some(ip) = ip_from_bytes(bytes) {
                            ip_addresses.push(ip);
                        }
                    }
                    _ => {}
                }
            }
        }
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|a| a.as_str().ok().map(str::to_string))
            .collect();
        let same_name = cert.subject().as_raw() == cert.issuer().as_raw();
        let extended_key_usage = match cert.extended_key_usage() {
            Ok(Some(eku)) => {
                let e = eku.value;
                let mut v = Vec::new();
                if e.any {
                    v.push("anyExtendedKeyUsage".to_string());
                }
                if e.server_auth {
                    v.push("serverAuth".to_string());
                }
                if e.client_auth {
                    v.push("clientAuth".to_string());
                }
                if e.code_signing {
                    v.push("codeSigning".to_string());
                }
                if e.email_protection {
                    v.push("emailProtection".to_string());
                }
                if e.time_stamping {
                    v.push("timeStamping".to_string());
                }
                if e.ocsp_signing {
                    v.push("OCSPSigning".to_string());
                }
                v.extend(e.other.iter().map(|o| o.to_id_string()));
                Some(v)
            }
            _ => None,
        };
        CertDetails {
            subject: name_to_string(cert.subject()),
            issuer: name_to_string(cert.issuer()),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            serial: hex::encode_upper(strip_leading_zeros(cert.raw_serial())),
            not_before: to_utc(cert.validity().not_before.timestamp()),
            not_after: to_utc(cert.validity().not_after.timestamp()),
            dns_names,
            ip_addresses,
            common_names,
            key: key_info(cert),
            spki_sha256: crate::digest::sha256_hex(cert.public_key().raw),
            signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.algorithm),
            self_signed: false,
            self_signature_pending: same_name,
            is_ca: cert.is_ca(),
            extended_key_usage,
        }
    }
}

/// True when the certificate's signature verifies with its own public key.
pub fn verifies_itself(der: &[u8]) -> bool {
    X509Certificate::from_der(der).is_ok_and(|(_, cert)| cert.verify_signature(None).is_ok())
}

/// Formats a distinguished name in RFC 4514 order (last RDN first), as Windows shows it.
pub fn name_to_string(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let value = match atv.as_str() {
                        Ok(s) => escape_dn_value(s),
                        Err(_) => format!("#{}", hex::encode(atv.attr_value().data)),
                    };
                    format!("{}={}", attribute_short_name(atv.attr_type()), value)
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(", ")
}

/// Parses a DER-encoded distinguished name (as in a trust anchor) into display form.
pub fn name_der_to_string(der: &[u8]) -> Option<String> {
    // Trust anchors hold the Name's contents without the outer SEQUENCE header.
    let wrapped = wrap_sequence(der);
    X509Name::from_der(&wrapped).ok().map(|(_, n)| name_to_string(&n))
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn escape_dn_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let leading = i == 0 && (c == ' ' || c == '#');
        if leading || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.insert(out.len() - 1, '\\');
    }
    out
}

fn attribute_short_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "2.5.4.3" => "CN".into(),
        "2.5.4.6" => "C".into(),
        "2.5.4.7" => "L".into(),
        "2.5.4.8" => "S".into(),
        "2.5.4.9" => "STREET".into(),
        "2.5.4.10" => "O".into(),
        "2.5.4.11" => "OU".into(),
        "2.5.4.5" => "SERIALNUMBER".into(),
        "2.5.4.4" => "SN".into(),
        "2.5.4.42" => "G".into(),
        "2.5.4.12" => "T".into(),
        "2.5.4.97" => "organizationIdentifier".into(),
        "1.2.840.113549.1.9.1" => "E".into(),
        "0.9.2342.19200300.100.1.25" => "DC".into(),
        "0.9.2342.19200300.100.1.1" => "UID".into(),
        other => other.to_string(),
    }
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyInfo {
            algorithm: "RSA".into(),
            bits: bit_length(rsa.modulus),
            curve: None,
        },
        Ok(PublicKey::EC(point)) => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let (curve, bits) = match curve_oid.as_deref() {
                Some("1.2.840.10045.3.1.7") => (Some("P-256".to_string()), 256),
                Some("1.3.132.0.34") => (Some("P-384".to_string()), 384),
                Some("1.3.132.0.35") => (Some("P-521".to_string()), 521),
                Some("1.3.132.0.33") => (Some("P-224".to_string()), 224),
                Some("1.2.840.10045.3.1.1") => (Some("P-192".to_string()), 192),
                Some("1.3.132.0.10") => (Some("secp256k1".to_string()), 256),
                Some(other) => (Some(other.to_string()), point.key_size() as u32),
                None => (None, point.key_size() as u32),
            };
            KeyInfo {
                algorithm: "EC".into(),
                bits,
                curve,
            }
        }
        Ok(PublicKey::DSA(y)) => KeyInfo {
            algorithm: "DSA".into(),
            bits: bit_length(y),
            curve: None,
        },
        _ => match alg.as_str() {
            "1.3.101.112" => KeyInfo {
                algorithm: "Ed25519".into(),
                bits: 256,
                curve: None,
            },
            "1.3.101.113" => KeyInfo {
                algorithm: "Ed448".into(),
                bits: 456,
                curve: None,
            },
            _ => KeyInfo {
                algorithm: alg,
                bits: 0,
                curve: None,
            },
        },
    }
}

/// Number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> u32 {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        None => 0,
        Some(first) => (bytes.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    if skip == bytes.len() && !bytes.is_empty() {
        &bytes[bytes.len() - 1..]
    } else {
        &bytes[skip..]
    }
}

/// Human name of a signature algorithm OID.
fn signature_algorithm_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.3.14.3.2.29" => "sha1WithRSASignature".into(),
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption".into(),
        "1.2.840.113549.1.1.10" => "rsassaPss".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224".into(),
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256".into(),
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384".into(),
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.2.840.10040.4.3" => "dsa-with-sha1".into(),
        "2.16.840.1.101.3.4.3.2" => "dsa-with-sha256".into(),
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        other => other.to_string(),
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

fn to_utc(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// RFC 6125 matching of one SAN DNS name against a host: case-insensitive, a wildcard only
/// as the whole leftmost label, matching exactly one label.
/// The CN values of a subject written as text (`CN=mail.contoso.com, O=Contoso`, as
/// [`name_to_string`] writes it), in order.
pub fn subject_common_names(subject: &str) -> impl Iterator<Item = &str> {
    subject
        .split(',')
        .map(str::trim)
        .filter_map(|rdn| rdn.strip_prefix("CN=").or_else(|| rdn.strip_prefix("cn=")))
        .map(str::trim)
}

pub fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest == suffix && suffix.contains('.'),
            None => false,
        },
        None => pattern == host,
    }
}

/// Case- and space-insensitive form of a DN for comparison ("CN=A, O=B" == "cn=a,o=b").
pub fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|part| part.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// True when any of `names` covers `host`.
pub fn names_cover(names: &[String], host: &str) -> bool {
    names.iter().any(|n| dns_name_matches(n, host))
}

/// True for signature algorithm names that rest on SHA-1, MD5 or MD2.
pub fn is_weak_signature_algorithm(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("sha1") || n.contains("md5") || n.contains("md2")
}

/// True when the bytes contain a PEM block header.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"-----BEGIN ").is_some()
}

/// Wraps DER contents in a SEQUENCE header (trust anchors store names and keys unwrapped).
pub fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 4);
    out.push(0x30);
    push_der_length(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x7f, 0xff]), 15);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn wildcards_match_one_leftmost_label() {
        assert!(dns_name_matches("*.contoso.com", "mail.contoso.com"));
        assert!(dns_name_matches("Mail.Contoso.com", "mail.contoso.COM."));
        assert!(!dns_name_matches("*.contoso.com", "contoso.com"));
        assert!(!dns_name_matches("*.contoso.com", "a.b.contoso.com"));
        assert!(!dns_name_matches("*.com", "contoso.com"));
        assert!(!dns_name_matches("m*.contoso.com", "mail.contoso.com"));
    }

    #[test]
    fn dn_values_are_escaped() {
        assert_eq!(escape_dn_value("a,b"), "a\\,b");
        assert_eq!(escape_dn_value("#x"), "\\#x");
        assert_eq!(escape_dn_value("plain"), "plain");
    }
}
