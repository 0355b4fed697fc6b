//! The shape of a chain as an endpoint served it, shared by the chain-hygiene rules
//! (`chain-out-of-order`, `chain-extra-certificates`, `chain-includes-root`): the path from
//! the leaf up through the served certificates, each the issuer of the one before it by name
//! (issuer name equal to the next subject, the next a CA), and what else was sent.

use crate::inventory::{Certificate, Endpoint, EndpointStatus, Inventory};

/// A served chain, read against the path it should follow.
pub struct ServedShape<'a> {
    /// The served certificates, in the order sent (leaf first), with their inventory index.
    pub served: Vec<(usize, &'a Certificate)>,
    /// Positions in `served` of the path from the leaf upward, in path order.
    pub path: Vec<usize>,
    /// Positions of certificates sent twice (every copy after the first).
    pub duplicates: Vec<usize>,
    /// Positions of certificates on no path from the leaf.
    pub unrelated: Vec<usize>,
}

impl<'a> ServedShape<'a> {
    /// The shape of what `endpoint` served, when it completed a handshake and sent at least
    /// two certificates that the inventory holds.
    pub fn of(endpoint: &Endpoint, inventory: &'a Inventory) -> Option<Self> {
        if endpoint.status != EndpointStatus::Ok || endpoint.chain.len() < 2 {
            return None;
        }
        let served: Vec<(usize, &Certificate)> = endpoint
            .chain
            .iter()
            .map(|sha| inventory.index_of(sha).map(|i| (i, &inventory.certificates[i])))
            .collect::<Option<_>>()?;
        let mut duplicates = Vec::new();
        for (pos, (i, _)) in served.iter().enumerate() {
            if served[..pos].iter().any(|(j, _)| j == i) {
                duplicates.push(pos);
            }
        }
        let mut path = vec![0];
        loop {
            let current = served[path[path.len() - 1]].1;
            if current.details.self_signed {
                break;
            }
            let next = served.iter().enumerate().position(|(pos, (_, c))| {
                !path.contains(&pos)
                    && !duplicates.contains(&pos)
                    && c.details.is_ca
                    && c.details.subject_raw == current.details.issuer_raw
            });
            match next {
                Some(pos) => path.push(pos),
                None => break,
            }
        }
        let unrelated = (0..served.len())
            .filter(|pos| !path.contains(pos) && !duplicates.contains(pos))
            .collect();
        Some(Self {
            served,
            path,
            duplicates,
            unrelated,
        })
    }

    /// True when the path's certificates are not sent one after the other from the leaf.
    pub fn out_of_order(&self) -> bool {
        self.path.iter().enumerate().any(|(i, pos)| i != *pos)
    }

    /// The position of a self-signed root at the top of the path, when the server sent one.
    pub fn root(&self) -> Option<usize> {
        let top = *self.path.last()?;
        (self.path.len() > 1 && self.served[top].1.details.self_signed).then_some(top)
    }

    /// The subject of the certificate at a served position.
    pub fn subject(&self, pos: usize) -> &str {
        &self.served[pos].1.details.subject
    }

    /// The served order, as subjects.
    pub fn order(&self) -> Vec<String> {
        (0..self.served.len()).map(|p| self.subject(p).to_string()).collect()
    }
}
