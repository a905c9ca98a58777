//! `pokt settle` and `pokt eval settle` through the real binary, on the worked mainnet example of
//! crates/tokenomics/tests/settlement.rs (`mainnet_single_claim`), whose numbers are derived there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_primitives::Address;
use serde_json::{Value, json};

mod common;
use common::pokt;

fn addr(b: u8) -> String {
    Address::from_bytes([b; 20]).to_string()
}

/// The scenario: one mainnet claim of 10,000 relays × 100 CU at CUTTM 145,990, revenue shares
/// 50/30/20, an application staking 1,000 POKT, two pending sessions.
fn scenario() -> Value {
    json!({
        "params": "mainnet",
        "claims": [{
            "supplier_operator": addr(101), "supplier_owner": addr(150),
            "rev_shares": [
                {"address": addr(31), "percentage": 50},
                {"address": addr(32), "percentage": 30},
                {"address": addr(33), "percentage": 20}
            ],
            "application": addr(1), "service_id": "llm", "source_owner": addr(200),
            "session_id": "01".repeat(32), "num_relays": 10000, "num_compute_units": 1000000,
            "compute_units_per_relay": 100, "target_hash": "ff".repeat(32),
            "compute_units_to_tokens_multiplier": 145990, "compute_unit_cost_granularity": 1000000
        }],
        "apps": { addr(1): {"stake": "1000000000", "per_session_spend_limit": null} },
        "num_pending_sessions": 2,
        "proposer": addr(7),
        "application_min_stake": 1,
        "mode": "go"
    })
}

/// The committed example scenario is this one (`POKT_REGEN_SCENARIOS=1` rewrites it).
#[test]
fn example_scenario_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/settle_mainnet.json"
    );
    let text = serde_json::to_string_pretty(&scenario()).unwrap() + "\n";
    if std::env::var_os("POKT_REGEN_SCENARIOS").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
}

fn received(out: &Value, who: &str) -> u64 {
    out["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["op"] == "transfer" && o["to"] == who)
        .map(|o| o["amount"].as_str().unwrap().parse::<u64>().unwrap())
        .sum()
}

#[test]
fn settle_matches_the_worked_example() {
    let (code, out) = pokt(&["eval", "settle"], &json!([scenario()]).to_string());
    assert_eq!(code, 0);
    let out: Value = serde_json::from_str(&out).unwrap();
    let s = &out[0];
    assert_eq!(s["outcomes"][0]["outcome"], "settled", "{s}");
    assert_eq!(s["outcomes"][0]["settled_upokt"], "145990");
    assert_eq!(s["burned"], "145990");
    assert_eq!(s["minted"], "142341");
    assert_eq!(received(s, &addr(31)), 56_225);
    assert_eq!(received(s, &addr(32)), 33_734);
    assert_eq!(received(s, &addr(33)), 22_489);
    assert_eq!(received(s, &addr(7)), 19_927);
    assert_eq!(received(s, &addr(200)), 3_558);
    assert_eq!(s["app_stakes"][addr(1)], "999854009");

    // `pokt settle --json` prints the same object; the table names every operation.
    let (code, json_out) = pokt(&["settle", "--json"], &scenario().to_string());
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&json_out).unwrap(), *s);
    let (code, table) = pokt(&["settle"], &scenario().to_string());
    assert_eq!(code, 0);
    assert_eq!(
        table
            .lines()
            .filter(|l| l.contains("relay_mint_share"))
            .count(),
        s["ops"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["reason"]
                .as_str()
                .unwrap()
                .starts_with("relay_mint_share"))
            .count()
    );
    assert!(table.contains("minted 142341 uPOKT, burned 145990 uPOKT"));
}

#[test]
fn settle_reports_bad_input_and_strict_refusals() {
    let mut bad = scenario();
    bad["claims"][0]["application"] = json!("pokt1notanaddress");
    let (code, out) = pokt(&["eval", "settle"], &json!([bad]).to_string());
    assert_eq!(code, 0);
    assert!(out.contains("error"), "{out}");
    // One uPOKT at mint ratio 0.975 mints 0: discarded in Go mode, refused in strict mode.
    let mut tiny = scenario();
    tiny["claims"][0]["num_relays"] = json!(1);
    tiny["claims"][0]["num_compute_units"] = json!(1);
    tiny["claims"][0]["compute_units_per_relay"] = json!(1);
    tiny["claims"][0]["compute_units_to_tokens_multiplier"] = json!(1_000_000);
    let (_, out) = pokt(&["eval", "settle"], &json!([tiny.clone()]).to_string());
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out[0]["outcomes"][0]["reason"], "zero_mint", "{out}");
    tiny["mode"] = json!("strict");
    let (_, out) = pokt(&["eval", "settle"], &json!([tiny.clone()]).to_string());
    assert!(out.contains("strict mode refuses"), "{out}");
    assert_eq!(pokt(&["settle"], &tiny.to_string()).0, 2);
}

/// The optional `expiry` input: a missing proof expires the claim and penalises its supplier.
#[test]
fn settle_expires_claims_with_failed_proofs() {
    let mut sc = scenario();
    sc["expiry"] = json!({
        "failed_proofs": {"0": "missing"},
        "supplier_stakes": { addr(101): "5" },
        "penalty_upokt": 1,
        "supplier_min_stake_upokt": 5
    });
    let (code, out) = pokt(&["eval", "settle"], &json!([sc]).to_string());
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v[0];
    assert_eq!(
        s["outcomes"][0],
        json!({"outcome": "expired", "failure": "missing", "penalty_upokt": "1"})
    );
    assert_eq!(s["supplier_stakes"][addr(101)], "4");
    assert_eq!(s["burned"], "1");
    assert_eq!(s["minted"], "0");
    assert!(
        s["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "supplier_unbonding_started")
    );
}

/// The output comes in poktroll's order (spec/tokenomics.md [TOK-ORDER-1], from
/// x/tokenomics/keeper/settle_pending_claims.go, SettlePendingClaims): each settled claim's
/// operations, then the block's proposer shares (FlushBatchedValidatorRewards), then the
/// penalties of expired claims (ExecutePendingExpiredResults) — even when the expired claim comes
/// first in the block.
#[test]
fn settle_output_comes_in_go_order() {
    let mut sc = scenario();
    let mut expired = sc["claims"][0].clone();
    expired["supplier_operator"] = json!(addr(102));
    expired["session_id"] = json!("02".repeat(32));
    let settled = sc["claims"][0].clone();
    sc["claims"] = json!([expired, settled]);
    sc["expiry"] = json!({
        "failed_proofs": {"0": "missing"},
        "supplier_stakes": { addr(102): "5" },
        "penalty_upokt": 1,
        "supplier_min_stake_upokt": 5
    });
    let (code, out) = pokt(&["eval", "settle"], &json!([sc]).to_string());
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v[0];
    assert_eq!(s["outcomes"][0]["outcome"], "expired", "{s}");
    assert_eq!(s["outcomes"][1]["outcome"], "settled", "{s}");
    // Phase of each operation: 0 the settled claim's, 1 the proposer's batch, 2 the penalty.
    let phases: Vec<u8> = s["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| match o["reason"].as_str().unwrap() {
            "proof_penalty" => 2,
            r if r.ends_with(":proposer") => 1,
            _ => 0,
        })
        .collect();
    assert_eq!(s["ops"][0]["reason"], "relay_burn", "{s}");
    assert!(phases.windows(2).all(|w| w[0] <= w[1]), "{phases:?}");
    assert_eq!(phases.last(), Some(&2), "{phases:?}");
    assert!(phases.contains(&1), "{phases:?}");
    // The penalised supplier's unbonding is the block's last event.
    let events = s["events"].as_array().unwrap();
    assert_eq!(
        events.last().unwrap()["event"],
        "supplier_unbonding_started",
        "{s}"
    );
}
