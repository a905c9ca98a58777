//! Fuzz bodies for pokt-relay's verifiers.

use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_primitives::{Message, Relay};
use pokt_relay::verify_request_signature;

/// `relay_verify`: any bytes as a Relay through the full request and response verification,
/// against a fixed ring: never panics, and nothing verifies that the fuzzer could not have signed
/// (the ring's keys are secret to it), so a success means the input carried a valid signature.
pub fn verify(data: &[u8]) {
    let Ok(relay) = Relay::decode(data) else {
        return;
    };
    let ring: Vec<VerifyingKey> = [1u8, 2]
        .iter()
        .filter_map(|b| SigningKey::from_bytes(&[*b; 32]).ok())
        .map(|k| k.verifying_key())
        .collect();
    if let Some(req) = &relay.req {
        let ok = verify_request_signature(req, &ring).is_ok();
        if ok {
            // A verifying request keeps verifying after canonical re-encoding.
            let again = Relay::decode(&relay.encode()).expect("canonical bytes decode");
            assert!(verify_request_signature(again.req.as_ref().expect("request"), &ring).is_ok());
        }
    }
    if let (Some(res), Some(k)) = (&relay.res, ring.first()) {
        let _ = pokt_relay::verify_response(res, k);
    }
}
