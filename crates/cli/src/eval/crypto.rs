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
