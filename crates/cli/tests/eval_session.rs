//! `pokt eval` session topics against the shared session vectors, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::eval;

use serde_json::{Value, json};

fn vectors() -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../session/tests/data/sessions.json"
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn session_topics_match_vectors() {
    let d = vectors();
    let sessions = d["sessions"].as_array().unwrap();
    let grid_in: Vec<Value> = sessions
        .iter()
        .map(|c| {
            json!({"num_blocks_per_session": c["num_blocks_per_session"], "anchor_height": c["anchor_height"],
                   "number_at_anchor": c["number_at_anchor"], "height": c["query_height"]})
        })
        .collect();
    let id_in: Vec<Value> = sessions
        .iter()
        .map(|c| {
            json!({"block_hash": c["block_hash"], "service_id": c["service_id"],
                   "application_address": c["application_address"], "session_start_height": c["session_start_height"]})
        })
        .collect();
    let sup_in: Vec<Value> = sessions
        .iter()
        .map(|c| {
            json!({"preimage": c["preimage"], "num_suppliers_per_session": c["num_suppliers_per_session"],
                   "candidates": c["candidates"]})
        })
        .collect();
    let grid = eval("session-grid", Value::Array(grid_in));
    let ids = eval("session", Value::Array(id_in));
    let sups = eval("suppliers", Value::Array(sup_in));
    for (n, c) in sessions.iter().enumerate() {
        assert_eq!(grid[n]["start"], c["session_start_height"], "case {n}");
        assert_eq!(grid[n]["end"], c["session_end_height"], "case {n}");
        assert_eq!(grid[n]["number"], c["session_number"], "case {n}");
        assert_eq!(ids[n]["session_id"], c["session_id"], "case {n}");
        assert_eq!(ids[n]["preimage"], c["preimage"], "case {n}");
        assert_eq!(sups[n]["selected"], c["selected"], "case {n}");
    }
    let windows = d["windows"].as_array().unwrap();
    let out = eval("windows", Value::Array(windows.clone()));
    for (n, c) in windows.iter().enumerate() {
        for k in [
            "grace_period_end",
            "claim_window_open",
            "claim_window_close",
            "proof_window_open",
            "proof_window_close",
            "settlement_height",
        ] {
            assert_eq!(out[n][k], c[k], "window set {n} {k}");
        }
    }
}
