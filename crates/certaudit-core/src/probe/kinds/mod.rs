//! Probe kinds as a registry: each way of reaching a TLS handshake is a [`ProbeKind`] in a
//! file of its own, listed once in [`KINDS`]. The engine (`probe/mod.rs`) connects, asks the
//! kind of the target's protocol for its plain-text dialogue, then captures the handshake.
//! The dialogues are written the way real servers expect them: one command at a time, never
//! pipelined, every reply read in full before the next command. Adding a kind is one new
//! file plus one line in [`KINDS`].

mod imap;
mod implicit_tls;
mod pop3;
mod smtp;

use std::future::Future;
use std::pin::Pin;

use super::conversation::Conversation;
use crate::inventory::{ErrorKind, ProbeError, Protocol};

/// A dialogue that ends when the server is ready for the TLS handshake.
pub type Dialogue<'a> = Pin<Box<dyn Future<Output = Result<(), ProbeError>> + Send + 'a>>;

/// One way of reaching the TLS handshake on a connection.
pub trait ProbeKind: Sync {
    /// Its name in documentation and errors (`smtp-starttls`).
    fn name(&self) -> &'static str;
    /// The protocols it probes; each protocol belongs to one kind.
    fn protocols(&self) -> &'static [Protocol];
    /// The command that leaves politely after a refused upgrade, while the server still
    /// talks.
    fn goodbye(&self) -> Option<&'static str> {
        None
    }
    /// The plain-text dialogue before the handshake, or `None` when TLS starts at once.
    fn start_tls<'a>(&'a self, c: &'a mut Conversation) -> Option<Dialogue<'a>>;
}

/// The probe kinds. Every [`Protocol`] is probed by exactly one (a test holds it).
pub static KINDS: &[&dyn ProbeKind] = &[
    &implicit_tls::ImplicitTls,
    &smtp::SmtpStarttls,
    &imap::ImapStarttls,
    &pop3::Pop3Stls,
];

/// The kind that probes `protocol`.
pub fn kind_for(protocol: Protocol) -> &'static dyn ProbeKind {
    KINDS
        .iter()
        .copied()
        .find(|k| k.protocols().contains(&protocol))
        .unwrap_or(&implicit_tls::ImplicitTls)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_has_exactly_one_kind() {
        for scheme in ["https", "smtp", "submission", "smtps", "imap", "imaps", "pop3", "pop3s"] {
            let protocol = Protocol::from_scheme(scheme).unwrap();
            let kinds: Vec<&str> = KINDS
                .iter()
                .filter(|k| k.protocols().contains(&protocol))
                .map(|k| k.name())
                .collect();
            assert_eq!(kinds.len(), 1, "{scheme}: {kinds:?}");
        }
        assert_eq!(kind_for(Protocol::Submission).name(), "smtp-starttls");
        assert_eq!(kind_for(Protocol::Pop3s).name(), "implicit-tls");
    }
}
