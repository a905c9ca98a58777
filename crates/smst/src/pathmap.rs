//! The leaf map: 32-byte paths (uniformly distributed hashes) to stored leaves, in path order.
//!
//! Paths are hashes, so their leading bits spread evenly: the map keeps 2^b sorted buckets
//! indexed by the first b bits and doubles them as it grows (b up to 24), keeping about 8–16
//! leaves per bucket. Lookups and inserts are a short binary search and a small shift; iteration
//! in path order is the buckets in order. It is several times faster than a `BTreeMap` for a
//! million leaves, and an empty or small map costs one bucket.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// A path and its stored leaf (boxed: 16 bytes of header instead of a `Vec`'s 24).
type Entry = ([u8; 32], Box<[u8]>);

/// Leaves per bucket before the buckets double.
const LOAD: usize = 16;
/// The most prefix bits used (16M buckets).
const MAX_BITS: u32 = 24;

#[derive(Clone, Debug)]
pub(crate) struct PathMap {
    bits: u32,
    buckets: Vec<Vec<Entry>>,
    len: usize,
}

impl Default for PathMap {
    fn default() -> Self {
        Self {
            bits: 0,
            buckets: vec![Vec::new()],
            len: 0,
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

    pub(crate) fn get(&self, p: &[u8; 32]) -> Option<&[u8]> {
        let b = self.bucket(p);
        b.binary_search_by(|e| cmp_path(&e.0, p))
            .ok()
            .and_then(|i| b.get(i))
            .map(|e| &*e.1)
    }

    /// Inserts, returning the previous value.
    pub(crate) fn insert(&mut self, p: [u8; 32], v: Vec<u8>) -> Option<Vec<u8>> {
        let i = self.index(&p);
        let b = self.buckets.get_mut(i)?;
        match b.binary_search_by(|e| cmp_path(&e.0, &p)) {
            Ok(j) => b
                .get_mut(j)
                .map(|e| core::mem::replace(&mut e.1, v.into_boxed_slice()).into_vec()),
            Err(j) => {
                b.insert(j, (p, v.into_boxed_slice()));
                self.len = self.len.saturating_add(1);
                if self.bits < MAX_BITS && self.len > LOAD.saturating_mul(self.buckets.len()) {
                    self.grow();
                }
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, p: &[u8; 32]) -> Option<Vec<u8>> {
        let i = self.index(p);
        let b = self.buckets.get_mut(i)?;
        let j = b.binary_search_by(|e| cmp_path(&e.0, p)).ok()?;
        self.len = self.len.saturating_sub(1);
        Some(b.remove(j).1.into_vec())
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

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries in path order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; 32], &[u8])> {
        self.buckets.iter().flatten().map(|(p, v)| (p, &**v))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use proptest::prelude::*;

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
