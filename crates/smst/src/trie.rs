//! The sparse Merkle sum trie.

use alloc::vec::Vec;
use core::cell::OnceCell;
use core::marker::PhantomData;

use crate::hasher::TrieHasher;
use crate::node::{
    Digest48, PLACEHOLDER, bit, inner_digest, inner_preimage, leaf_digest, leaf_preimage, read_u64,
};
use crate::proof::{ClosestProof, SideNode, SparseMerkleProof};

/// How leaf values are stored. [SMST-VALUE-1]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ValueMode {
    /// The raw value is stored in the leaf (POKT: "nil value hasher"), so a proof reveals it.
    #[default]
    Raw,
    /// The value's hash is stored (the library's default).
    Hashed,
}

/// The 48-byte root: digest ‖ sum ‖ count. [SMST-ROOT-1]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Root(pub Digest48);

impl Root {
    /// The root of an empty trie (48 zero bytes).
    pub const EMPTY: Self = Self(PLACEHOLDER);

    /// The 32-byte node hash.
    pub fn digest(&self) -> &[u8] {
        self.0.get(..32).unwrap_or(&[])
    }

    /// The total weight (wrapped mod 2⁶⁴ as Go wraps it).
    pub fn sum(&self) -> u64 {
        read_u64(self.0.get(32..).unwrap_or(&[]))
    }

    /// The number of leaves.
    pub fn count(&self) -> u64 {
        read_u64(self.0.get(40..).unwrap_or(&[]))
    }

    /// The 48 bytes.
    pub fn as_bytes(&self) -> &[u8; 48] {
        &self.0
    }
}

impl core::fmt::Debug for Root {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Root(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

const NONE: u32 = u32::MAX;

/// What a node index names: a leaf (its index in path order) or an inner node (its children).
#[derive(Clone, Copy, Debug)]
enum Kind {
    Leaf(u32),
    Inner(u32, u32),
}

/// The hashed form of the trie, built on demand and kept until the next change.
///
/// Node indices `0..n` are the leaves in path order, `n..` the inner nodes (children before
/// parents). The shape (`kids`, 8 bytes per inner node) is kept apart from the digests, so a walk
/// from the root touches a dense array that stays in the caches, and the digests it needs are
/// independent loads the processor overlaps. [SMST-ROOT-1]
#[derive(Clone, Debug, Default)]
struct Tree {
    paths: Vec<[u8; 32]>,
    /// Where each leaf's stored form sits in the leaf map (no search to reveal a leaf).
    locs: Vec<crate::pathmap::Loc>,
    leaf_digests: Vec<Digest48>,
    kids: Vec<[u32; 2]>,
    inner_digests: Vec<Digest48>,
    root: u32,
}

impl Tree {
    fn n(&self) -> u32 {
        u32::try_from(self.leaf_digests.len()).unwrap_or(NONE)
    }

    fn kind(&self, i: u32) -> Option<Kind> {
        match i.checked_sub(self.n()) {
            None => Some(Kind::Leaf(i)),
            Some(j) => self.kids.get(j as usize).map(|[l, r]| Kind::Inner(*l, *r)),
        }
    }

    /// The children of inner node `i` (`None` for a leaf or no node).
    fn kids_of(&self, i: u32) -> Option<[u32; 2]> {
        i.checked_sub(self.n())
            .and_then(|j| self.kids.get(j as usize).copied())
    }

    fn digest(&self, i: u32) -> &Digest48 {
        let d = match i.checked_sub(self.n()) {
            None => self.leaf_digests.get(i as usize),
            Some(j) => self.inner_digests.get(j as usize),
        };
        d.unwrap_or(&PLACEHOLDER)
    }

    fn path(&self, leaf: u32) -> [u8; 32] {
        self.paths.get(leaf as usize).copied().unwrap_or([0; 32])
    }
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
    mode: ValueMode,
    leaves: crate::pathmap::PathMap,
    tree: OnceCell<Tree>,
    sum: u64,
    sum_overflowed: bool,
    /// Paths changed since the last [`take_batch`](Self::take_batch), when writes are tracked.
    dirty: Option<alloc::collections::BTreeSet<[u8; 32]>>,
    /// Reused buffer for a leaf's stored form.
    scratch: Vec<u8>,
    _h: PhantomData<H>,
}

impl<H: TrieHasher> Smst<H> {
    /// An empty trie.
    pub fn new(mode: ValueMode) -> Self {
        Self {
            mode,
            leaves: crate::pathmap::PathMap::new(),
            tree: OnceCell::new(),
            sum: 0,
            sum_overflowed: false,
            dirty: None,
            scratch: Vec::new(),
            _h: PhantomData,
        }
    }

    /// An empty trie that records its writes for a persistent store: every change since the
    /// last [`take_batch`](Self::take_batch) is returned as one batch. [SMST-STORE-1]
    pub fn new_tracked(mode: ValueMode) -> Self {
        let mut t = Self::new(mode);
        t.dirty = Some(alloc::collections::BTreeSet::new());
        t
    }

    /// Reloads a trie from a store's leaves (path → stored leaf value, as
    /// [`take_batch`](Self::take_batch) wrote them). Only the leaves are read; the hashed form is
    /// rebuilt lazily, on the first root or proof. The result tracks writes. Refuses a leaf whose
    /// stored form is malformed. [SMST-STORE-1]
    pub fn from_leaves(
        mode: ValueMode,
        leaves: impl IntoIterator<Item = ([u8; 32], Vec<u8>)>,
    ) -> Result<Self, crate::StoreError> {
        let mut t = Self::new_tracked(mode);
        for (path, stored) in leaves {
            let n = stored.len();
            let count = read_u64(stored.get(n.saturating_sub(8)..).unwrap_or(&[]));
            let value_ok = match mode {
                ValueMode::Raw => n >= 16,
                ValueMode::Hashed => n == 16 + 32,
            };
            if !value_ok || count != 1 {
                return Err(crate::StoreError::Leaf);
            }
            let (s, o) = t.sum.overflowing_add(stored_weight(&stored));
            t.sum = s;
            t.sum_overflowed |= o;
            if t.leaves.insert(path, stored).is_some() {
                return Err(crate::StoreError::Duplicate);
            }
        }
        Ok(t)
    }

    /// The leaves as a store holds them: (path, stored value ‖ weight ‖ count), in path order.
    pub fn leaves(&self) -> impl Iterator<Item = (&[u8; 32], &[u8])> {
        self.leaves.iter()
    }

    /// The writes since the last call (puts of changed leaves, deletes of removed ones), for a
    /// host's key-value store; empty when writes are not tracked. [SMST-STORE-1]
    pub fn take_batch(&mut self) -> crate::WriteBatch {
        let mut batch = crate::WriteBatch::default();
        if let Some(dirty) = self.dirty.as_mut() {
            for path in core::mem::take(dirty) {
                match self.leaves.get(&path) {
                    Some(v) => batch.puts.push((path, v.to_vec())),
                    None => batch.deletes.push(path),
                }
            }
        }
        batch
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

    /// Writes the stored form of a leaf (value or its hash ‖ weight ‖ count 1) into `out`.
    fn stored_into(mode: ValueMode, value: &[u8], weight: u64, out: &mut Vec<u8>) {
        out.clear();
        match mode {
            ValueMode::Raw => out.extend_from_slice(value),
            ValueMode::Hashed => out.extend_from_slice(&H::digest(&[value])),
        }
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&1u64.to_be_bytes());
    }

    /// Inserts or replaces `key` with `value` and `weight`. [SMST-UPDATE-1]
    pub fn update(&mut self, key: &[u8], value: &[u8], weight: u64) {
        let path = Self::path(key);
        // One scratch buffer for every update: the map copies the bytes into its arena.
        let mut buf = core::mem::take(&mut self.scratch);
        Self::stored_into(self.mode, value, weight, &mut buf);
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
    pub fn try_update(
        &mut self,
        key: &[u8],
        value: &[u8],
        weight: u64,
    ) -> Result<(), crate::SmstError> {
        let path = Self::path(key);
        let old = self.leaves.get(&path).map_or(0, stored_weight);
        self.sum
            .checked_sub(old)
            .and_then(|s| s.checked_add(weight))
            .ok_or(crate::SmstError::SumOverflow)?;
        if self.sum_overflowed {
            return Err(crate::SmstError::SumOverflow);
        }
        self.update(key, value, weight);
        Ok(())
    }

    /// The stored value (raw, or its hash in hashed mode) and weight of `key`.
    pub fn get(&self, key: &[u8]) -> Option<(&[u8], u64)> {
        let v = self.leaves.get(&Self::path(key))?;
        let n = v.len().saturating_sub(16);
        Some((v.get(..n).unwrap_or(&[]), stored_weight(v)))
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
                t.leaf_digests.capacity() * size_of::<Digest48>(),
                t.kids.capacity() * size_of::<[u32; 2]>(),
                t.inner_digests.capacity() * size_of::<Digest48>(),
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
        self.tree.get_or_init(|| build::<H>(&self.leaves, true))
    }

    /// Hashes the trie (if it changed) and keeps the hashed form for proofs. Cheap when nothing
    /// changed.
    pub fn commit(&mut self) -> Root {
        self.root()
    }

    /// The root. [SMST-ROOT-1]
    pub fn root(&self) -> Root {
        let t = self.tree();
        Root(*t.digest(t.root))
    }

    /// The stored form of leaf `i` (value or its hash ‖ weight ‖ count).
    fn stored_of(&self, i: u32) -> &[u8] {
        self.tree()
            .locs
            .get(i as usize)
            .map_or(&[], |l| self.leaves.at(*l))
    }

    fn preimage_of(&self, i: u32, depth: usize) -> Vec<u8> {
        let t = self.tree();
        match t.kind(i) {
            Some(Kind::Leaf(p)) => leaf_preimage(&t.path(p), self.stored_of(p)),
            Some(Kind::Inner(l, r)) if l == NONE || r == NONE => self.extension_preimage(i, depth),
            Some(Kind::Inner(l, r)) => inner_preimage(t.digest(l), t.digest(r)),
            None => Vec::new(),
        }
    }

    /// The Go library stores a chain of single-child inner nodes as an extension node:
    /// `0x02 ‖ start ‖ end ‖ path ‖ child digest ‖ sum ‖ count`, `path` being a path of a leaf below.
    /// Its digest is the chain's, so proofs carrying it verify either way. [SMST-PROOF-1]
    fn extension_preimage(&self, top: u32, depth: usize) -> Vec<u8> {
        let t = self.tree();
        let mut cur = top;
        let mut end = depth;
        while let Some([l, r]) = t.kids_of(cur) {
            if l != NONE && r != NONE {
                break;
            }
            cur = if l == NONE { r } else { l };
            end = end.saturating_add(1);
        }
        // A leaf below: descend the leftmost non-empty children.
        let mut leaf = cur;
        let path = loop {
            match t.kind(leaf) {
                Some(Kind::Inner(l, r)) => leaf = if l == NONE { r } else { l },
                Some(Kind::Leaf(p)) => break t.path(p),
                None => break [0; 32],
            }
        };
        let top_digest = t.digest(top);
        let mut v = Vec::with_capacity(99);
        v.push(0x02);
        v.push(u8::try_from(depth).unwrap_or(u8::MAX));
        v.push(u8::try_from(end).unwrap_or(u8::MAX));
        v.extend_from_slice(&path);
        v.extend_from_slice(t.digest(cur));
        v.extend_from_slice(top_digest.get(32..).unwrap_or(&[]));
        v
    }

    /// Walks towards `path` from the root; with `closest`, takes the other child where the wanted
    /// one is empty (recording the flipped depth). Fills `sides` with the side node indices
    /// top-down; returns how many, the final node and the flipped depths.
    ///
    /// The walk only needs the shape; each side node's digest is read on the way (and dropped),
    /// so its cache miss overlaps the walk's instead of following it.
    fn walk(
        &self,
        path: &[u8; 32],
        closest: bool,
        sides: &mut [u32; 256],
    ) -> (usize, u32, Vec<i64>) {
        let t = self.tree();
        let mut flips = Vec::new();
        let mut cur = t.root;
        let mut depth = 0usize;
        let mut touch = 0u8;
        while let Some([l, r]) = t.kids_of(cur) {
            let mut b = bit(path, depth);
            if closest {
                let want = if b == 0 { l } else { r };
                if want == NONE {
                    b ^= 1;
                    flips.push(i64::try_from(depth).unwrap_or(i64::MAX));
                }
            }
            let (next, sib) = if b == 0 { (l, r) } else { (r, l) };
            // A digest may straddle two cache lines: touch both ends.
            let d = t.digest(sib);
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

    fn proof_from(&self, sides: &[u32]) -> SparseMerkleProof {
        let t = self.tree();
        let side_nodes = sides
            .iter()
            .rev()
            .map(|s| SideNode::from(*t.digest(*s)))
            .collect();
        let sibling_data = sides
            .last()
            .map(|s| self.preimage_of(*s, sides.len()))
            .unwrap_or_default();
        SparseMerkleProof {
            side_nodes,
            non_membership_leaf_data: Vec::new(),
            sibling_data,
        }
    }

    /// A membership proof of `key`, or a non-membership proof when it is absent. [SMST-PROOF-1]
    pub fn prove(&self, key: &[u8]) -> SparseMerkleProof {
        let path = Self::path(key);
        let mut buf = [NONE; 256];
        let (depth, end, _) = self.walk(&path, false, &mut buf);
        let sides = buf.get(..depth).unwrap_or(&[]);
        let mut p = self.proof_from(sides);
        let t = self.tree();
        if let Some(Kind::Leaf(i)) = t.kind(end)
            && end != NONE
            && t.path(i) != path
        {
            p.non_membership_leaf_data = self.preimage_of(end, sides.len());
        }
        p
    }

    /// The closest proof for a 32-byte `path` (not hashed): the leaf whose path is closest to it
    /// by XOR distance, its membership proof, the depth and the flipped bits, as the Go library
    /// returns them on tries without deletes (and correctly on tries with deletes). [SMST-CLOSEST-1]
    pub fn prove_closest(&self, path: &[u8; 32]) -> ClosestProof {
        if self.leaves.is_empty() {
            return ClosestProof {
                path: path.to_vec(),
                flipped_bits: alloc::vec![0],
                depth: 0,
                closest_path: PLACEHOLDER.to_vec(),
                closest_value_hash: Vec::new(),
                closest_proof: SparseMerkleProof::default(),
            };
        }
        let mut buf = [NONE; 256];
        let (depth, end, flips) = self.walk(path, true, &mut buf);
        let sides = buf.get(..depth).unwrap_or(&[]);
        let t = self.tree();
        // Start the loads of both leaves the proof reveals (the closest one and, usually, its
        // sibling) before either is copied, so their cache misses overlap.
        let warm = |i: u32| {
            t.locs
                .get(i as usize)
                .map_or(0, |l| self.leaves.at(*l).first().copied().unwrap_or(0))
                ^ t.paths.get(i as usize).map_or(0, |p| p[0])
        };
        // The sibling nearest the leaf is revealed too: a leaf's path and value, or an inner
        // node's children's digests.
        let warm_side = |s: u32| match t.kids_of(s) {
            Some([l, r]) => t.digest(l)[0] ^ t.digest(r)[47],
            None => warm(s),
        };
        core::hint::black_box(warm(end) ^ sides.last().map_or(0, |s| warm_side(*s)));
        let (lp, value) = match t.kind(end) {
            Some(Kind::Leaf(i)) if end != NONE => (t.path(i), self.stored_of(i).to_vec()),
            _ => ([0; 32], Vec::new()),
        };
        ClosestProof {
            path: path.to_vec(),
            flipped_bits: flips,
            depth: i64::try_from(depth).unwrap_or(i64::MAX),
            closest_path: lp.to_vec(),
            closest_value_hash: value,
            closest_proof: self.proof_from(sides),
        }
    }
}

fn stored_weight(stored: &[u8]) -> u64 {
    read_u64(stored.get(stored.len().saturating_sub(16)..).unwrap_or(&[]))
}

/// Builds the canonical tree: a leaf sits where it becomes alone in its subtree; every inner node
/// has at least one non-empty child. [SMST-ROOT-1]
///
/// The shape is found first (children before parents, so every subtree's inner nodes are one
/// contiguous run ending at its root), then hashed: with `par`, the top subtrees on both cores,
/// each writing its own part of one digest array — nothing is copied or spliced.
fn build<H: TrieHasher>(leaves: &crate::pathmap::PathMap, par: bool) -> Tree {
    let n = leaves.len();
    let mut t = Tree {
        paths: Vec::with_capacity(n),
        locs: Vec::with_capacity(n),
        leaf_digests: Vec::with_capacity(n),
        kids: Vec::new(),
        inner_digests: Vec::new(),
        root: NONE,
    };
    for (p, loc) in leaves.iter_locs() {
        t.paths.push(*p);
        t.locs.push(loc);
    }
    // Leaves come in path order, their values in insertion order: each value is a cache miss.
    // Hashing them in groups whose values are all read first keeps a group's misses in flight
    // together instead of one after another.
    let group = |out: &mut [Digest48], ps: &[[u8; 32]], ls: &[crate::pathmap::Loc]| {
        let mut touch = 0u8;
        for l in ls {
            let v = leaves.at(*l);
            touch ^= v.first().copied().unwrap_or(0) ^ v.last().copied().unwrap_or(0);
        }
        core::hint::black_box(touch);
        for ((d, p), l) in out.iter_mut().zip(ps).zip(ls) {
            *d = leaf_digest::<H>(p, leaves.at(*l));
        }
    };
    t.leaf_digests = alloc::vec![PLACEHOLDER; n];
    #[cfg(feature = "parallel")]
    let par_leaves = par && n >= PARALLEL_MIN;
    #[cfg(not(feature = "parallel"))]
    let par_leaves = false;
    if par_leaves {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            t.leaf_digests
                .par_chunks_mut(LEAF_GROUP)
                .zip(t.paths.par_chunks(LEAF_GROUP))
                .zip(t.locs.par_chunks(LEAF_GROUP))
                .for_each(|((out, ps), ls)| group(out, ps, ls));
        }
    } else {
        for ((out, ps), ls) in t
            .leaf_digests
            .chunks_mut(LEAF_GROUP)
            .zip(t.paths.chunks(LEAF_GROUP))
            .zip(t.locs.chunks(LEAF_GROUP))
        {
            group(out, ps, ls);
        }
    }
    if n > 0 {
        // Random paths make about 1.44·n inner nodes (n − 1 branches plus single-child chains).
        let mut kids = Vec::with_capacity(n.saturating_add(n / 2));
        let base = u32::try_from(n).unwrap_or(NONE);
        t.root = shape(&t.paths, &mut kids, base, 0, n, 0);
        kids.shrink_to_fit();
        let mut digests = alloc::vec![PLACEHOLDER; kids.len()];
        let h = Hashing::<H> {
            kids: &kids,
            leaves: &t.leaf_digests,
            base,
            _h: PhantomData,
        };
        if t.root >= base {
            h.subtree(&mut digests, 0, if par { 0 } else { usize::MAX });
        }
        t.kids = kids;
        t.inner_digests = digests;
    }
    t
}

/// Leaves hashed per group (their values read together first).
const LEAF_GROUP: usize = 16;

/// Below this many leaves the tree is built on one thread.
#[cfg(feature = "parallel")]
const PARALLEL_MIN: usize = 1 << 14;

/// Finds the shape of the subtree of leaves `lo..hi` at `depth`, appending its inner nodes to
/// `out` (children first); leaves are nodes `0..base`, inner node `k` of `out` is node
/// `base + k`. Returns the subtree's node index.
fn shape(
    paths: &[[u8; 32]],
    out: &mut Vec<[u32; 2]>,
    base: u32,
    lo: usize,
    hi: usize,
    depth: usize,
) -> u32 {
    if hi <= lo {
        return NONE;
    }
    if hi.saturating_sub(lo) == 1 || depth >= 256 {
        return u32::try_from(lo).unwrap_or(NONE);
    }
    let slice = paths.get(lo..hi).unwrap_or(&[]);
    let mid = lo.saturating_add(slice.partition_point(|p| bit(p, depth) == 0));
    let next = depth.saturating_add(1);
    let l = shape(paths, out, base, lo, mid, next);
    let r = shape(paths, out, base, mid, hi, next);
    out.push([l, r]);
    base.saturating_add(u32::try_from(out.len().saturating_sub(1)).unwrap_or(NONE))
}

/// Hashes inner nodes given their shape.
struct Hashing<'a, H> {
    kids: &'a [[u32; 2]],
    leaves: &'a [Digest48],
    base: u32,
    _h: PhantomData<fn() -> H>,
}

impl<H: TrieHasher> Hashing<'_, H> {
    /// Hashes the subtree whose inner nodes are `first .. first + out.len()` (its root last)
    /// into `out`. Near the top (`level` < 3, large subtrees) the two children's runs are hashed
    /// on two threads.
    fn subtree(&self, out: &mut [Digest48], first: usize, level: usize) {
        #[cfg(feature = "parallel")]
        if level < 3 && out.len() >= PARALLEL_MIN {
            let last = first.saturating_add(out.len()).saturating_sub(1);
            let [l, r] = self.kids.get(last).copied().unwrap_or([NONE, NONE]);
            // A child's run ends at the child; the left child's run starts the subtree's.
            let inner = |c: u32| c != NONE && c >= self.base;
            let left_len = if inner(l) {
                (l.saturating_sub(self.base) as usize)
                    .saturating_add(1)
                    .saturating_sub(first)
            } else {
                0
            };
            let Some((node, below)) = out.split_last_mut() else {
                return;
            };
            let (left, right) = below.split_at_mut(left_len.min(below.len()));
            let next = level.saturating_add(1);
            let right_first = first.saturating_add(left.len());
            rayon::join(
                || self.subtree(left, first, next),
                || self.subtree(right, right_first, next),
            );
            let d = |c: u32, run: &[Digest48]| -> Digest48 {
                if inner(c) {
                    run.last().copied().unwrap_or(PLACEHOLDER)
                } else {
                    self.digest(c, &[], 0)
                }
            };
            *node = inner_digest::<H>(&d(l, left), &d(r, right));
            return;
        }
        let _ = level;
        // Children come before parents: one pass in order.
        for k in 0..out.len() {
            let [l, r] = self
                .kids
                .get(first.saturating_add(k))
                .copied()
                .unwrap_or([NONE, NONE]);
            let d = inner_digest::<H>(&self.digest(l, out, first), &self.digest(r, out, first));
            if let Some(slot) = out.get_mut(k) {
                *slot = d;
            }
        }
    }

    /// The digest of node `i`: a leaf's, or an inner node's from `run` (inner nodes from `first`).
    fn digest(&self, i: u32, run: &[Digest48], first: usize) -> Digest48 {
        if i == NONE {
            PLACEHOLDER
        } else if i < self.base {
            self.leaves.get(i as usize).copied().unwrap_or(PLACEHOLDER)
        } else {
            (i.saturating_sub(self.base) as usize)
                .checked_sub(first)
                .and_then(|k| run.get(k))
                .copied()
                .unwrap_or(PLACEHOLDER)
        }
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

    /// The parallel build (two threads near the top, leaf digests in parallel) gives the same
    /// nodes as the one-thread build, on a trie large enough to split three levels deep.
    #[test]
    fn parallel_build_equals_sequential() {
        let mut t = Smst::<Sha256Hasher>::new(ValueMode::Raw);
        for i in 0u32..70_000 {
            t.update(&i.to_le_bytes(), &[1, 2, 3], u64::from(i % 7));
        }
        let (a, b) = (
            build::<Sha256Hasher>(&t.leaves, true),
            build::<Sha256Hasher>(&t.leaves, false),
        );
        assert_eq!(a.root, b.root);
        assert_eq!(a.kids, b.kids);
        assert_eq!(a.leaf_digests, b.leaf_digests);
        assert_eq!(a.inner_digests, b.inner_digests);
        let p = t.prove_closest(&[0x42; 32]);
        assert!(verify_closest_proof::<Sha256Hasher>(&p, &t.root()));
    }

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
        assert!(t.try_update(b"b", b"2", 2).is_err());
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
