//! Probe live endpoints: resolve targets, open connections with one bounded concurrency, run
//! the STARTTLS dialogue where the protocol has one, and capture what the TLS handshake shows.
//! Every wait has the per-probe deadline (`--timeout`); every read from a peer is bounded.

pub mod autodiscover;
mod conversation;
mod starttls;
pub mod target;
mod tls;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{ServerName, TrustAnchor};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::inventory::{Endpoint, EndpointStatus};
pub use autodiscover::AutodiscoverCheck;
use conversation::Conversation;
pub use target::{
    parse_target, parse_target_list, target_lines, Host, Protocol, ResolveOverrides, Target, TargetError, TlsStart,
};
use tls::TlsProber;
pub use tls::MAX_CHAIN;

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
    /// More certificates than [`MAX_CHAIN`].
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

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Probes in flight at once (`--concurrency`).
    pub concurrency: usize,
    /// Deadline of one probe, DNS and the whole dialogue included (`--timeout`).
    pub timeout: Duration,
    /// Probe every address a name resolves to (`--all-addresses`).
    pub all_addresses: bool,
    pub resolve: ResolveOverrides,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// Stop starting probes on Ctrl-C.
    pub handle_ctrl_c: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            concurrency: 64,
            timeout: Duration::from_secs(10),
            all_addresses: false,
            resolve: ResolveOverrides::default(),
            progress: false,
            handle_ctrl_c: false,
        }
    }
}

/// One probed endpoint and the certificates it presented (DER, in presented order).
#[derive(Debug, Clone)]
pub struct ProbedEndpoint {
    pub endpoint: Endpoint,
    pub chain_der: Vec<Vec<u8>>,
}

/// Everything the live part of a scan found.
#[derive(Debug, Default)]
pub struct LiveResults {
    /// In the order of the targets (addresses in resolution order).
    pub endpoints: Vec<ProbedEndpoint>,
    pub autodiscover: Vec<AutodiscoverCheck>,
    /// Ctrl-C stopped the run before every probe had started.
    pub interrupted: bool,
}

/// One connection to make.
struct Job {
    target: Target,
    addr: Result<SocketAddr, ProbeError>,
}

/// Probes `targets` and checks autodiscover for `domains`, with a runtime of its own.
pub fn run(
    targets: &[Target],
    domains: &[String],
    anchors: &[TrustAnchor<'static>],
    options: &ProbeOptions,
) -> std::io::Result<LiveResults> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    Ok(runtime.block_on(run_async(targets, domains, anchors, options)))
}

/// The asynchronous body of [`run`], for callers that have a runtime.
pub async fn run_async(
    targets: &[Target],
    domains: &[String],
    anchors: &[TrustAnchor<'static>],
    options: &ProbeOptions,
) -> LiveResults {
    let (cancel_tx, cancel) = watch::channel(false);
    if options.handle_ctrl_c {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("certaudit: interrupted: no new probes; finishing those in flight, then writing the reports (Ctrl-C again to quit at once)");
                let _ = cancel_tx.send(true);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }
    let semaphore = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let targets = dedup(targets);
    let addresses = resolve_all(&targets, options, &semaphore).await;
    let jobs = jobs(targets, &addresses, options);
    let checks = domains.len();
    let bar = progress_bar(options.progress, (jobs.len() + checks) as u64);
    let prober = TlsProber::default();
    let job_targets: Vec<Target> = jobs.iter().map(|j| j.target.clone()).collect();
    let mut results: Vec<Option<ProbedEndpoint>> = vec![None; jobs.len()];
    let mut set: JoinSet<(usize, ProbedEndpoint)> = JoinSet::new();
    // Jobs start in order, so those before `started` were started and the rest were not.
    let mut started = 0;
    for (i, job) in jobs.into_iter().enumerate() {
        let permit = tokio::select! {
            biased;
            _ = wait_cancelled(cancel.clone()) => None,
            permit = semaphore.clone().acquire_owned() => permit.ok(),
        };
        let Some(permit) = permit else { break };
        started = i + 1;
        let prober = prober.clone();
        let timeout = options.timeout;
        let bar = bar.clone();
        set.spawn(async move {
            let probed = probe(job, &prober, timeout).await;
            drop(permit);
            bar.inc(1);
            (i, probed)
        });
    }
    let interrupted = started < job_targets.len();
    let provider = prober.provider();
    let adc = autodiscover::check_all(domains, anchors, &provider, options, &semaphore, &bar);
    let (_, autodiscover) = tokio::join!(
        async {
            while let Some(joined) = set.join_next().await {
                if let Ok((i, probed)) = joined {
                    results[i] = Some(probed);
                }
            }
        },
        adc
    );
    bar.finish_and_clear();
    let endpoints = results
        .into_iter()
        .zip(job_targets)
        .enumerate()
        .map(|(i, (done, target))| match done {
            Some(done) => done,
            None if i >= started => unprobed(
                &target,
                ProbeError::new(ErrorKind::Interrupted, "not probed: the run was interrupted first"),
            ),
            None => unprobed(
                &target,
                ProbeError::new(ErrorKind::Internal, "the probe task stopped without a result"),
            ),
        })
        .collect();
    LiveResults {
        endpoints,
        autodiscover,
        interrupted,
    }
}

async fn wait_cancelled(mut cancel: watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn progress_bar(wanted: bool, len: u64) -> indicatif::ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("probing {bar:40} {pos}/{len} endpoints {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Drops repeated targets, keeping the first; an explicit target wins over an expanded one.
fn dedup(targets: &[Target]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for t in targets {
        match seen.get(&t.url()) {
            Some(&i) => out[i].expanded &= t.expanded,
            None => {
                seen.insert(t.url(), out.len());
                out.push(t.clone());
            }
        }
    }
    out
}

/// Resolves every distinct name once (overrides and IP literals need no lookup).
async fn resolve_all(
    targets: &[Target],
    options: &ProbeOptions,
    semaphore: &Arc<Semaphore>,
) -> HashMap<String, Result<Vec<IpAddr>, ProbeError>> {
    let mut names: Vec<String> = Vec::new();
    for t in targets {
        if let Host::Name(n) = &t.host {
            if options.resolve.get(n).is_none() && !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    let mut set = JoinSet::new();
    for name in names {
        let semaphore = semaphore.clone();
        let timeout = options.timeout;
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let result = match tokio::time::timeout(timeout, tokio::net::lookup_host((name.as_str(), 0))).await {
                Err(_) => Err(conversation::timed_out("the DNS lookup", timeout)),
                Ok(Err(e)) => Err(ProbeError::new(ErrorKind::Dns, format!("{name} does not resolve: {e}"))),
                Ok(Ok(addrs)) => {
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for a in addrs {
                        if !ips.contains(&a.ip()) {
                            ips.push(a.ip());
                        }
                    }
                    if ips.is_empty() {
                        Err(ProbeError::new(
                            ErrorKind::Dns,
                            format!("{name} resolves to no address"),
                        ))
                    } else {
                        Ok(ips)
                    }
                }
            };
            (name, result)
        });
    }
    let mut out = HashMap::new();
    while let Some(Ok((name, result))) = set.join_next().await {
        out.insert(name, result);
    }
    out
}

/// One job per target and address (only the first address unless `all_addresses`).
fn jobs(
    targets: Vec<Target>,
    addresses: &HashMap<String, Result<Vec<IpAddr>, ProbeError>>,
    options: &ProbeOptions,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for target in targets {
        let addrs: Result<Vec<SocketAddr>, ProbeError> = match &target.host {
            Host::Ip(ip) => Ok(vec![SocketAddr::new(*ip, target.port)]),
            Host::Name(name) => match options.resolve.get(name) {
                Some(over) => Ok(over
                    .iter()
                    .map(|a| SocketAddr::new(a.ip, a.port.unwrap_or(target.port)))
                    .collect()),
                None => match addresses.get(name) {
                    Some(Ok(ips)) => Ok(ips.iter().map(|ip| SocketAddr::new(*ip, target.port)).collect()),
                    Some(Err(e)) => Err(e.clone()),
                    None => Err(ProbeError::new(ErrorKind::Dns, format!("{name} was not resolved"))),
                },
            },
        };
        match addrs {
            Err(e) => jobs.push(Job { target, addr: Err(e) }),
            Ok(list) => {
                let take = if options.all_addresses { list.len() } else { 1 };
                for addr in list.into_iter().take(take) {
                    jobs.push(Job {
                        target: target.clone(),
                        addr: Ok(addr),
                    });
                }
            }
        }
    }
    jobs
}

fn new_endpoint(target: &Target) -> Endpoint {
    let mut e = Endpoint::new(target.url(), target.host.bare(), target.port, target.protocol);
    e.expanded = target.expanded;
    e.ip_literal = matches!(target.host, Host::Ip(_));
    e
}

fn unprobed(target: &Target, error: ProbeError) -> ProbedEndpoint {
    let mut endpoint = new_endpoint(target);
    endpoint.fail(error);
    ProbedEndpoint {
        endpoint,
        chain_der: Vec::new(),
    }
}

/// Probes one address of one target within the deadline.
async fn probe(job: Job, prober: &TlsProber, timeout: Duration) -> ProbedEndpoint {
    let addr = match job.addr {
        Ok(addr) => addr,
        Err(e) => return unprobed(&job.target, e),
    };
    let target = &job.target;
    let mut endpoint = new_endpoint(target);
    endpoint.address = Some(addr.to_string());
    let deadline = Instant::now() + timeout;
    let server_name = match &target.host {
        Host::Name(n) => match ServerName::try_from(n.clone()) {
            Ok(name) => {
                endpoint.sni = Some(n.clone());
                name
            }
            Err(e) => {
                endpoint.fail(ProbeError::new(
                    ErrorKind::Tls,
                    format!("{n} cannot be sent as a TLS server name: {e}"),
                ));
                return ProbedEndpoint {
                    endpoint,
                    chain_der: Vec::new(),
                };
            }
        },
        Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
    };
    let (capture, outcome) = match connect_and_start(target.protocol, addr, deadline, timeout).await {
        Err(e) => (tls::Capture::default(), Err(e)),
        Ok(stream) => prober.handshake(stream, server_name, deadline, timeout).await,
    };
    endpoint.tls_version = capture.version;
    endpoint.cipher = capture.cipher;
    endpoint.chain = capture.chain.iter().map(|d| crate::digest::sha256_hex(d)).collect();
    match outcome {
        Ok(()) => endpoint.status = EndpointStatus::Ok,
        Err(e) if e.kind == ErrorKind::Refused && target.expanded => {
            endpoint.status = EndpointStatus::Closed;
            endpoint.error = Some(e);
        }
        Err(e) => endpoint.fail(e),
    }
    ProbedEndpoint {
        endpoint,
        chain_der: capture.chain,
    }
}

/// Connects and runs the protocol's way into TLS; returns the stream ready for the handshake.
async fn connect_and_start(
    protocol: Protocol,
    addr: SocketAddr,
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, ProbeError> {
    let stream = match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => return Err(conversation::timed_out("the TCP connection", timeout)),
        Ok(Err(e)) => return Err(conversation::io_error(&e, &format!("connecting to {addr}"))),
        Ok(Ok(s)) => s,
    };
    let _ = stream.set_nodelay(true);
    let start = protocol.tls_start();
    if start == TlsStart::Implicit {
        return Ok(stream);
    }
    let mut c = Conversation::new(stream, deadline, timeout);
    let (result, quit) = match start {
        TlsStart::Smtp => (starttls::smtp(&mut c).await, "QUIT"),
        TlsStart::Imap => (starttls::imap(&mut c).await, "a003 LOGOUT"),
        TlsStart::Pop3 => (starttls::pop3(&mut c).await, "QUIT"),
        TlsStart::Implicit => (Ok(()), ""),
    };
    match result {
        Ok(()) => c.into_stream(),
        Err(e) => {
            // Leave politely where the server is still talking to us.
            if matches!(e.kind, ErrorKind::StarttlsNotOffered | ErrorKind::StarttlsRejected) {
                c.say_goodbye(quit).await;
            }
            Err(e)
        }
    }
}
