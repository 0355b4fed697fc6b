//! The protocol matrix: which of SSL 3.0, TLS 1.0, TLS 1.1 and TLS 1.2 an endpoint accepts,
//! and the suite it chooses for each, asked with one ClientHello per version on a connection
//! of its own (after the protocol's STARTTLS dialogue) and read up to the ServerHello; TLS 1.3
//! is answered by the main handshake, which rustls opens offering TLS 1.3.
//!
//! A version is `accepted` when the server's ServerHello names it, refused when the server
//! answers with an alert, another version or a closed connection, and unknown (`accepted:
//! null`) when no answer came (deadline, not TLS, a connection that failed before the hello):
//! an unknown version is never taken as refused.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::legacy;
use crate::inventory::{ErrorKind, ProbeError, Protocol, ProtocolSupport, TlsProtocol};

/// The versions asked with a hello of certaudit's own, oldest first.
const ASKED: [TlsProtocol; 4] = [
    TlsProtocol::Ssl3,
    TlsProtocol::Tls10,
    TlsProtocol::Tls11,
    TlsProtocol::Tls12,
];

/// Asks `addr` about every version below TLS 1.3 at once, within one `timeout`, and appends
/// `tls13` (what the main handshake showed).
pub(super) async fn scan(
    protocol: Protocol,
    addr: SocketAddr,
    server_name: Option<&str>,
    tls13: ProtocolSupport,
    timeout: Duration,
) -> Vec<ProtocolSupport> {
    let deadline = Instant::now() + timeout;
    let [ssl3, tls10, tls11, tls12] = ASKED.map(|v| ask(protocol, addr, server_name, v, deadline, timeout));
    let (ssl3, tls10, tls11, tls12) = tokio::join!(ssl3, tls10, tls11, tls12);
    vec![ssl3, tls10, tls11, tls12, tls13]
}

/// The TLS 1.3 row from the main handshake: `negotiated` is the version rustls agreed on
/// (offering TLS 1.3 and 1.2), or the error when it agreed on none.
pub(super) fn tls13_from_main(negotiated: Result<(&str, Option<&str>), &ProbeError>) -> ProtocolSupport {
    match negotiated {
        Ok((version, cipher)) if TlsProtocol::from_name(version) == Some(TlsProtocol::Tls13) => {
            row(TlsProtocol::Tls13, Some(true), cipher.map(str::to_string), None)
        }
        Ok((version, _)) => row(
            TlsProtocol::Tls13,
            Some(false),
            None,
            Some(format!("offered TLS 1.3 and 1.2, the server chose {version}")),
        ),
        Err(e) => row(
            TlsProtocol::Tls13,
            Some(false),
            None,
            Some(format!(
                "a handshake offering TLS 1.3 and 1.2 with current suites failed: {}",
                e.message
            )),
        ),
    }
}

fn row(
    version: TlsProtocol,
    accepted: Option<bool>,
    cipher: Option<String>,
    detail: Option<String>,
) -> ProtocolSupport {
    ProtocolSupport {
        version,
        accepted,
        cipher,
        detail,
    }
}

/// One version: a fresh connection, the protocol's way into TLS, a hello offering at most
/// `version`, and the server's answer.
async fn ask(
    protocol: Protocol,
    addr: SocketAddr,
    server_name: Option<&str>,
    version: TlsProtocol,
    deadline: Instant,
    timeout: Duration,
) -> ProtocolSupport {
    let mut stream = match super::connect_and_start(protocol, addr, deadline, timeout).await {
        Ok(stream) => stream,
        Err(e) => return row(version, None, None, Some(format!("{}: {}", e.kind.as_str(), e.message))),
    };
    match legacy::server_hello(&mut stream, version, server_name, deadline, timeout).await {
        Ok(hello) => match TlsProtocol::from_name(&hello.version) {
            Some(chosen) if chosen == version => row(version, Some(true), Some(hello.cipher), None),
            _ => row(
                version,
                Some(false),
                None,
                Some(format!(
                    "offered at most {}, the server chose {}",
                    version.as_str(),
                    hello.version
                )),
            ),
        },
        Err(e) if matches!(e.kind, ErrorKind::TlsAlert | ErrorKind::ClosedByPeer) => {
            row(version, Some(false), None, Some(e.message))
        }
        Err(e) => row(version, None, None, Some(format!("{}: {}", e.kind.as_str(), e.message))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_is_read_from_what_rustls_agreed() {
        let yes = tls13_from_main(Ok(("TLSv1.3", Some("TLS13_AES_256_GCM_SHA384"))));
        assert_eq!(yes.accepted, Some(true));
        assert_eq!(yes.cipher.as_deref(), Some("TLS13_AES_256_GCM_SHA384"));
        let no = tls13_from_main(Ok(("TLSv1.2", Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))));
        assert_eq!(no.accepted, Some(false));
        assert_eq!(no.cipher, None, "the suite of another version is not this one's");
        let failed = tls13_from_main(Err(&ProbeError::new(ErrorKind::TlsAlert, "alert HandshakeFailure")));
        assert_eq!(failed.accepted, Some(false));
        assert!(failed.detail.unwrap().contains("HandshakeFailure"));
    }
}
