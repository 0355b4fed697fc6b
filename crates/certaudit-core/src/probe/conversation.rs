//! A plain-text conversation before TLS: bounded line reads, one command at a time, and one
//! deadline for the whole dialogue.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{ErrorKind, ProbeError};

/// Longest line accepted from a server (SMTP allows 512; banners and capability lists run longer).
pub const MAX_LINE: usize = 4096;
/// Most lines accepted in one multi-line reply.
pub const MAX_REPLY_LINES: usize = 100;
/// Most server text kept in an error message.
const MAX_QUOTE: usize = 200;

/// A TCP connection in its plain-text phase.
pub struct Conversation {
    stream: TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
    timeout: Duration,
}

impl Conversation {
    pub fn new(stream: TcpStream, deadline: Instant, timeout: Duration) -> Self {
        Self {
            stream,
            buf: Vec::with_capacity(1024),
            deadline,
            timeout,
        }
    }

    /// Reads one line (without its CR LF) while waiting for `step`.
    pub async fn read_line(&mut self, step: &str) -> Result<String, ProbeError> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf) {
                if pos > MAX_LINE {
                    return Err(self.too_long(step));
                }
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&line);
                return Ok(text.trim_end_matches(['\r', '\n']).to_string());
            }
            if self.buf.len() > MAX_LINE {
                return Err(self.too_long(step));
            }
            let mut chunk = [0u8; 2048];
            let n = match tokio::time::timeout_at(self.deadline, self.stream.read(&mut chunk)).await {
                Err(_) => return Err(self.timed_out(step)),
                Ok(Err(e)) => return Err(io_error(&e, step)),
                Ok(Ok(n)) => n,
            };
            if n == 0 {
                let mut message = format!("the server closed the connection while certaudit waited for {step}");
                if !self.buf.is_empty() {
                    message.push_str(&format!(" (after an unterminated line: {})", quote(&self.buf)));
                }
                return Err(ProbeError::new(ErrorKind::ClosedByPeer, message));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends one command line (CR LF appended).
    pub async fn send(&mut self, command: &str, step: &str) -> Result<(), ProbeError> {
        let line = format!("{command}\r\n");
        match tokio::time::timeout_at(self.deadline, self.stream.write_all(line.as_bytes())).await {
            Err(_) => Err(self.timed_out(step)),
            Ok(Err(e)) => Err(io_error(&e, step)),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// Sends `command` (QUIT, LOGOUT) without waiting for an answer, within a short grace.
    pub async fn say_goodbye(&mut self, command: &str) {
        let line = format!("{command}\r\n");
        let grace = Instant::now() + Duration::from_millis(500);
        let _ = tokio::time::timeout_at(grace.min(self.deadline), self.stream.write_all(line.as_bytes())).await;
    }

    /// The address this side of the connection uses (for `EHLO [address]`).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.stream.local_addr().ok()
    }

    /// Hands the connection to TLS. Bytes the server sent after its go-ahead would be read as
    /// if they came inside TLS (the STARTTLS response-injection flaw), so they are refused.
    pub fn into_stream(self) -> Result<TcpStream, ProbeError> {
        if self.buf.is_empty() {
            Ok(self.stream)
        } else {
            Err(ProbeError::new(
                ErrorKind::Protocol,
                format!(
                    "the server sent data after agreeing to start TLS ({}); refused, as a client must be",
                    quote(&self.buf)
                ),
            ))
        }
    }

    fn too_long(&self, step: &str) -> ProbeError {
        ProbeError::new(
            ErrorKind::LineTooLong,
            format!(
                "a line of more than {MAX_LINE} bytes while certaudit waited for {step} (starts: {})",
                quote(&self.buf)
            ),
        )
    }

    fn timed_out(&self, step: &str) -> ProbeError {
        timed_out(step, self.timeout)
    }
}

/// The error for a deadline that passed while waiting for `step`.
pub fn timed_out(step: &str, timeout: Duration) -> ProbeError {
    ProbeError::new(
        ErrorKind::Timeout,
        format!(
            "no answer for {step} within the {}-second deadline",
            timeout.as_secs_f64()
        ),
    )
}

/// The error for an I/O failure while waiting for `step`.
pub fn io_error(e: &std::io::Error, step: &str) -> ProbeError {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => ErrorKind::ClosedByPeer,
        K::ConnectionRefused => ErrorKind::Refused,
        _ => ErrorKind::Network,
    };
    ProbeError::new(kind, format!("{step}: {e}"))
}

/// Server text made safe to quote: printable ASCII and UTF-8 kept, controls escaped, length capped.
pub fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for c in text.chars() {
        if out.len() >= MAX_QUOTE {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    format!("\"{out}\"")
}
