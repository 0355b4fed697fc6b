//! Memoised signature verification for webpki.
//!
//! webpki verifies every signature of every candidate path, so the same intermediate's
//! signature by the same root is checked again for each of thousands of leaves. These
//! wrappers ask ring once per distinct (algorithm, public key, message, signature) and
//! remember the answer. Nothing else about path validation changes: webpki still checks
//! validity periods, constraints and key usage for every certificate.

use std::collections::HashMap;
use std::sync::Mutex;

use ring::digest::{Context, SHA256};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

const SHARDS: usize = 16;

/// Results of signature checks already made, keyed by a SHA-256 over everything checked.
///
/// Only signatures over a CA certificate can repeat (an intermediate's, checked again for
/// every leaf it issued); a leaf's own signature is checked once per scan. So only a message
/// that lies inside one of the CA certificates' DER buffers the cache was given is hashed and
/// remembered; any other is verified directly (webpki hands out slices of the buffers it was
/// given, so the test is an address range check, and it never changes an answer).
pub struct SignatureCache {
    shards: [Mutex<HashMap<[u8; 32], bool>>; SHARDS],
    /// Address ranges `(start, end)` of the CA certificates' DER buffers, sorted by start.
    repeatable: Vec<(usize, usize)>,
}

impl Default for SignatureCache {
    /// A cache that remembers every check.
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            repeatable: vec![(0, usize::MAX)],
        }
    }
}

impl SignatureCache {
    /// A cache that remembers checks of signatures over messages inside these buffers (the
    /// DER of the inventory's CA certificates) and verifies all others directly.
    pub fn for_buffers<'a>(buffers: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut repeatable: Vec<(usize, usize)> = buffers
            .into_iter()
            .map(|b| (b.as_ptr() as usize, b.as_ptr() as usize + b.len()))
            .collect();
        repeatable.sort_unstable();
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            repeatable,
        }
    }

    /// True when `message` lies inside one of the buffers whose checks are remembered.
    fn repeatable(&self, message: &[u8]) -> bool {
        let start = message.as_ptr() as usize;
        let end = start + message.len();
        let i = self.repeatable.partition_point(|(s, _)| *s <= start);
        i > 0 && end <= self.repeatable[i - 1].1
    }

    /// Wraps every algorithm so that it consults this cache.
    pub fn wrap<'a>(&'a self, algorithms: &[&'static dyn SignatureVerificationAlgorithm]) -> Vec<Cached<'a>> {
        algorithms
            .iter()
            .enumerate()
            .map(|(id, inner)| Cached {
                id,
                inner: *inner,
                cache: self,
            })
            .collect()
    }

    fn lookup(&self, key: &[u8; 32]) -> Option<bool> {
        let shard = &self.shards[key[0] as usize % SHARDS];
        shard.lock().ok().and_then(|m| m.get(key).copied())
    }

    fn store(&self, key: [u8; 32], valid: bool) {
        if let Ok(mut m) = self.shards[key[0] as usize % SHARDS].lock() {
            m.insert(key, valid);
        }
    }
}

/// One webpki algorithm that remembers its answers.
pub struct Cached<'a> {
    /// Position of the algorithm in the wrapped list: part of the cache key.
    id: usize,
    inner: &'static dyn SignatureVerificationAlgorithm,
    cache: &'a SignatureCache,
}

impl std::fmt::Debug for Cached<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cached({:?})", self.inner)
    }
}

impl SignatureVerificationAlgorithm for Cached<'_> {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        if !self.cache.repeatable(message) {
            return self.inner.verify_signature(public_key, message, signature);
        }
        let mut ctx = Context::new(&SHA256);
        ctx.update(&(self.id as u64).to_be_bytes());
        for part in [public_key, message, signature] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        let valid = match self.cache.lookup(&key) {
            Some(v) => v,
            None => {
                let v = self.inner.verify_signature(public_key, message, signature).is_ok();
                self.cache.store(key, v);
                v
            }
        };
        if valid {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Counting(std::sync::atomic::AtomicUsize);

    impl SignatureVerificationAlgorithm for Counting {
        fn verify_signature(&self, _: &[u8], message: &[u8], _: &[u8]) -> Result<(), InvalidSignature> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if message == b"good" {
                Ok(())
            } else {
                Err(InvalidSignature)
            }
        }
        fn public_key_alg_id(&self) -> AlgorithmIdentifier {
            webpki::ring::ED25519.public_key_alg_id()
        }
        fn signature_alg_id(&self) -> AlgorithmIdentifier {
            webpki::ring::ED25519.signature_alg_id()
        }
    }

    #[test]
    fn remembers_each_distinct_check_and_keeps_its_answer() {
        static COUNTER: Counting = Counting(std::sync::atomic::AtomicUsize::new(0));
        let cache = SignatureCache::default();
        let wrapped = cache.wrap(&[&COUNTER]);
        let alg = &wrapped[0];
        assert!(alg.verify_signature(b"k", b"good", b"s").is_ok());
        assert!(alg.verify_signature(b"k", b"good", b"s").is_ok());
        assert!(alg.verify_signature(b"k", b"bad", b"s").is_err());
        assert!(alg.verify_signature(b"k", b"bad", b"s").is_err());
        // A different signature over the same message is checked anew.
        assert!(alg.verify_signature(b"k", b"good", b"t").is_ok());
        assert_eq!(COUNTER.0.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[test]
    fn only_messages_inside_the_given_buffers_are_remembered() {
        static COUNTER: Counting = Counting(std::sync::atomic::AtomicUsize::new(0));
        let ca = b"xxgoodxx".to_vec();
        let cache = SignatureCache::for_buffers([ca.as_slice()]);
        let wrapped = cache.wrap(&[&COUNTER]);
        let alg = &wrapped[0];
        let inside = &ca[2..6];
        assert!(alg.verify_signature(b"k", inside, b"s").is_ok());
        assert!(alg.verify_signature(b"k", inside, b"s").is_ok());
        assert_eq!(COUNTER.0.load(std::sync::atomic::Ordering::SeqCst), 1, "remembered");
        let elsewhere = b"good".to_vec();
        assert!(alg.verify_signature(b"k", &elsewhere, b"s").is_ok());
        assert!(alg.verify_signature(b"k", &elsewhere, b"s").is_ok());
        assert_eq!(
            COUNTER.0.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "checked each time"
        );
        assert!(
            alg.verify_signature(b"k", b"bad", b"s").is_err(),
            "answers never change"
        );
    }
}
