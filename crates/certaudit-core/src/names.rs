//! Whether a DNS name or an IP address is public: what CAs may certify and clients outside
//! the network can reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a DNS name is not public, or `None` for a public name.
pub fn internal_name_reason(name: &str) -> Option<String> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let n = n.strip_prefix("*.").unwrap_or(&n);
    if n.is_empty() {
        return Some("empty name".into());
    }
    if n.parse::<IpAddr>().is_ok() {
        return None; // an address written as a name: judged as an address by the caller
    }
    if !n.contains('.') {
        return Some("single-label name".into());
    }
    match psl::suffix(n.as_bytes()) {
        Some(s) if s.is_known() => None,
        _ => {
            let tld = n.rsplit('.').next().unwrap_or(n);
            Some(format!("'.{tld}' is not a public top-level domain"))
        }
    }
}

/// Why an IP address is not public, or `None` for a public address.
pub fn reserved_ip_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => reserved_v4(v4),
        IpAddr::V6(v6) => reserved_v6(v6),
    }
}

fn reserved_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    let reason = if ip.is_private() {
        "private address (RFC 1918)"
    } else if ip.is_loopback() {
        "loopback address"
    } else if ip.is_link_local() {
        "link-local address"
    } else if ip.is_unspecified() || o[0] == 0 {
        "'this network' address"
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        "shared address space (RFC 6598)"
    } else if ip.is_documentation() {
        "documentation address"
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        "benchmarking address (RFC 2544)"
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        "IETF protocol assignment (RFC 6890)"
    } else if ip.is_multicast() {
        "multicast address"
    } else if ip.is_broadcast() || o[0] >= 240 {
        "reserved address"
    } else {
        return None;
    };
    Some(reason)
}

fn reserved_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return reserved_v4(v4);
    }
    let s = ip.segments();
    let reason = if ip.is_loopback() {
        "loopback address"
    } else if ip.is_unspecified() {
        "unspecified address"
    } else if (s[0] & 0xfe00) == 0xfc00 {
        "unique local address (RFC 4193)"
    } else if (s[0] & 0xffc0) == 0xfe80 {
        "link-local address"
    } else if (s[0] & 0xffc0) == 0xfec0 {
        "site-local address (deprecated)"
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        "documentation address"
    } else if s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0 {
        "discard-only address"
    } else if ip.is_multicast() {
        "multicast address"
    } else {
        return None;
    };
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_internal_names() {
        assert_eq!(internal_name_reason("mail.contoso.com"), None);
        assert_eq!(internal_name_reason("*.contoso.co.uk"), None);
        assert_eq!(internal_name_reason("MAIL.Contoso.COM."), None);
        assert!(internal_name_reason("ex01.contoso.local").is_some());
        assert!(internal_name_reason("ex01.corp").is_some());
        assert!(internal_name_reason("mail.lan").is_some());
        assert!(internal_name_reason("ex01.internal").is_some());
        assert_eq!(internal_name_reason("EX01").as_deref(), Some("single-label name"));
    }

    #[test]
    fn reserved_and_public_addresses() {
        for ip in [
            "10.0.0.5",
            "172.16.1.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "::1",
            "::ffff:10.1.2.3",
        ] {
            assert!(reserved_ip_reason(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["8.8.8.8", "20.1.2.3", "2606:4700::1111"] {
            assert_eq!(reserved_ip_reason(ip.parse().unwrap()), None, "{ip}");
        }
    }
}
