//! The hashed form of a trie: its canonical shape and node digests, built from the leaves on
//! demand. [SMST-ROOT-1]

use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::hasher::TrieHasher;
use crate::node::{Digest48, PLACEHOLDER, bit, inner_digest, leaf_digest};
use crate::pathmap::{Loc, PathMap};

/// No node (an empty subtree).
pub(crate) const NONE: u32 = u32::MAX;

/// What a node index names: a leaf (its index in path order) or an inner node (its children).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
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
pub(crate) struct Tree {
    pub(crate) paths: Vec<[u8; 32]>,
    /// Where each leaf's stored form sits in the leaf map (no search to reveal a leaf).
    pub(crate) locs: Vec<Loc>,
    pub(crate) leaf_digests: Vec<Digest48>,
    pub(crate) kids: Vec<[u32; 2]>,
    pub(crate) inner_digests: Vec<Digest48>,
    pub(crate) root: u32,
}

impl Tree {
    pub(crate) fn n(&self) -> u32 {
        u32::try_from(self.leaf_digests.len()).unwrap_or(NONE)
    }

    pub(crate) fn kind(&self, i: u32) -> Option<Kind> {
        match i.checked_sub(self.n()) {
            None => Some(Kind::Leaf(i)),
            Some(j) => self.kids.get(j as usize).map(|[l, r]| Kind::Inner(*l, *r)),
        }
    }

    /// The children of inner node `i` (`None` for a leaf or no node).
    pub(crate) fn kids_of(&self, i: u32) -> Option<[u32; 2]> {
        i.checked_sub(self.n())
            .and_then(|j| self.kids.get(j as usize).copied())
    }

    pub(crate) fn digest(&self, i: u32) -> &Digest48 {
        let d = match i.checked_sub(self.n()) {
            None => self.leaf_digests.get(i as usize),
            Some(j) => self.inner_digests.get(j as usize),
        };
        d.unwrap_or(&PLACEHOLDER)
    }

    pub(crate) fn path(&self, leaf: u32) -> [u8; 32] {
        self.paths.get(leaf as usize).copied().unwrap_or([0; 32])
    }
}

/// Whether a build may use all cores (the `parallel` feature) or stays on the calling thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threads {
    /// Rayon's pool, for large tries.
    All,
    /// The calling thread only.
    #[cfg_attr(not(test), allow(dead_code))]
    One,
}

/// Builds the canonical tree: a leaf sits where it becomes alone in its subtree; every inner node
/// has at least one non-empty child. [SMST-ROOT-1]
///
/// The shape is found first (children before parents, so every subtree's inner nodes are one
/// contiguous run ending at its root), then hashed: with [`Threads::All`], the top subtrees on all cores,
/// each writing its own part of one digest array — nothing is copied or spliced.
pub(crate) fn build<H: TrieHasher>(leaves: &PathMap, threads: Threads) -> Tree {
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
    let group = |out: &mut [Digest48], ps: &[[u8; 32]], ls: &[Loc]| {
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
    let par_leaves = threads == Threads::All && n >= PARALLEL_MIN;
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
            let level = match threads {
                Threads::All => 0,
                Threads::One => usize::MAX,
            };
            h.subtree(&mut digests, 0, level);
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Sha256Hasher, Smst, ValueMode, verify_closest_proof};

    /// The parallel build (two threads near the top, leaf digests in parallel) gives the same
    /// nodes as the one-thread build, on a trie large enough to split three levels deep.
    #[test]
    fn parallel_build_equals_sequential() {
        let mut t = Smst::<Sha256Hasher>::new(ValueMode::Raw);
        for i in 0u32..70_000 {
            t.update(&i.to_le_bytes(), &[1, 2, 3], u64::from(i % 7));
        }
        let (a, b) = (
            build::<Sha256Hasher>(&t.leaves, Threads::All),
            build::<Sha256Hasher>(&t.leaves, Threads::One),
        );
        assert_eq!(a.root, b.root);
        assert_eq!(a.kids, b.kids);
        assert_eq!(a.leaf_digests, b.leaf_digests);
        assert_eq!(a.inner_digests, b.inner_digests);
        assert_eq!(*a.digest(a.root), t.root().to_bytes());
        let p = t.prove_closest(&[0x42; 32]);
        assert!(verify_closest_proof::<Sha256Hasher>(&p, &t.root()));
    }
}
