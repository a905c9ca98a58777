//! The sparse Merkle sum trie: its leaves, updates and deletes, root and proofs.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::cell::OnceCell;
use core::marker::PhantomData;

use crate::hasher::TrieHasher;
use crate::pathmap::PathMap;
use crate::proof::{ClosestProof, SparseMerkleProof};
use crate::prove::empty_closest_proof;
use crate::root::Root;
use crate::tree::{Threads, Tree, build};
use crate::value::{ValueMode, encode_stored, stored_value, stored_weight};

/// Errors of the trie's checked updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmstError {
    /// The total weight would pass `u64::MAX` (Go wraps it). [SMST-SUM-1]
    #[error("total weight overflows u64")]
    SumOverflow,
}

/// A sparse Merkle sum trie over `H`, byte-compatible with pokt-network/smt v0.14.1: the same
/// roots, proofs and verification for both value modes. Unlike the Go library it never panics
/// after deletes (its shape is canonical: a function of the leaf set only). [SMST-ROOT-1]
///
/// ```
/// use pokt_smst::{Smst, Sha256Hasher, ValueMode};
/// let mut t = Smst::<Sha256Hasher>::new(ValueMode::Raw);
/// t.update(b"relay hash 1", b"relay bytes", 10);
/// t.update(b"relay hash 2", b"more relay bytes", 10);
/// let root = t.root();
/// assert_eq!((root.sum(), root.count()), (20, 2));
/// ```
#[derive(Clone, Debug)]
pub struct Smst<H: TrieHasher> {
    pub(crate) mode: ValueMode,
    pub(crate) leaves: PathMap,
    tree: OnceCell<Tree>,
    pub(crate) sum: u64,
    pub(crate) sum_overflowed: bool,
    /// Paths changed since the last batch was taken or persisted, when writes are tracked.
    pub(crate) dirty: Option<BTreeSet<[u8; 32]>>,
    /// Reused buffer for a leaf's stored form.
    scratch: Vec<u8>,
    _h: PhantomData<H>,
}

impl<H: TrieHasher> Smst<H> {
    /// An empty trie.
    pub fn new(mode: ValueMode) -> Self {
        Self {
            mode,
            leaves: PathMap::new(),
            tree: OnceCell::new(),
            sum: 0,
            sum_overflowed: false,
            dirty: None,
            scratch: Vec::new(),
            _h: PhantomData,
        }
    }

    /// The leaves as a store holds them: (path, stored value ‖ weight ‖ count), in path order.
    pub fn leaves(&self) -> impl Iterator<Item = (&[u8; 32], &[u8])> {
        self.leaves.iter()
    }

    fn touch(&mut self, path: [u8; 32]) {
        if let Some(d) = self.dirty.as_mut() {
            d.insert(path);
        }
    }

    /// The value mode.
    pub fn mode(&self) -> ValueMode {
        self.mode
    }

    /// The path of a key: H(key). [SMST-PATH-1]
    pub fn path(key: &[u8]) -> [u8; 32] {
        H::digest(&[key])
    }

    /// Inserts or replaces `key` with `value` and `weight`. [SMST-UPDATE-1]
    pub fn update(&mut self, key: &[u8], value: &[u8], weight: u64) {
        let path = Self::path(key);
        // One scratch buffer for every update: the map copies the bytes into its arena.
        let mut buf = core::mem::take(&mut self.scratch);
        encode_stored::<H>(self.mode, value, weight, &mut buf);
        let old = self.leaves.insert_slice(path, &buf);
        self.scratch = buf;
        if let Some(old_weight) = old {
            self.sum = self.sum.wrapping_sub(old_weight);
        }
        let (s, o) = self.sum.overflowing_add(weight);
        self.sum = s;
        self.sum_overflowed |= o;
        self.tree = OnceCell::new();
        self.touch(path);
    }

    /// Like [`update`](Self::update) but refuses (and leaves the trie unchanged) when the total
    /// weight would pass `u64::MAX`, which Go silently wraps. [SMST-SUM-1]
    pub fn try_update(&mut self, key: &[u8], value: &[u8], weight: u64) -> Result<(), SmstError> {
        let path = Self::path(key);
        let old = self.leaves.get(&path).map_or(0, stored_weight);
        self.sum
            .checked_sub(old)
            .and_then(|s| s.checked_add(weight))
            .ok_or(SmstError::SumOverflow)?;
        if self.sum_overflowed {
            return Err(SmstError::SumOverflow);
        }
        self.update(key, value, weight);
        Ok(())
    }

    /// The stored value (raw, or its hash in hashed mode) and weight of `key`.
    pub fn get(&self, key: &[u8]) -> Option<(&[u8], u64)> {
        let v = self.leaves.get(&Self::path(key))?;
        Some((stored_value(v), stored_weight(v)))
    }

    /// Removes `key`; returns whether it was present. [SMST-DELETE-1]
    pub fn delete(&mut self, key: &[u8]) -> bool {
        let path = Self::path(key);
        match self.leaves.remove(&path) {
            Some(old) => {
                self.sum = self.sum.wrapping_sub(stored_weight(&old));
                self.tree = OnceCell::new();
                self.touch(path);
                true
            }
            None => false,
        }
    }

    /// The heap memory the trie holds, in bytes: the leaf map and its value arena, the hashed form
    /// when built, and the write log when tracked (estimated at 64 bytes a path). Capacities are
    /// counted, not lengths, so this is what the allocator handed out (its own overhead aside).
    pub fn heap_bytes(&self) -> usize {
        use core::mem::size_of;
        let tree = self.tree.get().map_or(0, |t| {
            [
                t.paths.capacity() * size_of::<[u8; 32]>(),
                t.locs.capacity() * size_of::<crate::pathmap::Loc>(),
                t.leaf_digests.capacity() * size_of::<crate::node::Digest48>(),
                t.kids.capacity() * size_of::<[u32; 2]>(),
                t.inner_digests.capacity() * size_of::<crate::node::Digest48>(),
            ]
            .iter()
            .sum()
        });
        let dirty = self.dirty.as_ref().map_or(0, |d| d.len() * 64);
        self.leaves.heap_bytes() + tree + dirty + self.scratch.capacity()
    }

    /// The number of leaves.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether the trie is empty.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// Whether the total weight ever wrapped past `u64::MAX` (Go wraps silently; a host may refuse
    /// such a claim).
    pub fn sum_overflowed(&self) -> bool {
        self.sum_overflowed
    }

    fn tree(&self) -> &Tree {
        self.tree
            .get_or_init(|| build::<H>(&self.leaves, Threads::All))
    }

    /// Hashes the trie (if it changed) and keeps the hashed form for proofs. Cheap when nothing
    /// changed.
    pub fn commit(&mut self) -> Root {
        self.root()
    }

    /// The root. [SMST-ROOT-1]
    pub fn root(&self) -> Root {
        let t = self.tree();
        Root::from_bytes(*t.digest(t.root))
    }

    /// A membership proof of `key`, or a non-membership proof when it is absent. [SMST-PROOF-1]
    pub fn prove(&self, key: &[u8]) -> SparseMerkleProof {
        self.tree().prove(&self.leaves, &Self::path(key))
    }

    /// The closest proof for a 32-byte `path` (not hashed): the leaf whose path is closest to it
    /// by XOR distance, its membership proof, the depth and the flipped bits, as the Go library
    /// returns them on tries without deletes (and correctly on tries with deletes). [SMST-CLOSEST-1]
    pub fn prove_closest(&self, path: &[u8; 32]) -> ClosestProof {
        if self.leaves.is_empty() {
            return empty_closest_proof(path);
        }
        self.tree().prove_closest(&self.leaves, path)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::{Blake3Hasher, Sha256Hasher, verify_closest_proof, verify_sum_proof};
    use proptest::prelude::*;

    fn xor_less(a: &[u8; 32], b: &[u8; 32], q: &[u8; 32]) -> bool {
        let x: Vec<u8> = a.iter().zip(q).map(|(x, y)| x ^ y).collect();
        let y: Vec<u8> = b.iter().zip(q).map(|(x, y)| x ^ y).collect();
        x < y
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The root depends on the leaf set only: insertion order, and inserts then deletes of
        /// extra keys, do not change it; every proof verifies; the closest proof reveals the
        /// min-XOR leaf and passes the strict verifier.
        #[test]
        fn canonical(keys in proptest::collection::btree_set(any::<u32>(), 1..60), extra in proptest::collection::btree_set(any::<u32>(), 0..20), q in any::<[u8; 32]>()) {
            let keys: Vec<u32> = keys.into_iter().collect();
            let mut a = Smst::<Sha256Hasher>::new(ValueMode::Raw);
            let mut b = Smst::<Sha256Hasher>::new(ValueMode::Raw);
            for k in &keys { a.update(&k.to_be_bytes(), &k.to_le_bytes(), u64::from(*k % 100)); }
            for k in keys.iter().rev() { b.update(&k.to_be_bytes(), &k.to_le_bytes(), u64::from(*k % 100)); }
            for e in &extra { if !keys.contains(e) { b.update(&e.to_be_bytes(), b"x", 5); } }
            for e in &extra { if !keys.contains(e) { prop_assert!(b.delete(&e.to_be_bytes())); } }
            let root = a.root();
            prop_assert_eq!(root, b.root());
            prop_assert_eq!(root.count(), keys.len() as u64);
            for k in keys.iter().take(10) {
                let p = b.prove(&k.to_be_bytes());
                prop_assert!(verify_sum_proof::<Sha256Hasher>(&p, &root, &k.to_be_bytes(), &k.to_le_bytes(), u64::from(*k % 100), ValueMode::Raw));
                prop_assert!(!verify_sum_proof::<Sha256Hasher>(&p, &root, &k.to_be_bytes(), b"forged", u64::from(*k % 100), ValueMode::Raw));
            }
            let c = b.prove_closest(&q);
            prop_assert!(verify_closest_proof::<Sha256Hasher>(&c, &root));
            let got: [u8; 32] = c.closest_path.clone().try_into().unwrap();
            for k in &keys {
                let p = Smst::<Sha256Hasher>::path(&k.to_be_bytes());
                prop_assert!(p == got || xor_less(&got, &p, &q));
            }
        }
    }

    #[test]
    fn blake3_instance_and_overflow() {
        let mut t = Smst::<Blake3Hasher>::new(ValueMode::Hashed);
        t.update(b"a", b"1", u64::MAX);
        assert_eq!(t.try_update(b"b", b"2", 2), Err(SmstError::SumOverflow));
        t.update(b"b", b"2", 2);
        assert!(t.sum_overflowed());
        assert_eq!(t.root().sum(), 1);
        let c = t.prove_closest(&[7; 32]);
        assert!(verify_closest_proof::<Blake3Hasher>(&c, &t.root()));
        assert!(!verify_closest_proof::<Sha256Hasher>(&c, &t.root()));
        assert!(t.delete(b"a") && t.delete(b"b") && t.is_empty());
        assert_eq!(t.root(), Root::EMPTY);
    }
}
