//! Probe live endpoints: resolve targets, open connections with one bounded concurrency, run
//! the STARTTLS dialogue where the protocol has one, and capture what the TLS handshake shows.
//! Every wait has the per-probe deadline (`--timeout`); every read from a peer is bounded.

pub mod autodiscover;
mod conversation;
pub mod kinds;
pub mod legacy;
mod protocol_matrix;
pub mod servers;
pub mod target;
mod tls;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{ServerName, TrustAnchor};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::inventory::{AutodiscoverCheck, Endpoint, EndpointStatus, ErrorKind, ProbeError, Protocol};
use conversation::Conversation;
pub use target::{parse_target, parse_target_list, target_lines, Host, ResolveOverrides, Target, TargetError};
use tls::TlsProber;
pub use tls::MAX_CHAIN;

/// Probes in flight at once when `--concurrency` is not given.
pub const DEFAULT_CONCURRENCY: u16 = 64;
/// Most probes in flight at once.
pub const MAX_CONCURRENCY: u16 = 4096;
/// Deadline of one probe when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest deadline of one probe, in seconds.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

/// A probe deadline or concurrency outside its bounds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    #[error("`{0}`: the timeout must be more than 0 and at most 3600 seconds")]
    Timeout(f64),
    #[error("concurrency {0}: must be 1 to 4096")]
    Concurrency(i64),
}

/// A probe deadline of `secs` seconds: more than 0, at most [`MAX_TIMEOUT_SECONDS`].
pub fn timeout_from_seconds(secs: f64) -> Result<Duration, LimitError> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECONDS {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(LimitError::Timeout(secs))
    }
}

/// A concurrency of `n` probes: 1 to [`MAX_CONCURRENCY`].
pub fn concurrency_from(n: i64) -> Result<u16, LimitError> {
    u16::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
        .ok_or(LimitError::Concurrency(n))
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
    /// Check autodiscover for the accepted domains (not `--no-autodiscover`).
    pub autodiscover: bool,
    /// Ask every endpoint which of SSL 3.0 … TLS 1.3 it accepts (not `--no-protocol-scan`).
    pub protocol_scan: bool,
    /// Probe every Exchange server the exports name, on the ports its configuration implies
    /// (`--probe-servers`).
    pub probe_servers: bool,
    pub resolve: ResolveOverrides,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            concurrency: usize::from(DEFAULT_CONCURRENCY),
            timeout: DEFAULT_TIMEOUT,
            all_addresses: false,
            autodiscover: true,
            protocol_scan: true,
            probe_servers: false,
            resolve: ResolveOverrides::default(),
        }
    }
}

/// The probe stage's options: what to probe and how.
#[derive(Debug, Clone, Default)]
pub struct ProbeScope {
    /// Live endpoints to probe (expanded).
    pub targets: Vec<Target>,
    /// The targets as given (`--probe`, `--targets`), for the report.
    pub target_texts: Vec<String>,
    /// `--resolve` values as given, for the report.
    pub resolve_texts: Vec<String>,
    pub options: ProbeOptions,
}

/// Told how a probe run advances (the binary draws a progress bar with it).
pub trait Progress: Send + Sync {
    /// Probing starts: `total` endpoints and autodiscover checks to go.
    fn start(&self, total: u64);
    /// One more endpoint or autodiscover check is done.
    fn advance(&self);
    /// Probing is over.
    fn finish(&self);
}

/// Stops a probe run early: once cancelled, no new probe starts; those in flight run to
/// their deadline and the rest are reported as `interrupted`. Clones share the state.
#[derive(Debug, Clone)]
pub struct Cancel(Arc<watch::Sender<bool>>);

impl Default for Cancel {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl Cancel {
    /// Asks the run to stop starting probes.
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    /// True once [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancelled.
    async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// What the caller of a probe run hears and how it stops it.
#[derive(Clone, Default)]
pub struct Hooks {
    pub progress: Option<Arc<dyn Progress>>,
    pub cancel: Cancel,
}

impl Hooks {
    fn advance(&self) {
        if let Some(p) = &self.progress {
            p.advance();
        }
    }
}

/// One probed endpoint and the certificates it presented (DER, in presented order).
#[derive(Debug, Clone)]
pub struct ProbedEndpoint {
    pub endpoint: Endpoint,
    pub chain_der: Vec<Vec<u8>>,
    /// The leaf an HTTPS endpoint served without SNI, when it differs from `chain_der[0]`.
    pub leaf_without_sni_der: Option<Vec<u8>>,
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

/// Probes `targets` and checks autodiscover for `domains` (unless `options.autodiscover` is
/// off), with a runtime of its own.
pub fn run(
    targets: &[Target],
    domains: &[String],
    anchors: &[TrustAnchor<'static>],
    options: &ProbeOptions,
    hooks: &Hooks,
) -> std::io::Result<LiveResults> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    Ok(runtime.block_on(run_async(targets, domains, anchors, options, hooks)))
}

/// The asynchronous body of [`run`], for callers that have a runtime.
pub async fn run_async(
    targets: &[Target],
    domains: &[String],
    anchors: &[TrustAnchor<'static>],
    options: &ProbeOptions,
    hooks: &Hooks,
) -> LiveResults {
    let semaphore = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let targets = dedup(targets);
    let addresses = resolve_all(&targets, options, &semaphore).await;
    let jobs = jobs(targets, &addresses, options);
    let domains: &[String] = if options.autodiscover { domains } else { &[] };
    let checks = domains.len();
    if let Some(p) = &hooks.progress {
        p.start((jobs.len() + checks) as u64);
    }
    let prober = TlsProber::default();
    let job_targets: Vec<Target> = jobs.iter().map(|j| j.target.clone()).collect();
    let mut results: Vec<Option<ProbedEndpoint>> = vec![None; jobs.len()];
    let mut set: JoinSet<(usize, ProbedEndpoint)> = JoinSet::new();
    // Jobs start in order, so those before `started` were started and the rest were not.
    let mut started = 0;
    for (i, job) in jobs.into_iter().enumerate() {
        let permit = tokio::select! {
            biased;
            _ = hooks.cancel.cancelled() => None,
            permit = semaphore.clone().acquire_owned() => permit.ok(),
        };
        let Some(permit) = permit else { break };
        started = i + 1;
        let prober = prober.clone();
        let timeout = options.timeout;
        let protocol_scan = options.protocol_scan;
        let hooks = hooks.clone();
        set.spawn(async move {
            let probed = probe(job, &prober, timeout, protocol_scan).await;
            drop(permit);
            hooks.advance();
            (i, probed)
        });
    }
    let interrupted = started < job_targets.len();
    let provider = prober.provider();
    let adc = autodiscover::check_all(domains, anchors, &provider, options, &semaphore, hooks);
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
    if let Some(p) = &hooks.progress {
        p.finish();
    }
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
            if options.resolve.get(n, t.port).is_none() && !names.contains(n) {
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
            Host::Name(name) => match options.resolve.get(name, target.port) {
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
        leaf_without_sni_der: None,
    }
}

/// Probes one address of one target within the deadline; then, when `protocol_scan`, asks
/// which protocol versions it accepts (within one more deadline).
async fn probe(job: Job, prober: &TlsProber, timeout: Duration, protocol_scan: bool) -> ProbedEndpoint {
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
                    leaf_without_sni_der: None,
                };
            }
        },
        Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
    };
    let mut in_handshake = false;
    let (mut capture, mut outcome) = match connect_and_start(target.protocol, addr, deadline, timeout).await {
        Err(e) => (tls::Capture::default(), Err(e)),
        Ok(stream) => {
            in_handshake = true;
            prober.handshake(stream, server_name.clone(), deadline, timeout).await
        }
    };
    let main_outcome = outcome.clone();
    // rustls could not agree with the server (an alert, or — as OpenSSL-based servers and
    // Schannel do when no version is in common — a closed connection): read what it shows to
    // an older client.
    if let Err(e) = &outcome {
        let refused = matches!(e.kind, ErrorKind::Tls | ErrorKind::TlsAlert | ErrorKind::ClosedByPeer);
        if capture.chain.is_empty() && in_handshake && refused {
            let sni = match &target.host {
                Host::Name(n) => Some(n.as_str()),
                Host::Ip(_) => None,
            };
            match legacy_capture(target.protocol, addr, sni, deadline, timeout).await {
                Ok(legacy) => {
                    endpoint.notes.push(format!(
                        "no handshake rustls supports ({}): the certificate was read from a {} ServerHello ({}) that certaudit did not complete",
                        e.message, legacy.version, legacy.cipher
                    ));
                    capture = tls::Capture {
                        chain: legacy.chain,
                        version: Some(legacy.version),
                        cipher: Some(legacy.cipher),
                        staple: None,
                    };
                    outcome = Ok(());
                }
                Err(legacy) => {
                    let mut e = e.clone();
                    e.message = format!("{}; a legacy handshake failed too: {}", e.message, legacy.message);
                    outcome = Err(e);
                }
            }
        }
    }
    // Only a handshake rustls completed asked for a staple (a legacy hello does not).
    endpoint.staple_requested = main_outcome.is_ok();
    endpoint.staple = capture.staple.take();
    endpoint.tls_version = capture.version;
    endpoint.cipher = capture.cipher;
    endpoint.chain = capture.chain.iter().map(|d| crate::digest::sha256_hex(d)).collect();
    // What a client or health check that sends no SNI gets from an HTTPS name.
    let mut leaf_without_sni_der = None;
    if outcome.is_ok() && target.protocol == Protocol::Https && matches!(target.host, Host::Name(_)) {
        let plain = match connect_and_start(target.protocol, addr, deadline, timeout).await {
            Err(e) => (tls::Capture::default(), Err(e)),
            Ok(stream) => {
                prober
                    .handshake_with(stream, server_name, false, deadline, timeout)
                    .await
            }
        };
        match plain {
            (plain, Ok(())) => {
                if let Some(leaf) = plain.chain.into_iter().next() {
                    let sha = crate::digest::sha256_hex(&leaf);
                    if endpoint.chain.first() != Some(&sha) {
                        leaf_without_sni_der = Some(leaf);
                    }
                    endpoint.leaf_without_sni = Some(sha);
                }
            }
            (_, Err(e)) => endpoint
                .notes
                .push(format!("a handshake without SNI failed: {}", e.message)),
        }
    }
    if outcome.is_ok() && protocol_scan {
        let tls13 = protocol_matrix::tls13_from_main(main_outcome.as_ref().map(|()| {
            (
                endpoint.tls_version.as_deref().unwrap_or(""),
                endpoint.cipher.as_deref(),
            )
        }));
        let sni = endpoint.sni.clone();
        endpoint.protocols = protocol_matrix::scan(target.protocol, addr, sni.as_deref(), tls13, timeout).await;
    }
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
        leaf_without_sni_der,
    }
}

/// A second connection for a server rustls could not agree with: the protocol's way into TLS,
/// then a legacy ClientHello, reading the server's hello and certificate (see `legacy`).
async fn legacy_capture(
    protocol: Protocol,
    addr: SocketAddr,
    server_name: Option<&str>,
    deadline: Instant,
    timeout: Duration,
) -> Result<legacy::LegacyCapture, ProbeError> {
    let mut stream = connect_and_start(protocol, addr, deadline, timeout).await?;
    legacy::capture(&mut stream, server_name, deadline, timeout).await
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
    let kind = kinds::kind_for(protocol);
    let mut c = Conversation::new(stream, deadline, timeout);
    let Some(dialogue) = kind.start_tls(&mut c) else {
        return c.into_stream();
    };
    let result = dialogue.await;
    match result {
        Ok(()) => c.into_stream(),
        Err(e) => {
            // Leave politely where the server is still talking to us.
            if let (true, Some(quit)) = (
                matches!(e.kind, ErrorKind::StarttlsNotOffered | ErrorKind::StarttlsRejected),
                kind.goodbye(),
            ) {
                c.say_goodbye(quit).await;
            }
            Err(e)
        }
    }
}
