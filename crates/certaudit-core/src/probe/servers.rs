//! `--probe-servers`: the endpoints an organisation's exports imply, so that what each
//! Exchange server serves can be compared with what Exchange says is bound there. Each server
//! named by `Get-ExchangeServer` is probed at its FQDN on the ports its role and settings
//! imply: 443 (Default Web Site) and 444 (Exchange Back End) on Mailbox servers; 25 and 587
//! where its Receive connectors listen on them (both when no connector export was read; 25 on
//! Edge); 993 and 995 where IMAP4 and POP3 settings were exported.

use crate::inventory::{server_key, Organisation, ServerPort, ServerProbe};

/// The SMTP ports `--probe-servers` probes where Receive connectors listen on them.
const CLIENT_SMTP_PORTS: [u16; 2] = [25, 587];

/// The probes the exports imply, and the servers that cannot be probed with why.
pub fn server_probes(org: &Organisation) -> (Vec<ServerProbe>, Vec<(String, String)>) {
    let mut probes = Vec::new();
    let mut skipped = Vec::new();
    for s in &org.servers {
        let Some(fqdn) = s.fqdn.as_deref().filter(|f| !f.is_empty()) else {
            skipped.push((
                s.name.clone(),
                "Get-ExchangeServer gives no FQDN for it, so what it serves could not be compared with what it binds"
                    .to_string(),
            ));
            continue;
        };
        let fqdn = fqdn.to_ascii_lowercase();
        let mut add = |port: u16, role: ServerPort| {
            if !probes
                .iter()
                .any(|p: &ServerProbe| p.server == s.name && p.port == port)
            {
                probes.push(ServerProbe {
                    server: s.name.clone(),
                    target: format!("{}://{fqdn}:{port}", role.scheme(port)),
                    port,
                    role,
                });
            }
        };
        if !s.edge {
            add(443, ServerPort::FrontEnd);
            add(444, ServerPort::BackEnd);
        }
        let key = server_key(&s.name);
        let connector_ports: Vec<u16> = org
            .connectors
            .iter()
            .filter(|c| c.is_receive() && c.enabled != Some(false))
            .filter(|c| c.servers.iter().any(|n| server_key(n) == key))
            .flat_map(|c| c.bindings.iter().filter_map(|b| binding_port(b)))
            // Clients and other organisations reach 25 and 587; 2525, 465 and 717 are
            // transport's own hops between Exchange servers.
            .filter(|p| CLIENT_SMTP_PORTS.contains(p))
            .collect();
        let has_connector_export = org
            .connectors
            .iter()
            .any(|c| c.is_receive() && c.servers.iter().any(|n| server_key(n) == key));
        let smtp_ports: Vec<u16> = if has_connector_export {
            let mut ports = connector_ports;
            ports.sort_unstable();
            ports.dedup();
            ports
        } else if s.edge {
            vec![25]
        } else {
            vec![25, 587]
        };
        for port in smtp_ports {
            add(port, ServerPort::Smtp);
        }
        for setting in org.protocol_settings.iter().filter(|p| server_key(&p.server) == key) {
            match setting.protocol.as_str() {
                "IMAP" => add(993, ServerPort::Imap),
                "POP" => add(995, ServerPort::Pop),
                _ => {}
            }
        }
    }
    (probes, skipped)
}

/// The port of a connector binding (`0.0.0.0:25`, `[::]:587`).
fn binding_port(binding: &str) -> Option<u16> {
    binding.rsplit_once(':').and_then(|(_, port)| port.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_ports_are_read_from_either_family() {
        assert_eq!(binding_port("0.0.0.0:25"), Some(25));
        assert_eq!(binding_port("[::]:587"), Some(587));
        assert_eq!(binding_port("garbage"), None);
    }
}
