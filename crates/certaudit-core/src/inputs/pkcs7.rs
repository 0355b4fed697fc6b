//! PKCS#7 / CMS certificate bundles (`.p7b`, `.p7c`), DER or PEM.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};

use super::InputError;

const ID_SIGNED_DATA: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Returns the DER of every certificate in a PKCS#7 SignedData bundle, in bundle order.
pub fn decode(der_bytes: &[u8]) -> Result<Vec<Vec<u8>>, InputError> {
    let info = ContentInfo::from_der(der_bytes).map_err(InputError::Pkcs7)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(InputError::Pkcs7NotSignedData(info.content_type.to_string()));
    }
    let signed = info.content.decode_as::<SignedData>().map_err(InputError::Pkcs7)?;
    let mut out = Vec::new();
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(cert) = choice {
            out.push(cert.to_der().map_err(InputError::Pkcs7)?);
        }
    }
    if out.is_empty() {
        return Err(InputError::Pkcs7Empty);
    }
    Ok(out)
}
