//! Topics of pokt-primitives: `address`, `relay-hashes`, `claim-hash`.

use serde_json::{Map, Value, json};

use super::util::hex_field;

/// `address`: `public_key` (33 bytes) → `address`.
pub(crate) fn address(case: &Map<String, Value>) -> Result<Value, String> {
    let key = hex_field(case, "public_key")?;
    let addr = pokt_primitives::Address::from_public_key_slice(&key).map_err(|e| e.to_string())?;
    Ok(json!({ "address": addr.as_str() }))
}

/// `relay-hashes`: `relay` (Relay protobuf bytes) → the request and response signable hashes, the
/// relay hash and the canonical re-encoding.
pub(crate) fn relay_hashes(case: &Map<String, Value>) -> Result<Value, String> {
    use pokt_primitives::Message;
    let relay =
        pokt_primitives::Relay::decode(&hex_field(case, "relay")?).map_err(|e| e.to_string())?;
    let req = relay.req.clone().unwrap_or_default();
    let res = relay.res.clone().unwrap_or_default();
    Ok(json!({
        "request_signable_hash": hex::encode(req.signable_hash()),
        "response_signable_hash": hex::encode(res.signable_hash()),
        "relay_hash": relay.relay_hash().to_hex(),
        "reencoded": hex::encode(relay.encode()),
    }))
}

/// `claim-hash`: `claim` (Claim protobuf bytes) → `claim_hash`.
pub(crate) fn claim_hash(case: &Map<String, Value>) -> Result<Value, String> {
    use pokt_primitives::Message;
    let claim =
        pokt_primitives::Claim::decode(&hex_field(case, "claim")?).map_err(|e| e.to_string())?;
    Ok(json!({ "claim_hash": hex::encode(claim.hash()) }))
}
