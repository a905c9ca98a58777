//! `pokt eval relay-hashes` and `claim-hash` against the Go-produced encodings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::eval;

use serde_json::Value;

#[test]
fn relay_and_claim_hashes() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../primitives/tests/data/relay_encoding.json"
    );
    let d: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let relays = d["relays"].as_array().unwrap().clone();
    for (c, o) in relays.iter().zip(eval("relay-hashes", relays.clone())) {
        assert_eq!(o["request_signable_hash"], c["request_signable_hash"]);
        assert_eq!(o["response_signable_hash"], c["response_signable_hash"]);
        assert_eq!(o["relay_hash"], c["relay_hash"]);
        assert_eq!(o["reencoded"], c["relay"]);
    }
    let claims = d["claims"].as_array().unwrap().clone();
    for (c, o) in claims.iter().zip(eval("claim-hash", claims.clone())) {
        assert_eq!(o["claim_hash"], c["claim_hash"]);
    }
    let bad = eval("claim-hash", vec![serde_json::json!({"claim": "0aff"})]);
    assert!(bad[0]["error"].is_string());
}
