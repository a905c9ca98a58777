//! `pokt eval` crypto topics against the shared crypto vectors, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn eval(topic: &str, cases: Vec<Value>) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["eval", topic])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::Array(cases).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pokt eval {topic} failed");
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

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
