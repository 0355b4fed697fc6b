//! Implicit TLS: the handshake from the first byte (HTTPS, SMTPS, IMAPS, POP3S).

use super::super::conversation::Conversation;
use super::{Dialogue, ProbeKind};
use crate::inventory::Protocol;

/// HTTPS (443), SMTPS (465), IMAPS (993), POP3S (995): nothing before the handshake.
pub struct ImplicitTls;

impl ProbeKind for ImplicitTls {
    fn name(&self) -> &'static str {
        "implicit-tls"
    }
    fn protocols(&self) -> &'static [Protocol] {
        &[Protocol::Https, Protocol::Smtps, Protocol::Imaps, Protocol::Pop3s]
    }
    fn start_tls<'a>(&'a self, _c: &'a mut Conversation) -> Option<Dialogue<'a>> {
        None
    }
}
