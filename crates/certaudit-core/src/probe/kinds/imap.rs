//! IMAP: `CAPABILITY`, then `STARTTLS` (RFC 3501), one command at a time.

use super::super::conversation::{quote, Conversation, MAX_REPLY_LINES};
use super::{has_capability, refusal_kind};
use super::{Dialogue, ProbeKind};
use crate::inventory::{ErrorKind, ProbeError, Protocol};

/// IMAP (143): `CAPABILITY` / `STARTTLS`.
pub struct ImapStarttls;

impl ProbeKind for ImapStarttls {
    fn name(&self) -> &'static str {
        "imap-starttls"
    }
    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Imap]
    }
    fn goodbye(&self) -> Option<&'static str> {
        Some("a003 LOGOUT")
    }
    fn start_tls<'a>(&'a self, c: &'a mut Conversation) -> Option<Dialogue<'a>> {
        Some(Box::pin(imap(c)))
    }
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
async fn imap(c: &mut Conversation) -> Result<(), ProbeError> {
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
