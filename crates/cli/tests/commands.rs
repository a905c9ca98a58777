//! `pokt session` and `pokt relay verify` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

mod common;
use common::pokt;

fn data(rel: &str) -> Value {
    let p = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn session_command_matches_the_vectors() {
    let d = data("session/tests/data/sessions.json");
    for c in d["sessions"].as_array().unwrap().iter().take(20) {
        let configs: Vec<Value> = c["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| json!({"operator_address": x["operator_address"], "service_id": c["service_id"], "activation_height": x["activation_height"]}))
            .collect();
        let state = json!({
            "height": c["query_height"], "application_address": c["application_address"], "service_id": c["service_id"],
            "num_blocks_per_session": c["num_blocks_per_session"], "anchor_height": c["anchor_height"],
            "number_at_anchor": c["number_at_anchor"], "num_suppliers_per_session": c["num_suppliers_per_session"],
            "block_hashes": { c["session_start_height"].to_string(): c["block_hash"] },
            "service_configs": configs, "windows": [1, 1, 4, 0, 4]
        });
        let (code, out) = pokt(&["session"], &state.to_string());
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["session_id"], c["session_id"]);
        assert_eq!(v["suppliers"], c["selected"]);
        assert_eq!(v["session_number"], c["session_number"]);
        assert!(v["windows"]["settlement_height"].is_i64());
    }
}

#[test]
fn relay_verify_command() {
    let d = data("relay/tests/data/signed_relays.json");
    let c = &d["cases"][0];
    let ring: Vec<String> = serde_json::from_str(
        &c["ring"]
            .as_str()
            .map_or_else(|| c["ring"].to_string(), |s| s.replace('\'', "\"")),
    )
    .unwrap();
    let ring = ring.join(",");
    let relay = c["relay"].as_str().unwrap();
    let key = c["supplier_public_key"].as_str().unwrap();
    let (code, out) = pokt(
        &[
            "relay",
            "verify",
            "--relay",
            relay,
            "--supplier-key",
            key,
            "--ring",
            &ring,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["request_signature"], "valid");
    assert_eq!(v["relay_hash"], c["relay_hash"]);
    // A wrong supplier key fails with exit code 1.
    let other = "021066f293709356a33e9c13017867586baf52513e845bc4335233a15ed1e00baf";
    let (code, out) = pokt(
        &[
            "relay",
            "verify",
            "--relay",
            relay,
            "--supplier-key",
            other,
            "--ring",
            &ring,
        ],
        "",
    );
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["request_signature"],
        "valid"
    );
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `pokt difficulty`: the EMA sequence is the library's, and both controllers settle where
/// spec/mining.md says (poktroll at p = √(T/R), the paper at p = T/R).
#[test]
fn difficulty_command_walks_the_ema() {
    let (code, out) = pokt(
        &[
            "difficulty",
            "--relays",
            "250000,10,7",
            "--target-relays",
            "100000",
        ],
        "",
    );
    assert_eq!(code, 0);
    let steps = lines(&out);
    // The first settlement starts from {ema: mined}; then ema = big.Float EMA of the previous.
    let e0 = pokt_mining::ema(250_000, 250_000);
    let e1 = pokt_mining::ema(e0, 10);
    let e2 = pokt_mining::ema(e1, 7);
    let emas: Vec<u64> = steps.iter().map(|s| s["ema"].as_u64().unwrap()).collect();
    assert_eq!(emas, vec![e0, e1, e2]);
    assert_eq!(
        steps[2]["target_hash"],
        pokt_mining::next_target(100_000, e2).unwrap().to_hex()
    );
    let served = vec!["1000000"; 120].join(",");
    for (controller, expected) in [("poktroll", 0.1), ("paper", 0.01)] {
        let (code, out) = pokt(
            &[
                "difficulty",
                "--served",
                "--controller",
                controller,
                "--target-relays",
                "10000",
                "--relays",
                &served,
            ],
            "",
        );
        assert_eq!(code, 0);
        let p = lines(&out).last().unwrap()["probability_after"]
            .as_f64()
            .unwrap();
        assert!((p - expected).abs() < expected * 0.02, "{controller}: {p}");
    }
    assert_eq!(pokt(&["difficulty", "--relays", "0"], "").0, 2);
}

/// `pokt proof verify` on files written from a real session tree: valid, then each kind of
/// wrong context is refused with the step that failed.
#[test]
fn proof_verify_command() {
    use pokt_mining::{FixedComputeUnits, Mined, SessionTree};
    use pokt_primitives::{BlockHash, ComputeUnits, Message, TargetHash};
    use rand_chacha::rand_core::SeedableRng;

    let kit = pokt_testkit::World::new();
    let (header, supplier, ring) = (kit.header.clone(), kit.supplier.clone(), kit.ring.clone());
    let (app, gw) = (&kit.app, &kit.gateway);
    let mut tree = SessionTree::new(
        header.clone(),
        supplier.address(),
        TargetHash::BASE,
        FixedComputeUnits::new(ComputeUnits::new(3)),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    for i in 0..8 {
        let req = kit.request_with(format!("q{i}").into_bytes(), &mut rng);
        let relay = kit.relay(req, format!("a{i}").into_bytes());
        assert_eq!(tree.offer(&relay), Mined::Inserted(ComputeUnits::new(3)));
    }
    let seed = BlockHash::from_bytes([9; 32]);
    let dir = std::env::temp_dir().join(format!("pokt-proof-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let claim = dir.join("claim.hex");
    let proof = dir.join("proof.hex");
    std::fs::write(&claim, hex::encode(tree.claim().encode())).unwrap();
    std::fs::write(&proof, hex::encode(tree.proof(&seed).encode())).unwrap();
    let context = json!({
        "session_suppliers": [supplier.address().to_string()],
        "ring": ring.iter().map(|k| hex::encode(k.as_bytes())).collect::<Vec<_>>(),
        "supplier_key": hex::encode(supplier.verifying_key().as_bytes()),
        "target_hash": "ff".repeat(32),
        "seed_block_hash": "09".repeat(32),
        "compute_units_per_relay": 3,
    });
    let run = |ctx: &Value| {
        let path = dir.join("context.json");
        std::fs::write(&path, ctx.to_string()).unwrap();
        let (code, out) = pokt(
            &[
                "proof",
                "verify",
                "--claim",
                claim.to_str().unwrap(),
                "--proof",
                proof.to_str().unwrap(),
                "--context",
                path.to_str().unwrap(),
            ],
            "",
        );
        (code, serde_json::from_str::<Value>(&out).unwrap())
    };
    let (code, v) = run(&context);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");
    assert_eq!(v["weight"], 3);
    // `pokt decode msg-submit-proof` reveals the same relay.
    let (code, out) = pokt(
        &["decode", "msg-submit-proof", "-"],
        &std::fs::read_to_string(&proof).unwrap(),
    );
    assert_eq!(code, 0);
    let decoded: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        decoded["proof"]["revealed_relay"]["relay_hash"],
        v["relay_hash"]
    );
    assert_eq!(decoded["proof"]["closest_weight"], 3);
    // `pokt decode proof --root`: both verdicts, true for the claim's root, false for another.
    let gob = hex::encode(tree.proof(&seed).proof);
    let root_hex = hex::encode(tree.root().as_bytes());
    let (code, out) = pokt(&["decode", "proof", &gob, "--root", &root_hex], "");
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdicts"], json!({"strict": true, "go": true}));
    let (_, out) = pokt(&["decode", "proof", &gob, "--root", &"00".repeat(48)], "");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdicts"], json!({"strict": false, "go": false}));
    let mut strict = context.clone();
    strict["strict"] = json!(true);
    assert_eq!(run(&strict).0, 0);
    for (field, value, step) in [
        ("seed_block_hash", json!("08".repeat(32)), "B5"),
        ("in_proof_window", json!(false), "A3"),
        (
            "session_suppliers",
            json!([app.address().to_string()]),
            "A2",
        ),
        (
            "ring",
            json!([
                hex::encode(app.verifying_key().as_bytes()),
                hex::encode(supplier.verifying_key().as_bytes())
            ]),
            "B3",
        ),
        (
            "supplier_key",
            json!(hex::encode(gw.verifying_key().as_bytes())),
            "B4",
        ),
        ("target_hash", json!("00".repeat(32)), "A10"),
        ("compute_units_per_relay", json!(4), "claim"),
    ] {
        let mut bad = context.clone();
        bad[field] = value;
        let (code, v) = run(&bad);
        assert_eq!((code, v["step"].as_str()), (1, Some(step)), "{field}: {v}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `pokt decode` on the Go-encoded vectors: the hashes it prints are the vectors' hashes, for
/// relays, requests, responses and claims; malformed bytes exit 2.
#[test]
fn decode_command_prints_the_vector_hashes() {
    let d = data("primitives/tests/data/relay_encoding.json");
    for r in d["relays"].as_array().unwrap().iter().take(10) {
        let (code, out) = pokt(&["decode", "relay", r["relay"].as_str().unwrap()], "");
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["relay_hash"], r["relay_hash"]);
        assert_eq!(v["req"]["signable_hash"], r["request_signable_hash"]);
        let (code, out) = pokt(
            &["decode", "relay-response", "-"],
            r["relay_response"].as_str().unwrap(),
        );
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["signable_hash"], r["response_signable_hash"]);
    }
    for c in d["claims"].as_array().unwrap().iter().take(10) {
        let (code, out) = pokt(&["decode", "claim", c["claim"].as_str().unwrap()], "");
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["claim_hash"], c["claim_hash"]);
    }
    let first = d["relays"][0]["relay"].as_str().unwrap();
    assert_eq!(
        pokt(&["decode", "relay", &first[..first.len() - 2]], "").0,
        2
    );
    assert_eq!(pokt(&["decode", "session-header", "zz"], "").0, 2);
    // An HTTP payload built here decodes to its parts.
    let mut req = pokt_primitives::PoktHttpRequest {
        method: "POST".into(),
        url: "/v1/chat/completions".into(),
        body: b"{}".to_vec(),
        ..Default::default()
    };
    req.header.insert(
        "content-type".into(),
        pokt_primitives::HttpHeader {
            key: "content-type".into(),
            values: vec!["application/json".into()],
        },
    );
    use pokt_primitives::Message;
    let (code, out) = pokt(&["decode", "http-request", &hex::encode(req.encode())], "");
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["url"], "/v1/chat/completions");
    assert_eq!(v["header"]["content-type"][0], "application/json");
}

/// `pokt keys`: known keys give their known public keys and addresses; the secret never appears in
/// the output.
#[test]
fn keys_command() {
    let one = format!("{}01", "00".repeat(31));
    let (code, out) = pokt(&["keys"], &one);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    // BIP-173's example key (the generator) under the `pokt` prefix.
    assert_eq!(v["address"], "pokt1w508d6qejxtdg4y5r3zarvary0c5xw7k8mgwnq");
    assert!(!out.contains(&one));
    let (_, out) = pokt(&["keys", "--from", "placeholder"], "");
    let placeholder: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        placeholder["address"],
        "pokt1v9utztg8z8e6jv9xzv7rnt3m38570xsyjr2crf"
    );
    let (_, out) = pokt(
        &["keys", "--from", "from-secret"],
        pokt_crypto::PLACEHOLDER_SECRET,
    );
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), placeholder);
    // RFC 8032 §7.1, test 1.
    let (_, out) = pokt(
        &["keys", "--from", "ed25519"],
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["public_key"],
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(pokt(&["keys"], "00").0, 2);
    assert_eq!(pokt(&["keys"], &"00".repeat(32)).0, 2);
}

/// `pokt simulate --experiment` runs the quick Monte Carlo experiments and writes their CSV.
#[test]
fn simulate_experiments() {
    let dir = std::env::temp_dir().join(format!("pokt-exp-{}", std::process::id()));
    for name in ["bias-map", "low-volume", "qos-parity"] {
        let (code, out) = pokt(
            &[
                "simulate",
                "--experiment",
                name,
                "--out",
                dir.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(code, 0, "{out}");
        let csv = std::fs::read_to_string(dir.join(format!("experiment-{name}.csv"))).unwrap();
        assert!(csv.lines().count() > 5, "{csv}");
    }
    // The inference experiments also write their plots.
    assert!(dir.join("qos-parity-success.png").is_file());
    assert_eq!(pokt(&["simulate", "--experiment", "nope"], "").0, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
