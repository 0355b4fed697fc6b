//! SMTP and submission: `EHLO`, then `STARTTLS` (RFC 3207), one command at a time.

use super::super::conversation::{quote, Conversation, MAX_REPLY_LINES};
use super::{Dialogue, ProbeKind};
use crate::inventory::{ErrorKind, ProbeError, Protocol};

/// SMTP (25) and submission (587): `EHLO` / `STARTTLS`.
pub struct SmtpStarttls;

impl ProbeKind for SmtpStarttls {
    fn name(&self) -> &'static str {
        "smtp-starttls"
    }
    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Smtp, Protocol::Submission]
    }
    fn goodbye(&self) -> Option<&'static str> {
        Some("QUIT")
    }
    fn start_tls<'a>(&'a self, c: &'a mut Conversation) -> Option<Dialogue<'a>> {
        Some(Box::pin(smtp(c)))
    }
}

/// One SMTP reply: its code and the text of each line.
struct SmtpReply {
    code: u16,
    lines: Vec<String>,
}

impl SmtpReply {
    fn text(&self) -> String {
        quote(format!("{} {}", self.code, self.lines.join(" / ")).as_bytes())
    }
}

async fn smtp_reply(c: &mut Conversation, step: &str) -> Result<SmtpReply, ProbeError> {
    let mut lines = Vec::new();
    let mut code = None;
    loop {
        let line = c.read_line(step).await?;
        let bytes = line.as_bytes();
        let this: Option<u16> = match bytes.get(..3) {
            Some(digits) if digits.iter().all(u8::is_ascii_digit) => line[..3].parse().ok(),
            _ => None,
        };
        let Some(this) = this else {
            return Err(ProbeError::new(
                ErrorKind::Protocol,
                format!("{step}: not an SMTP reply: {}", quote(bytes)),
            ));
        };
        if code.is_some_and(|c| c != this) {
            return Err(ProbeError::new(
                ErrorKind::Protocol,
                format!("{step}: reply codes change within one reply: {}", quote(bytes)),
            ));
        }
        code = Some(this);
        lines.push(line.get(4..).unwrap_or("").to_string());
        match bytes.get(3) {
            Some(b'-') if lines.len() >= MAX_REPLY_LINES => {
                return Err(ProbeError::new(
                    ErrorKind::Protocol,
                    format!("{step}: reply longer than {MAX_REPLY_LINES} lines"),
                ))
            }
            Some(b'-') => continue,
            Some(b' ') | None => return Ok(SmtpReply { code: this, lines }),
            Some(_) => {
                return Err(ProbeError::new(
                    ErrorKind::Protocol,
                    format!("{step}: not an SMTP reply: {}", quote(bytes)),
                ))
            }
        }
    }
}

/// SMTP and submission: 220 greeting, `EHLO`, `STARTTLS` in the capabilities, `STARTTLS`, 220.
async fn smtp(c: &mut Conversation) -> Result<(), ProbeError> {
    let greeting = smtp_reply(c, "the SMTP greeting").await?;
    if greeting.code != 220 {
        return Err(ProbeError::new(
            ErrorKind::Rejected,
            format!("the server refused the session in its greeting: {}", greeting.text()),
        ));
    }
    let ehlo = match c.local_addr() {
        Some(std::net::SocketAddr::V4(a)) => format!("EHLO [{}]", a.ip()),
        Some(std::net::SocketAddr::V6(a)) => format!("EHLO [IPv6:{}]", a.ip()),
        None => "EHLO certaudit.invalid".to_string(),
    };
    c.send(&ehlo, "the EHLO command").await?;
    let reply = smtp_reply(c, "the EHLO reply").await?;
    if reply.code != 250 {
        return Err(ProbeError::new(
            ErrorKind::Rejected,
            format!("the server rejected {ehlo}: {}", reply.text()),
        ));
    }
    let offers = reply.lines.iter().skip(1).any(|l| {
        l.split_whitespace()
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    });
    if !offers {
        let extensions: Vec<&str> = reply
            .lines
            .iter()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        return Err(ProbeError::new(
            ErrorKind::StarttlsNotOffered,
            format!(
                "the EHLO reply offers no STARTTLS (extensions: {})",
                quote(extensions.join(" ").as_bytes())
            ),
        ));
    }
    c.send("STARTTLS", "the STARTTLS command").await?;
    let go = smtp_reply(c, "the STARTTLS reply").await?;
    if go.code != 220 {
        return Err(ProbeError::new(
            ErrorKind::StarttlsRejected,
            format!("the server answered STARTTLS with {}", go.text()),
        ));
    }
    Ok(())
}
