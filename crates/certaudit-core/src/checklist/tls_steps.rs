//! TLS configuration plans: findings about what an endpoint's server accepts or sends (legacy
//! protocol versions, weak suites, the order and content of the chain it serves, its OCSP
//! staple, a binding it still serves after a renewal) are fixed on that server, not by renewing
//! a certificate. One plan per probed host, with the Schannel
//! registry changes in PowerShell, the restart they need, and the scan that verifies them.

use super::{Step, TlsPlan};
use crate::inventory::TlsProtocol;
use crate::report::model::{FindingEntry, Report};

/// Rules whose findings are fixed in a server's TLS configuration, not by a new certificate.
pub const TLS_CONFIGURATION_RULES: [&str; 8] = [
    "legacy-protocol-enabled",
    "weak-cipher-negotiated",
    "chain-out-of-order",
    "chain-extra-certificates",
    "chain-includes-root",
    "ocsp-staple-invalid",
    "must-staple-without-staple",
    "served-certificate-not-bound",
];

/// The rules whose steps are built here rather than taken from the finding's remediation.
const OWN_STEPS: [&str; 2] = ["legacy-protocol-enabled", "weak-cipher-negotiated"];

const SCHANNEL: &str = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";

/// One plan per host whose endpoints have unwaived TLS configuration findings, in host order.
pub(super) fn plans(report: &Report, verify_command: &str) -> Vec<TlsPlan> {
    let mut by_host: Vec<(String, Vec<&FindingEntry>)> = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.waiver.is_none() && TLS_CONFIGURATION_RULES.contains(&f.rule.as_str()))
    {
        let Some(target) = f.endpoint.as_deref() else { continue };
        let host = report
            .endpoints
            .iter()
            .find(|e| e.target == target)
            .map_or_else(|| target.to_string(), |e| e.host.clone());
        match by_host.iter_mut().find(|(h, _)| *h == host) {
            Some((_, list)) => list.push(f),
            None => by_host.push((host, vec![f])),
        }
    }
    by_host.sort_by(|a, b| a.0.cmp(&b.0));
    by_host
        .into_iter()
        .map(|(host, findings)| plan(&host, &findings, verify_command))
        .collect()
}

fn plan(host: &str, findings: &[&FindingEntry], verify_command: &str) -> TlsPlan {
    let mut endpoints: Vec<String> = findings.iter().filter_map(|f| f.endpoint.clone()).collect();
    endpoints.sort();
    endpoints.dedup();
    let reasons: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}: {}", f.severity.as_str(), f.rule, f.message))
        .collect();
    let mut legacy: Vec<TlsProtocol> = findings
        .iter()
        .filter(|f| f.rule == "legacy-protocol-enabled")
        .flat_map(|f| evidence_list(f, "versions"))
        .filter_map(|v| TlsProtocol::from_name(&v))
        .collect();
    legacy.sort();
    legacy.dedup();
    let mut weak: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == "weak-cipher-negotiated")
        .flat_map(|f| evidence_list(f, "ciphers"))
        .collect();
    weak.sort();
    weak.dedup();
    let mut steps = Vec::new();
    let schannel_changed = !legacy.is_empty() || !weak.is_empty();
    if !legacy.is_empty() {
        steps.push(Step {
            title: "Find the clients that still use the old versions".into(),
            on: Some(host.to_string()),
            commands: Vec::new(),
            note: Some(
                "Clients and devices that speak only SSL 3.0, TLS 1.0 or TLS 1.1 (old Outlook and ActiveSync clients, printers and scanners that relay over SMTP, old load-balancer health checks) stop connecting once these versions are off: list them first and upgrade or move them. Exchange 2013 and 2016 need their latest cumulative update before TLS 1.2 alone is safe."
                    .into(),
            ),
        });
        steps.push(protocol_step(host, &legacy));
    }
    if !weak.is_empty() {
        steps.push(cipher_step(host, &weak));
    }
    if schannel_changed {
        steps.push(Step {
            title: "Restart the server so that Schannel reads the new settings".into(),
            on: Some(host.to_string()),
            commands: vec!["Restart-Computer".into()],
            note: Some(
                "In a database availability group, put the server into maintenance mode first (move its active databases and drain its transport queues), and take it out after the restart."
                    .into(),
            ),
        });
    }
    for f in findings.iter().filter(|f| !OWN_STEPS.contains(&f.rule.as_str())) {
        let step = Step {
            title: f.title.clone(),
            on: Some(host.to_string()),
            commands: Vec::new(),
            note: Some(f.remediation.text()),
        };
        if !steps.iter().any(|s| s.title == step.title && s.note == step.note) {
            steps.push(step);
        }
    }
    steps.push(Step {
        title: "Verify: scan again; these findings are gone".into(),
        on: None,
        commands: vec![verify_command.to_string()],
        note: None,
    });
    TlsPlan {
        host: host.to_string(),
        endpoints,
        reasons,
        steps,
    }
}

/// A list of strings in a finding's evidence (a single string counts as a list of one).
fn evidence_list(f: &FindingEntry, key: &str) -> Vec<String> {
    match f.evidence.get(key) {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Schannel's key name for a protocol version.
fn schannel_name(v: TlsProtocol) -> &'static str {
    match v {
        TlsProtocol::Ssl3 => "SSL 3.0",
        TlsProtocol::Tls10 => "TLS 1.0",
        TlsProtocol::Tls11 => "TLS 1.1",
        TlsProtocol::Tls12 => "TLS 1.2",
        TlsProtocol::Tls13 => "TLS 1.3",
    }
}

fn protocol_step(host: &str, legacy: &[TlsProtocol]) -> Step {
    let off: Vec<String> = legacy
        .iter()
        .filter(|v| **v < TlsProtocol::Tls12)
        .map(|v| format!("'{}'", schannel_name(*v)))
        .collect();
    let commands = vec![
        "# Turn the old versions off for Schannel's server and client sides".into(),
        format!("foreach ($p in {}) {{", off.join(", ")),
        "  foreach ($side in 'Server', 'Client') {".into(),
        format!("    $k = \"HKLM:\\{SCHANNEL}\\Protocols\\$p\\$side\""),
        "    New-Item -Path $k -Force | Out-Null".into(),
        "    New-ItemProperty -Path $k -Name Enabled -Value 0 -PropertyType DWord -Force | Out-Null".into(),
        "    New-ItemProperty -Path $k -Name DisabledByDefault -Value 1 -PropertyType DWord -Force | Out-Null".into(),
        "  }".into(),
        "}".into(),
        "# Keep TLS 1.2 on".into(),
        "foreach ($side in 'Server', 'Client') {".into(),
        format!("  $k = \"HKLM:\\{SCHANNEL}\\Protocols\\TLS 1.2\\$side\""),
        "  New-Item -Path $k -Force | Out-Null".into(),
        "  New-ItemProperty -Path $k -Name Enabled -Value 1 -PropertyType DWord -Force | Out-Null".into(),
        "  New-ItemProperty -Path $k -Name DisabledByDefault -Value 0 -PropertyType DWord -Force | Out-Null".into(),
        "}".into(),
        "# Make .NET (Exchange's own connections) use the system's TLS versions".into(),
        r"foreach ($k in 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319', 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319') {".into(),
        "  New-ItemProperty -Path $k -Name SystemDefaultTlsVersions -Value 1 -PropertyType DWord -Force | Out-Null".into(),
        "  New-ItemProperty -Path $k -Name SchUseStrongCrypto -Value 1 -PropertyType DWord -Force | Out-Null".into(),
        "}".into(),
    ];
    let named: Vec<&str> = legacy.iter().map(|v| schannel_name(*v)).collect();
    Step {
        title: format!("Disable {} in Schannel and keep TLS 1.2 on", named.join(", ")),
        on: Some(host.to_string()),
        commands,
        note: Some(
            "Microsoft's Exchange Server TLS configuration guidance sets these keys; apply the same on every Exchange server behind the name, and on Edge Transport servers."
                .into(),
        ),
    }
}

/// Schannel's cipher keys to turn off for the weak suites seen.
fn cipher_keys(weak: &[String]) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let any = |part: &str| weak.iter().any(|c| c.contains(part));
    if any("_RC4_") {
        keys.extend(["RC4 128/128", "RC4 64/128", "RC4 56/128", "RC4 40/128"]);
    }
    if any("_3DES_") {
        keys.push("Triple DES 168");
    }
    if any("_DES_") || any("_DES40_") {
        keys.push("DES 56/56");
    }
    if any("_NULL_") {
        keys.push("NULL");
    }
    keys
}

fn cipher_step(host: &str, weak: &[String]) -> Step {
    let keys = cipher_keys(weak);
    let mut commands = Vec::new();
    if !keys.is_empty() {
        let quoted: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
        commands.extend([
            "# Cipher key names hold '/', which PowerShell's registry paths cannot: use the .NET API".to_string(),
            format!("foreach ($c in {}) {{", quoted.join(", ")),
            format!("  $key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey(\"{SCHANNEL}\\Ciphers\\$c\")"),
            "  $key.SetValue('Enabled', 0, [Microsoft.Win32.RegistryValueKind]::DWord)".to_string(),
            "  $key.Close()".to_string(),
            "}".to_string(),
        ]);
    }
    commands.push("# Take the suites out of the order Schannel offers (Windows Server 2016 and later)".into());
    for suite in weak {
        commands.push(format!(
            "Disable-TlsCipherSuite -Name {}",
            crate::powershell::quote(suite)
        ));
    }
    Step {
        title: format!("Disable the weak suites ({})", weak.join(", ")),
        on: Some(host.to_string()),
        commands,
        note: Some(
            "Order what remains so that ECDHE with AES-GCM comes first (the SSL Cipher Suite Order policy, or Enable-TlsCipherSuite -Position 0); very old clients that know only RC4 or 3DES stop connecting."
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_keys_follow_the_suites_seen() {
        let keys = cipher_keys(&["TLS_RSA_WITH_3DES_EDE_CBC_SHA".into()]);
        assert_eq!(keys, ["Triple DES 168"]);
        let keys = cipher_keys(&["TLS_RSA_WITH_RC4_128_MD5".into(), "TLS_RSA_WITH_NULL_SHA".into()]);
        assert_eq!(keys.len(), 5);
        assert!(cipher_keys(&["TLS_RSA_WITH_AES_128_CBC_SHA".into()]).is_empty());
    }
}
