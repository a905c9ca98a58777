//! Persistence: a trie's leaves in a host's key-value store, written as batches, and a compact
//! snapshot (postcard) that reloads lazily. The trie's shape is a function of its leaves, so the
//! leaves are all a store needs; the hashed form is rebuilt on the first root or proof after a
//! reload. [SMST-STORE-1]

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::hasher::TrieHasher;
use crate::trie::{Smst, ValueMode};

/// Why stored leaves or a snapshot were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A stored leaf is not `value ‖ weight ‖ count = 1` of the mode's shape.
    #[error("malformed stored leaf")]
    Leaf,
    /// The same path twice.
    #[error("duplicate leaf path")]
    Duplicate,
    /// The snapshot bytes do not decode (or carry trailing bytes).
    #[error("snapshot does not decode")]
    Snapshot,
    /// The snapshot's leaves are not in strictly increasing path order.
    #[error("snapshot leaves out of order")]
    Order,
    /// The snapshot's format version is not ours.
    #[error("unknown snapshot version")]
    Version,
}

/// The writes of a trie since its previous batch, for a key-value store (key = the 32-byte path,
/// value = the stored leaf).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// Leaves to write (new or changed).
    pub puts: Vec<([u8; 32], Vec<u8>)>,
    /// Paths to delete.
    pub deletes: Vec<[u8; 32]>,
}

impl WriteBatch {
    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }
}

/// A store of leaves: it reads them all back for a reload and applies write batches.
pub trait LeafStore {
    /// Every stored leaf, in any order.
    fn load(&self) -> Vec<([u8; 32], Vec<u8>)>;
    /// Applies a batch.
    fn apply(&mut self, batch: &WriteBatch);
}

/// An in-memory [`LeafStore`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStore(BTreeMap<[u8; 32], Vec<u8>>);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of stored leaves.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl LeafStore for MemoryStore {
    fn load(&self) -> Vec<([u8; 32], Vec<u8>)> {
        self.0.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    fn apply(&mut self, batch: &WriteBatch) {
        for (k, v) in &batch.puts {
            self.0.insert(*k, v.clone());
        }
        for k in &batch.deletes {
            self.0.remove(k);
        }
    }
}

/// The snapshot's wire form (postcard): format version, value mode, leaves in path order.
#[derive(Serialize, Deserialize)]
struct SnapshotV1 {
    version: u8,
    hashed: bool,
    leaves: Vec<([u8; 32], Vec<u8>)>,
}

const SNAPSHOT_VERSION: u8 = 1;

impl<H: TrieHasher> Smst<H> {
    /// The trie as compact bytes (postcard): version, mode, leaves. About 32 + value + 18 bytes
    /// per leaf. [SMST-STORE-1]
    pub fn to_snapshot(&self) -> Vec<u8> {
        let s = SnapshotV1 {
            version: SNAPSHOT_VERSION,
            hashed: self.mode() == ValueMode::Hashed,
            leaves: self.leaves().map(|(p, v)| (*p, v.to_vec())).collect(),
        };
        postcard::to_allocvec(&s).unwrap_or_default()
    }

    /// Reloads a trie from [`to_snapshot`](Self::to_snapshot) bytes; the hashed form is rebuilt
    /// lazily. Untrusted bytes are refused with an error: lengths are bounded by the input (no
    /// allocation beyond what the bytes can fill), leaves are checked, trailing bytes refused.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, StoreError> {
        let (s, rest): (SnapshotV1, &[u8]) =
            postcard::take_from_bytes(bytes).map_err(|_| StoreError::Snapshot)?;
        if !rest.is_empty() {
            return Err(StoreError::Snapshot);
        }
        if s.version != SNAPSHOT_VERSION {
            return Err(StoreError::Version);
        }
        // One canonical form: leaves in strictly increasing path order, as written.
        if s.leaves
            .windows(2)
            .any(|w| w.first().map(|a| a.0) >= w.get(1).map(|b| b.0))
        {
            return Err(StoreError::Order);
        }
        let mode = if s.hashed {
            ValueMode::Hashed
        } else {
            ValueMode::Raw
        };
        Self::from_leaves(mode, s.leaves)
    }

    /// Reloads a trie from a [`LeafStore`].
    pub fn from_store(mode: ValueMode, store: &impl LeafStore) -> Result<Self, StoreError> {
        Self::from_leaves(mode, store.load())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{PoktSmst, Sha256Hasher, verify_closest_proof};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// After any updates and deletes, in two batches: the store reloads to a trie with the
        /// same root that proves exactly like the in-memory one; the snapshot does too.
        #[test]
        fn reload_proves_like_memory(ops in proptest::collection::vec((0u8..40, any::<bool>(), 0u64..100), 1..80),
                                     split in 0usize..80, hashed in any::<bool>(), path in any::<[u8; 32]>()) {
            let mode = if hashed { ValueMode::Hashed } else { ValueMode::Raw };
            let mut t = Smst::<Sha256Hasher>::new_tracked(mode);
            let mut store = MemoryStore::new();
            for (i, (k, del, w)) in ops.iter().enumerate() {
                if *del { t.delete(&[*k]); } else { t.update(&[*k], &[*k, 1, 2], *w); }
                if i == split { store.apply(&t.take_batch()); }
            }
            store.apply(&t.take_batch());
            prop_assert!(t.take_batch().is_empty());
            let reloaded = Smst::<Sha256Hasher>::from_store(mode, &store).unwrap();
            prop_assert_eq!(reloaded.root(), t.root());
            prop_assert_eq!(reloaded.len(), t.len());
            let (a, b) = (t.prove_closest(&path), reloaded.prove_closest(&path));
            prop_assert_eq!(&a, &b);
            if !t.is_empty() {
                prop_assert!(verify_closest_proof::<Sha256Hasher>(&b, &reloaded.root()));
            }
            let snap = Smst::<Sha256Hasher>::from_snapshot(&t.to_snapshot()).unwrap();
            prop_assert_eq!(snap.root(), t.root());
            prop_assert_eq!(snap.prove_closest(&path), a);
        }
    }

    #[test]
    fn hostile_snapshots_are_refused() {
        let mut t = PoktSmst::new(ValueMode::Raw);
        t.update(b"a", b"value", 3);
        let good = t.to_snapshot();
        assert!(PoktSmst::from_snapshot(&good).is_ok());
        for cut in 0..good.len() {
            assert!(PoktSmst::from_snapshot(&good[..cut]).is_err(), "cut {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            PoktSmst::from_snapshot(&trailing).err(),
            Some(StoreError::Snapshot)
        );
        let mut version = good.clone();
        version[0] = 9;
        assert_eq!(
            PoktSmst::from_snapshot(&version).err(),
            Some(StoreError::Version)
        );
        // A leaf count field other than 1, and a huge claimed length: errors, no allocation.
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 1] = 2;
        assert_eq!(PoktSmst::from_snapshot(&bad).err(), Some(StoreError::Leaf));
        assert!(PoktSmst::from_snapshot(&[1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        // Two leaves out of order, or the same path twice: refused (one canonical form).
        let leaf = |b: u8| {
            (
                [b; 32],
                alloc::vec![1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
            )
        };
        for leaves in [alloc::vec![leaf(2), leaf(1)], alloc::vec![leaf(1), leaf(1)]] {
            let bytes = postcard::to_allocvec(&SnapshotV1 {
                version: 1,
                hashed: false,
                leaves,
            })
            .unwrap();
            assert_eq!(
                PoktSmst::from_snapshot(&bytes).err(),
                Some(StoreError::Order)
            );
        }
    }

    /// The fuzz target `smst_snapshot_decode` starts from these snapshots (deterministic);
    /// `POKT_REGEN_CORPUS=1` rewrites them.
    #[cfg(feature = "std")]
    #[test]
    fn fuzz_seeds_are_current() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/smst_snapshot_decode"
        );
        for (name, mode, n) in [
            ("raw8", ValueMode::Raw, 8u8),
            ("hashed3", ValueMode::Hashed, 3),
        ] {
            let mut t = PoktSmst::new(mode);
            for i in 0..n {
                t.update(&[i], &[i; 5], u64::from(i) + 1);
            }
            let path = alloc::format!("{dir}/{name}");
            if std::env::var_os("POKT_REGEN_CORPUS").is_some() {
                std::fs::write(&path, t.to_snapshot()).unwrap();
            }
            assert_eq!(std::fs::read(&path).unwrap(), t.to_snapshot(), "{name}");
        }
    }
}
