//! Storage of a trie's leaves: the reader and writer traits a host implements over its key-value
//! store (the shape of penumbra jmt's `TreeReader` / `TreeWriter`), the write batch, and an
//! in-memory store. The trie's shape is a function of its leaves, so the leaves are all a store
//! needs. Both traits return `Result`: a disk store reports its I/O errors, which the trie passes
//! on as [`StoreError::Backend`]. [SMST-STORE-1] [SMST-STORE-2]

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::convert::Infallible;

/// Why stored leaves, a store or a snapshot were refused. `E` is the store's own error
/// ([`LeafReader::Error`] / [`LeafWriter::Error`]); operations that read no store (snapshots,
/// [`Smst::from_leaves`](crate::Smst::from_leaves)) use `Infallible`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError<E = Infallible> {
    /// The store itself failed (I/O, corruption it detected…).
    #[error("leaf store failed: {0}")]
    Backend(E),
    /// A stored leaf is not `value ‖ weight ‖ count = 1` of the mode's shape.
    #[error("malformed stored leaf")]
    Leaf {
        /// The leaf's path.
        path: [u8; 32],
    },
    /// The same path twice.
    #[error("duplicate leaf path")]
    Duplicate {
        /// The repeated path.
        path: [u8; 32],
    },
    /// The snapshot bytes do not decode (or carry trailing bytes).
    #[error("snapshot does not decode")]
    Snapshot,
    /// The snapshot's leaves are not in strictly increasing path order.
    #[error("snapshot leaves out of order")]
    Order,
    /// The snapshot's format version is not ours.
    #[error("unknown snapshot version {got}")]
    Version {
        /// The version the snapshot names.
        got: u8,
    },
}

/// A stored leaf as a key-value store holds it: (32-byte path, stored form).
pub type StoredLeaf = ([u8; 32], Vec<u8>);

/// The writes of a trie since its previous batch, for a key-value store (key = the 32-byte path,
/// value = the stored leaf).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// Leaves to write (new or changed).
    pub puts: Vec<StoredLeaf>,
    /// Paths to delete.
    pub deletes: Vec<[u8; 32]>,
}

impl WriteBatch {
    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }
}

/// A store the trie's leaves are read back from (what [`Smst::from_store`](crate::Smst::from_store)
/// reloads).
pub trait LeafReader {
    /// The store's error: I/O, or corruption the store detects (`Infallible` in memory).
    type Error: core::error::Error + 'static;

    /// Every stored leaf as (path, stored form), in any order. Opening the read may fail, and so
    /// may each leaf read; the trie stops at the first error.
    fn read_leaves(
        &self,
    ) -> Result<impl Iterator<Item = Result<StoredLeaf, Self::Error>> + '_, Self::Error>;
}

/// A store the trie's changes are written to (what [`Smst::persist`](crate::Smst::persist)
/// writes).
pub trait LeafWriter {
    /// The store's error: I/O, a full disk… (`Infallible` in memory).
    type Error: core::error::Error + 'static;

    /// Applies a batch: every put and every delete, or (on error) none of them, so that a retry of
    /// the same batch starts from the state before it.
    fn write_batch(&mut self, batch: &WriteBatch) -> Result<(), Self::Error>;
}

/// An in-memory leaf store (it never fails).
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

    /// The stored form of the leaf at `path`.
    pub fn get(&self, path: &[u8; 32]) -> Option<&[u8]> {
        self.0.get(path).map(Vec::as_slice)
    }
}

impl LeafReader for MemoryStore {
    type Error = Infallible;

    fn read_leaves(
        &self,
    ) -> Result<impl Iterator<Item = Result<StoredLeaf, Infallible>> + '_, Infallible> {
        Ok(self.0.iter().map(|(k, v)| Ok((*k, v.clone()))))
    }
}

impl LeafWriter for MemoryStore {
    type Error = Infallible;

    fn write_batch(&mut self, batch: &WriteBatch) -> Result<(), Infallible> {
        for (k, v) in &batch.puts {
            self.0.insert(*k, v.clone());
        }
        for k in &batch.deletes {
            self.0.remove(k);
        }
        Ok(())
    }
}
