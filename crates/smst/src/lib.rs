#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod compact;
pub mod gob;
mod hasher;
mod node;
mod pathmap;
mod persist;
mod proof;
mod prove;
mod root;
mod snapshot;
mod store;
mod tree;
mod trie;
mod value;

pub use compact::{
    CompactClosestProof, CompactError, CompactProof, compact_closest_proof, compact_proof,
    decompact_closest_proof, decompact_proof,
};
pub use hasher::{Blake3Hasher, Sha256Hasher, TrieHasher};
pub use node::{
    Digest48, PLACEHOLDER, bit, inner_digest, inner_preimage, leaf_digest, leaf_preimage,
    preimage_digest,
};
pub use proof::{
    ClosestProof, SideNode, SparseMerkleProof, verify_closest_proof,
    verify_closest_proof_go_compatible, verify_path_proof, verify_sum_proof,
};
pub use root::Root;
pub use store::{LeafReader, LeafWriter, MemoryStore, StoreError, StoredLeaf, WriteBatch};
pub use trie::{Smst, SmstError};
pub use value::ValueMode;

/// POKT's trie: SHA-256, raw values.
pub type PoktSmst = Smst<Sha256Hasher>;
