#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod gob;
mod hasher;
mod node;
mod pathmap;
mod proof;
mod store;
mod trie;

pub use hasher::{Blake3Hasher, Sha256Hasher, TrieHasher};
pub use node::{
    Digest48, PLACEHOLDER, bit, inner_digest, inner_preimage, leaf_digest, leaf_preimage,
    preimage_digest,
};
pub use proof::{
    ClosestProof, SideNode, SparseMerkleProof, verify_closest_proof,
    verify_closest_proof_go_compatible, verify_path_proof, verify_sum_proof,
};
pub use store::{LeafStore, MemoryStore, StoreError, WriteBatch};
pub use trie::{Root, Smst, ValueMode};

/// Errors of the trie's checked operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmstError {
    /// The total weight would pass `u64::MAX` (Go wraps it).
    #[error("total weight overflows u64")]
    SumOverflow,
}

/// POKT's trie: SHA-256, raw values.
pub type PoktSmst = Smst<Sha256Hasher>;
