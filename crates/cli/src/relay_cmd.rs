//! `pokt relay verify`: check a relay's two signatures given the keys.

use anyhow::Context;
use pokt_crypto::VerifyingKey;
use pokt_primitives::{Message, Relay};
use serde_json::json;

/// Verifies `relay_hex` (Relay protobuf bytes): the request's ring signature against `ring` (hex
/// keys) and the response's signature against `supplier`. Prints a JSON verdict; returns whether
/// both hold.
pub(crate) fn verify(relay_hex: &str, supplier: &str, ring: &[String]) -> anyhow::Result<bool> {
    let relay = Relay::decode(&hex::decode(relay_hex.trim()).context("relay hex")?)
        .context("relay bytes")?;
    let supplier =
        VerifyingKey::from_sec1(&hex::decode(supplier.trim()).context("supplier key hex")?)
            .map_err(|e| anyhow::anyhow!("supplier key: {e}"))?;
    let ring = ring
        .iter()
        .map(|k| {
            let b = hex::decode(k.trim()).context("ring key hex")?;
            VerifyingKey::from_sec1(&b).map_err(|e| anyhow::anyhow!("ring key: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let req = relay.req.clone().unwrap_or_default();
    let res = relay.res.clone().unwrap_or_default();
    let request = pokt_relay::verify_request_signature(&req, &ring);
    let response = pokt_relay::verify_response(&res, &supplier);
    let verdict = |r: &Result<(), pokt_relay::RelayError>| match r {
        Ok(()) => json!("valid"),
        Err(e) => json!(e.to_string()),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "request_signature": verdict(&request),
            "response_signature": verdict(&response),
            "request_signable_hash": hex::encode(req.signable_hash()),
            "response_signable_hash": hex::encode(res.signable_hash()),
            "relay_hash": relay.relay_hash().to_hex(),
        }))?
    );
    Ok(request.is_ok() && response.is_ok())
}
