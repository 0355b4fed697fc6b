//! Autodiscover reachability: `https://autodiscover.<domain>/autodiscover/autodiscover.xml`
//! fetched with certificate validation on (the scan's trust anchors), honouring `--resolve`.
//! Exchange answers an anonymous GET with 401 (or 200/405 behind some front ends).

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::TrustAnchor;
use tokio::sync::Semaphore;

use super::{Hooks, ProbeOptions};
use crate::inventory::{AutodiscoverCheck, CheckStatus, ErrorKind, ProbeError};

/// HTTP answers Exchange gives an anonymous autodiscover GET.
const NORMAL: [u16; 3] = [200, 401, 405];

/// The URL checked for `domain`.
pub fn url_for(domain: &str) -> String {
    format!("https://autodiscover.{domain}/autodiscover/autodiscover.xml")
}

/// Checks every domain, sharing the probes' concurrency.
pub async fn check_all(
    domains: &[String],
    anchors: &[TrustAnchor<'static>],
    provider: &Arc<CryptoProvider>,
    options: &ProbeOptions,
    semaphore: &Arc<Semaphore>,
    hooks: &Hooks,
) -> Vec<AutodiscoverCheck> {
    if domains.is_empty() {
        return Vec::new();
    }
    let client = match client(anchors, provider, options) {
        Ok(c) => c,
        Err(e) => return domains.iter().map(|d| failed(d, None, e.clone())).collect(),
    };
    let options = Arc::new(options.clone());
    let mut set = tokio::task::JoinSet::new();
    for (i, domain) in domains.iter().enumerate() {
        let (client, semaphore, options, hooks) = (client.clone(), semaphore.clone(), options.clone(), hooks.clone());
        let domain = domain.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let check = check(&client, &domain, &options).await;
            hooks.advance();
            (i, check)
        });
    }
    let mut results: Vec<Option<AutodiscoverCheck>> = vec![None; domains.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, check)) = joined {
            results[i] = Some(check);
        }
    }
    results
        .into_iter()
        .zip(domains)
        .map(|(r, d)| {
            r.unwrap_or_else(|| {
                failed(
                    d,
                    None,
                    ProbeError::new(ErrorKind::Internal, "the check stopped without a result"),
                )
            })
        })
        .collect()
}

fn client(
    anchors: &[TrustAnchor<'static>],
    provider: &Arc<CryptoProvider>,
    options: &ProbeOptions,
) -> Result<reqwest::Client, ProbeError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(anchors.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::new(ErrorKind::Internal, format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(concat!("certaudit/", env!("CARGO_PKG_VERSION")));
    for (host, addr) in options.resolve.iter_for(443) {
        builder = builder.resolve(host, SocketAddr::new(addr.ip, addr.port.unwrap_or(0)));
    }
    builder
        .build()
        .map_err(|e| ProbeError::new(ErrorKind::Internal, format!("HTTP client set-up: {e}")))
}

fn failed(domain: &str, address: Option<String>, error: ProbeError) -> AutodiscoverCheck {
    AutodiscoverCheck {
        domain: domain.to_string(),
        url: url_for(domain),
        address,
        status: CheckStatus::Error,
        http_status: None,
        error: Some(error),
        checked_at: Utc::now(),
    }
}

async fn check(client: &reqwest::Client, domain: &str, options: &ProbeOptions) -> AutodiscoverCheck {
    let host = format!("autodiscover.{domain}");
    let url = url_for(domain);
    let checked_at: DateTime<Utc> = Utc::now();
    // The HTTP client resolves the name itself (or takes the `--resolve` override), once.
    let address = options
        .resolve
        .get(&host, 443)
        .and_then(|a| a.first().copied())
        .map(|a| SocketAddr::new(a.ip, a.port.unwrap_or(443)).to_string());
    let response = client.get(&url).send().await;
    let mut result = AutodiscoverCheck {
        domain: domain.to_string(),
        url,
        address,
        status: CheckStatus::Ok,
        http_status: None,
        error: None,
        checked_at,
    };
    match response {
        Ok(r) => {
            if let Some(remote) = r.remote_addr() {
                result.address = Some(remote.to_string());
            }
            let code = r.status().as_u16();
            result.http_status = Some(code);
            if !NORMAL.contains(&code) {
                let mut message = format!("answered HTTP {code}, where Exchange answers 401 (or 200/405)");
                if let Some(location) = r.headers().get(reqwest::header::LOCATION) {
                    let location = super::conversation::quote(location.as_bytes());
                    message.push_str(&format!("; redirects to {location}"));
                }
                result.status = CheckStatus::Error;
                result.error = Some(ProbeError::new(ErrorKind::HttpStatus, message));
            }
        }
        Err(e) => {
            result.status = CheckStatus::Error;
            result.error = Some(classify(&e, &host, options));
        }
    }
    result
}

/// Names a reqwest failure by what lies under it: TLS validation, refusal, timeout.
fn classify(e: &reqwest::Error, host: &str, options: &ProbeOptions) -> ProbeError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        // hyper-util's connector names a failed lookup "dns error", with the resolver's words beneath.
        if s.to_string() == "dns error" {
            let words = s.source().map(|w| w.to_string()).unwrap_or_default();
            return ProbeError::new(ErrorKind::Dns, format!("{host} does not resolve: {words}"));
        }
        // An io::Error hides what it wraps from `source()`: look inside it too.
        let inner = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|i| i.downcast_ref::<rustls::Error>());
        if let Some(tls) = s.downcast_ref::<rustls::Error>().or(inner) {
            let kind = match tls {
                rustls::Error::AlertReceived(_) => ErrorKind::TlsAlert,
                rustls::Error::InvalidMessage(_) => ErrorKind::NotTls,
                _ => ErrorKind::Tls,
            };
            return ProbeError::new(kind, format!("TLS with certificate validation failed: {tls}"));
        }
        // Some layers box the TLS error where no downcast reaches it; its text still names it.
        let text = s.to_string();
        if text.contains("invalid peer certificate") || text.contains("received fatal alert") {
            let kind = if text.contains("alert") {
                ErrorKind::TlsAlert
            } else {
                ErrorKind::Tls
            };
            let detail = text.rsplit(": ").next().unwrap_or(&text).to_string();
            return ProbeError::new(kind, format!("TLS with certificate validation failed: {detail}"));
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return ProbeError::new(ErrorKind::Refused, format!("connection refused: {io}"));
            }
        }
        source = s.source();
    }
    if e.is_timeout() {
        return super::conversation::timed_out("the autodiscover request", options.timeout);
    }
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(": {s}"));
        source = s.source();
    }
    ProbeError::new(ErrorKind::Network, chain)
}
