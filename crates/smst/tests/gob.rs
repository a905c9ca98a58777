//! gob bytes of the Go library: every blob in the vectors decodes to the JSON fields, and our
//! encoder reproduces it byte for byte; compaction round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_smst::gob::*;
use pokt_smst::*;
use serde_json::Value;

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or("")).unwrap()
}

fn proof_of(v: &Value) -> SparseMerkleProof {
    SparseMerkleProof {
        side_nodes: v["side_nodes"].as_array().map_or_else(Vec::new, |a| {
            a.iter().map(|x| SideNode::from(hx(x))).collect()
        }),
        non_membership_leaf_data: hx(&v["non_membership_leaf_data"]),
        sibling_data: hx(&v["sibling_data"]),
    }
}

fn compact_of(v: &Value) -> CompactProof {
    CompactProof {
        side_nodes: v["side_nodes"].as_array().map_or_else(Vec::new, |a| {
            a.iter().map(|x| SideNode::from(hx(x))).collect()
        }),
        non_membership_leaf_data: hx(&v["non_membership_leaf_data"]),
        bit_mask: hx(&v["bit_mask"]),
        num_side_nodes: v["num_side_nodes"].as_i64().unwrap_or(0),
        sibling_data: hx(&v["sibling_data"]),
    }
}

fn closest_of(v: &Value) -> ClosestProof {
    ClosestProof {
        path: hx(&v["path"]),
        flipped_bits: v["flipped_bits"].as_array().map_or_else(Vec::new, |a| {
            a.iter().map(|b| b.as_i64().unwrap()).collect()
        }),
        depth: v["depth"].as_i64().unwrap_or(0),
        closest_path: hx(&v["closest_path"]),
        closest_value_hash: hx(&v["closest_value_hash"]),
        closest_proof: proof_of(&v["closest_proof"]),
    }
}

fn compact_closest_of(v: &Value) -> CompactClosestProof {
    CompactClosestProof {
        path: hx(&v["path"]),
        flipped_bits: v["flipped_bits"]
            .as_array()
            .map_or_else(Vec::new, |a| a.iter().map(hx).collect()),
        depth: hx(&v["depth"]),
        closest_path: hx(&v["closest_path"]),
        closest_value_hash: hx(&v["closest_value_hash"]),
        closest_proof: compact_of(&v["closest_proof"]),
    }
}

#[test]
fn every_gob_blob() {
    let mut blobs = 0;
    for dir in ["pokt", "default"] {
        let base = format!("{}/tests/data/{dir}", env!("CARGO_MANIFEST_DIR"));
        for f in std::fs::read_dir(&base).unwrap() {
            let d: Value =
                serde_json::from_str(&std::fs::read_to_string(f.unwrap().path()).unwrap()).unwrap();
            for m in d["membership_proofs"].as_array().unwrap() {
                let g = hx(&m["proof_gob"]);
                let p = proof_of(&m["proof"]);
                assert_eq!(decode_proof(&g).unwrap(), p);
                assert_eq!(encode_proof(&p), g, "SparseMerkleProof bytes");
                let g = hx(&m["compact_gob"]);
                let c = compact_of(&m["compact"]);
                assert_eq!(decode_compact_proof(&g).unwrap(), c);
                assert_eq!(
                    encode_compact_proof(&c),
                    g,
                    "SparseCompactMerkleProof bytes"
                );
                assert_eq!(compact_proof(&p), c);
                assert_eq!(decompact_proof(&c).unwrap(), p);
                blobs += 2;
            }
            let closest = d["closest_proofs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c, "proof_gob", "compact_gob"));
            let forged = d["forged_closest_proofs"]
                .as_array()
                .map_or(&[][..], |v| v.as_slice())
                .iter()
                .map(|c| (c, "proof_gob", ""));
            for (c, g, cg) in closest.chain(forged) {
                if c["prove_closest_error"].is_string() {
                    continue; // Go panicked (trie with deletes): no bytes to compare.
                }
                let p = closest_of(&c["proof"]);
                let bytes = hx(&c[g]);
                assert_eq!(decode_closest_proof(&bytes).unwrap(), p, "{c}");
                assert_eq!(
                    encode_closest_proof(&p),
                    bytes,
                    "SparseMerkleClosestProof bytes"
                );
                blobs += 1;
                if !cg.is_empty() {
                    let bytes = hx(&c[cg]);
                    let cp = compact_closest_of(&c["compact"]);
                    assert_eq!(decode_compact_closest_proof(&bytes).unwrap(), cp);
                    assert_eq!(
                        encode_compact_closest_proof(&cp),
                        bytes,
                        "compact closest bytes"
                    );
                    assert_eq!(compact_closest_proof(&p), cp);
                    assert_eq!(decompact_closest_proof(&cp).unwrap(), p);
                    blobs += 1;
                }
            }
        }
    }
    eprintln!("{blobs} gob blobs decoded and re-encoded byte for byte");
    assert!(blobs >= 600);
}

#[test]
fn hostile_streams() {
    for bad in [
        &[][..],
        &[0x05, 0x02],
        &[0xff],
        &[0x02, 0x7f, 0xff],
        &[0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert!(decode_compact_closest_proof(bad).is_err(), "{bad:?}");
    }
    // A valid stream with a byte flipped anywhere never panics.
    let mut t = PoktSmst::new(ValueMode::Raw);
    t.update(b"k", b"v", 1);
    t.update(b"k2", b"v2", 1);
    let g = encode_compact_closest_proof(&compact_closest_proof(&t.prove_closest(&[1; 32])));
    for i in 0..g.len() {
        let mut b = g.clone();
        b[i] ^= 0x55;
        let _ = decode_compact_closest_proof(&b);
        let _ = decode_compact_closest_proof(&g[..i]);
    }
    assert!(decode_compact_closest_proof(&g).is_ok());
}

/// No single-bit mutation of a valid compact closest proof's gob bytes passes the strict
/// verifier unless what it decodes to is itself the honest closest proof of its own path: the
/// same proof, the same proof without its sibling data (a flip in the stream's field bookkeeping
/// can drop that optional field, which only serves proof updates; when present it must hash to
/// the first side node, so a corrupted one fails), or the proof of a path that differs below the
/// leaf's depth (the same leaf is the closest to both paths; binding the proof to the drawn path
/// is the chain's separate check, [MINING-PROOF-1] step B5).
#[test]
fn no_single_bit_mutation_passes_strict() {
    let mut trie = PoktSmst::new(ValueMode::Raw);
    for i in 0u16..60 {
        trie.update(
            &i.to_be_bytes(),
            &[i.to_be_bytes()[1]; 12],
            u64::from(i) + 1,
        );
    }
    let root = trie.root();
    for q in [[0u8; 32], [0x5a; 32], [0xff; 32]] {
        let proof = trie.prove_closest(&q);
        assert!(verify_closest_proof::<Sha256Hasher>(&proof, &root));
        let bytes = encode_compact_closest_proof(&compact_closest_proof(&proof));
        let mut same = 0;
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let Ok(c) = decode_compact_closest_proof(&b) else {
                continue;
            };
            let Ok(p) = decompact_closest_proof(&c) else {
                continue;
            };
            let mut stripped = proof.clone();
            stripped.closest_proof.sibling_data.clear();
            if p == proof || p == stripped {
                same += 1;
                continue;
            }
            if verify_closest_proof::<Sha256Hasher>(&p, &root) {
                let q: [u8; 32] = p.path.clone().try_into().unwrap();
                let mut honest = trie.prove_closest(&q);
                if p.closest_proof.sibling_data.is_empty() {
                    honest.closest_proof.sibling_data.clear();
                }
                assert_eq!(
                    p, honest,
                    "bit {bit}: a strict pass that is not the honest proof"
                );
                same += 1;
            }
        }
        // The passes are the query-path bits below the leaf's depth and a few bookkeeping bits;
        // every other flip is refused (by the decoder or by the verifier).
        assert!(
            same < 8 * bytes.len() / 2,
            "{same} of {} flips pass",
            8 * bytes.len()
        );
    }
}
