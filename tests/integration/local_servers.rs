//! What the tests against real servers from Debian's packages share (openssl s_server, nginx,
//! Dovecot, Postfix): whether a program is here (in CI it must be), a server process stopped
//! with the test, waiting for its ports, asking `openssl s_client` the matrix's questions, and
//! a probing scan of loopback endpoints.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::common::{certaudit, Run, Scratch};

/// Whether `program` runs here (`args` ask its version); in CI it must, since `.ci/run`
/// installs `package`. Elsewhere its absence skips the caller, with a printed reason.
pub(crate) fn present(program: &str, args: &[&str], package: &str) -> bool {
    let present = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is missing in CI: .ci/run installs Debian's {package}"
        );
        eprintln!("SKIPPED: no {program} on this machine; the tests that need it did not run");
    }
    present
}

/// A time `n` days from now, for certificates valid around the real clock.
pub(crate) fn days(n: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(n)
}

/// `der` as a PEM block labelled `label`.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// A loopback port nothing listens on yet.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server process; `stop` runs when it is dropped (by default a kill), then it is reaped.
pub(crate) struct ServerProcess {
    pub(crate) child: Child,
    /// How to stop it politely (a command), if killing it would leave children behind.
    pub(crate) stop: Option<Command>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(stop) = &mut self.stop {
            let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until every one of `ports` accepts connections (a generous bound for a loaded
/// machine); `log` is read into the failure message.
pub(crate) fn wait_for(ports: &[u16], what: &str, log: &Path) {
    let until = Instant::now() + Duration::from_secs(30);
    while ports.iter().any(|p| TcpStream::connect(("127.0.0.1", *p)).is_err()) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(Instant::now() < until, "{what} did not start on {ports:?}: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `openssl s_client` completes a handshake with `port` at `flag` (`-tls1` …), after
/// `-starttls PROTOCOL` when given: an independent answer to the protocol matrix's question.
pub(crate) fn s_client_accepts(port: u16, starttls: Option<&str>, flag: &str) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{port}"), flag])
        .args(["-servername", "mail.contoso.com", "-cipher", "DEFAULT:@SECLEVEL=0"])
        .stdin(Stdio::null());
    if let Some(protocol) = starttls {
        cmd.args(["-starttls", protocol]);
    }
    let out = cmd.output().unwrap();
    // A completed handshake prints `New, TLSv1.2, Cipher is …`; a refused one `New, (NONE), …`.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.starts_with("New, TLSv1") && !l.contains("(NONE)"))
}

/// `certaudit scan` probing `targets` (mail.contoso.com resolved to loopback), trusting
/// `anchor` only, JSON into a new folder of `s`, with `extra` arguments (`--timeout 10`
/// unless they give one).
pub(crate) fn scan_probing(s: &Scratch, targets: &[&str], anchor: &Path, extra: &[&str]) -> Run {
    let out = s.out();
    let mut args = vec![
        "scan",
        "--resolve",
        "mail.contoso.com=127.0.0.1",
        "--no-public-roots",
        "--trust-anchors",
        anchor.to_str().unwrap(),
        "-f",
        "json",
        "--no-history",
        "-o",
        out.to_str().unwrap(),
    ];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "10"]);
    }
    for t in targets {
        args.extend(["--probe", t]);
    }
    args.extend_from_slice(extra);
    certaudit(&args, Some(&out))
}
