//! Compact proofs (Go `SparseCompactMerkleProof` / `SparseCompactMerkleClosestProof`): placeholder
//! side nodes dropped into a bit mask, depth and flipped bits as minimal big-endian bytes — what
//! `MsgSubmitProof.proof` carries. [SMST-COMPACT-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use crate::node::{PLACEHOLDER, bit};
use crate::proof::{ClosestProof, SideNode, SparseMerkleProof};

/// Why a compact proof does not decompact (Go's checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompactError {
    /// The full proof's side node count is negative or above 256.
    #[error("compact proof claims {got} side nodes (at most 256)")]
    SideNodeCount {
        /// The count the proof claims.
        got: i64,
    },
    /// The bit mask is not ⌈n/8⌉ bytes for n side nodes.
    #[error("bit mask of {got} bytes where {expected} are needed")]
    BitMask {
        /// ⌈n/8⌉.
        expected: usize,
        /// The mask's length.
        got: usize,
    },
    /// The stored side nodes are not as many as the mask's unset bits.
    #[error("{got} stored side nodes where the bit mask leaves {expected}")]
    StoredSideNodes {
        /// The number of unset mask bits.
        expected: usize,
        /// The number of stored side nodes.
        got: usize,
    },
    /// A compact closest proof's depth or flipped bit is longer than 2 bytes.
    #[error("compact integer of {len} bytes (at most 2)")]
    IntTooLong {
        /// Its length.
        len: usize,
    },
}

/// The compact form of a sum proof (Go `SparseCompactMerkleProof`): placeholder side nodes
/// removed and marked in a bit mask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactProof {
    /// The non-placeholder side nodes, bottom-up.
    pub side_nodes: Vec<SideNode>,
    /// As in [`SparseMerkleProof`].
    pub non_membership_leaf_data: Vec<u8>,
    /// Bit i (most significant first) set ⇔ side node i of the full proof is the placeholder.
    pub bit_mask: Vec<u8>,
    /// The number of side nodes of the full proof.
    pub num_side_nodes: i64,
    /// As in [`SparseMerkleProof`].
    pub sibling_data: Vec<u8>,
}

/// The compact form of a closest proof (Go `SparseCompactMerkleClosestProof`): depth and flipped
/// bits as minimal big-endian byte strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactClosestProof {
    /// The query path.
    pub path: Vec<u8>,
    /// Each flipped bit as minimal big-endian bytes.
    pub flipped_bits: Vec<Vec<u8>>,
    /// The depth as minimal big-endian bytes.
    pub depth: Vec<u8>,
    /// As in [`ClosestProof`].
    pub closest_path: Vec<u8>,
    /// As in [`ClosestProof`].
    pub closest_value_hash: Vec<u8>,
    /// The compact membership proof.
    pub closest_proof: CompactProof,
}

/// Go's `intToBytes`: minimal big-endian bytes, with 0 as a single zero byte.
fn int_to_bytes(v: i64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    b.get(skip..).unwrap_or(&[0]).to_vec()
}

/// Go's `bytesToInt` as the compact closest proof allows it: at most 2 bytes, big-endian.
fn bytes_to_int(b: &[u8]) -> Result<i64, CompactError> {
    if b.len() > 2 {
        return Err(CompactError::IntTooLong { len: b.len() });
    }
    Ok(b.iter().fold(0i64, |a, x| (a << 8) | i64::from(*x)))
}

/// Removes placeholder side nodes into a bit mask (Go `CompactProof`). [SMST-COMPACT-1]
pub fn compact_proof(p: &SparseMerkleProof) -> CompactProof {
    let n = p.side_nodes.len();
    let mut mask = alloc::vec![0u8; n.div_ceil(8)];
    let mut side = Vec::new();
    for (i, s) in p.side_nodes.iter().enumerate() {
        if s.as_slice() == PLACEHOLDER.as_slice() {
            if let Some(b) = mask.get_mut(i / 8) {
                *b |= 1 << 7usize.wrapping_sub(i % 8);
            }
        } else {
            side.push(s.clone());
        }
    }
    CompactProof {
        side_nodes: side,
        non_membership_leaf_data: p.non_membership_leaf_data.clone(),
        bit_mask: mask,
        num_side_nodes: i64::try_from(n).unwrap_or(i64::MAX),
        sibling_data: p.sibling_data.clone(),
    }
}

/// Restores the full proof, with Go's checks: 0 ≤ side nodes ≤ 256, mask length ⌈n/8⌉, and as many
/// stored side nodes as unset mask bits. [SMST-COMPACT-1]
pub fn decompact_proof(c: &CompactProof) -> Result<SparseMerkleProof, CompactError> {
    let n = usize::try_from(c.num_side_nodes)
        .ok()
        .filter(|n| *n <= 256)
        .ok_or(CompactError::SideNodeCount {
            got: c.num_side_nodes,
        })?;
    if c.bit_mask.len() != n.div_ceil(8) {
        return Err(CompactError::BitMask {
            expected: n.div_ceil(8),
            got: c.bit_mask.len(),
        });
    }
    let set = (0..n).filter(|i| bit(&c.bit_mask, *i) == 1).count();
    let unset = n.saturating_sub(set);
    if c.side_nodes.len() != unset {
        return Err(CompactError::StoredSideNodes {
            expected: unset,
            got: c.side_nodes.len(),
        });
    }
    let mut it = c.side_nodes.iter();
    let mut side = Vec::with_capacity(n);
    for i in 0..n {
        if bit(&c.bit_mask, i) == 1 {
            side.push(SideNode::from(PLACEHOLDER));
        } else {
            // As many stored side nodes as unset bits, checked above.
            side.extend(it.next().cloned());
        }
    }
    Ok(SparseMerkleProof {
        side_nodes: side,
        non_membership_leaf_data: c.non_membership_leaf_data.clone(),
        sibling_data: c.sibling_data.clone(),
    })
}

/// The compact form of a closest proof.
pub fn compact_closest_proof(p: &ClosestProof) -> CompactClosestProof {
    CompactClosestProof {
        path: p.path.clone(),
        flipped_bits: p.flipped_bits.iter().map(|b| int_to_bytes(*b)).collect(),
        depth: int_to_bytes(p.depth),
        closest_path: p.closest_path.clone(),
        closest_value_hash: p.closest_value_hash.clone(),
        closest_proof: compact_proof(&p.closest_proof),
    }
}

/// Restores a closest proof from its compact form (at most 2-byte depth and flipped bits).
pub fn decompact_closest_proof(c: &CompactClosestProof) -> Result<ClosestProof, CompactError> {
    Ok(ClosestProof {
        path: c.path.clone(),
        flipped_bits: c
            .flipped_bits
            .iter()
            .map(|b| bytes_to_int(b))
            .collect::<Result<_, _>>()?,
        depth: bytes_to_int(&c.depth)?,
        closest_path: c.closest_path.clone(),
        closest_value_hash: c.closest_value_hash.clone(),
        closest_proof: decompact_proof(&c.closest_proof)?,
    })
}
