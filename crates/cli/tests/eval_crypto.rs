//! `pokt eval` crypto topics against the shared crypto vectors, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::eval;

use serde_json::{Value, json};

fn load(name: &str) -> Vec<Value> {
    let p = format!("{}/../crypto/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

#[test]
fn crypto_topics_match_vectors() {
    let cases = load("secp256k1_cosmos.json");
    for (c, o) in cases.iter().zip(eval("secp256k1-sign", cases.clone())) {
        assert_eq!(o["signature"], c["signature"]);
    }
    let mut verify_in = Vec::new();
    for c in &cases {
        verify_in.push(json!({"public_key": c["public_key"], "message": c["message"], "signature": c["signature"]}));
        verify_in.push(json!({"public_key": c["public_key"], "message": c["message"], "signature": c["high_s_twin"]}));
    }
    let out = eval("secp256k1-verify", verify_in);
    for pair in out.chunks(2) {
        assert_eq!(pair[0]["valid"], true);
        assert_eq!(pair[1]["valid"], false);
    }
    let cases = load("hash_to_scalar.json");
    for (c, o) in cases.iter().zip(eval("hash-to-scalar", cases.clone())) {
        assert_eq!(o["scalar"], c["scalar"]);
    }
    let cases = load("hash_to_curve.json");
    for (c, o) in cases.iter().zip(eval("hash-to-curve", cases.clone())) {
        assert_eq!(o["point"], c["hash_to_curve"]);
    }
}

#[test]
fn ring_topics() {
    let cases = load("ring_signatures.json");
    let out = eval(
        "ring-verify",
        cases
            .iter()
            .map(|c| json!({"signature": c["signature"], "message": c["message"]}))
            .collect::<Vec<_>>(),
    );
    for (c, o) in cases.iter().zip(&out) {
        assert_eq!(o["valid"], c["valid"]);
        assert_eq!(o["key_image"], c["key_image"]);
        assert_eq!(o["ring"], c["ring"]);
    }
    // Sign with the vector keys, then verify our signatures through the same binary.
    let sign_in: Vec<Value> = cases
        .iter()
        .take(10)
        .map(|c| {
            let j = usize::try_from(c["signer_index"].as_u64().unwrap()).unwrap();
            json!({"ring": c["ring"], "signer_index": j, "private_key": c["private_keys"][j],
                   "message": c["message"], "rng_seed": "07".repeat(32)})
        })
        .collect();
    let sigs = eval("ring-sign", sign_in);
    let again = eval("ring-sign", {
        let c = &cases[0];
        let j = usize::try_from(c["signer_index"].as_u64().unwrap()).unwrap();
        vec![
            json!({"ring": c["ring"], "signer_index": j, "private_key": c["private_keys"][j],
                    "message": c["message"], "rng_seed": "07".repeat(32)}),
        ]
    });
    assert_eq!(
        sigs[0]["signature"], again[0]["signature"],
        "seeded signing is deterministic"
    );
    let verify_in: Vec<Value> = sigs
        .iter()
        .zip(&cases)
        .map(|(s, c)| json!({"signature": s["signature"], "message": c["message"]}))
        .collect();
    for o in eval("ring-verify", verify_in) {
        assert_eq!(o["valid"], true);
    }
}
