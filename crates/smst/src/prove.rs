//! Proofs read off the hashed form: the walk from the root towards a path, membership and
//! non-membership proofs, closest proofs, and the preimages a proof reveals. [SMST-PROOF-1]

use alloc::vec::Vec;

use crate::node::{PLACEHOLDER, bit, inner_preimage, leaf_preimage};
use crate::pathmap::PathMap;
use crate::proof::{ClosestProof, SideNode, SparseMerkleProof};
use crate::tree::{Kind, NONE, Tree};

/// Where a walk goes when the child on the path is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Walk {
    /// Stop there (a membership or non-membership proof).
    Exact,
    /// Take the other child and record the depth (a closest proof). [SMST-CLOSEST-1]
    Closest,
}

impl Tree {
    /// The stored form of leaf `i` (value or its hash ‖ weight ‖ count).
    fn stored_of<'a>(&self, leaves: &'a PathMap, i: u32) -> &'a [u8] {
        self.locs.get(i as usize).map_or(&[], |l| leaves.at(*l))
    }

    fn preimage_of(&self, leaves: &PathMap, i: u32, depth: usize) -> Vec<u8> {
        match self.kind(i) {
            Some(Kind::Leaf(p)) => leaf_preimage(&self.path(p), self.stored_of(leaves, p)),
            Some(Kind::Inner(l, r)) if l == NONE || r == NONE => self.extension_preimage(i, depth),
            Some(Kind::Inner(l, r)) => inner_preimage(self.digest(l), self.digest(r)),
            None => Vec::new(),
        }
    }

    /// The Go library stores a chain of single-child inner nodes as an extension node:
    /// `0x02 ‖ start ‖ end ‖ path ‖ child digest ‖ sum ‖ count`, `path` being a path of a leaf below.
    /// Its digest is the chain's, so proofs carrying it verify either way. [SMST-PROOF-1]
    fn extension_preimage(&self, top: u32, depth: usize) -> Vec<u8> {
        let mut cur = top;
        let mut end = depth;
        while let Some([l, r]) = self.kids_of(cur) {
            if l != NONE && r != NONE {
                break;
            }
            cur = if l == NONE { r } else { l };
            end = end.saturating_add(1);
        }
        // A leaf below: descend the leftmost non-empty children.
        let mut leaf = cur;
        let path = loop {
            match self.kind(leaf) {
                Some(Kind::Inner(l, r)) => leaf = if l == NONE { r } else { l },
                Some(Kind::Leaf(p)) => break self.path(p),
                None => break [0; 32],
            }
        };
        let top_digest = self.digest(top);
        let mut v = Vec::with_capacity(99);
        v.push(0x02);
        v.push(u8::try_from(depth).unwrap_or(u8::MAX));
        v.push(u8::try_from(end).unwrap_or(u8::MAX));
        v.extend_from_slice(&path);
        v.extend_from_slice(self.digest(cur));
        v.extend_from_slice(top_digest.get(32..).unwrap_or(&[]));
        v
    }

    /// Walks towards `path` from the root; with [`Walk::Closest`], takes the other child where
    /// the wanted one is empty (recording the flipped depth). Fills `sides` with the side node
    /// indices top-down; returns how many, the final node and the flipped depths.
    ///
    /// The walk only needs the shape; each side node's digest is read on the way (and dropped),
    /// so its cache miss overlaps the walk's instead of following it.
    fn walk(&self, path: &[u8; 32], how: Walk, sides: &mut [u32; 256]) -> (usize, u32, Vec<i64>) {
        let mut flips = Vec::new();
        let mut cur = self.root;
        let mut depth = 0usize;
        let mut touch = 0u8;
        while let Some([l, r]) = self.kids_of(cur) {
            let mut b = bit(path, depth);
            if how == Walk::Closest {
                let want = if b == 0 { l } else { r };
                if want == NONE {
                    b ^= 1;
                    flips.push(i64::try_from(depth).unwrap_or(i64::MAX));
                }
            }
            let (next, sib) = if b == 0 { (l, r) } else { (r, l) };
            // A digest may straddle two cache lines: touch both ends.
            let d = self.digest(sib);
            touch ^= d[0] ^ d[47];
            let Some(slot) = sides.get_mut(depth) else {
                break;
            };
            *slot = sib;
            cur = next;
            depth = depth.saturating_add(1);
        }
        core::hint::black_box(touch);
        (depth, cur, flips)
    }

    fn proof_from(&self, leaves: &PathMap, sides: &[u32]) -> SparseMerkleProof {
        let side_nodes = sides
            .iter()
            .rev()
            .map(|s| SideNode::from(*self.digest(*s)))
            .collect();
        let sibling_data = sides
            .last()
            .map(|s| self.preimage_of(leaves, *s, sides.len()))
            .unwrap_or_default();
        SparseMerkleProof {
            side_nodes,
            non_membership_leaf_data: Vec::new(),
            sibling_data,
        }
    }

    /// A membership proof of `path`, or a non-membership proof when no leaf has it.
    /// [SMST-PROOF-1]
    pub(crate) fn prove(&self, leaves: &PathMap, path: &[u8; 32]) -> SparseMerkleProof {
        let mut buf = [NONE; 256];
        let (depth, end, _) = self.walk(path, Walk::Exact, &mut buf);
        let sides = buf.get(..depth).unwrap_or(&[]);
        let mut p = self.proof_from(leaves, sides);
        if let Some(Kind::Leaf(i)) = self.kind(end)
            && end != NONE
            && self.path(i) != *path
        {
            p.non_membership_leaf_data = self.preimage_of(leaves, end, sides.len());
        }
        p
    }

    /// The closest proof for `path` in a non-empty trie. [SMST-CLOSEST-1]
    pub(crate) fn prove_closest(&self, leaves: &PathMap, path: &[u8; 32]) -> ClosestProof {
        let mut buf = [NONE; 256];
        let (depth, end, flips) = self.walk(path, Walk::Closest, &mut buf);
        let sides = buf.get(..depth).unwrap_or(&[]);
        // Start the loads of both leaves the proof reveals (the closest one and, usually, its
        // sibling) before either is copied, so their cache misses overlap.
        let warm = |i: u32| {
            self.locs
                .get(i as usize)
                .map_or(0, |l| leaves.at(*l).first().copied().unwrap_or(0))
                ^ self.paths.get(i as usize).map_or(0, |p| p[0])
        };
        // The sibling nearest the leaf is revealed too: a leaf's path and value, or an inner
        // node's children's digests.
        let warm_side = |s: u32| match self.kids_of(s) {
            Some([l, r]) => self.digest(l)[0] ^ self.digest(r)[47],
            None => warm(s),
        };
        core::hint::black_box(warm(end) ^ sides.last().map_or(0, |s| warm_side(*s)));
        let (lp, value) = match self.kind(end) {
            Some(Kind::Leaf(i)) if end != NONE => {
                (self.path(i), self.stored_of(leaves, i).to_vec())
            }
            _ => ([0; 32], Vec::new()),
        };
        ClosestProof {
            path: path.to_vec(),
            flipped_bits: flips,
            depth: i64::try_from(depth).unwrap_or(i64::MAX),
            closest_path: lp.to_vec(),
            closest_value_hash: value,
            closest_proof: self.proof_from(leaves, sides),
        }
    }
}

/// The closest proof of an empty trie: flipped bits [0], depth 0, the placeholder as closest
/// path. [SMST-CLOSEST-1]
pub(crate) fn empty_closest_proof(path: &[u8; 32]) -> ClosestProof {
    ClosestProof {
        path: path.to_vec(),
        flipped_bits: alloc::vec![0],
        depth: 0,
        closest_path: PLACEHOLDER.to_vec(),
        closest_value_hash: Vec::new(),
        closest_proof: SparseMerkleProof::default(),
    }
}
