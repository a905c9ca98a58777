//! The shared mining vectors (tests/data/, provenance in tests/data/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_mining::{
    GoRand, ProofRequirement, ema, next_target, proof_path, proof_requirement, seeded_float,
};
use pokt_primitives::{BlockHash, Claim, Message, SessionId, Upokt};
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn num_u64(v: &Value) -> u64 {
    v.as_str()
        .map_or_else(|| v.as_u64().unwrap(), |s| s.parse().unwrap())
}

#[test]
fn go_math_rand_streams() {
    let d = load("go_math_rand.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 40);
    for c in cases {
        let seed = c["seed"]
            .as_i64()
            .unwrap_or_else(|| c["seed"].as_str().unwrap().parse().unwrap());
        let mut r = GoRand::new(seed);
        for want in c["int63"].as_array().unwrap() {
            assert_eq!(
                r.int63(),
                want.as_str().unwrap().parse::<i64>().unwrap(),
                "seed {seed}"
            );
        }
        let mut r = GoRand::new(seed);
        for want in c["float64"].as_array().unwrap() {
            assert_eq!(
                r.float64().to_bits(),
                want.as_f64().unwrap().to_bits(),
                "seed {seed}"
            );
        }
    }
}

#[test]
fn seeded_floats() {
    let d = load("seeded_float.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 300);
    for (n, c) in cases.iter().enumerate() {
        let a = hex::decode(c["a"].as_str().unwrap()).unwrap();
        let b = hex::decode(c["b"].as_str().unwrap()).unwrap();
        let (seed, f) = seeded_float(&a, &b);
        assert_eq!(seed, c["seed"].as_i64().unwrap(), "case {n}");
        assert_eq!(
            f.to_bits(),
            c["float"].as_f64().unwrap().to_bits(),
            "case {n}"
        );
    }
}

#[test]
fn ema_and_targets() {
    let d = load("ema_difficulty.json");
    let cases = d["ema_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 500);
    for (n, c) in cases.iter().enumerate() {
        assert_eq!(
            ema(num_u64(&c["prev"]), num_u64(&c["current"])),
            num_u64(&c["ema"]),
            "ema case {n}: {c}"
        );
    }
    let cases = d["target_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 300);
    for (n, c) in cases.iter().enumerate() {
        let t = next_target(num_u64(&c["target_num_relays"]), num_u64(&c["ema"])).unwrap();
        assert_eq!(
            t.to_hex(),
            c["target_hash"].as_str().unwrap(),
            "target case {n}: {c}"
        );
    }
}

#[test]
fn proof_paths_and_requirements() {
    let d = load("proof_path_and_requirement.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 100);
    let mut seen = [0usize; 3];
    for (n, c) in cases.iter().enumerate() {
        let seed_hash = BlockHash::from_hex(c["seed_block_hash"].as_str().unwrap()).unwrap();
        let sid = SessionId::from_wire(c["session_id"].as_str().unwrap()).unwrap();
        assert_eq!(
            proof_path(&seed_hash, &sid).to_hex(),
            c["proof_path"].as_str().unwrap(),
            "case {n}"
        );
        let claim = hex::decode(c["claim"].as_str().unwrap()).unwrap();
        let ch = Claim::decode(&claim).unwrap().hash();
        assert_eq!(ch.to_hex(), c["claim_hash"].as_str().unwrap(), "case {n}");
        let p: f64 = c["probability"].as_str().map_or_else(
            || c["probability"].as_f64().unwrap(),
            |s| s.parse().unwrap(),
        );
        let draw = proof_requirement(
            &ch,
            &seed_hash,
            Upokt::new(num_u64(&c["claimed_upokt"])),
            Upokt::new(num_u64(&c["threshold_upokt"])),
            p,
        );
        assert_eq!(draw.seed, c["sample_seed"].as_i64().unwrap(), "case {n}");
        assert_eq!(
            draw.sample.to_bits(),
            c["sample"].as_f64().unwrap().to_bits(),
            "case {n}"
        );
        assert_eq!(
            draw.requirement.as_str(),
            c["requirement"].as_str().unwrap(),
            "case {n}"
        );
        seen[match draw.requirement {
            ProofRequirement::Threshold => 0,
            ProofRequirement::Probabilistic => 1,
            ProofRequirement::NotRequired => 2,
        }] += 1;
    }
    assert!(
        seen.iter().all(|&k| k > 0),
        "every outcome is exercised: {seen:?}"
    );
}
