//! Test servers on 127.0.0.1, started by the tests themselves: implicit TLS, SMTP/IMAP/POP3
//! dialogues with STARTTLS, autodiscover over HTTPS, and hostile or broken servers. Each
//! server runs a script of steps for every connection.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// Certificates (leaf first, DER) and the leaf's PKCS#8 key.
#[derive(Clone)]
pub struct Identity {
    pub chain: Vec<Vec<u8>>,
    pub key: Vec<u8>,
}

/// A TLS acceptor serving `id` as it is, without the consistency checks rustls makes on a
/// configured certificate (tests serve broken and oversized chains on purpose).
pub fn acceptor(id: &Identity) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = id.chain.iter().map(|d| CertificateDer::from(d.clone())).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone()));
    let signing_key = provider.key_provider.load_private_key(key).unwrap();
    let certified = Arc::new(CertifiedKey::new(chain, signing_key));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(certified)));
    TlsAcceptor::from(Arc::new(config))
}

/// A TLS acceptor serving `with_sni` to clients that send SNI and `without_sni` to those that
/// send none (an IIS default binding left on another certificate).
pub fn sni_acceptor(with_sni: &Identity, without_sni: &Identity) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = |id: &Identity| {
        let chain: Vec<CertificateDer<'static>> = id.chain.iter().map(|d| CertificateDer::from(d.clone())).collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone()));
        Arc::new(CertifiedKey::new(
            chain,
            provider.key_provider.load_private_key(key).unwrap(),
        ))
    };
    let resolver = BySni {
        with_sni: certified(with_sni),
        without_sni: certified(without_sni),
    };
    let config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    TlsAcceptor::from(Arc::new(config))
}

#[derive(Debug)]
struct BySni {
    with_sni: Arc<CertifiedKey>,
    without_sni: Arc<CertifiedKey>,
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(match hello.server_name() {
            Some(_) => self.with_sni.clone(),
            None => self.without_sni.clone(),
        })
    }
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// One step of a server's script.
#[derive(Clone)]
pub enum Step {
    /// Write this text.
    Send(String),
    /// Read one line; it must contain this text (case-insensitive). `{tag}` in the next `Send`
    /// is replaced by the line's first word. A client that sent more than one line at once
    /// (pipelining) is recorded as a violation.
    Recv(&'static str),
    /// Read whatever arrives first (e.g. a ClientHello).
    ReadSome,
    /// Write raw bytes.
    Bytes(Vec<u8>),
    /// Write this byte without end until the client goes away.
    Forever(u8),
    /// TLS handshake, then answer one HTTP request with this status (or just wait for close).
    Tls(TlsAcceptor, Option<u16>),
    /// Keep the connection open and say nothing.
    Stall,
    /// Close the connection.
    Close,
}

/// What the servers saw: things a well-behaved client must not do, and the SNI of each handshake.
#[derive(Default, Clone)]
pub struct Log(pub Arc<Mutex<Vec<String>>>, pub Arc<Mutex<Vec<Option<String>>>>);

impl Log {
    pub fn violations(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    /// The server name each completed handshake carried (None: no SNI).
    pub fn sni(&self) -> Vec<Option<String>> {
        self.1.lock().unwrap().clone()
    }
}

/// A runtime holding the test's servers; dropping it stops them.
pub struct Servers {
    rt: tokio::runtime::Runtime,
    pub log: Log,
}

impl Servers {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Self {
            rt,
            log: Log::default(),
        }
    }

    /// Starts a server on 127.0.0.1 running `steps` for each connection; returns its port.
    pub fn start(&self, steps: Vec<Step>) -> u16 {
        let log = self.log.clone();
        self.handler(move |stream| run(stream, steps.clone(), log.clone()))
    }

    /// Starts a server on `[::1]` when the machine has IPv6 loopback; returns its port.
    pub fn start_v6(&self, steps: Vec<Step>) -> Option<u16> {
        let listener = self.rt.block_on(TcpListener::bind("[::1]:0")).ok()?;
        let log = self.log.clone();
        Some(self.serve(listener, move |stream| run(stream, steps.clone(), log.clone())))
    }

    /// Starts a server with a handler of its own; returns its port.
    pub fn handler<F, Fut>(&self, handler: F) -> u16
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        self.serve(listener, handler)
    }

    fn serve<F, Fut>(&self, listener: TcpListener, handler: F) -> u16
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let port = listener.local_addr().unwrap().port();
        self.rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handler(stream));
            }
        });
        port
    }

    /// A loopback port nothing listens on (connections are refused).
    pub fn closed_port(&self) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }
}

async fn run(stream: TcpStream, steps: Vec<Step>, log: Log) {
    let mut reader = BufReader::new(stream);
    let mut tag = String::new();
    for step in steps {
        match step {
            Step::Send(text) => {
                let text = text.replace("{tag}", &tag);
                if reader.get_mut().write_all(text.as_bytes()).await.is_err() {
                    return;
                }
            }
            Step::Recv(expected) => {
                let mut line = String::new();
                let read = tokio::time::timeout(Duration::from_secs(30), reader.read_line(&mut line)).await;
                if !matches!(read, Ok(Ok(n)) if n > 0) {
                    return;
                }
                if !reader.buffer().is_empty() {
                    log.0.lock().unwrap().push(format!("pipelined after {line:?}"));
                }
                if !line.to_ascii_lowercase().contains(&expected.to_ascii_lowercase()) {
                    log.0
                        .lock()
                        .unwrap()
                        .push(format!("expected {expected:?}, got {line:?}"));
                    return;
                }
                tag = line.split_whitespace().next().unwrap_or("").to_string();
            }
            Step::ReadSome => {
                let mut buf = [0u8; 4096];
                let _ = tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buf)).await;
            }
            Step::Bytes(bytes) => {
                let _ = reader.get_mut().write_all(&bytes).await;
            }
            Step::Forever(byte) => {
                let chunk = vec![byte; 1024];
                for _ in 0..100_000 {
                    if reader.get_mut().write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                return;
            }
            Step::Tls(acceptor, http) => {
                if !reader.buffer().is_empty() {
                    log.0.lock().unwrap().push("client data buffered before TLS".into());
                }
                let stream = reader.into_inner();
                let Ok(Ok(mut tls)) = tokio::time::timeout(Duration::from_secs(30), acceptor.accept(stream)).await
                else {
                    return;
                };
                log.1
                    .lock()
                    .unwrap()
                    .push(tls.get_ref().1.server_name().map(str::to_string));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(30), tls.read(&mut buf)).await {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let (Some(status), true) = (http, request.windows(4).any(|w| w == b"\r\n\r\n")) {
                        let answer =
                            format!("HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        let _ = tls.write_all(answer.as_bytes()).await;
                        let _ = tls.shutdown().await;
                        break;
                    }
                }
                return;
            }
            Step::Stall => {
                tokio::time::sleep(Duration::from_secs(120)).await;
                return;
            }
            Step::Close => return,
        }
    }
}

/// SMTP: `banner` (raw lines), EHLO answered with `extensions`, then STARTTLS and TLS.
pub fn smtp(banner: &str, extensions: &[&str], tls: TlsAcceptor) -> Vec<Step> {
    let mut steps = smtp_until_starttls(banner, extensions);
    steps.extend([
        Step::Recv("STARTTLS"),
        Step::Send("220 2.0.0 SMTP server ready\r\n".into()),
        Step::Tls(tls, None),
    ]);
    steps
}

/// SMTP up to the EHLO reply.
pub fn smtp_until_starttls(banner: &str, extensions: &[&str]) -> Vec<Step> {
    let mut reply = String::from("250-mail.contoso.com Hello [127.0.0.1]\r\n");
    for (i, e) in extensions.iter().enumerate() {
        let sep = if i + 1 == extensions.len() { ' ' } else { '-' };
        reply.push_str(&format!("250{sep}{e}\r\n"));
    }
    vec![Step::Send(banner.into()), Step::Recv("EHLO ["), Step::Send(reply)]
}

/// The extensions an Exchange 2019 frontend transport lists on port 25.
pub const EXCHANGE_EXTENSIONS: [&str; 9] = [
    "SIZE 37748736",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "STARTTLS",
    "X-ANONYMOUSTLS",
    "AUTH NTLM",
    "8BITMIME",
    "SMTPUTF8",
];

/// IMAP with STARTTLS; `greeting` may carry a capability code, else CAPABILITY is answered.
pub fn imap(greeting: &str, tls: TlsAcceptor) -> Vec<Step> {
    let mut steps = vec![Step::Send(greeting.into())];
    if !greeting.contains("[CAPABILITY") {
        steps.extend([
            Step::Recv("CAPABILITY"),
            Step::Send("* CAPABILITY IMAP4 IMAP4rev1 AUTH=NTLM LOGINDISABLED STARTTLS SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n{tag} OK CAPABILITY completed.\r\n".into()),
        ]);
    }
    steps.extend([
        Step::Recv("STARTTLS"),
        Step::Send("{tag} OK Begin TLS negotiation now.\r\n".into()),
        Step::Tls(tls, None),
    ]);
    steps
}

/// POP3 with STLS, with CAPA (`capa` lines) or without (`None`: CAPA answered -ERR).
pub fn pop3(capa: Option<&[&str]>, tls: TlsAcceptor) -> Vec<Step> {
    let mut steps = vec![
        Step::Send("+OK The Microsoft Exchange POP3 service is ready.\r\n".into()),
        Step::Recv("CAPA"),
    ];
    match capa {
        Some(lines) => {
            let mut text = String::from("+OK\r\n");
            for l in lines {
                text.push_str(&format!("{l}\r\n"));
            }
            text.push_str(".\r\n");
            steps.push(Step::Send(text));
        }
        None => steps.push(Step::Send("-ERR Unknown command\r\n".into())),
    }
    steps.extend([
        Step::Recv("STLS"),
        Step::Send("+OK Begin TLS negotiation.\r\n".into()),
        Step::Tls(tls, None),
    ]);
    steps
}

/// Implicit TLS (HTTPS, SMTPS, IMAPS, POP3S).
pub fn implicit(tls: TlsAcceptor) -> Vec<Step> {
    vec![Step::Tls(tls, None)]
}

/// HTTPS answering one request with `status` (autodiscover).
pub fn https_answering(tls: TlsAcceptor, status: u16) -> Vec<Step> {
    vec![Step::Tls(tls, Some(status))]
}

/// A fatal TLS alert record (handshake_failure).
pub fn tls_alert() -> Vec<Step> {
    vec![
        Step::ReadSome,
        Step::Bytes(vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]),
        Step::Close,
    ]
}
