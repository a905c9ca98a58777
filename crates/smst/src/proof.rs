//! Proofs and their verification: Go-compatible and strict.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use crate::hasher::TrieHasher;
use crate::node::{Digest48, PLACEHOLDER, bit, inner_digest, leaf_digest, preimage_digest};
use crate::root::Root;
use crate::value::{ValueMode, stored_value, stored_weight};

/// One side node of a proof, as sent: 48 bytes (digest ‖ sum ‖ count) in an honest proof, kept
/// inline so building a proof allocates nothing per node; any other length (only in decoded,
/// hostile proofs) is kept as is, so verification sees exactly the bytes that were sent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SideNode(SideRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum SideRepr {
    Digest(Digest48),
    Other(Vec<u8>),
}

impl SideNode {
    /// A side node holding `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        match <Digest48>::try_from(bytes) {
            Ok(d) => Self(SideRepr::Digest(d)),
            Err(_) => Self(SideRepr::Other(bytes.to_vec())),
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            SideRepr::Digest(d) => d,
            SideRepr::Other(v) => v,
        }
    }

    /// The 48 bytes of a well-formed side node (`None` for any other length).
    pub fn digest(&self) -> Option<&Digest48> {
        match &self.0 {
            SideRepr::Digest(d) => Some(d),
            SideRepr::Other(_) => None,
        }
    }
}

impl From<Digest48> for SideNode {
    fn from(d: Digest48) -> Self {
        Self(SideRepr::Digest(d))
    }
}

impl From<&[u8]> for SideNode {
    fn from(b: &[u8]) -> Self {
        Self::new(b)
    }
}

impl From<Vec<u8>> for SideNode {
    fn from(b: Vec<u8>) -> Self {
        if b.len() == 48 {
            Self::new(&b)
        } else {
            Self(SideRepr::Other(b))
        }
    }
}

impl core::ops::Deref for SideNode {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SideNode {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::fmt::Debug for SideNode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.as_slice().fmt(f)
    }
}

/// A sum proof (Go `SparseMerkleProof`): side nodes bottom-up (placeholders included), the
/// unrelated leaf met by a non-membership proof, and the preimage of the sibling nearest the leaf.
/// Fields are raw bytes, as decoded from the wire: verification checks them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SparseMerkleProof {
    /// Side nodes, nearest the leaf first (48 bytes each in an honest proof).
    pub side_nodes: Vec<SideNode>,
    /// Preimage of the unrelated leaf on the path (non-membership), else empty.
    pub non_membership_leaf_data: Vec<u8>,
    /// Preimage of the sibling nearest the leaf, else empty.
    pub sibling_data: Vec<u8>,
}

/// A closest proof (Go `SparseMerkleClosestProof`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosestProof {
    /// The 32-byte query path.
    pub path: Vec<u8>,
    /// Depths where the walk took the other child, in walk order.
    pub flipped_bits: Vec<i64>,
    /// Depth of the leaf found.
    pub depth: i64,
    /// Path of the leaf found (48 zero bytes for an empty trie).
    pub closest_path: Vec<u8>,
    /// The leaf's stored value: value (or its hash) ‖ weight ‖ count.
    pub closest_value_hash: Vec<u8>,
    /// The leaf's membership proof.
    pub closest_proof: SparseMerkleProof,
}

impl ClosestProof {
    /// The revealed value without weight and count.
    pub fn value(&self) -> &[u8] {
        stored_value(&self.closest_value_hash)
    }

    /// The revealed leaf's weight.
    pub fn weight(&self) -> u64 {
        stored_weight(&self.closest_value_hash)
    }
}

fn to48(b: &[u8]) -> Digest48 {
    let mut d = [0u8; 48];
    let n = b.len().min(48);
    if let (Some(dst), Some(src)) = (d.get_mut(..n), b.get(..n)) {
        dst.copy_from_slice(src);
    }
    d
}

/// Go's `verifyProofWithUpdates` after the path is known: `stored` is the leaf's stored value
/// (`None` for non-membership). Reproduces Go's checks, including its laxness when `SiblingData`
/// is absent (side nodes are truncated or zero-padded to 48 bytes). [SMST-VERIFY-1]
pub fn verify_path_proof<H: TrieHasher>(
    proof: &SparseMerkleProof,
    root: &Root,
    path: &[u8],
    stored: Option<&[u8]>,
) -> bool {
    let sn = &proof.side_nodes;
    if sn.len() > 256 {
        return false;
    }
    let nm = &proof.non_membership_leaf_data;
    if !nm.is_empty() && nm.len() < 33 {
        return false;
    }
    if !proof.sibling_data.is_empty() && !sn.is_empty() {
        if sn.iter().any(|s| s.len() != 48) {
            return false;
        }
        match (preimage_digest::<H>(&proof.sibling_data), sn.first()) {
            (Some(d), Some(first)) if d.as_slice() == first.as_slice() => {}
            _ => return false,
        }
    }
    let mut cur = match stored {
        Some(v) => leaf_digest::<H>(path, v),
        None if nm.is_empty() => PLACEHOLDER,
        None => {
            let (Some(apath), Some(avh)) = (nm.get(1..33), nm.get(33..)) else {
                return false;
            };
            if apath == path {
                return false;
            }
            leaf_digest::<H>(apath, avh)
        }
    };
    let n = sn.len();
    for (i, s) in sn.iter().enumerate() {
        let node = to48(s);
        let depth = n.saturating_sub(1).saturating_sub(i);
        cur = if bit(path, depth) == 0 {
            inner_digest::<H>(&cur, &node)
        } else {
            inner_digest::<H>(&node, &cur)
        };
    }
    cur == *root.as_bytes()
}

/// Go's `VerifySumProof`: `key` with `value` of `weight` (count 1), or absent when `value` is
/// empty and `weight` 0. [SMST-VERIFY-1]
pub fn verify_sum_proof<H: TrieHasher>(
    proof: &SparseMerkleProof,
    root: &Root,
    key: &[u8],
    value: &[u8],
    weight: u64,
    mode: ValueMode,
) -> bool {
    let path = H::digest(&[key]);
    if value.is_empty() && weight == 0 {
        return verify_path_proof::<H>(proof, root, &path, None);
    }
    let mut stored = match mode {
        ValueMode::Raw => value.to_vec(),
        ValueMode::Hashed => H::digest(&[value]).to_vec(),
    };
    stored.extend_from_slice(&weight.to_be_bytes());
    stored.extend_from_slice(&1u64.to_be_bytes());
    verify_path_proof::<H>(proof, root, &path, Some(&stored))
}

/// The checks Go's `SparseMerkleClosestProof.validateBasic` makes.
fn closest_basic(p: &ClosestProof) -> bool {
    if p.path.len() != 32 || !(0..=256).contains(&p.depth) {
        return false;
    }
    if p.flipped_bits.iter().any(|b| *b < 0 || *b > p.depth) {
        return false;
    }
    let mut wp = [0u8; 32];
    wp.copy_from_slice(&p.path);
    for b in &p.flipped_bits {
        let b = usize::try_from(*b).unwrap_or(0);
        if let Some(byte) = wp.get_mut(b / 8) {
            *byte ^= 1 << 7usize.wrapping_sub(b % 8);
        }
    }
    let depth = usize::try_from(p.depth).unwrap_or(0);
    (0..depth).all(|i| bit(&wp, i) == bit(&p.closest_path, i))
}

/// Go's `VerifyClosestProof`, verdict for verdict — including its weaknesses: it does not check
/// that the revealed leaf is the closest one, so a membership proof of any leaf wrapped with depth
/// 0 verifies; and in hashed-value mode it re-hashes the stored value, so no closest proof
/// verifies. Use [`verify_closest_proof`] unless you must reproduce the chain. [SMST-VERIFY-2]
pub fn verify_closest_proof_go_compatible<H: TrieHasher>(
    p: &ClosestProof,
    root: &Root,
    mode: ValueMode,
) -> bool {
    if !closest_basic(p) {
        return false;
    }
    let cp = p.closest_path.get(..32).unwrap_or(&p.closest_path);
    if p.closest_value_hash.is_empty() {
        return verify_path_proof::<H>(&p.closest_proof, root, cp, None);
    }
    let n = p.closest_value_hash.len().saturating_sub(16);
    let (value, tail) = p.closest_value_hash.split_at(n);
    let stored: Vec<u8> = match mode {
        ValueMode::Raw => p.closest_value_hash.clone(),
        ValueMode::Hashed => {
            let mut v = H::digest(&[value]).to_vec();
            v.extend_from_slice(tail);
            v
        }
    };
    if value.is_empty() && crate::node::read_u64(tail) == 0 {
        return verify_path_proof::<H>(&p.closest_proof, root, cp, None);
    }
    verify_path_proof::<H>(&p.closest_proof, root, cp, Some(&stored))
}

/// The strict closest-proof verifier: everything Go checks, plus what makes the revealed leaf
/// **the** closest one — the depth equals the number of side nodes, the flipped bits are exactly
/// the bits below the depth where the query and the leaf's path differ, and the sibling at every
/// flipped depth is empty. An empty-trie proof is accepted only against the empty root. The stored
/// value is verified as stored (it is not hashed again), so honest proofs of hashed-value tries
/// verify too. [SMST-VERIFY-3]
pub fn verify_closest_proof<H: TrieHasher>(p: &ClosestProof, root: &Root) -> bool {
    if !closest_basic(p) {
        return false;
    }
    let sn = &p.closest_proof.side_nodes;
    if p.closest_value_hash.is_empty() {
        return *root == Root::EMPTY && sn.is_empty() && p.depth == 0;
    }
    if p.closest_path.len() != 32 || usize::try_from(p.depth).ok() != Some(sn.len()) {
        return false;
    }
    let depth = sn.len();
    let differing: Vec<i64> = (0..depth)
        .filter(|&i| bit(&p.path, i) != bit(&p.closest_path, i))
        .map(|i| i64::try_from(i).unwrap_or(-1))
        .collect();
    let mut flips = p.flipped_bits.clone();
    flips.sort_unstable();
    flips.dedup();
    if flips != differing {
        return false;
    }
    for b in &differing {
        let b = usize::try_from(*b).unwrap_or(usize::MAX);
        let idx = depth.saturating_sub(1).saturating_sub(b);
        if sn.get(idx).map(|s| s.as_slice()) != Some(&PLACEHOLDER[..]) {
            return false;
        }
    }
    if p.closest_value_hash.len() < 16 {
        return false;
    }
    verify_path_proof::<H>(
        &p.closest_proof,
        root,
        &p.closest_path,
        Some(&p.closest_value_hash),
    )
}
