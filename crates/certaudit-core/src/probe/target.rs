//! Probe targets: `[scheme://]host[:port]`, the bare-host expansion to Exchange's client set,
//! and `--resolve HOST=ADDR` overrides.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::inventory::Protocol;

/// A host to probe: a DNS name (lowercase, no trailing dot) or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl Host {
    /// The host as reports show it (IPv6 without brackets).
    pub fn bare(&self) -> String {
        match self {
            Host::Name(n) => n.clone(),
            Host::Ip(ip) => ip.to_string(),
        }
    }
}

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub protocol: Protocol,
    pub host: Host,
    pub port: u16,
    /// Came from a bare host's expansion: a refused connection means the port is closed.
    pub expanded: bool,
}

impl Target {
    /// `scheme://host:port`, the form the report uses.
    pub fn url(&self) -> String {
        format!("{}://{}:{}", self.protocol, self.host, self.port)
    }
}

/// A target or `--resolve` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} `{input}`: {}{problem}", place.as_ref().map(|(file, line)| format!("{file}:{line}: ")).unwrap_or_default())]
pub struct TargetError {
    /// `target` or `--resolve`.
    pub what: &'static str,
    pub input: String,
    /// The `--targets` file and line it was read from.
    pub place: Option<(String, usize)>,
    pub problem: TargetProblem,
}

/// What is wrong with a target or `--resolve` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetProblem {
    #[error("unknown scheme `{0}` (expected one of https, smtp, submission, smtps, imap, imaps, pop3, pop3s)")]
    UnknownScheme(String),
    #[error("expected host[:port], without path or user")]
    PathOrUser,
    #[error("port {0} is no protocol's default port: give a scheme, e.g. smtp://host:{0}")]
    NoDefaultPort(u16),
    #[error("no host")]
    NoHost,
    #[error("`[` without `]`")]
    UnclosedBracket,
    #[error("`{0}` is not an IPv6 address")]
    NotIpv6(String),
    #[error("expected `:port` after `]`")]
    PortAfterBracket,
    #[error("`{0}` is not a port (1-65535)")]
    NotPort(String),
    #[error("`{0}` is not a host name or IP address")]
    NotHost(String),
    #[error("expected HOST=ADDR")]
    NotHostEqualsAddr,
    #[error("HOST must be a name, not an address")]
    HostIsAddress,
    #[error("ADDR must be an IP address")]
    AddrIsName,
}

/// Parses one TARGET; a bare host gives the seven targets of the client set.
pub fn parse_target(input: &str) -> Result<Vec<Target>, TargetError> {
    let err = |problem: TargetProblem| TargetError {
        what: "target",
        input: input.to_string(),
        place: None,
        problem,
    };
    let text = input.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => {
            let p = Protocol::from_scheme(s).ok_or_else(|| err(TargetProblem::UnknownScheme(s.to_string())))?;
            (Some(p), r)
        }
        None => (None, text),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') || rest.contains('@') || rest.contains('?') {
        return Err(err(TargetProblem::PathOrUser));
    }
    let (host, port) = split_host_port(rest).map_err(err)?;
    match (scheme, port) {
        (Some(protocol), port) => Ok(vec![Target {
            protocol,
            port: port.unwrap_or(protocol.default_port()),
            host,
            expanded: false,
        }]),
        (None, Some(port)) => {
            let protocol = Protocol::from_default_port(port).ok_or_else(|| err(TargetProblem::NoDefaultPort(port)))?;
            Ok(vec![Target {
                protocol,
                host,
                port,
                expanded: false,
            }])
        }
        (None, None) => Ok(Protocol::CLIENT_SET
            .into_iter()
            .map(|protocol| Target {
                protocol,
                host: host.clone(),
                port: protocol.default_port(),
                expanded: true,
            })
            .collect()),
    }
}

/// The TARGET lines of a `--targets` file with their 1-based line numbers: `#` starts a
/// comment, blank lines are skipped.
pub fn target_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.split('#').next().unwrap_or("").trim()))
        .filter(|(_, line)| !line.is_empty())
}

/// Reads a `--targets` file: one TARGET per line, `#` starts a comment.
pub fn parse_target_list(name: &str, text: &str) -> Result<Vec<Target>, TargetError> {
    let mut out = Vec::new();
    for (n, line) in target_lines(text) {
        out.extend(parse_target(line).map_err(|e| TargetError {
            place: Some((name.to_string(), n)),
            ..e
        })?);
    }
    Ok(out)
}

fn split_host_port(text: &str) -> Result<(Host, Option<u16>), TargetProblem> {
    if text.is_empty() {
        return Err(TargetProblem::NoHost);
    }
    if let Some(inner) = text.strip_prefix('[') {
        let (addr, after) = inner.split_once(']').ok_or(TargetProblem::UnclosedBracket)?;
        let ip: Ipv6Addr = addr.parse().map_err(|_| TargetProblem::NotIpv6(addr.to_string()))?;
        let port = match after {
            "" => None,
            p => Some(parse_port(p.strip_prefix(':').ok_or(TargetProblem::PortAfterBracket)?)?),
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), port));
    }
    if let Ok(ip) = text.parse::<Ipv6Addr>() {
        return Ok((Host::Ip(IpAddr::V6(ip)), None));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(parse_port(p)?)),
        None => (text, None),
    };
    Ok((parse_host(host)?, port))
}

fn parse_port(text: &str) -> Result<u16, TargetProblem> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| TargetProblem::NotPort(text.to_string()))
}

fn parse_host(text: &str) -> Result<Host, TargetProblem> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if valid {
        Ok(Host::Name(name))
    } else {
        Err(TargetProblem::NotHost(text.to_string()))
    }
}

/// Where `--resolve` sends a host: an address, and a port when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedAddr {
    pub ip: IpAddr,
    /// Replaces the target's port (port forwards, tests); None keeps it.
    pub port: Option<u16>,
    /// Applies only to targets on this port (`HOST:PORT=ADDR`); None: to every port.
    pub for_port: Option<u16>,
}

/// `--resolve HOST[:PORT]=ADDR` overrides, by lowercase host name.
#[derive(Debug, Clone, Default)]
pub struct ResolveOverrides(HashMap<String, Vec<ResolvedAddr>>);

impl ResolveOverrides {
    /// Parses `HOST[:PORT]=ADDR` values (ADDR: `10.0.0.5`, `10.0.0.5:8443`,
    /// `[2001:db8::1]:443`); with `:PORT` the override applies to that port of the host only.
    pub fn parse(values: &[String]) -> Result<Self, TargetError> {
        let mut map: HashMap<String, Vec<ResolvedAddr>> = HashMap::new();
        for value in values {
            let err = |problem: TargetProblem| TargetError {
                what: "--resolve",
                input: value.clone(),
                place: None,
                problem,
            };
            let (host, addr) = value
                .split_once('=')
                .ok_or_else(|| err(TargetProblem::NotHostEqualsAddr))?;
            let (Host::Name(host), for_port) = split_host_port(host.trim()).map_err(err)? else {
                return Err(err(TargetProblem::HostIsAddress));
            };
            let (ip, port) = match split_host_port(addr.trim()).map_err(err)? {
                (Host::Ip(ip), port) => (ip, port),
                (Host::Name(_), _) => return Err(err(TargetProblem::AddrIsName)),
            };
            map.entry(host).or_default().push(ResolvedAddr { ip, port, for_port });
        }
        Ok(Self(map))
    }

    /// The overrides for `host` on `port`: those given for that port, else those for every
    /// port; None when there are none.
    pub fn get(&self, host: &str, port: u16) -> Option<Vec<ResolvedAddr>> {
        let all = self.0.get(host)?;
        let pick = |p: Option<u16>| -> Vec<ResolvedAddr> { all.iter().filter(|a| a.for_port == p).copied().collect() };
        Some(pick(Some(port)))
            .filter(|v| !v.is_empty())
            .or_else(|| Some(pick(None)).filter(|v| !v.is_empty()))
    }

    /// Every override for any port or for `port`, for HTTP clients that take them one by one.
    pub fn iter_for(&self, port: u16) -> impl Iterator<Item = (&str, &ResolvedAddr)> {
        self.0
            .iter()
            .flat_map(|(h, v)| v.iter().map(move |a| (h.as_str(), a)))
            .filter(move |(_, a)| a.for_port.is_none() || a.for_port == Some(port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Target {
        let mut v = parse_target(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn schemes_and_default_ports() {
        for (s, p, port) in [
            ("https://mail.contoso.com", Protocol::Https, 443),
            ("smtp://mail.contoso.com", Protocol::Smtp, 25),
            ("submission://mail.contoso.com", Protocol::Submission, 587),
            ("smtps://mail.contoso.com", Protocol::Smtps, 465),
            ("imap://mail.contoso.com", Protocol::Imap, 143),
            ("IMAPS://Mail.Contoso.COM.", Protocol::Imaps, 993),
            ("pop3://mail.contoso.com", Protocol::Pop3, 110),
            ("pop3s://mail.contoso.com:1995", Protocol::Pop3s, 1995),
        ] {
            let t = one(s);
            assert_eq!((t.protocol, t.port, t.expanded), (p, port, false), "{s}");
            assert_eq!(t.host, Host::Name("mail.contoso.com".into()), "{s}");
        }
        assert_eq!(one("IMAPS://Mail.Contoso.COM.").url(), "imaps://mail.contoso.com:993");
    }

    #[test]
    fn ip_literals() {
        let t = one("imaps://[2001:db8::1]:993");
        assert_eq!(t.host, Host::Ip("2001:db8::1".parse().unwrap()));
        assert_eq!(t.url(), "imaps://[2001:db8::1]:993");
        assert_eq!(one("smtp://192.0.2.7").url(), "smtp://192.0.2.7:25");
        assert_eq!(one("[::1]:587").protocol, Protocol::Submission);
        assert_eq!(parse_target("2001:db8::5").unwrap().len(), 7);
    }

    #[test]
    fn bare_host_expands_to_the_client_set() {
        let v = parse_target("mail.contoso.com").unwrap();
        let urls: Vec<String> = v.iter().map(Target::url).collect();
        assert_eq!(
            urls,
            [
                "https://mail.contoso.com:443",
                "smtp://mail.contoso.com:25",
                "submission://mail.contoso.com:587",
                "imaps://mail.contoso.com:993",
                "pop3s://mail.contoso.com:995",
                "imap://mail.contoso.com:143",
                "pop3://mail.contoso.com:110",
            ]
        );
        assert!(v.iter().all(|t| t.expanded));
        assert_eq!(one("mail.contoso.com:25").protocol, Protocol::Smtp);
    }

    #[test]
    fn bad_targets_name_the_problem() {
        for (s, want) in [
            ("ftp://x.example", "unknown scheme `ftp`"),
            ("https://", "no host"),
            ("x.example:8443", "no protocol's default port"),
            ("https://x.example:0", "not a port"),
            ("https://x.example:99999", "not a port"),
            ("https://bad_host!", "not a host name"),
            ("https://[::1", "without `]`"),
            ("https://x.example/owa", "without path"),
            ("https://-x.example", "not a host name"),
        ] {
            let e = parse_target(s).unwrap_err();
            assert!(e.to_string().contains(want), "{s}: {e}");
            assert!(e.to_string().contains(s), "{s}: {e}");
        }
    }

    #[test]
    fn target_lists_skip_comments_and_name_the_line() {
        let v = parse_target_list(
            "t.txt",
            "# edge\nsmtp://mx1.contoso.com # MX\n\n  https://mail.contoso.com\n",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        let e = parse_target_list("t.txt", "https://ok.example\nftp://no\n").unwrap_err();
        assert!(e.to_string().contains("t.txt:2:"), "{e}");
    }

    #[test]
    fn resolve_overrides() {
        let r = ResolveOverrides::parse(&[
            "Mail.Contoso.com=10.0.0.5".into(),
            "mail.contoso.com=[2001:db8::5]:8443".into(),
        ])
        .unwrap();
        let v = r.get("mail.contoso.com", 443).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].ip.to_string(), "10.0.0.5");
        assert_eq!(v[1].port, Some(8443));
        // An override for one port of a host wins there, and only there.
        let r = ResolveOverrides::parse(&[
            "ex01.contoso.com=10.0.0.5".into(),
            "ex01.contoso.com:444=127.0.0.1:8444".into(),
        ])
        .unwrap();
        let back_end = r.get("ex01.contoso.com", 444).unwrap();
        assert_eq!((back_end.len(), back_end[0].port), (1, Some(8444)));
        let front = r.get("ex01.contoso.com", 443).unwrap();
        assert_eq!((front.len(), front[0].ip.to_string()), (1, "10.0.0.5".to_string()));
        assert!(r.get("ex02.contoso.com", 443).is_none());
        for bad in [
            "mail.contoso.com",
            "10.0.0.1=10.0.0.2",
            "a.example=b.example",
            "a.example=10.0.0.1:x",
        ] {
            assert!(ResolveOverrides::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
