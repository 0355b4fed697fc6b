//! Legacy handshake capture: for a server rustls cannot complete a handshake with (only TLS
//! 1.0/1.1, or only RSA key exchange, CBC, 3DES or RC4 suites), certaudit sends a ClientHello
//! of its own and reads the ServerHello and the Certificate message, which travel in clear
//! before TLS 1.3; then it closes. Nothing is decrypted and the handshake is never completed:
//! what is learnt is the version and suite the server chose and the chain it presented.
//!
//! The offer is one that Schannel on Windows Server 2008 R2/2012 and old load balancers
//! answer: record version 0x0301, client version TLS 1.2; ECDHE and RSA suites with AES-GCM,
//! AES-CBC, 3DES and RC4; P-256 and P-384 with ec_point_formats; SNI for names;
//! signature_algorithms (offered because TLS 1.2 is); and a hello never 256 to 511 bytes
//! long (the length some load balancers hang on), padded past it when it would be. Records
//! and handshake messages are read with tls-parser; every read has the probe's deadline, and
//! sizes are bounded.

use std::time::Duration;

use tls_parser::{
    parse_tls_message_alert, parse_tls_message_handshake, parse_tls_record_header, TlsCipherSuite, TlsMessage,
    TlsMessageHandshake, TlsRecordType, TlsVersion,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::conversation::{quote, timed_out};
use super::tls::MAX_CHAIN;
use crate::inventory::{ErrorKind, ProbeError, TlsProtocol};

/// Most handshake bytes read before the Certificate message is complete.
const MAX_HANDSHAKE_BYTES: usize = 128 * 1024;
/// Largest handshake message accepted, as rustls accepts it (64 KiB).
const MAX_MESSAGE: usize = 64 * 1024;
/// Largest record a server may send (2^14 bytes plus the expansion TLS allows).
const MAX_RECORD: usize = 16_384 + 2_048;

/// What a legacy handshake showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyCapture {
    /// `SSLv3`, `TLSv1.0`, `TLSv1.1` or `TLSv1.2`, as the ServerHello chose.
    pub version: String,
    /// The IANA name of the suite the server chose (`TLS_RSA_WITH_AES_128_CBC_SHA`).
    pub cipher: String,
    /// The chain as presented (leaf first), DER.
    pub chain: Vec<Vec<u8>>,
}

/// The suites offered, strongest first: ECDHE then RSA key exchange; GCM, CBC, 3DES, RC4.
const SUITES: [u16; 21] = [
    0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xc028, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
    0xc027, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
    0xc00a, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    0xc014, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
    0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    0xc013, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    0x009d, // TLS_RSA_WITH_AES_256_GCM_SHA384
    0x009c, // TLS_RSA_WITH_AES_128_GCM_SHA256
    0x003d, // TLS_RSA_WITH_AES_256_CBC_SHA256
    0x003c, // TLS_RSA_WITH_AES_128_CBC_SHA256
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
    0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
    0xc012, // TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
    0x000a, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
    0xc011, // TLS_ECDHE_RSA_WITH_RC4_128_SHA
    0x0005, // TLS_RSA_WITH_RC4_128_SHA
    0x0004, // TLS_RSA_WITH_RC4_128_MD5
];

/// Signature schemes offered with TLS 1.2: RSA PKCS#1 and ECDSA with SHA-2, and SHA-1.
const SIGNATURE_SCHEMES: [u16; 7] = [0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0201, 0x0203];

fn u16_be(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&u16::try_from(v).unwrap_or(u16::MAX).to_be_bytes());
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    u16_be(out, data.len());
    out.extend_from_slice(data);
}

/// The ClientHello record: `server_name` is sent as SNI when it is a DNS name.
pub fn client_hello(server_name: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    client_hello_for(TlsProtocol::Tls12, server_name, random)
}

/// The ClientHello record offering at most `version` (SSL 3.0 to TLS 1.2; TLS 1.3 is asked
/// through rustls): record version 0x0300 for SSL 3.0 and 0x0301 otherwise, and
/// signature_algorithms only with TLS 1.2, as RFC 5246 has it.
pub fn client_hello_for(version: TlsProtocol, server_name: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let version = version.min(TlsProtocol::Tls12);
    let mut ext = Vec::new();
    if let Some(name) = server_name.filter(|n| !n.is_empty() && n.len() <= 255) {
        let mut sni = Vec::new();
        u16_be(&mut sni, name.len() + 3);
        sni.push(0); // host_name
        u16_be(&mut sni, name.len());
        sni.extend_from_slice(name.as_bytes());
        extension(&mut ext, 0x0000, &sni);
    }
    extension(&mut ext, 0x000a, &[0x00, 0x04, 0x00, 0x17, 0x00, 0x18]); // P-256, P-384
    extension(&mut ext, 0x000b, &[0x01, 0x00]); // uncompressed points
    if version == TlsProtocol::Tls12 {
        let mut schemes = Vec::new();
        u16_be(&mut schemes, SIGNATURE_SCHEMES.len() * 2);
        for s in SIGNATURE_SCHEMES {
            schemes.extend_from_slice(&s.to_be_bytes());
        }
        extension(&mut ext, 0x000d, &schemes);
    }
    extension(&mut ext, 0xff01, &[0x00]); // renegotiation_info, initial handshake

    let mut body = Vec::new();
    body.extend_from_slice(&version.wire().to_be_bytes()); // client_version
    body.extend_from_slice(&random);
    body.push(0); // no session id
    u16_be(&mut body, SUITES.len() * 2);
    for s in SUITES {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
                                           // A handshake of 256 to 511 bytes hangs some load balancers: pad it past 511.
    let unpadded = 4 + body.len() + 2 + ext.len();
    if (256..512).contains(&unpadded) {
        let pad = (512 - unpadded).saturating_sub(4).max(1);
        extension(&mut ext, 0x0015, &vec![0; pad]);
    }
    u16_be(&mut body, ext.len());
    body.extend_from_slice(&ext);

    let record_version = if version == TlsProtocol::Ssl3 { 0x00 } else { 0x01 };
    let mut record = vec![0x16, 0x03, record_version]; // handshake, record version TLS 1.0
    u16_be(&mut record, body.len() + 4);
    record.push(0x01); // client_hello
    record.extend_from_slice(&u32::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
    record.extend_from_slice(&body);
    record
}

/// The name a version gets in reports.
pub fn version_name(v: TlsVersion) -> String {
    match v {
        TlsVersion::Ssl30 => "SSLv3".into(),
        TlsVersion::Tls10 => "TLSv1.0".into(),
        TlsVersion::Tls11 => "TLSv1.1".into(),
        TlsVersion::Tls12 => "TLSv1.2".into(),
        TlsVersion::Tls13 => "TLSv1.3".into(),
        other => format!("0x{:04x}", other.0),
    }
}

fn random() -> [u8; 32] {
    let mut r = [0u8; 32];
    // A fixed random would be answered too: failing to draw one costs nothing here.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r);
    r
}

/// Sends the ClientHello on `stream` (a fresh connection, after any STARTTLS dialogue) and
/// reads until the ServerHello and the Certificate message are in, within the deadline.
pub async fn capture<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    server_name: Option<&str>,
    deadline: Instant,
    timeout: Duration,
) -> Result<LegacyCapture, ProbeError> {
    let hello = client_hello(server_name, random());
    match tokio::time::timeout_at(deadline, stream.write_all(&hello)).await {
        Err(_) => return Err(timed_out("sending a legacy ClientHello", timeout)),
        Ok(Err(e)) => return Err(super::conversation::io_error(&e, "sending a legacy ClientHello")),
        Ok(Ok(())) => {}
    }
    let result = read_server_flight(stream, deadline, timeout, false).await;
    let _ = tokio::time::timeout_at(deadline, stream.shutdown()).await;
    result
}

/// Offers at most `version` on `stream` and reads the server's answer up to its ServerHello:
/// the version and suite it chose (the chain is left empty), or the alert or close that
/// refused the offer (as an error).
pub async fn server_hello<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    version: TlsProtocol,
    server_name: Option<&str>,
    deadline: Instant,
    timeout: Duration,
) -> Result<LegacyCapture, ProbeError> {
    let hello = client_hello_for(version, server_name, random());
    match tokio::time::timeout_at(deadline, stream.write_all(&hello)).await {
        Err(_) => return Err(timed_out("sending a ClientHello", timeout)),
        Ok(Err(e)) => return Err(super::conversation::io_error(&e, "sending a ClientHello")),
        Ok(Ok(())) => {}
    }
    let result = read_server_flight(stream, deadline, timeout, true).await;
    let _ = tokio::time::timeout_at(deadline, stream.shutdown()).await;
    result
}

async fn read_exact<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    deadline: Instant,
    timeout: Duration,
) -> Result<(), ProbeError> {
    match tokio::time::timeout_at(deadline, stream.read_exact(buf)).await {
        Err(_) => Err(timed_out("reading the legacy ServerHello", timeout)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ProbeError::new(
            ErrorKind::ClosedByPeer,
            "the server closed the connection during the legacy handshake",
        )),
        Ok(Err(e)) => Err(super::conversation::io_error(&e, "reading the legacy ServerHello")),
        Ok(Ok(_)) => Ok(()),
    }
}

/// Reads records until the server's hello and certificate are in (only the hello when
/// `hello_only`).
async fn read_server_flight<S: AsyncRead + Unpin>(
    stream: &mut S,
    deadline: Instant,
    timeout: Duration,
    hello_only: bool,
) -> Result<LegacyCapture, ProbeError> {
    let mut handshake: Vec<u8> = Vec::new();
    let mut consumed = 0;
    let mut read = 0usize;
    let mut hello: Option<(String, String)> = None;
    loop {
        let mut header = [0u8; 5];
        read_exact(stream, &mut header, deadline, timeout).await?;
        let Ok((_, hdr)) = parse_tls_record_header(&header) else {
            return Err(not_tls(&header));
        };
        let len = usize::from(hdr.len);
        let known = matches!(
            hdr.record_type,
            TlsRecordType::Handshake | TlsRecordType::Alert | TlsRecordType::ChangeCipherSpec
        );
        if !known || hdr.version.0 >> 8 != 0x03 {
            return Err(not_tls(&header));
        }
        if len > MAX_RECORD {
            return Err(ProbeError::new(
                ErrorKind::Protocol,
                format!("the server announced a TLS record of {len} bytes (at most {MAX_RECORD})"),
            ));
        }
        read += len;
        if read > MAX_HANDSHAKE_BYTES {
            return Err(ProbeError::new(
                ErrorKind::Protocol,
                format!("the server sent more than {MAX_HANDSHAKE_BYTES} bytes without its certificate"),
            ));
        }
        let mut body = vec![0u8; len];
        read_exact(stream, &mut body, deadline, timeout).await?;
        match hdr.record_type {
            TlsRecordType::Alert => return Err(alert(&body)),
            TlsRecordType::Handshake => handshake.extend_from_slice(&body),
            _ => {
                return Err(ProbeError::new(
                    ErrorKind::Protocol,
                    "the server changed cipher spec before sending its certificate",
                ))
            }
        }
        if let Some(announced) = announced_length(&handshake[consumed..]).filter(|l| *l > MAX_MESSAGE) {
            return Err(ProbeError::new(
                ErrorKind::Tls,
                format!("the server announced a handshake message of {announced} bytes (more than 64 KiB)"),
            ));
        }
        // Every complete handshake message so far, in order.
        while let Some(msg_len) = complete_message(&handshake[consumed..]) {
            let raw = &handshake[consumed..consumed + msg_len];
            consumed += msg_len;
            let parsed = parse_tls_message_handshake(raw)
                .map(|(_, m)| m)
                .map_err(|_| ProbeError::new(ErrorKind::Protocol, "the server sent a malformed handshake message"))?;
            match parsed {
                TlsMessage::Handshake(TlsMessageHandshake::ServerHello(h)) => {
                    let cipher = TlsCipherSuite::from_id(h.cipher.0)
                        .map(|c| c.name.to_string())
                        .unwrap_or_else(|| format!("0x{:04X}", h.cipher.0));
                    if hello_only {
                        return Ok(LegacyCapture {
                            version: version_name(h.version),
                            cipher,
                            chain: Vec::new(),
                        });
                    }
                    hello = Some((version_name(h.version), cipher));
                }
                TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)) => {
                    let Some((version, cipher)) = hello.take() else {
                        return Err(ProbeError::new(
                            ErrorKind::Protocol,
                            "the server sent its certificate before its ServerHello",
                        ));
                    };
                    if c.cert_chain.len() > MAX_CHAIN {
                        return Err(ProbeError::new(
                            ErrorKind::ChainTooLong,
                            format!(
                                "the server presented {} certificates; at most {MAX_CHAIN} are accepted",
                                c.cert_chain.len()
                            ),
                        ));
                    }
                    return Ok(LegacyCapture {
                        version,
                        cipher,
                        chain: c.cert_chain.iter().map(|r| r.data.to_vec()).collect(),
                    });
                }
                TlsMessage::Handshake(TlsMessageHandshake::ServerDone(_)) => {
                    return Err(ProbeError::new(
                        ErrorKind::Tls,
                        "the server finished its hello without a certificate",
                    ))
                }
                _ => {}
            }
        }
    }
}

/// The length the first handshake message in `buf` announces, once its header is in.
fn announced_length(buf: &[u8]) -> Option<usize> {
    let header = buf.get(..4)?;
    Some(usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]))
}

/// The length of the first handshake message in `buf` with its header, when it is complete.
fn complete_message(buf: &[u8]) -> Option<usize> {
    let len = 4 + announced_length(buf)?;
    (buf.len() >= len).then_some(len)
}

fn not_tls(header: &[u8]) -> ProbeError {
    ProbeError::new(
        ErrorKind::NotTls,
        format!("the server did not answer a ClientHello with TLS: {}", quote(header)),
    )
}

fn alert(body: &[u8]) -> ProbeError {
    let what = match parse_tls_message_alert(body) {
        Ok((_, TlsMessage::Alert(a))) => format!("alert {}", a.code),
        _ => "an unreadable alert".to_string(),
    };
    ProbeError::new(
        ErrorKind::TlsAlert,
        format!("the server answered the ClientHello with {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_parser::{parse_tls_plaintext, TlsExtension};

    #[test]
    fn the_hello_is_what_old_servers_answer_read_back_by_tls_parser() {
        for name in [None, Some("mail.contoso.com"), Some(&*"a".repeat(200))] {
            let record = client_hello(name, [7; 32]);
            assert_eq!(&record[..3], [0x16, 0x03, 0x01], "record version 0x0301");
            let handshake_len = record.len() - 5;
            assert!(
                !(256..512).contains(&handshake_len),
                "{name:?}: a hello of {handshake_len} bytes"
            );
            let (rest, plain) = parse_tls_plaintext(&record).unwrap();
            assert!(rest.is_empty());
            let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(h)) = &plain.msg[0] else {
                panic!("not a ClientHello");
            };
            assert_eq!(h.version, TlsVersion::Tls12);
            let ids: Vec<u16> = h.ciphers.iter().map(|c| c.0).collect();
            for (id, what) in [
                (0x0005, "RC4"),
                (0x000a, "3DES"),
                (0x002f, "RSA AES-CBC"),
                (0xc02f, "ECDHE GCM"),
            ] {
                assert!(ids.contains(&id), "{what} offered");
            }
            let (_, exts) = tls_parser::parse_tls_client_hello_extensions(h.ext.unwrap()).unwrap();
            let sni: Vec<&[u8]> = exts
                .iter()
                .filter_map(|e| match e {
                    TlsExtension::SNI(list) => Some(list[0].1),
                    _ => None,
                })
                .collect();
            assert_eq!(sni, name.map(str::as_bytes).into_iter().collect::<Vec<_>>());
            assert!(exts
                .iter()
                .any(|e| matches!(e, TlsExtension::EllipticCurves(c) if c.len() == 2)));
            assert!(exts.iter().any(|e| matches!(e, TlsExtension::EcPointFormats(_))));
            assert!(exts.iter().any(|e| matches!(e, TlsExtension::SignatureAlgorithms(_))));
        }
        // Every SNI length from 0 to 255 keeps the hello out of 256 to 511 bytes.
        for n in 0..=255 {
            let len = client_hello(Some(&"m".repeat(n)), [0; 32]).len() - 5;
            assert!(!(256..512).contains(&len), "name of {n}: {len}");
        }
    }

    /// A server flight built by hand: ServerHello (TLS 1.0, RC4) and a Certificate message of
    /// `chain`, split over records of `split` bytes.
    fn flight(chain: &[&[u8]], split: usize) -> Vec<u8> {
        let mut hs = Vec::new();
        let mut hello = vec![0x03, 0x01];
        hello.extend_from_slice(&[1; 32]);
        hello.extend_from_slice(&[0, 0x00, 0x05, 0]); // no session, RC4_128_SHA, null
        hs.push(2);
        hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&hello);
        let mut certs = Vec::new();
        for c in chain {
            certs.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            certs.extend_from_slice(c);
        }
        let mut body = (certs.len() as u32).to_be_bytes()[1..].to_vec();
        body.extend_from_slice(&certs);
        hs.push(11);
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&body);
        let mut out = Vec::new();
        for part in hs.chunks(split) {
            out.extend_from_slice(&[0x16, 0x03, 0x01]);
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    async fn read(bytes: Vec<u8>) -> Result<LegacyCapture, ProbeError> {
        let mut stream = tokio_test_stream(bytes);
        let deadline = Instant::now() + Duration::from_secs(5);
        read_server_flight(&mut stream, deadline, Duration::from_secs(5), false).await
    }

    fn tokio_test_stream(bytes: Vec<u8>) -> std::io::Cursor<Vec<u8>> {
        std::io::Cursor::new(bytes)
    }

    #[tokio::test]
    async fn the_chain_is_read_across_records() {
        let (a, b) = (vec![0x30; 3000], vec![0x31; 20_000]);
        for split in [7, 100, 16_384] {
            let got = read(flight(&[&a, &b], split)).await.unwrap();
            assert_eq!(got.version, "TLSv1.0");
            assert_eq!(got.cipher, "TLS_RSA_WITH_RC4_128_SHA");
            assert_eq!(got.chain, [a.clone(), b.clone()], "split {split}");
        }
    }

    #[tokio::test]
    async fn hostile_answers_are_errors_of_their_kind() {
        let garbage = read(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()).await.unwrap_err();
        assert_eq!(garbage.kind, ErrorKind::NotTls, "{garbage:?}");
        let huge = read(vec![0x16, 0x03, 0x01, 0xff, 0xff]).await.unwrap_err();
        assert_eq!(huge.kind, ErrorKind::Protocol, "{huge:?}");
        let alert = read(vec![0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]).await.unwrap_err();
        assert_eq!(alert.kind, ErrorKind::TlsAlert);
        assert!(alert.message.contains("ProtocolVersion"), "{alert:?}");
        let cut = flight(&[&[0x30; 100]], 16_384);
        let short = read(cut[..cut.len() - 10].to_vec()).await.unwrap_err();
        assert_eq!(short.kind, ErrorKind::ClosedByPeer);
        // A message announced past 64 KiB is refused at its header.
        let big = read(vec![0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x01, 0x00, 0x01])
            .await
            .unwrap_err();
        assert_eq!(big.kind, ErrorKind::Tls, "{big:?}");
        // Endless records of certificates that never complete: bounded by the bytes read.
        let mut endless = vec![0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x00, 0xff, 0xff];
        for _ in 0..20_000 {
            endless.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, 0x10]);
            endless.extend_from_slice(&[0x0f; 16]);
        }
        let flood = read(endless).await.unwrap_err();
        assert_eq!(flood.kind, ErrorKind::Protocol, "{flood:?}");
        // Valid messages that are not the certificate (empty HelloRequests), without end.
        let mut requests = Vec::new();
        for _ in 0..20 {
            requests.extend_from_slice(&[0x16, 0x03, 0x01, 0x40, 0x00]);
            requests.extend_from_slice(&[0; 0x4000]);
        }
        let flood = read(requests).await.unwrap_err();
        assert_eq!(flood.kind, ErrorKind::Protocol, "{flood:?}");
        assert!(flood.message.contains("without its certificate"), "{flood:?}");
        let too_many: Vec<Vec<u8>> = (0..11).map(|i| vec![i; 10]).collect();
        let refs: Vec<&[u8]> = too_many.iter().map(Vec::as_slice).collect();
        let long = read(flight(&refs, 16_384)).await.unwrap_err();
        assert_eq!(long.kind, ErrorKind::ChainTooLong);
    }
}
