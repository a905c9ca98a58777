//! Topics of pokt-mining: `go-rand`, `seeded-float`, `ema`, `target`, `proof-path`,
//! `proof-requirement`.

use pokt_primitives::{BlockHash, Claim, Message, SessionId, Upokt};
use serde_json::{Map, Value, json};

use super::util::{field, hex_field, i64_field, str_field};

/// A u64 given as a JSON number or a decimal string (vector files use strings).
fn u64_lenient(case: &Map<String, Value>, name: &str) -> Result<u64, String> {
    match field(case, name)? {
        Value::Number(n) => n.as_u64().ok_or_else(|| format!("{name} is not a u64")),
        Value::String(s) => s.parse().map_err(|_| format!("{name} is not a u64")),
        _ => Err(format!("{name} is not a u64")),
    }
}

/// An i64 given as a JSON number or a decimal string.
fn i64_lenient(case: &Map<String, Value>, name: &str) -> Result<i64, String> {
    match field(case, name)? {
        Value::String(s) => s.parse().map_err(|_| format!("{name} is not an i64")),
        _ => i64_field(case, name),
    }
}

/// `go-rand`: `seed`, `count` → the first `count` `Int63` and `Float64` values of fresh sources.
pub(crate) fn go_rand(case: &Map<String, Value>) -> Result<Value, String> {
    let seed = i64_lenient(case, "seed")?;
    let count = u64_lenient(case, "count")?;
    if count > 1_000_000 {
        return Err("count above 1000000".into());
    }
    let mut r = pokt_mining::GoRand::new(seed);
    let ints: Vec<i64> = (0..count).map(|_| r.int63()).collect();
    let mut r = pokt_mining::GoRand::new(seed);
    let floats: Vec<f64> = (0..count).map(|_| r.float64()).collect();
    Ok(json!({ "int63": ints, "float64": floats }))
}

/// `seeded-float`: `a`, `b` → `seed`, `float`.
pub(crate) fn seeded_float(case: &Map<String, Value>) -> Result<Value, String> {
    let (seed, float) = pokt_mining::seeded_float(&hex_field(case, "a")?, &hex_field(case, "b")?);
    Ok(json!({ "seed": seed, "float": float }))
}

/// `ema`: `prev`, `current` → `ema`.
pub(crate) fn ema(case: &Map<String, Value>) -> Result<Value, String> {
    Ok(
        json!({ "ema": pokt_mining::ema(u64_lenient(case, "prev")?, u64_lenient(case, "current")?) }),
    )
}

/// `target`: `target_num_relays`, `ema` → `target_hash`.
pub(crate) fn target(case: &Map<String, Value>) -> Result<Value, String> {
    let t = pokt_mining::next_target(
        u64_lenient(case, "target_num_relays")?,
        u64_lenient(case, "ema")?,
    )
    .ok_or("ema is zero")?;
    Ok(json!({ "target_hash": t.to_hex() }))
}

/// `proof-path`: `block_hash`, `session_id` (64-char string) → `path`.
pub(crate) fn proof_path(case: &Map<String, Value>) -> Result<Value, String> {
    let hash = BlockHash::from_slice(&hex_field(case, "block_hash")?).map_err(|e| e.to_string())?;
    let sid = SessionId::from_wire(str_field(case, "session_id")?).map_err(|e| e.to_string())?;
    Ok(json!({ "path": pokt_mining::proof_path(&hash, &sid).to_hex() }))
}

/// `proof-requirement`: `claim` bytes, `seed_block_hash`, `claimed_upokt`, `threshold_upokt`,
/// `probability` (decimal string) → `sample`, `requirement`.
pub(crate) fn proof_requirement(case: &Map<String, Value>) -> Result<Value, String> {
    let claim = Claim::decode(&hex_field(case, "claim")?).map_err(|e| e.to_string())?;
    let seed =
        BlockHash::from_slice(&hex_field(case, "seed_block_hash")?).map_err(|e| e.to_string())?;
    let p: f64 = match field(case, "probability")? {
        Value::String(s) => s
            .parse()
            .map_err(|_| "probability is not a decimal".to_string())?,
        Value::Number(n) => n.as_f64().ok_or("probability is not a number")?,
        _ => return Err("probability is not a decimal".into()),
    };
    let draw = pokt_mining::proof_requirement(
        &claim.hash(),
        &seed,
        Upokt::new(u64_lenient(case, "claimed_upokt")?),
        Upokt::new(u64_lenient(case, "threshold_upokt")?),
        p,
    );
    Ok(
        json!({ "sample": draw.sample, "sample_seed": draw.seed, "requirement": draw.requirement.as_str() }),
    )
}
