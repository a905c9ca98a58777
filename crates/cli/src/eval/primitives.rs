//! Topics of pokt-primitives: `address`, `relay-hashes`, `claim-hash`.

use serde_json::{Map, Value, json};

use super::util::hex_field;

/// `address`: `public_key` (33 bytes) → `address`.
pub(crate) fn address(case: &Map<String, Value>) -> Result<Value, String> {
    let key = hex_field(case, "public_key")?;
    let addr = pokt_primitives::Address::from_public_key_slice(&key).map_err(|e| e.to_string())?;
    Ok(json!({ "address": addr.as_str() }))
}
