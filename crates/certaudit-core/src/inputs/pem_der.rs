//! PEM bundles (with or without OpenSSL text around the blocks, LF or CRLF) and the
//! DER blobs inside them. Private keys in PEM files are recognised and dropped unread.

use rustls_pki_types::pem::{SectionKind, SliceIter};

use super::{classify_der, pkcs7, Decoded, DerShape, InputError};
use crate::inventory::InputKind;

/// Upper bound on PEM sections read from one file.
const MAX_SECTIONS: usize = 1_000_000;

/// Decodes every CERTIFICATE and PKCS7 block. A bad block is recorded and the rest still read.
pub fn decode_pem(bytes: &[u8]) -> Result<Decoded, InputError> {
    let mut out = Decoded::default();
    let mut private_keys = 0usize;
    let mut pkcs7_blocks = 0usize;
    let mut iter = SliceIter::<(SectionKind, Vec<u8>)>::new(bytes);
    let mut sections = 0usize;
    loop {
        if sections == MAX_SECTIONS {
            if iter.next().is_some() {
                out.errors.push(format!(
                    "more than {MAX_SECTIONS} PEM blocks: the rest of the file is not read"
                ));
            }
            break;
        }
        sections += 1;
        match iter.next() {
            None => break,
            Some(Ok((SectionKind::Certificate, der))) => {
                // Some tools wrap a PKCS#7 bundle in a CERTIFICATE label.
                if classify_der(&der) == DerShape::ContentInfo {
                    pkcs7_blocks += 1;
                    push_pkcs7(&der, &mut out);
                } else {
                    out.certificates.push(der);
                }
            }
            Some(Ok((SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey, mut key))) => {
                key.iter_mut().for_each(|b| *b = 0);
                private_keys += 1;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => out
                .errors
                .push(format!("malformed PEM block: {}", describe_pem_error(&e))),
        }
    }
    for block in labelled_blocks(bytes, &["PKCS7", "CMS", "PKCS #7 SIGNED DATA"]) {
        pkcs7_blocks += 1;
        match der::pem::decode_vec(block) {
            Ok((_, der)) => push_pkcs7(&der, &mut out),
            Err(e) => out.errors.push(format!("malformed PKCS7 PEM block: {e}")),
        }
    }
    if out.certificates.is_empty() && out.errors.is_empty() {
        return Err(InputError::NoCertificateBlock);
    }
    if out.certificates.is_empty() && out.errors.len() == 1 && pkcs7_blocks == 0 {
        let only = out.errors.take_single().unwrap_or_default();
        return Err(InputError::Pem(
            only.trim_start_matches("malformed PEM block: ").to_string(),
        ));
    }
    out.kind = Some(if pkcs7_blocks > 0 && out.certificates.len() >= pkcs7_blocks {
        InputKind::Pkcs7
    } else {
        InputKind::Pem
    });
    if private_keys > 0 {
        out.note = Some(format!(
            "{private_keys} private key block(s) present: ignored, not read or recorded (a private key should not be stored beside certificates)"
        ));
    }
    Ok(out)
}

fn push_pkcs7(der: &[u8], out: &mut Decoded) {
    match pkcs7::decode(der) {
        Ok(certs) => out.certificates.extend(certs),
        Err(e) => out.errors.push(e.to_string()),
    }
}

/// PEM's own errors can quote a whole header line; keep the message short and generic.
fn describe_pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { .. } => "a BEGIN line has no matching END line".into(),
        E::IllegalSectionStart { .. } => "a BEGIN line is malformed".into(),
        E::Base64Decode(_) => "bad base64 in a block".into(),
        E::SectionTooLarge => "a block is larger than 256 MiB".into(),
        other => other.to_string(),
    }
}

/// Slices `-----BEGIN L-----` … `-----END L-----` for each label, in file order.
fn labelled_blocks<'a>(bytes: &'a [u8], labels: &[&str]) -> Vec<&'a [u8]> {
    let mut blocks = Vec::new();
    for label in labels {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let mut rest = 0usize;
        while let Some(start) = find(&bytes[rest..], begin.as_bytes()).map(|i| i + rest) {
            match find(&bytes[start..], end.as_bytes()) {
                Some(len) => {
                    let stop = start + len + end.len();
                    blocks.push(&bytes[start..stop]);
                    rest = stop;
                }
                None => {
                    blocks.push(&bytes[start..]);
                    break;
                }
            }
        }
    }
    blocks
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_labelled_blocks_in_order() {
        let text = b"x\n-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\ny-----BEGIN PKCS7-----\nBB";
        let blocks = labelled_blocks(text, &["PKCS7"]);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[0].ends_with(b"-----END PKCS7-----"));
        assert!(blocks[1].ends_with(b"BB"));
    }
}
