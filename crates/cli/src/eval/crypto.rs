//! Topics of pokt-crypto: `secp256k1-sign`, `secp256k1-verify`, `hash-to-scalar`, `hash-to-curve`.

use pokt_crypto::{SigningKey, VerifyingKey};
use serde_json::{Map, Value, json};

use super::util::{hex_array, hex_field};

/// `secp256k1-sign`: `private_key`, `message` → `signature`.
pub(crate) fn secp256k1_sign(case: &Map<String, Value>) -> Result<Value, String> {
    let key = SigningKey::from_bytes(&hex_array::<32>(case, "private_key")?)
        .map_err(|e| e.to_string())?;
    let sig = key.sign(&hex_field(case, "message")?);
    Ok(json!({ "signature": hex::encode(sig.to_bytes()) }))
}

/// `secp256k1-verify`: `public_key`, `message`, `signature` → `valid`.
pub(crate) fn secp256k1_verify(case: &Map<String, Value>) -> Result<Value, String> {
    let key =
        VerifyingKey::from_sec1(&hex_field(case, "public_key")?).map_err(|e| e.to_string())?;
    let ok = key
        .verify(&hex_field(case, "message")?, &hex_field(case, "signature")?)
        .is_ok();
    Ok(json!({ "valid": ok }))
}

/// `hash-to-scalar`: `input` → `scalar`.
pub(crate) fn hash_to_scalar(case: &Map<String, Value>) -> Result<Value, String> {
    Ok(json!({ "scalar": hex::encode(pokt_crypto::hash_to_scalar(&hex_field(case, "input")?)) }))
}

/// `hash-to-curve`: `point` (33 bytes) → `point`.
pub(crate) fn hash_to_curve(case: &Map<String, Value>) -> Result<Value, String> {
    let p = hex_array::<33>(case, "point")?;
    VerifyingKey::from_sec1(&p).map_err(|_| "point is not on the curve".to_string())?;
    let (h, rehashes) = pokt_crypto::hash_to_curve(&p);
    Ok(json!({ "point": hex::encode(h), "rehashes": rehashes }))
}

/// `ring-sign`: `ring`, `signer_index`, `private_key`, `message` (32 bytes), `rng_seed` (32 bytes
/// seeding ChaCha20) → `signature`.
pub(crate) fn ring_sign(case: &Map<String, Value>) -> Result<Value, String> {
    use rand_chacha::rand_core::SeedableRng;
    let Value::Array(list) = super::util::field(case, "ring")? else {
        return Err("ring must be an array".into());
    };
    let mut ring = Vec::with_capacity(list.len());
    for k in list {
        let k = k.as_str().ok_or("ring keys must be hex strings")?;
        let b = hex::decode(k).map_err(|_| "ring key is not hex".to_string())?;
        ring.push(VerifyingKey::from_sec1(&b).map_err(|e| e.to_string())?);
    }
    let j = usize::try_from(super::util::u64_field(case, "signer_index")?)
        .map_err(|e| e.to_string())?;
    let key = SigningKey::from_bytes(&hex_array::<32>(case, "private_key")?)
        .map_err(|e| e.to_string())?;
    let m = hex_array::<32>(case, "message")?;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(hex_array::<32>(case, "rng_seed")?);
    let sig = pokt_crypto::ring::sign(&m, &ring, j, &key, &mut rng).map_err(|e| e.to_string())?;
    Ok(json!({ "signature": hex::encode(sig.encode()) }))
}

/// `ring-verify`: `signature`, `message` → `valid`, `ring`, `key_image`.
pub(crate) fn ring_verify(case: &Map<String, Value>) -> Result<Value, String> {
    let sig = pokt_crypto::ring::RingSignature::decode(&hex_field(case, "signature")?)
        .map_err(|e| e.to_string())?;
    let m = hex_array::<32>(case, "message")?;
    let ring: Vec<String> = sig.ring().map(|k| hex::encode(k.as_bytes())).collect();
    Ok(
        json!({ "valid": sig.verify(&m).is_ok(), "ring": ring, "key_image": hex::encode(sig.key_image()) }),
    )
}
