//! `jti -> seq` for one client without a second copy of each `jti`.
//!
//! The common entry is 8 bytes: a 32-bit hash of the `jti` and a 32-bit
//! `seq`; a lookup confirms the match against the `jti` stored in the
//! record. Hash collisions and `seq`s above `u32::MAX` go to an overflow map
//! keyed by the full `jti`. Only the bank's own enqueued `jti`s are ever
//! inserted, so a client cannot fill the overflow map; its `ack` values only
//! cost one probe of each map.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Spreads an already-hashed `u32` over all 64 bits (hashbrown takes its
/// control byte from the top bits).
#[derive(Default)]
pub(super) struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn short_key(jti: &str) -> u32 {
    // SipHash with fixed keys: deterministic, well mixed.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(jti.as_bytes());
    // Truncation intended: the low 32 bits are the key.
    (h.finish() & 0xFFFF_FFFF) as u32
}

#[derive(Default)]
pub(super) struct JtiIndex {
    short: HashMap<u32, u32, BuildHasherDefault<Spread>>,
    overflow: HashMap<Box<str>, u64>,
}

impl JtiIndex {
    /// The `seq` of `jti`; `jti_at(seq)` reads the `jti` stored at a `seq`.
    pub(super) fn get<'a>(
        &self,
        jti: &str,
        jti_at: impl Fn(u64) -> Option<&'a str>,
    ) -> Option<u64> {
        if let Some(&seq) = self.short.get(&short_key(jti)) {
            if jti_at(u64::from(seq)) == Some(jti) {
                return Some(u64::from(seq));
            }
        }
        self.overflow.get(jti).copied()
    }

    /// Record `jti -> seq` (the caller checked `jti` is absent).
    pub(super) fn insert(&mut self, jti: &str, seq: u64) {
        let key = short_key(jti);
        match u32::try_from(seq) {
            Ok(short_seq) if !self.short.contains_key(&key) => {
                self.short.insert(key, short_seq);
            }
            _ => {
                self.overflow.insert(jti.into(), seq);
            }
        }
    }

    /// Forget `jti`, which is stored at `seq`.
    pub(super) fn remove(&mut self, jti: &str, seq: u64) {
        let key = short_key(jti);
        if self.short.get(&key).map(|s| u64::from(*s)) == Some(seq) {
            self.short.remove(&key);
        } else {
            self.overflow.remove(jti);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_seqs_use_the_overflow_map() {
        let (a, b) = ("alpha".to_owned(), "beta".to_owned());
        let mut ix = JtiIndex::default();
        let store: HashMap<u64, String> =
            [(1, a.clone()), (2, b.clone()), (1 << 40, "big".to_owned())].into();
        let at = |s: u64| store.get(&s).map(String::as_str);
        ix.insert(&a, 1);
        ix.insert(&b, 2);
        ix.insert("big", 1 << 40);
        assert_eq!(ix.get(&a, at), Some(1));
        assert_eq!(ix.get(&b, at), Some(2));
        assert_eq!(ix.get("big", at), Some(1 << 40));
        assert_eq!(ix.get("absent", at), None);
        assert!(ix.overflow.contains_key("big"));
        ix.remove(&a, 1);
        assert_eq!(ix.get(&a, at), None);
        assert_eq!(ix.get(&b, at), Some(2));
        ix.remove("big", 1 << 40);
        assert_eq!(ix.get("big", at), None);
    }

    #[test]
    fn a_true_short_key_collision_is_resolved() {
        // Simulate a collision by planting a foreign seq under a's key.
        let mut ix = JtiIndex::default();
        ix.short.insert(short_key("a"), 7);
        let store: HashMap<u64, &str> = [(7, "other"), (8, "a")].into();
        let at = |s: u64| store.get(&s).copied();
        ix.insert("a", 8); // key occupied -> overflow
        assert_eq!(ix.get("a", at), Some(8));
        assert_eq!(ix.get("other", at), None);
        ix.remove("a", 8);
        assert_eq!(ix.get("a", at), None);
        assert_eq!(ix.short.len(), 1);
    }
}
