//! A sparse, seq-indexed store: 64-slot chunks in a `BTreeMap`, so a record
//! costs its own size plus under a byte of chunk bookkeeping, lookups by
//! `seq` are O(log(n / 64)), and holes left by out-of-order deletes free
//! their chunk once it is empty.

use std::collections::BTreeMap;

const CHUNK_BITS: u32 = 6;
const CHUNK: usize = 1 << CHUNK_BITS;
const MASK: u64 = (CHUNK as u64) - 1;

struct Chunk<T> {
    live: usize,
    slots: Box<[Option<T>]>,
}

/// Values keyed by `u64`, iterated in key order.
pub(super) struct Slots<T> {
    chunks: BTreeMap<u64, Chunk<T>>,
    len: usize,
    last: Option<u64>,
}

fn split(seq: u64) -> (u64, usize) {
    // The mask keeps the index below CHUNK, which fits any usize.
    (seq >> CHUNK_BITS, usize::try_from(seq & MASK).unwrap_or(0))
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            chunks: BTreeMap::new(),
            len: 0,
            last: None,
        }
    }
}

impl<T> Slots<T> {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The highest occupied key.
    pub(super) fn last(&self) -> Option<u64> {
        self.last
    }

    pub(super) fn get(&self, seq: u64) -> Option<&T> {
        let (no, idx) = split(seq);
        self.chunks.get(&no)?.slots.get(idx)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, seq: u64) -> Option<&mut T> {
        let (no, idx) = split(seq);
        self.chunks.get_mut(&no)?.slots.get_mut(idx)?.as_mut()
    }

    /// Store `value` at `seq`, returning what was there.
    pub(super) fn insert(&mut self, seq: u64, value: T) -> Option<T> {
        let (no, idx) = split(seq);
        let chunk = self.chunks.entry(no).or_insert_with(|| Chunk {
            live: 0,
            slots: (0..CHUNK).map(|_| None).collect(),
        });
        let slot = chunk.slots.get_mut(idx)?;
        let old = slot.replace(value);
        if old.is_none() {
            chunk.live += 1;
            self.len += 1;
        }
        self.last = Some(self.last.map_or(seq, |l| l.max(seq)));
        old
    }

    /// Take the value at `seq`.
    pub(super) fn remove(&mut self, seq: u64) -> Option<T> {
        let (no, idx) = split(seq);
        let chunk = self.chunks.get_mut(&no)?;
        let old = chunk.slots.get_mut(idx)?.take()?;
        chunk.live = chunk.live.saturating_sub(1);
        if chunk.live == 0 {
            self.chunks.remove(&no);
        }
        self.len = self.len.saturating_sub(1);
        if self.last == Some(seq) {
            self.last = self.find_last();
        }
        Some(old)
    }

    fn find_last(&self) -> Option<u64> {
        let (no, chunk) = self.chunks.last_key_value()?;
        let idx = chunk.slots.iter().rposition(Option::is_some)?;
        Some((no << CHUNK_BITS) | u64::try_from(idx).unwrap_or(0))
    }

    /// Occupied entries with key `>= from`, in key order.
    pub(super) fn iter_from(&self, from: u64) -> impl Iterator<Item = (u64, &T)> + '_ {
        let (first, _) = split(from);
        self.chunks
            .range(first..)
            .flat_map(|(no, chunk)| {
                chunk.slots.iter().enumerate().filter_map(move |(i, s)| {
                    let seq = (no << CHUNK_BITS) | u64::try_from(i).unwrap_or(0);
                    s.as_ref().map(|v| (seq, v))
                })
            })
            .filter(move |(seq, _)| *seq >= from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_insert_remove_and_order() {
        let mut s = Slots::default();
        assert_eq!(s.insert(5, 'a'), None);
        assert_eq!(s.insert(1_000_000, 'b'), None);
        assert_eq!(s.insert(300, 'c'), None);
        assert_eq!(s.insert(300, 'd'), Some('c'));
        assert_eq!(s.len(), 3);
        assert_eq!(s.last(), Some(1_000_000));
        let all: Vec<_> = s.iter_from(0).collect();
        assert_eq!(all, vec![(5, &'a'), (300, &'d'), (1_000_000, &'b')]);
        assert_eq!(s.iter_from(6).next(), Some((300, &'d')));
        assert_eq!(s.remove(1_000_000), Some('b'));
        assert_eq!(s.last(), Some(300));
        assert_eq!(s.remove(1_000_000), None);
        assert_eq!(s.remove(300), Some('d'));
        assert_eq!(s.remove(5), Some('a'));
        assert_eq!((s.len(), s.last(), s.chunks.len()), (0, None, 0));
        assert_eq!(s.get(u64::MAX), None);
        assert_eq!(s.insert(u64::MAX, 'z'), None);
        assert_eq!(s.get(u64::MAX), Some(&'z'));
        assert_eq!(s.last(), Some(u64::MAX));
    }
}
