//! `pokt eval smst` and `smst-verify-closest` against the Go-produced SMST vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::eval;

use serde_json::{Value, json};

/// Byte-identical, or identical except for sibling data that hashes the same (Go names an
/// extension's leaf by insertion history; see spec/smst.md).
fn same_proof_bytes(ours: &Value, go: &Value, closest: bool) {
    use pokt_smst::gob::*;
    if ours == go {
        return;
    }
    let o = hex::decode(ours.as_str().unwrap()).unwrap();
    let g = hex::decode(go.as_str().unwrap()).unwrap();
    let (mut a, mut b) = if closest {
        (
            decode_compact_closest_proof(&o).unwrap().closest_proof,
            decode_compact_closest_proof(&g).unwrap().closest_proof,
        )
    } else {
        (
            decode_compact_proof(&o).unwrap(),
            decode_compact_proof(&g).unwrap(),
        )
    };
    let h = |x: &[u8]| pokt_smst::preimage_digest::<pokt_smst::Sha256Hasher>(x);
    assert_eq!(h(&a.sibling_data), h(&b.sibling_data));
    a.sibling_data.clear();
    b.sibling_data.clear();
    assert_eq!(a, b);
}

#[test]
fn smst_topics_match_go() {
    for (dir, mode) in [("pokt", "raw"), ("default", "hashed")] {
        let base = format!("{}/../smst/tests/data/{dir}", env!("CARGO_MANIFEST_DIR"));
        for f in std::fs::read_dir(&base).unwrap() {
            let d: Value =
                serde_json::from_str(&std::fs::read_to_string(f.unwrap().path()).unwrap()).unwrap();
            let prove: Vec<Value> = d["membership_proofs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["key"].clone())
                .collect();
            let honest: Vec<&Value> = d["closest_proofs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["closest_i"] == c["ref_min_xor_i"] || d["count"] == 0)
                .collect();
            let closest: Vec<Value> = honest.iter().map(|c| c["query"].clone()).collect();
            let out = eval(
                "smst",
                vec![
                    json!({"value_mode": mode, "ops": d["ops"], "prove": prove, "closest": closest}),
                ],
            );
            let o = &out[0];
            assert_eq!(o["root"], d["root"], "{dir}/{}", d["name"]);
            for (m, p) in d["membership_proofs"]
                .as_array()
                .unwrap()
                .iter()
                .zip(o["proofs"].as_array().unwrap())
            {
                same_proof_bytes(&p["compact_gob"], &m["compact_gob"], false);
            }
            for (c, p) in honest.iter().zip(o["closest"].as_array().unwrap()) {
                same_proof_bytes(&p["compact_gob"], &c["compact_gob"], true);
                assert_eq!(p["verified_go"], c["verify_compact_closest_proof"]);
            }
            // Every Go-produced closest proof (forgeries included) gets Go's verdict from the Go verifier.
            let mut verify_in = Vec::new();
            let mut want = Vec::new();
            for c in d["closest_proofs"].as_array().unwrap() {
                if c["compact_gob"].as_str().is_some_and(|s| !s.is_empty()) {
                    verify_in.push(json!({"root": d["root"], "compact_gob": c["compact_gob"], "value_mode": mode}));
                    want.push(c["verify_compact_closest_proof"].clone());
                }
            }
            for (o, w) in eval("smst-verify-closest", verify_in).iter().zip(want) {
                assert_eq!(o["go"], w);
            }
        }
    }
}
