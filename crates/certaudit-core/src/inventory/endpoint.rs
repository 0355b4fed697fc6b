//! Live endpoints as probed: the protocol, what the handshake showed, and why a probe failed.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ServedChain;

/// The protocols certaudit probes, each with its default port and TLS start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Https,
    Smtp,
    Submission,
    Smtps,
    Imap,
    Imaps,
    Pop3,
    Pop3s,
}

impl Protocol {
    /// Every protocol, in the order a bare host expands to (the README's "Live endpoints").
    pub const CLIENT_SET: [Protocol; 7] = [
        Protocol::Https,
        Protocol::Smtp,
        Protocol::Submission,
        Protocol::Imaps,
        Protocol::Pop3s,
        Protocol::Imap,
        Protocol::Pop3,
    ];
    const ALL: [Protocol; 8] = [
        Protocol::Https,
        Protocol::Smtp,
        Protocol::Submission,
        Protocol::Smtps,
        Protocol::Imap,
        Protocol::Imaps,
        Protocol::Pop3,
        Protocol::Pop3s,
    ];

    /// The URL scheme (`smtp`, `imaps` …).
    pub fn scheme(self) -> &'static str {
        match self {
            Protocol::Https => "https",
            Protocol::Smtp => "smtp",
            Protocol::Submission => "submission",
            Protocol::Smtps => "smtps",
            Protocol::Imap => "imap",
            Protocol::Imaps => "imaps",
            Protocol::Pop3 => "pop3",
            Protocol::Pop3s => "pop3s",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Https => 443,
            Protocol::Smtp => 25,
            Protocol::Submission => 587,
            Protocol::Smtps => 465,
            Protocol::Imap => 143,
            Protocol::Imaps => 993,
            Protocol::Pop3 => 110,
            Protocol::Pop3s => 995,
        }
    }

    /// The Exchange service that answers on this protocol.
    pub fn service(self) -> &'static str {
        match self {
            Protocol::Https => "IIS",
            Protocol::Smtp | Protocol::Submission | Protocol::Smtps => "SMTP",
            Protocol::Imap | Protocol::Imaps => "IMAP",
            Protocol::Pop3 | Protocol::Pop3s => "POP",
        }
    }

    /// False only for port-25 SMTP, where servers talk to servers with opportunistic TLS.
    pub fn is_client_facing(self) -> bool {
        self != Protocol::Smtp
    }

    pub fn is_pop_or_imap(self) -> bool {
        matches!(
            self,
            Protocol::Imap | Protocol::Imaps | Protocol::Pop3 | Protocol::Pop3s
        )
    }

    pub fn is_smtp(self) -> bool {
        self.service() == "SMTP"
    }

    /// The protocol of a URL scheme (any case).
    pub fn from_scheme(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.scheme().eq_ignore_ascii_case(s))
    }

    /// The protocol whose default port is `port`.
    pub fn from_default_port(port: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.default_port() == port)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}

/// Why a probe could not audit an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The name did not resolve.
    Dns,
    /// The connection was refused.
    Refused,
    /// Any other network failure (unreachable, no route).
    Network,
    /// The deadline passed (the message says during which step).
    Timeout,
    /// The server closed or reset the connection.
    ClosedByPeer,
    /// A line longer than the limit.
    LineTooLong,
    /// The server refused the session (SMTP 421/554 greeting, rejected EHLO, IMAP BYE, POP3 -ERR).
    Rejected,
    /// A reply that does not follow the protocol.
    Protocol,
    /// A mail port that offers no STARTTLS/STLS.
    StarttlsNotOffered,
    /// STARTTLS/STLS offered but answered with an error.
    StarttlsRejected,
    /// The server sent a TLS alert.
    TlsAlert,
    /// The server does not speak TLS where it should.
    NotTls,
    /// Any other TLS handshake failure (the message says which).
    Tls,
    /// More certificates than the chain limit (`probe::MAX_CHAIN`).
    ChainTooLong,
    /// An HTTP answer that is not what Exchange gives (autodiscover).
    HttpStatus,
    /// Not probed: the run was interrupted (Ctrl-C) first.
    Interrupted,
    /// A failure inside certaudit (the message says which).
    Internal,
}

impl ErrorKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Refused => "refused",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ClosedByPeer => "closed-by-peer",
            ErrorKind::LineTooLong => "line-too-long",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Protocol => "protocol",
            ErrorKind::StarttlsNotOffered => "starttls-not-offered",
            ErrorKind::StarttlsRejected => "starttls-rejected",
            ErrorKind::TlsAlert => "tls-alert",
            ErrorKind::NotTls => "not-tls",
            ErrorKind::Tls => "tls",
            ErrorKind::ChainTooLong => "chain-too-long",
            ErrorKind::HttpStatus => "http-status",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Internal => "internal",
        }
    }
}

/// A probe failure: its kind and a sentence with the server's own words where it gave any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ProbeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

/// The outcome for one accepted domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutodiscoverCheck {
    pub domain: String,
    pub url: String,
    /// The address connected to, when known.
    pub address: Option<String>,
    pub status: CheckStatus,
    pub http_status: Option<u16>,
    pub error: Option<ProbeError>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub checked_at: DateTime<Utc>,
}

/// Whether an autodiscover check found what Exchange answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Error,
}

impl CheckStatus {
    /// The name report.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Error => "error",
        }
    }
}

/// What became of a probed endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointStatus {
    /// The handshake completed and the chain was captured.
    Ok,
    /// A port of an expanded bare host refused the connection: the service is not offered.
    Closed,
    /// Could not be audited (the error says why).
    Error,
}

impl EndpointStatus {
    /// The name report.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointStatus::Ok => "ok",
            EndpointStatus::Closed => "closed",
            EndpointStatus::Error => "error",
        }
    }
}

/// A protocol version of the protocol matrix, named as report.json names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TlsProtocol {
    #[serde(rename = "SSLv3")]
    Ssl3,
    #[serde(rename = "TLS1.0")]
    Tls10,
    #[serde(rename = "TLS1.1")]
    Tls11,
    #[serde(rename = "TLS1.2")]
    Tls12,
    #[serde(rename = "TLS1.3")]
    Tls13,
}

impl TlsProtocol {
    /// Every version the matrix asks about, oldest first.
    pub const ALL: [TlsProtocol; 5] = [
        TlsProtocol::Ssl3,
        TlsProtocol::Tls10,
        TlsProtocol::Tls11,
        TlsProtocol::Tls12,
        TlsProtocol::Tls13,
    ];

    /// The name report.json gives it (`SSLv3`, `TLS1.0` … `TLS1.3`).
    pub fn as_str(self) -> &'static str {
        match self {
            TlsProtocol::Ssl3 => "SSLv3",
            TlsProtocol::Tls10 => "TLS1.0",
            TlsProtocol::Tls11 => "TLS1.1",
            TlsProtocol::Tls12 => "TLS1.2",
            TlsProtocol::Tls13 => "TLS1.3",
        }
    }

    /// The version on the wire (`0x0301` for TLS 1.0).
    pub fn wire(self) -> u16 {
        match self {
            TlsProtocol::Ssl3 => 0x0300,
            TlsProtocol::Tls10 => 0x0301,
            TlsProtocol::Tls11 => 0x0302,
            TlsProtocol::Tls12 => 0x0303,
            TlsProtocol::Tls13 => 0x0304,
        }
    }

    /// The version an endpoint's negotiated `tls_version` (`TLSv1.0`) or a matrix name names.
    pub fn from_name(name: &str) -> Option<Self> {
        let bare = name.replace("TLSv", "TLS");
        Self::ALL.into_iter().find(|v| v.as_str() == bare)
    }
}

/// Whether an endpoint accepts one protocol version, and the suite it chose for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolSupport {
    pub version: TlsProtocol,
    /// `true` or `false`; `null` when the question could not be answered (see `detail`).
    pub accepted: Option<bool>,
    /// The IANA name of the suite the server chose for this version.
    pub cipher: Option<String>,
    /// How the server answered when it refused, or why the answer is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a verified OCSP staple says about the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StapleStatus {
    /// Signed by the issuer (or its responder), fresh, and the leaf is good.
    Good,
    /// Signed by the issuer (or its responder): the leaf is revoked.
    Revoked,
    /// Signed and fresh, but the responder does not know the leaf.
    Unknown,
    /// Not a usable answer: unreadable, unsuccessful, badly signed, stale, or for another
    /// certificate (the detail says which).
    Invalid,
    /// Could not be checked: the leaf's issuer was not at hand.
    Unverifiable,
}

impl StapleStatus {
    /// The name report.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            StapleStatus::Good => "good",
            StapleStatus::Revoked => "revoked",
            StapleStatus::Unknown => "unknown",
            StapleStatus::Invalid => "invalid",
            StapleStatus::Unverifiable => "unverifiable",
        }
    }
}

/// The OCSP response a server stapled to its handshake, as verified at the evaluation instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StapleCheck {
    pub status: StapleStatus,
    /// Why, in a sentence (what made it invalid, or what it said).
    pub detail: String,
    /// SHA-256 of the stapled response as received.
    pub sha256: String,
    /// Who signed it (`the issuer CN=…`, or a delegated responder).
    pub responder: Option<String>,
    #[serde(with = "crate::time::serde_opt")]
    pub produced_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::serde_opt")]
    pub this_update: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::serde_opt")]
    pub next_update: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::serde_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The CRL reason the response gives (`keyCompromise` …), when revoked.
    pub revocation_reason: Option<String>,
}

/// A live endpoint as probed: what it presented and how.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `scheme://host:port`.
    pub target: String,
    /// The host probed (name or address), as SNI and name checks use it.
    pub host: String,
    /// The host is an IP literal (no SNI is sent; names are checked against IP SANs).
    pub ip_literal: bool,
    pub port: u16,
    pub protocol: Protocol,
    /// The address connected to (`ip:port`).
    pub address: Option<String>,
    /// The server name sent in SNI.
    pub sni: Option<String>,
    /// Came from a bare host's expansion to the client set.
    pub expanded: bool,
    pub status: EndpointStatus,
    pub error: Option<ProbeError>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// SHA-256 of each presented certificate, in presented order (leaf first).
    pub chain: Vec<String>,
    pub probed_at: DateTime<Utc>,
    /// Whether the chain as served reaches a trust anchor, filled by trust evaluation.
    pub served_chain: Option<ServedChain>,
    /// Notes that are not errors (e.g. a presented certificate that could not be parsed).
    pub notes: Vec<String>,
    /// SHA-256 of the leaf an HTTPS endpoint served to a handshake without SNI.
    pub leaf_without_sni: Option<String>,
    /// Which protocol versions it accepts (empty when the matrix was not scanned).
    pub protocols: Vec<ProtocolSupport>,
    /// The handshake asked for an OCSP staple (status_request): rustls handshakes do, a
    /// legacy capture does not.
    pub staple_requested: bool,
    /// The OCSP response stapled to the handshake, as received (DER).
    pub staple: Option<Vec<u8>>,
    /// The staple as verified by the revocation stage.
    pub staple_check: Option<StapleCheck>,
}

impl Endpoint {
    /// An endpoint about to be probed (status `error` until the probe says otherwise).
    pub fn new(target: String, host: String, port: u16, protocol: Protocol) -> Self {
        Self {
            target,
            host,
            ip_literal: false,
            port,
            protocol,
            address: None,
            sni: None,
            expanded: false,
            status: EndpointStatus::Error,
            error: None,
            tls_version: None,
            cipher: None,
            chain: Vec::new(),
            probed_at: Utc::now(),
            served_chain: None,
            notes: Vec::new(),
            leaf_without_sni: None,
            protocols: Vec::new(),
            staple_requested: false,
            staple: None,
            staple_check: None,
        }
    }

    /// Records a failure.
    pub fn fail(&mut self, error: ProbeError) {
        self.status = EndpointStatus::Error;
        self.error = Some(error);
    }

    /// The presented leaf (SHA-256), if any.
    pub fn leaf(&self) -> Option<&str> {
        self.chain.first().map(String::as_str)
    }
}
