//! The trie against a naive model: a map of keys to (value, weight), and a root computed by the
//! obviously-correct recursion of spec/smst.md (SMST-ROOT-1, SMST-NODE-1/2, SMST-VALUE-1), written
//! here from the spec alone — it shares no code with the crate, so a wrong node encoding, sum
//! suffix, placeholder or leaf placement in the crate makes the roots differ.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use pokt_smst::{Blake3Hasher, Root, Sha256Hasher, Smst, TrieHasher, ValueMode};
use proptest::prelude::*;

/// The hash of the concatenation of `parts` (SHA-256 or BLAKE3, straight from their crates).
type Hash = fn(&[&[u8]]) -> [u8; 32];

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn blake3(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Bit `i` of a path, most significant bit of byte 0 first (SMST-PATH-1).
fn path_bit(path: &[u8; 32], i: usize) -> u8 {
    (path[i / 8] >> (7 - i % 8)) & 1
}

/// A leaf of the model: its path, the value part of its stored form (the value, or its hash), and
/// its weight.
struct Leaf {
    path: [u8; 32],
    value_hash: Vec<u8>,
    weight: u64,
}

/// The 48-byte digest of the subtree holding `leaves` (all of which agree on their first `depth`
/// path bits), by the definition:
/// - no leaves: 48 zero bytes (the placeholder);
/// - one leaf: H(0x00 ‖ path ‖ value hash ‖ weight ‖ 1) ‖ weight ‖ 1 — a leaf sits at the
///   shallowest depth where it is alone;
/// - otherwise, with l and r the digests of the leaves whose bit `depth` is 0 and 1, s and c the
///   sums of their sum and count suffixes mod 2⁶⁴: H(0x01 ‖ l ‖ r ‖ s ‖ c) ‖ s ‖ c.
///
/// All integers are 8 bytes big-endian.
fn subtree(h: Hash, leaves: &[&Leaf], depth: usize) -> [u8; 48] {
    let mut out = [0u8; 48];
    match leaves {
        [] => {}
        [leaf] => {
            let (w, one) = (leaf.weight.to_be_bytes(), 1u64.to_be_bytes());
            let d = h(&[&[0x00], &leaf.path, &leaf.value_hash, &w, &one]);
            out[..32].copy_from_slice(&d);
            out[32..40].copy_from_slice(&w);
            out[40..].copy_from_slice(&one);
        }
        _ => {
            let (zeros, ones): (Vec<&Leaf>, Vec<&Leaf>) =
                leaves.iter().partition(|l| path_bit(&l.path, depth) == 0);
            let l = subtree(h, &zeros, depth + 1);
            let r = subtree(h, &ones, depth + 1);
            let field =
                |d: &[u8; 48], at: usize| u64::from_be_bytes(d[at..at + 8].try_into().unwrap());
            let s = field(&l, 32).wrapping_add(field(&r, 32)).to_be_bytes();
            let c = field(&l, 40).wrapping_add(field(&r, 40)).to_be_bytes();
            let d = h(&[&[0x01], &l, &r, &s, &c]);
            out[..32].copy_from_slice(&d);
            out[32..40].copy_from_slice(&s);
            out[40..].copy_from_slice(&c);
        }
    }
    out
}

/// The model's root: path = H(key); the value part is the value (raw) or H(value) (hashed).
fn model_root(h: Hash, mode: ValueMode, model: &BTreeMap<Vec<u8>, (Vec<u8>, u64)>) -> [u8; 48] {
    let leaves: Vec<Leaf> = model
        .iter()
        .map(|(k, (v, w))| Leaf {
            path: h(&[k]),
            value_hash: match mode {
                ValueMode::Raw => v.clone(),
                ValueMode::Hashed => h(&[v]).to_vec(),
            },
            weight: *w,
        })
        .collect();
    let refs: Vec<&Leaf> = leaves.iter().collect();
    subtree(h, &refs, 0)
}

/// One step of a random history.
#[derive(Clone, Debug)]
enum Op {
    Update {
        key: u8,
        value: Vec<u8>,
        weight: u64,
    },
    Delete {
        key: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // A small key space makes overwrites and deletes of present keys frequent; weights near
    // u64::MAX make the sums wrap.
    let weight = prop_oneof![0u64..1000, (u64::MAX - 5)..=u64::MAX];
    prop_oneof![
        3 => (0u8..48, proptest::collection::vec(any::<u8>(), 0..40), weight)
            .prop_map(|(key, value, weight)| Op::Update { key, value, weight }),
        1 => (0u8..48).prop_map(|key| Op::Delete { key }),
    ]
}

/// Runs `ops` on a trie and on the model; after every step (and once more after a reload from
/// the trie's own leaves) the trie's root is the model's.
fn check<H: TrieHasher>(h: Hash, mode: ValueMode, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut trie = Smst::<H>::new(mode);
    let mut model: BTreeMap<Vec<u8>, (Vec<u8>, u64)> = BTreeMap::new();
    for op in ops {
        match op {
            Op::Update { key, value, weight } => {
                trie.update(&[*key], value, *weight);
                model.insert(vec![*key], (value.clone(), *weight));
            }
            Op::Delete { key } => {
                prop_assert_eq!(
                    trie.delete(&[*key]),
                    model.remove([*key].as_slice()).is_some()
                );
            }
        }
        let want = Root::from_bytes(model_root(h, mode, &model));
        prop_assert_eq!(trie.root(), want, "after {:?}", op);
    }
    let reloaded = Smst::<H>::from_leaves(mode, trie.leaves().map(|(p, v)| (*p, v.to_vec())))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(reloaded.root().to_bytes(), model_root(h, mode, &model));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn root_equals_naive_model_raw(ops in proptest::collection::vec(op(), 1..60)) {
        check::<Sha256Hasher>(sha256, ValueMode::Raw, &ops)?;
    }

    #[test]
    fn root_equals_naive_model_hashed(ops in proptest::collection::vec(op(), 1..60)) {
        check::<Sha256Hasher>(sha256, ValueMode::Hashed, &ops)?;
    }

    #[test]
    fn root_equals_naive_model_blake3(ops in proptest::collection::vec(op(), 1..40), hashed in any::<bool>()) {
        let mode = if hashed { ValueMode::Hashed } else { ValueMode::Raw };
        check::<Blake3Hasher>(blake3, mode, &ops)?;
    }
}

/// A larger trie (deep shared prefixes appear by chance) built in one order and half deleted in
/// another: the root is still the model's.
#[test]
fn large_trie_equals_naive_model() {
    for mode in [ValueMode::Raw, ValueMode::Hashed] {
        let mut trie = Smst::<Sha256Hasher>::new(mode);
        let mut model = BTreeMap::new();
        for i in 0u32..3000 {
            let (k, v, w) = (
                i.to_be_bytes().to_vec(),
                i.to_le_bytes().to_vec(),
                u64::from(i % 97),
            );
            trie.update(&k, &v, w);
            model.insert(k, (v, w));
        }
        for i in (0u32..3000).rev().step_by(2) {
            assert!(trie.delete(&i.to_be_bytes()));
            model.remove(i.to_be_bytes().as_slice());
        }
        assert_eq!(trie.root().to_bytes(), model_root(sha256, mode, &model));
    }
}
