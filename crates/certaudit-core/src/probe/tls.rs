//! TLS capture: a full handshake with a verifier that records the chain as presented instead
//! of judging it (trust is evaluated offline, by the same code as for stores). Handshake
//! signatures are still verified, so the peer must hold the key of the certificate it shows.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::conversation::timed_out;
use super::{ErrorKind, ProbeError};

/// Most certificates accepted in a presented chain (real chains have two to four).
pub const MAX_CHAIN: usize = 10;

/// What a handshake showed.
#[derive(Debug, Default)]
pub struct Capture {
    /// The chain as presented (leaf first), DER. Kept even when the handshake fails later.
    pub chain: Vec<Vec<u8>>,
    /// `TLSv1.3` …, when the handshake completed.
    pub version: Option<String>,
    pub cipher: Option<String>,
    /// The OCSP response the server stapled (rustls always asks for one), as received.
    pub staple: Option<Vec<u8>>,
}

/// The shared TLS machinery of one run.
#[derive(Clone)]
pub struct TlsProber {
    provider: Arc<CryptoProvider>,
}

impl Default for TlsProber {
    fn default() -> Self {
        Self {
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        }
    }
}

/// A presented chain longer than [`MAX_CHAIN`].
#[derive(Debug, thiserror::Error)]
#[error("the server presented {0} certificates; at most {MAX_CHAIN} are accepted")]
struct ChainTooLong(usize);

/// Accepts the peer's chain for the purpose of the audit and records it.
#[derive(Debug)]
struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
    staple: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // rustls bounds the message that carries it (64 KiB).
        if !ocsp_response.is_empty() {
            if let Ok(mut slot) = self.staple.lock() {
                *slot = Some(ocsp_response.to_vec());
            }
        }
        let presented = 1 + intermediates.len();
        let chain: Vec<Vec<u8>> = std::iter::once(end_entity)
            .chain(intermediates)
            .take(MAX_CHAIN)
            .map(|c| c.as_ref().to_vec())
            .collect();
        if let Ok(mut slot) = self.chain.lock() {
            *slot = chain;
        }
        if presented > MAX_CHAIN {
            return Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
                rustls::OtherError(Arc::new(ChainTooLong(presented))),
            )));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

impl TlsProber {
    /// The crypto provider (ring) every TLS client of the run uses.
    pub fn provider(&self) -> Arc<CryptoProvider> {
        self.provider.clone()
    }

    /// Runs a TLS handshake on `stream`, sending SNI for `server_name` when it is a DNS name.
    pub async fn handshake(
        &self,
        stream: TcpStream,
        server_name: ServerName<'static>,
        deadline: Instant,
        timeout: Duration,
    ) -> (Capture, Result<(), ProbeError>) {
        self.handshake_with(stream, server_name, true, deadline, timeout).await
    }

    /// [`TlsProber::handshake`], sending SNI only when `sni` (what a client or health check
    /// that sends none gets).
    pub async fn handshake_with(
        &self,
        stream: TcpStream,
        server_name: ServerName<'static>,
        sni: bool,
        deadline: Instant,
        timeout: Duration,
    ) -> (Capture, Result<(), ProbeError>) {
        let verifier = Arc::new(RecordingVerifier {
            provider: self.provider.clone(),
            chain: Mutex::new(Vec::new()),
            staple: Mutex::new(None),
        });
        let config = match ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        {
            Ok(builder) => {
                let mut config = builder
                    .dangerous()
                    .with_custom_certificate_verifier(verifier.clone())
                    .with_no_client_auth();
                config.resumption = Resumption::disabled();
                config.enable_sni = sni;
                config
            }
            Err(e) => {
                return (
                    Capture::default(),
                    Err(ProbeError::new(ErrorKind::Tls, format!("TLS set-up: {e}"))),
                )
            }
        };
        let connector = TlsConnector::from(Arc::new(config));
        let result = tokio::time::timeout_at(deadline, connector.connect(server_name, stream)).await;
        let mut capture = Capture {
            chain: verifier
                .chain
                .lock()
                .map(|mut c| std::mem::take(&mut *c))
                .unwrap_or_default(),
            staple: verifier.staple.lock().map(|mut s| s.take()).unwrap_or_default(),
            ..Capture::default()
        };
        let outcome = match result {
            Err(_) => Err(timed_out("the TLS handshake", timeout)),
            Ok(Err(e)) => Err(handshake_error(&e)),
            Ok(Ok(mut tls)) => {
                let (_, conn) = tls.get_ref();
                capture.version = conn.protocol_version().map(version_name);
                capture.cipher = conn.negotiated_cipher_suite().map(|s| {
                    s.suite()
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{:?}", s.suite()))
                });
                let _ = tokio::time::timeout(Duration::from_millis(200), tls.shutdown()).await;
                Ok(())
            }
        };
        (capture, outcome)
    }
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Names what went wrong in a handshake.
fn handshake_error(e: &std::io::Error) -> ProbeError {
    use rustls::{CertificateError, Error as E, InvalidMessage as M};
    let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<E>()) else {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return ProbeError::new(
                ErrorKind::ClosedByPeer,
                "the server closed the connection during the TLS handshake",
            );
        }
        return super::conversation::io_error(e, "the TLS handshake");
    };
    let (kind, message) = match tls {
        E::AlertReceived(alert) => (
            ErrorKind::TlsAlert,
            format!("the server ended the handshake with the TLS alert {alert:?}"),
        ),
        E::InvalidMessage(M::InvalidContentType | M::UnknownProtocolVersion) => (
            ErrorKind::NotTls,
            "the server's answer is not TLS (wrong port or protocol, or plain text)".to_string(),
        ),
        E::InvalidMessage(M::HandshakePayloadTooLarge | M::CertificatePayloadTooLarge | M::MessageTooLarge) => (
            ErrorKind::Tls,
            "a handshake message is larger than the 64 KiB TLS clients accept (an oversized certificate or chain)"
                .to_string(),
        ),
        E::InvalidCertificate(CertificateError::Other(other)) => match other.0.downcast_ref::<ChainTooLong>() {
            Some(too_long) => (ErrorKind::ChainTooLong, too_long.to_string()),
            None => (
                ErrorKind::Tls,
                format!("the presented certificate is unusable: {other}"),
            ),
        },
        E::InvalidCertificate(c) => (ErrorKind::Tls, format!("the presented certificate is unusable: {c:?}")),
        E::PeerIncompatible(p) => (
            ErrorKind::Tls,
            format!("no TLS version, cipher suite or signature scheme in common: {p:?}"),
        ),
        other => (ErrorKind::Tls, format!("TLS handshake failed: {other}")),
    };
    ProbeError::new(kind, message)
}
