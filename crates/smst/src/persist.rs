//! A trie kept in a host's store: write tracking, batches, persisting and reloading.
//! [SMST-STORE-1]

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::convert::Infallible;

use crate::hasher::TrieHasher;
use crate::store::{LeafReader, LeafWriter, StoreError, StoredLeaf, WriteBatch};
use crate::trie::Smst;
use crate::value::{ValueMode, stored_is_well_formed, stored_weight};

impl<H: TrieHasher> Smst<H> {
    /// An empty trie that records its writes for a persistent store: every change since the
    /// last [`take_batch`](Self::take_batch) or [`persist`](Self::persist) is written by the next
    /// one. [SMST-STORE-1]
    pub fn new_tracked(mode: ValueMode) -> Self {
        let mut t = Self::new(mode);
        t.dirty = Some(BTreeSet::new());
        t
    }

    /// Reloads a trie from a store's leaves (path → stored leaf value, as
    /// [`take_batch`](Self::take_batch) wrote them). Only the leaves are read; the hashed form is
    /// rebuilt lazily, on the first root or proof. The result tracks writes. Refuses a leaf whose
    /// stored form is malformed, and a path given twice. [SMST-STORE-1]
    pub fn from_leaves(
        mode: ValueMode,
        leaves: impl IntoIterator<Item = ([u8; 32], Vec<u8>)>,
    ) -> Result<Self, StoreError> {
        Self::load(mode, leaves.into_iter().map(Ok::<_, Infallible>))
    }

    /// Reloads a trie from a [`LeafReader`], as [`from_leaves`](Self::from_leaves) does; the
    /// store's own errors come back as [`StoreError::Backend`]. [SMST-STORE-2]
    ///
    /// ```
    /// use pokt_smst::{MemoryStore, PoktSmst, StoreError, ValueMode};
    /// let mut trie = PoktSmst::new_tracked(ValueMode::Raw);
    /// trie.update(b"relay hash", b"relay bytes", 10);
    /// let mut store = MemoryStore::new();
    /// trie.persist(&mut store)?;
    /// let reloaded = PoktSmst::from_store(ValueMode::Raw, &store)?;
    /// assert_eq!(reloaded.root(), trie.root());
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn from_store<R: LeafReader>(
        mode: ValueMode,
        store: &R,
    ) -> Result<Self, StoreError<R::Error>> {
        Self::load(mode, store.read_leaves().map_err(StoreError::Backend)?)
    }

    fn load<E>(
        mode: ValueMode,
        leaves: impl Iterator<Item = Result<StoredLeaf, E>>,
    ) -> Result<Self, StoreError<E>> {
        let mut t = Self::new_tracked(mode);
        for leaf in leaves {
            let (path, stored) = leaf.map_err(StoreError::Backend)?;
            if !stored_is_well_formed(mode, &stored) {
                return Err(StoreError::Leaf { path });
            }
            let (s, o) = t.sum.overflowing_add(stored_weight(&stored));
            t.sum = s;
            t.sum_overflowed |= o;
            if t.leaves.insert(path, stored).is_some() {
                return Err(StoreError::Duplicate { path });
            }
        }
        Ok(t)
    }

    /// The writes since the last batch, without forgetting them.
    fn pending_batch(&self) -> WriteBatch {
        let mut batch = WriteBatch::default();
        for path in self.dirty.iter().flatten() {
            match self.leaves.get(path) {
                Some(v) => batch.puts.push((*path, v.to_vec())),
                None => batch.deletes.push(*path),
            }
        }
        batch
    }

    /// The writes since the last call (puts of changed leaves, deletes of removed ones), for a
    /// host's key-value store; empty when writes are not tracked. Once taken they are forgotten:
    /// a host that may fail to write them should use [`persist`](Self::persist). [SMST-STORE-1]
    pub fn take_batch(&mut self) -> WriteBatch {
        let batch = self.pending_batch();
        if let Some(d) = self.dirty.as_mut() {
            d.clear();
        }
        batch
    }

    /// Writes the changes since the last batch to `store` as one [`WriteBatch`] (nothing when
    /// there are none, or when writes are not tracked). When the store fails, the changes stay
    /// recorded, so the next call writes them again. [SMST-STORE-2]
    pub fn persist<W: LeafWriter>(&mut self, store: &mut W) -> Result<(), StoreError<W::Error>> {
        let batch = self.pending_batch();
        if batch.is_empty() {
            return Ok(());
        }
        store.write_batch(&batch).map_err(StoreError::Backend)?;
        if let Some(d) = self.dirty.as_mut() {
            d.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{MemoryStore, PoktSmst, Sha256Hasher, verify_closest_proof};
    use proptest::prelude::*;

    /// A store that fails its next `fail` writes or opened reads, and every leaf read while
    /// `bad_leaves`; otherwise it is memory.
    #[derive(Default)]
    struct Flaky {
        inner: MemoryStore,
        fail: core::cell::Cell<u32>,
        bad_leaves: bool,
    }

    #[derive(Debug, PartialEq, Eq, thiserror::Error)]
    #[error("disk on fire")]
    struct Disk;

    impl Flaky {
        fn failing(&self) -> bool {
            let n = self.fail.get();
            self.fail.set(n.saturating_sub(1));
            n > 0
        }
    }

    impl LeafReader for Flaky {
        type Error = Disk;
        fn read_leaves(&self) -> Result<impl Iterator<Item = Result<StoredLeaf, Disk>> + '_, Disk> {
            if self.failing() {
                return Err(Disk);
            }
            let fail_leaf = self.bad_leaves;
            Ok(self
                .inner
                .read_leaves()
                .map_err(|e| match e {})?
                .map(move |l| {
                    if fail_leaf {
                        Err(Disk)
                    } else {
                        l.map_err(|e| match e {})
                    }
                }))
        }
    }

    impl LeafWriter for Flaky {
        type Error = Disk;
        fn write_batch(&mut self, batch: &WriteBatch) -> Result<(), Disk> {
            if self.failing() {
                return Err(Disk);
            }
            self.inner.write_batch(batch).map_err(|e| match e {})
        }
    }

    /// A failed write keeps the changes for the next persist; failed reads (opening, or one leaf)
    /// surface as the backend variant.
    #[test]
    fn store_errors_surface_and_nothing_is_lost() {
        let mut t = PoktSmst::new_tracked(ValueMode::Raw);
        let mut store = Flaky::default();
        t.update(b"a", b"1", 1);
        t.update(b"b", b"2", 2);
        store.fail.set(1);
        let err = t.persist(&mut store).unwrap_err();
        assert_eq!(err, StoreError::Backend(Disk));
        assert_eq!(err.to_string(), "leaf store failed: disk on fire");
        assert!(store.inner.is_empty());
        t.delete(b"a");
        t.persist(&mut store).unwrap();
        assert_eq!(store.inner.len(), 1);
        assert!(t.take_batch().is_empty());
        t.persist(&mut store).unwrap();
        store.fail.set(1);
        assert_eq!(
            PoktSmst::from_store(ValueMode::Raw, &store).err(),
            Some(StoreError::Backend(Disk))
        );
        store.bad_leaves = true;
        assert_eq!(
            PoktSmst::from_store(ValueMode::Raw, &store).err(),
            Some(StoreError::Backend(Disk))
        );
        store.bad_leaves = false;
        assert_eq!(
            PoktSmst::from_store(ValueMode::Raw, &store).unwrap().root(),
            t.root()
        );
    }

    #[test]
    fn malformed_and_duplicate_leaves_are_refused() {
        let good = alloc::vec![7u8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1];
        let mut bad_count = good.clone();
        bad_count[16] = 2;
        assert_eq!(
            PoktSmst::from_leaves(ValueMode::Raw, [([1; 32], bad_count)]).err(),
            Some(StoreError::Leaf { path: [1; 32] })
        );
        assert_eq!(
            PoktSmst::from_leaves(ValueMode::Hashed, [([2; 32], good.clone())]).err(),
            Some(StoreError::Leaf { path: [2; 32] })
        );
        assert_eq!(
            PoktSmst::from_leaves(ValueMode::Raw, [([3; 32], good.clone()), ([3; 32], good)]).err(),
            Some(StoreError::Duplicate { path: [3; 32] })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// After any updates and deletes, persisted in two batches: the store reloads to a trie
        /// with the same root that proves exactly like the in-memory one; the snapshot does too.
        #[test]
        fn reload_proves_like_memory(ops in proptest::collection::vec((0u8..40, any::<bool>(), 0u64..100), 1..80),
                                     split in 0usize..80, hashed in any::<bool>(), path in any::<[u8; 32]>()) {
            let mode = if hashed { ValueMode::Hashed } else { ValueMode::Raw };
            let mut t = Smst::<Sha256Hasher>::new_tracked(mode);
            let mut store = MemoryStore::new();
            for (i, (k, del, w)) in ops.iter().enumerate() {
                if *del { t.delete(&[*k]); } else { t.update(&[*k], &[*k, 1, 2], *w); }
                if i == split { store.write_batch(&t.take_batch()).unwrap(); }
            }
            t.persist(&mut store).unwrap();
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
}
