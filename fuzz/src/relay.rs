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

/// `relay_accept`: any bytes as a RelayRequest through the relay miner's acceptance against a
/// fixed session: never panics; an accepted request names a session supplier and verifies.
pub fn accept(data: &[u8]) {
    use pokt_primitives::{Address, RelayRequest, SessionHeader};
    use pokt_relay::{AcceptanceContext, accept_relay};
    let Ok(req) = RelayRequest::decode(data) else {
        return;
    };
    let ring: Vec<VerifyingKey> = [1u8, 2]
        .iter()
        .filter_map(|b| SigningKey::from_bytes(&[*b; 32]).ok())
        .map(|k| k.verifying_key())
        .collect();
    let Some(app) = ring.first().map(|k| k.address()) else {
        return;
    };
    let header = SessionHeader {
        application_address: app.to_string(),
        service_id: "llm".into(),
        session_id: "ab".repeat(32),
        session_start_block_height: 11,
        session_end_block_height: 20,
    };
    let sup: Vec<Address> = ring.iter().map(|k| k.address()).collect();
    let Ok(prepared) = pokt_relay::PreparedRing::new(&ring) else {
        return;
    };
    let ctx = AcceptanceContext {
        current_height: 15,
        grace_period_end_offset_blocks: 1,
        session_header: &header,
        session_suppliers: &sup,
        expected_ring: &prepared,
        own_suppliers: &sup,
    };
    if let Ok(a) = accept_relay(req, &ctx) {
        assert!(sup.contains(&a.supplier()));
        assert!(verify_request_signature(a.request(), &ring).is_ok());
    }
}
