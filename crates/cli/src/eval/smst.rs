//! Topics of pokt-smst: `smst`, `smst-verify-closest`.

use pokt_smst::gob::decode_compact_closest_proof;
use pokt_smst::{
    PoktSmst, Root, Sha256Hasher, ValueMode, compact_closest_proof, compact_proof,
    decompact_closest_proof, verify_closest_proof, verify_closest_proof_go_compatible,
    verify_sum_proof,
};
use serde_json::{Map, Value, json};

use super::util::{field, hex_field, str_field};

fn mode(case: &Map<String, Value>) -> Result<ValueMode, String> {
    match str_field(case, "value_mode")? {
        "raw" => Ok(ValueMode::Raw),
        "hashed" => Ok(ValueMode::Hashed),
        other => Err(format!(
            "value_mode must be \"raw\" or \"hashed\", not {other:?}"
        )),
    }
}

fn hex_of(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    hex::decode(
        v.as_str()
            .ok_or_else(|| format!("{what} must be a hex string"))?,
    )
    .map_err(|_| format!("{what} is not hex"))
}

fn list<'a>(case: &'a Map<String, Value>, name: &str) -> Result<&'a [Value], String> {
    match case.get(name) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{name} must be an array")),
    }
}

/// `smst`: apply `ops`, then prove `prove` keys and `closest` paths.
pub(crate) fn smst(case: &Map<String, Value>) -> Result<Value, String> {
    let mode = mode(case)?;
    let mut t = PoktSmst::new(mode);
    let Value::Array(ops) = field(case, "ops")? else {
        return Err("ops must be an array".into());
    };
    for op in ops {
        let key = hex_of(&op["key"], "key")?;
        match op["op"].as_str() {
            Some("update") => {
                let value = hex_of(&op["value"], "value")?;
                let w = op["weight"]
                    .as_u64()
                    .or_else(|| op["weight"].as_str().and_then(|s| s.parse().ok()))
                    .ok_or("weight must be a u64")?;
                t.update(&key, &value, w);
            }
            Some("delete") => {
                t.delete(&key);
            }
            _ => return Err("op must be \"update\" or \"delete\"".into()),
        }
    }
    let root = t.root();
    let mut proofs = Vec::new();
    for k in list(case, "prove")? {
        let key = hex_of(k, "prove key")?;
        let p = t.prove(&key);
        let verified = match t.get(&key) {
            Some((stored, w)) => {
                let value = if mode == ValueMode::Raw {
                    stored.to_vec()
                } else {
                    Vec::new()
                };
                mode != ValueMode::Raw
                    || verify_sum_proof::<Sha256Hasher>(&p, &root, &key, &value, w, mode)
            }
            None => verify_sum_proof::<Sha256Hasher>(&p, &root, &key, &[], 0, mode),
        };
        proofs.push(json!({ "compact_gob": hex::encode(pokt_smst::gob::encode_compact_proof(&compact_proof(&p))), "verified": verified }));
    }
    let mut closest = Vec::new();
    for q in list(case, "closest")? {
        let path: [u8; 32] = hex_of(q, "closest path")?
            .try_into()
            .map_err(|_| "closest paths are 32 bytes".to_string())?;
        let p = t.prove_closest(&path);
        closest.push(json!({
            "closest_path": hex::encode(&p.closest_path),
            "closest_value": hex::encode(p.value()),
            "compact_gob": hex::encode(pokt_smst::gob::encode_compact_closest_proof(&compact_closest_proof(&p))),
            "verified_strict": verify_closest_proof::<Sha256Hasher>(&p, &root),
            "verified_go": verify_closest_proof_go_compatible::<Sha256Hasher>(&p, &root, mode),
        }));
    }
    Ok(json!({
        "root": hex::encode(root.as_bytes()),
        "sum": root.sum(),
        "count": root.count(),
        "proofs": proofs,
        "closest": closest,
    }))
}

/// `smst-verify-closest`: `root`, `compact_gob`, `value_mode` → `strict`, `go`.
pub(crate) fn smst_verify_closest(case: &Map<String, Value>) -> Result<Value, String> {
    let mode = mode(case)?;
    let root: [u8; 48] = hex_field(case, "root")?
        .try_into()
        .map_err(|_| "root must be 48 bytes".to_string())?;
    let root = Root::from_bytes(root);
    let c = decode_compact_closest_proof(&hex_field(case, "compact_gob")?)
        .map_err(|e| e.to_string())?;
    let (strict, go) = match decompact_closest_proof(&c) {
        Ok(p) => (
            verify_closest_proof::<Sha256Hasher>(&p, &root),
            verify_closest_proof_go_compatible::<Sha256Hasher>(&p, &root, mode),
        ),
        Err(_) => (false, false),
    };
    Ok(json!({ "strict": strict, "go": go }))
}
