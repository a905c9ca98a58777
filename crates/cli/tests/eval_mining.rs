//! `pokt eval` mining topics against the shared mining vectors, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::eval;

use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let p = format!("{}/../mining/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn as_u64(v: &Value) -> u64 {
    v.as_str()
        .map_or_else(|| v.as_u64().unwrap(), |s| s.parse().unwrap())
}

#[test]
fn mining_topics_match_vectors() {
    let d = load("go_math_rand.json");
    let cases: Vec<Value> = d["cases"].as_array().unwrap().clone();
    let out = eval(
        "go-rand",
        cases
            .iter()
            .map(|c| json!({"seed": c["seed"], "count": 20}))
            .collect::<Vec<_>>(),
    );
    for (c, o) in cases.iter().zip(&out) {
        let want: Vec<u64> = c["int63"].as_array().unwrap().iter().map(as_u64).collect();
        let got: Vec<u64> = o["int63"].as_array().unwrap().iter().map(as_u64).collect();
        assert_eq!(got, want);
        for (g, w) in o["float64"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["float64"].as_array().unwrap())
        {
            assert_eq!(g.as_f64().unwrap().to_bits(), w.as_f64().unwrap().to_bits());
        }
    }

    let d = load("seeded_float.json");
    let cases = d["cases"].as_array().unwrap().clone();
    let out = eval("seeded-float", cases.clone());
    for (c, o) in cases.iter().zip(&out) {
        assert_eq!(o["seed"], c["seed"]);
        assert_eq!(
            o["float"].as_f64().unwrap().to_bits(),
            c["float"].as_f64().unwrap().to_bits()
        );
    }

    let d = load("ema_difficulty.json");
    let cases = d["ema_cases"].as_array().unwrap().clone();
    for (c, o) in cases.iter().zip(&eval("ema", cases.clone())) {
        assert_eq!(as_u64(&o["ema"]), as_u64(&c["ema"]));
    }
    let cases = d["target_cases"].as_array().unwrap().clone();
    for (c, o) in cases.iter().zip(&eval("target", cases.clone())) {
        assert_eq!(o["target_hash"], c["target_hash"]);
    }

    let d = load("proof_path_and_requirement.json");
    let cases = d["cases"].as_array().unwrap().clone();
    let paths = eval(
        "proof-path",
        cases
            .iter()
            .map(|c| json!({"block_hash": c["seed_block_hash"], "session_id": c["session_id"]}))
            .collect::<Vec<_>>(),
    );
    let reqs = eval("proof-requirement", cases.clone());
    for ((c, p), r) in cases.iter().zip(&paths).zip(&reqs) {
        assert_eq!(p["path"], c["proof_path"]);
        assert_eq!(r["requirement"], c["requirement"]);
        assert_eq!(
            r["sample"].as_f64().unwrap().to_bits(),
            c["sample"].as_f64().unwrap().to_bits()
        );
    }
}

#[test]
fn claimed_upokt_topic() {
    // Base difficulty, mainnet pricing: 685 CU × 0.14599 = 100.003… → "100"; a zero target errors.
    let out = eval(
        "claimed-upokt",
        vec![
            json!({"num_compute_units": 685, "target_hash": "ff".repeat(32),
                   "compute_units_to_tokens_multiplier": 145_990, "compute_unit_cost_granularity": 1_000_000}),
            json!({"num_compute_units": 1, "target_hash": "00".repeat(32),
                   "compute_units_to_tokens_multiplier": 1, "compute_unit_cost_granularity": 1}),
        ],
    );
    assert_eq!(out[0]["upokt"], "100");
    assert!(out[1]["error"].is_string());
}
