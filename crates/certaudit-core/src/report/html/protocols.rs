//! The endpoints × protocol versions matrix of `report.html`: one cell per version, classed
//! for the page's colours (an old version accepted stands out).

use serde::Serialize;

use crate::report::model::EndpointEntry;

/// One cell of the endpoints × versions matrix.
#[derive(Serialize)]
pub(super) struct ProtocolCell<'a> {
    /// `legacy` (an old version accepted), `accepted`, `refused` or `unknown`.
    class: &'static str,
    text: &'static str,
    cipher: Option<&'a str>,
    detail: Option<&'a str>,
}

/// The matrix row of `e`, oldest version first.
pub(super) fn cells(e: &EndpointEntry) -> Vec<ProtocolCell<'_>> {
    use crate::inventory::TlsProtocol;
    e.protocols
        .iter()
        .map(|p| {
            let (class, text) = match p.accepted {
                Some(true) if p.version < TlsProtocol::Tls12 => ("legacy", "accepted"),
                Some(true) => ("accepted", "accepted"),
                Some(false) => ("refused", "refused"),
                None => ("unknown", "unknown"),
            };
            ProtocolCell {
                class,
                text,
                cipher: p.cipher.as_deref(),
                detail: p.detail.as_deref(),
            }
        })
        .collect()
}
