//! POP3: `CAPA`, then `STLS` (RFC 2595), one command at a time.

use super::super::conversation::{quote, Conversation, MAX_REPLY_LINES};
use super::{has_capability, refusal_kind};
use super::{Dialogue, ProbeKind};
use crate::inventory::{ErrorKind, ProbeError, Protocol};

/// POP3 (110): `CAPA` / `STLS`.
pub struct Pop3Stls;

impl ProbeKind for Pop3Stls {
    fn name(&self) -> &'static str {
        "pop3-stls"
    }
    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Pop3]
    }
    fn goodbye(&self) -> Option<&'static str> {
        Some("QUIT")
    }
    fn start_tls<'a>(&'a self, c: &'a mut Conversation) -> Option<Dialogue<'a>> {
        Some(Box::pin(pop3(c)))
    }
}

/// POP3: `+OK` greeting, `CAPA` when the server supports it, `STLS`, `+OK`.
async fn pop3(c: &mut Conversation) -> Result<(), ProbeError> {
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
