//! STARTTLS dialogues, written the way real servers expect them: one command at a time,
//! never pipelined, every reply read in full before the next command.

use super::conversation::{quote, Conversation, MAX_REPLY_LINES};
use super::{ErrorKind, ProbeError};

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
pub async fn smtp(c: &mut Conversation) -> Result<(), ProbeError> {
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

/// A refused STARTTLS/STLS: rejected when the server had advertised it, not offered when it
/// had not said (no capability list).
fn refusal_kind(advertised: bool) -> ErrorKind {
    if advertised {
        ErrorKind::StarttlsRejected
    } else {
        ErrorKind::StarttlsNotOffered
    }
}

/// True when a capability list (space-separated atoms) holds `name`.
fn has_capability(list: &str, name: &str) -> bool {
    list.split_whitespace().any(|c| c.eq_ignore_ascii_case(name))
}

/// Reads IMAP lines until the tagged completion for `tag`; returns its status word and text,
/// and the untagged lines before it.
async fn imap_tagged(c: &mut Conversation, tag: &str, step: &str) -> Result<(String, String, Vec<String>), ProbeError> {
    let mut untagged = Vec::new();
    loop {
        let line = c.read_line(step).await?;
        if let Some(rest) = line.strip_prefix(tag).and_then(|r| r.strip_prefix(' ')) {
            let (status, text) = rest.split_once(' ').unwrap_or((rest, ""));
            return Ok((status.to_ascii_uppercase(), text.to_string(), untagged));
        }
        if untagged.len() >= MAX_REPLY_LINES {
            return Err(ProbeError::new(
                ErrorKind::Protocol,
                format!("{step}: more than {MAX_REPLY_LINES} lines without the tagged reply"),
            ));
        }
        untagged.push(line);
    }
}

/// IMAP: `* OK` greeting (its `[CAPABILITY …]` code is used when present), else `CAPABILITY`;
/// then `STARTTLS` and a tagged `OK`.
pub async fn imap(c: &mut Conversation) -> Result<(), ProbeError> {
    let greeting = c.read_line("the IMAP greeting").await?;
    let upper = greeting.to_ascii_uppercase();
    if upper.starts_with("* BYE") {
        return Err(ProbeError::new(
            ErrorKind::Rejected,
            format!("the server refused the session: {}", quote(greeting.as_bytes())),
        ));
    }
    if upper.starts_with("* PREAUTH") {
        return Err(ProbeError::new(
            ErrorKind::StarttlsNotOffered,
            format!(
                "the session is pre-authenticated, so STARTTLS is not possible (RFC 9051): {}",
                quote(greeting.as_bytes())
            ),
        ));
    }
    if !upper.starts_with("* OK") {
        return Err(ProbeError::new(
            ErrorKind::Protocol,
            format!("not an IMAP greeting: {}", quote(greeting.as_bytes())),
        ));
    }
    let mut capabilities = upper
        .split_once("[CAPABILITY ")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list.to_string());
    if capabilities.is_none() {
        c.send("a001 CAPABILITY", "the CAPABILITY command").await?;
        let (status, _, untagged) = imap_tagged(c, "a001", "the CAPABILITY reply").await?;
        if status == "OK" {
            capabilities = untagged
                .iter()
                .map(|l| l.to_ascii_uppercase())
                .find_map(|l| l.strip_prefix("* CAPABILITY ").map(str::to_string));
        }
    }
    if let Some(list) = &capabilities {
        if !has_capability(list, "STARTTLS") {
            return Err(ProbeError::new(
                ErrorKind::StarttlsNotOffered,
                format!("the capabilities list no STARTTLS: {}", quote(list.as_bytes())),
            ));
        }
    }
    c.send("a002 STARTTLS", "the STARTTLS command").await?;
    let (status, text, _) = imap_tagged(c, "a002", "the STARTTLS reply").await?;
    if status != "OK" {
        let kind = refusal_kind(capabilities.is_some());
        return Err(ProbeError::new(
            kind,
            format!(
                "the server answered STARTTLS with {}",
                quote(format!("{status} {text}").as_bytes())
            ),
        ));
    }
    Ok(())
}

/// POP3: `+OK` greeting, `CAPA` when the server supports it, `STLS`, `+OK`.
pub async fn pop3(c: &mut Conversation) -> Result<(), ProbeError> {
    let greeting = c.read_line("the POP3 greeting").await?;
    if greeting.starts_with("-ERR") {
        return Err(ProbeError::new(
            ErrorKind::Rejected,
            format!("the server refused the session: {}", quote(greeting.as_bytes())),
        ));
    }
    if !greeting.starts_with("+OK") {
        return Err(ProbeError::new(
            ErrorKind::Protocol,
            format!("not a POP3 greeting: {}", quote(greeting.as_bytes())),
        ));
    }
    c.send("CAPA", "the CAPA command").await?;
    let first = c.read_line("the CAPA reply").await?;
    let capabilities: Option<Vec<String>> = if first.starts_with("+OK") {
        let mut list = Vec::new();
        loop {
            let line = c.read_line("the CAPA list").await?;
            if line == "." {
                break;
            }
            if list.len() >= MAX_REPLY_LINES {
                return Err(ProbeError::new(
                    ErrorKind::Protocol,
                    format!("the CAPA list: more than {MAX_REPLY_LINES} lines"),
                ));
            }
            list.push(line);
        }
        Some(list)
    } else if first.starts_with("-ERR") {
        None
    } else {
        return Err(ProbeError::new(
            ErrorKind::Protocol,
            format!("the CAPA reply is not POP3: {}", quote(first.as_bytes())),
        ));
    };
    if let Some(list) = &capabilities {
        if !list.iter().any(|l| has_capability(l, "STLS")) {
            return Err(ProbeError::new(
                ErrorKind::StarttlsNotOffered,
                format!("the CAPA list offers no STLS: {}", quote(list.join(" ").as_bytes())),
            ));
        }
    }
    c.send("STLS", "the STLS command").await?;
    let reply = c.read_line("the STLS reply").await?;
    if !reply.starts_with("+OK") {
        let kind = refusal_kind(capabilities.is_some());
        return Err(ProbeError::new(
            kind,
            format!("the server answered STLS with {}", quote(reply.as_bytes())),
        ));
    }
    Ok(())
}
