//! The leaf map: 32-byte paths (uniformly distributed hashes) to stored leaves, in path order.
//!
//! Paths are hashes, so their leading bits spread evenly: the map keeps 2^b sorted buckets
//! indexed by the first b bits and doubles them as it grows (b up to 24), keeping about 8–16
//! leaves per bucket. Lookups and inserts are a short binary search and a small shift; iteration
//! in path order is the buckets in order. It is several times faster than a `BTreeMap` for a
//! million leaves, and an empty or small map costs one bucket. Values live in one arena (no
//! allocation per leaf); overwritten and removed values are reclaimed by compacting the arena
//! when more than half of it is garbage.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
// Offsets and lengths are bounded by the arena, itself bounded by memory.
#![allow(clippy::cast_possible_truncation)]

use alloc::vec;
use alloc::vec::Vec;

/// A path and where its stored leaf sits in the arena (offset, length).
type Entry = ([u8; 32], u64, u32);

/// Where a stored leaf sits in the arena (offset, length); valid until the map next changes.
pub(crate) type Loc = (u64, u32);

/// Leaves per bucket before the buckets double.
const LOAD: usize = 16;
/// The most prefix bits used (16M buckets).
const MAX_BITS: u32 = 24;

#[derive(Clone, Debug)]
pub(crate) struct PathMap {
    bits: u32,
    buckets: Vec<Vec<Entry>>,
    len: usize,
    arena: Arena,
    garbage: usize,
}

/// Values in fixed-size chunks (a value never spans two): growing never copies what is stored,
/// so the peak memory is the data plus one partly filled chunk.
#[derive(Clone, Debug, Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
    bytes: usize,
}

/// Bytes per arena chunk (a larger value gets a chunk of its own).
const CHUNK: usize = 1 << 20;

impl Arena {
    fn get(&self, at: u64, len: u32) -> &[u8] {
        let chunk = (at >> 32) as usize;
        let start = (at & 0xffff_ffff) as usize;
        self.chunks
            .get(chunk)
            .and_then(|c| c.get(start..start.saturating_add(len as usize)))
            .unwrap_or(&[])
    }

    fn push(&mut self, v: &[u8]) -> u64 {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity().saturating_sub(c.len()) >= v.len());
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(v.len())));
        }
        let chunk = self.chunks.len().saturating_sub(1);
        let Some(c) = self.chunks.last_mut() else {
            return 0;
        };
        let at = ((chunk as u64) << 32) | c.len() as u64;
        c.extend_from_slice(v);
        self.bytes = self.bytes.saturating_add(v.len());
        at
    }
}

impl Default for PathMap {
    fn default() -> Self {
        Self {
            bits: 0,
            buckets: vec![Vec::new()],
            len: 0,
            arena: Arena::default(),
            garbage: 0,
        }
    }
}

fn prefix(p: &[u8; 32]) -> u32 {
    u32::from_be_bytes([p[0], p[1], p[2], p[3]])
}

/// Path order (big-endian bytes), compared a word at a time: the same order as `[u8; 32]`'s
/// without a `memcmp` call per comparison.
fn cmp_path(a: &[u8; 32], b: &[u8; 32]) -> core::cmp::Ordering {
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_be_bytes(x.try_into().unwrap_or([0; 8]));
        let y = u64::from_be_bytes(y.try_into().unwrap_or([0; 8]));
        if x != y {
            return x.cmp(&y);
        }
    }
    core::cmp::Ordering::Equal
}

impl PathMap {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn index(&self, p: &[u8; 32]) -> usize {
        if self.bits == 0 {
            0
        } else {
            (prefix(p) >> (32u32.saturating_sub(self.bits))) as usize
        }
    }

    fn bucket(&self, p: &[u8; 32]) -> &[Entry] {
        self.buckets
            .get(self.index(p))
            .map_or(&[][..], Vec::as_slice)
    }

    fn value(&self, off: u64, len: u32) -> &[u8] {
        self.arena.get(off, len)
    }

    /// Appends a value to the arena; returns its (position, length).
    fn store(&mut self, v: &[u8]) -> (u64, u32) {
        (
            self.arena.push(v),
            u32::try_from(v.len()).unwrap_or(u32::MAX),
        )
    }

    pub(crate) fn get(&self, p: &[u8; 32]) -> Option<&[u8]> {
        let b = self.bucket(p);
        let e = b
            .binary_search_by(|e| cmp_path(&e.0, p))
            .ok()
            .and_then(|i| b.get(i))?;
        Some(self.value(e.1, e.2))
    }

    /// Inserts a stored leaf, returning the previous one's weight (the 8 bytes before its last 8).
    pub(crate) fn insert_slice(&mut self, p: [u8; 32], v: &[u8]) -> Option<u64> {
        self.put(p, v, |old| {
            let n = old.len();
            let w = old
                .get(n.saturating_sub(16)..n.saturating_sub(8))
                .unwrap_or(&[]);
            w.try_into().map_or(0, u64::from_be_bytes)
        })
    }

    /// Inserts, returning the previous value.
    pub(crate) fn insert(&mut self, p: [u8; 32], v: Vec<u8>) -> Option<Vec<u8>> {
        self.put(p, &v, <[u8]>::to_vec)
    }

    /// Inserts or replaces; `old` sees the replaced value (before the arena may compact).
    fn put<R>(&mut self, p: [u8; 32], v: &[u8], old: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let i = self.index(&p);
        let found = self
            .buckets
            .get(i)?
            .binary_search_by(|e| cmp_path(&e.0, &p));
        let (off, len) = self.store(v);
        let out = match found {
            Ok(j) => {
                let e = self.buckets.get_mut(i)?.get_mut(j)?;
                let (o, l) = (e.1, e.2);
                e.1 = off;
                e.2 = len;
                self.garbage = self.garbage.saturating_add(l as usize);
                Some(old(self.value(o, l)))
            }
            Err(j) => {
                let b = self.buckets.get_mut(i)?;
                if b.len() == b.capacity() {
                    // Grow buckets by a quarter, not double: a million leaves sit in 64k small
                    // buckets, where doubling would leave a third of the entries' memory idle.
                    b.reserve_exact(4usize.max(b.len() / 4));
                }
                b.insert(j, (p, off, len));
                self.len = self.len.saturating_add(1);
                if self.bits < MAX_BITS && self.len > LOAD.saturating_mul(self.buckets.len()) {
                    self.grow();
                }
                None
            }
        };
        self.maybe_compact();
        out
    }

    pub(crate) fn remove(&mut self, p: &[u8; 32]) -> Option<Vec<u8>> {
        let i = self.index(p);
        let b = self.buckets.get_mut(i)?;
        let j = b.binary_search_by(|e| cmp_path(&e.0, p)).ok()?;
        let (_, o, l) = b.remove(j);
        self.len = self.len.saturating_sub(1);
        let old = self.value(o, l).to_vec();
        self.garbage = self.garbage.saturating_add(l as usize);
        self.maybe_compact();
        Some(old)
    }

    /// Rewrites the arena without garbage once more than half of it (and at least 4 KiB) is.
    fn maybe_compact(&mut self) {
        if self.garbage < 4096 || self.garbage.saturating_mul(2) <= self.arena.bytes {
            return;
        }
        let mut arena = Arena::default();
        for b in &mut self.buckets {
            for e in b.iter_mut() {
                e.1 = arena.push(self.arena.get(e.1, e.2));
            }
        }
        self.arena = arena;
        self.garbage = 0;
    }

    /// Doubles the buckets: each splits in two by the next prefix bit (order is kept).
    fn grow(&mut self) {
        let next = self.bits.saturating_add(1);
        let mut out = Vec::with_capacity(self.buckets.len().saturating_mul(2));
        let shift = 32u32.saturating_sub(next);
        for mut b in core::mem::take(&mut self.buckets) {
            let mid = b.partition_point(|e| (prefix(&e.0) >> shift) & 1 == 0);
            let hi = b.split_off(mid);
            b.shrink_to_fit();
            out.push(b);
            out.push(hi);
        }
        self.buckets = out;
        self.bits = next;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held (capacities, not lengths).
    pub(crate) fn heap_bytes(&self) -> usize {
        let entries: usize = self.buckets.iter().map(Vec::capacity).sum();
        let chunks: usize = self.arena.chunks.iter().map(Vec::capacity).sum();
        entries
            .saturating_mul(core::mem::size_of::<Entry>())
            .saturating_add(
                self.buckets
                    .capacity()
                    .saturating_mul(core::mem::size_of::<Vec<Entry>>()),
            )
            .saturating_add(chunks)
            .saturating_add(
                self.arena
                    .chunks
                    .capacity()
                    .saturating_mul(core::mem::size_of::<Vec<u8>>()),
            )
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The stored leaf at `loc` (from [`iter_locs`](Self::iter_locs), before any change).
    pub(crate) fn at(&self, loc: Loc) -> &[u8] {
        self.value(loc.0, loc.1)
    }

    /// Paths and the places of their stored leaves, in path order.
    pub(crate) fn iter_locs(&self) -> impl Iterator<Item = (&[u8; 32], Loc)> {
        self.buckets.iter().flatten().map(|(p, o, l)| (p, (*o, *l)))
    }

    /// Entries in path order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; 32], &[u8])> {
        self.buckets
            .iter()
            .flatten()
            .map(|(p, o, l)| (p, self.value(*o, *l)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use proptest::prelude::*;

    /// Overwrites and removes that leave the arena mostly garbage compact it; the contents stay
    /// the model's.
    #[test]
    fn compaction_keeps_the_contents() {
        let mut m = PathMap::new();
        let mut model = BTreeMap::new();
        for round in 0u32..20 {
            for k in 0u32..200 {
                let mut p = [0u8; 32];
                p[..4].copy_from_slice(&(k.wrapping_mul(2_654_435_761)).to_be_bytes());
                let v = alloc::vec![u8::try_from(round).unwrap(); 100];
                if round % 3 == 2 && k % 2 == 0 {
                    assert_eq!(m.remove(&p), model.remove(&p));
                } else {
                    assert_eq!(m.insert(p, v.clone()), model.insert(p, v));
                }
            }
            assert!(m.arena.bytes <= 2 * (m.len() * 100) + 4096 + 200 * 100);
        }
        assert!(
            m.iter()
                .map(|(p, v)| (*p, v.to_vec()))
                .eq(model.into_iter())
        );
    }

    proptest! {
        /// The map behaves as a BTreeMap on any sequence of inserts and removes (paths with
        /// shared prefixes included), and iterates in path order.
        #[test]
        fn same_as_btreemap(ops in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<bool>(), any::<u8>()), 0..600)) {
            let mut m = PathMap::new();
            let mut model = BTreeMap::new();
            for (a, b, del, v) in ops {
                let mut p = [0u8; 32];
                p[0] = a;
                p[1] = b & 0x0f;
                p[31] = b;
                if del {
                    prop_assert_eq!(m.remove(&p), model.remove(&p));
                } else {
                    prop_assert_eq!(m.insert(p, alloc::vec![v]), model.insert(p, alloc::vec![v]));
                }
                prop_assert_eq!(m.len(), model.len());
            }
            prop_assert!(m.iter().map(|(p, v)| (*p, v.to_vec())).eq(model.clone().into_iter()));
            for (p, v) in &model {
                prop_assert_eq!(m.get(p), Some(v.as_slice()));
            }
        }
    }
}
