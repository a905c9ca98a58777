//! Node digests and encodings (smst.md §A.4).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use crate::hasher::TrieHasher;

/// A 48-byte node digest: hash ‖ sum (u64 BE) ‖ count (u64 BE).
pub type Digest48 = [u8; 48];

/// The digest of an empty subtree: 48 zero bytes. [SMST-ROOT-2]
pub const PLACEHOLDER: Digest48 = [0u8; 48];

const LEAF: u8 = 0x00;
const INNER: u8 = 0x01;
const EXTENSION: u8 = 0x02;

/// Bit `i` of a path, most significant bit first (bit 0 = 0 goes left). [SMST-PATH-1]
pub fn bit(path: &[u8], i: usize) -> u8 {
    // i % 8 < 8, so the shift amount is in 0..=7.
    path.get(i / 8)
        .map_or(0, |b| (b >> (7usize.wrapping_sub(i % 8))) & 1)
}

pub(crate) fn read_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(..8) {
        a.copy_from_slice(s);
    }
    u64::from_be_bytes(a)
}

/// The last 16 bytes of `data` (sum ‖ count), zero-filled when shorter.
fn tail16(data: &[u8]) -> [u8; 16] {
    let mut t = [0u8; 16];
    let n = data.len().min(16);
    if let (Some(dst), Some(src)) = (
        t.get_mut(16usize.saturating_sub(n)..),
        data.get(data.len().saturating_sub(n)..),
    ) {
        dst.copy_from_slice(src);
    }
    t
}

fn with_tail(h: [u8; 32], t: [u8; 16]) -> Digest48 {
    let mut d = [0u8; 48];
    if let Some(x) = d.get_mut(..32) {
        x.copy_from_slice(&h);
    }
    if let Some(x) = d.get_mut(32..) {
        x.copy_from_slice(&t);
    }
    d
}

/// Leaf digest: H(0x00 ‖ path ‖ stored value) ‖ its last 16 bytes (weight ‖ count). [SMST-NODE-1]
pub fn leaf_digest<H: TrieHasher>(path: &[u8], stored: &[u8]) -> Digest48 {
    with_tail(H::digest(&[&[LEAF], path, stored]), tail16(stored))
}

/// Inner digest: sums and counts add mod 2⁶⁴ as Go does; H(0x01 ‖ L ‖ R ‖ s ‖ c) ‖ s ‖ c.
/// [SMST-NODE-2]
pub fn inner_digest<H: TrieHasher>(l: &Digest48, r: &Digest48) -> Digest48 {
    let s = read_u64(l.get(32..).unwrap_or(&[])).wrapping_add(read_u64(r.get(32..).unwrap_or(&[])));
    let c = read_u64(l.get(40..).unwrap_or(&[])).wrapping_add(read_u64(r.get(40..).unwrap_or(&[])));
    let mut t = [0u8; 16];
    if let Some(x) = t.get_mut(..8) {
        x.copy_from_slice(&s.to_be_bytes());
    }
    if let Some(x) = t.get_mut(8..) {
        x.copy_from_slice(&c.to_be_bytes());
    }
    with_tail(H::digest(&[&[INNER], l, r, &t]), t)
}

/// The preimage of a leaf (what the Go store keeps and what `SiblingData` carries).
pub fn leaf_preimage(path: &[u8; 32], stored: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(33usize.saturating_add(stored.len()));
    v.push(LEAF);
    v.extend_from_slice(path);
    v.extend_from_slice(stored);
    v
}

/// The preimage of an inner node.
pub fn inner_preimage(l: &Digest48, r: &Digest48) -> Vec<u8> {
    let d = inner_digest::<crate::Sha256Hasher>(l, r);
    let mut v = Vec::with_capacity(113);
    v.push(INNER);
    v.extend_from_slice(l);
    v.extend_from_slice(r);
    v.extend_from_slice(d.get(32..).unwrap_or(&[]));
    v
}

/// The digest of a node preimage as Go's `hashSumSerialization` computes it: leaves and inner
/// nodes hash their preimage; an extension (0x02 ‖ start ‖ end ‖ path ‖ child ‖ s ‖ c) hashes as
/// the chain of inner nodes it stands for. `None` for malformed input.
pub fn preimage_digest<H: TrieHasher>(data: &[u8]) -> Option<Digest48> {
    match data.first()? {
        &EXTENSION => {
            let start = usize::from(*data.get(1)?);
            let end = usize::from(*data.get(2)?);
            let path = data.get(3..35)?;
            let mut node: Digest48 = data.get(35..83)?.try_into().ok()?;
            if end < start || end > 256 {
                return None;
            }
            for i in (start..end).rev() {
                node = if bit(path, i) == 0 {
                    inner_digest::<H>(&node, &PLACEHOLDER)
                } else {
                    inner_digest::<H>(&PLACEHOLDER, &node)
                };
            }
            Some(node)
        }
        _ => Some(with_tail(H::digest(&[data]), tail16(data))),
    }
}
