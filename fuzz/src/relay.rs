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
    let ring = &super::world().ring;
    if let Some(req) = &relay.req {
        let ok = verify_request_signature(req, ring).is_ok();
        if ok {
            // A verifying request keeps verifying after canonical re-encoding.
            let again = Relay::decode(&relay.encode()).expect("canonical bytes decode");
            assert!(verify_request_signature(again.req.as_ref().expect("request"), ring).is_ok());
        }
    }
    if let (Some(res), Some(k)) = (&relay.res, ring.first()) {
        let _ = pokt_relay::verify_response(res, k);
    }
}

/// `relay_accept`: any bytes as a RelayRequest through the relay miner's acceptance against a
/// fixed session: never panics; an accepted request names a session supplier and verifies.
pub fn accept(data: &[u8]) {
    use pokt_primitives::{Address, BlockHeight, BlockInterval, RelayRequest, SessionHeader};
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
        current_height: BlockHeight::new(15),
        grace_period_end_offset_blocks: BlockInterval::new(1),
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

/// `relay_stream`: any bytes as a streamed answer from a relay miner, fed to the gateway's
/// splitter in pieces of a size the first byte picks: the splitter's output plus its delimiters
/// and leftover account for every input byte, it never holds more than its bound, and every batch
/// goes through the batch verifier (fixed session and supplier key) and the usage parser without
/// panicking. A batch that verifies carries the supplier's signature over its exact payload.
pub fn stream(data: &[u8]) {
    use pokt_primitives::SessionHeader;
    use pokt_relay::llm::{STREAM_DELIMITER, StreamSplitter, usage_from_body, verify_stream_batch};
    let Ok(app) = SigningKey::from_bytes(&[1; 32]) else {
        return;
    };
    let Ok(supplier) = SigningKey::from_bytes(&[3; 32]) else {
        return;
    };
    let header = SessionHeader {
        application_address: app.address().to_string(),
        service_id: "llm".into(),
        session_id: "ab".repeat(32),
        session_start_block_height: 1,
        session_end_block_height: 10,
    };
    let check = |batch: &[u8]| {
        if let Ok(http) = verify_stream_batch(batch, &header, &supplier.verifying_key()) {
            let res =
                pokt_primitives::RelayResponse::decode(batch).expect("a verified batch decodes");
            assert!(res.payload_hash_matches());
            let _ = usage_from_body(&http.body);
        }
    };
    let step = data.first().map_or(1, |b| usize::from(*b % 31) + 1);
    let bound = 4096;
    let mut split = StreamSplitter::new(bound);
    let mut accounted = 0usize;
    for piece in data.chunks(step) {
        match split.push(piece) {
            Ok(batches) => {
                for b in batches {
                    assert!(b.len() <= bound + step + STREAM_DELIMITER.len());
                    accounted += b.len() + STREAM_DELIMITER.len();
                    check(&b);
                }
            }
            Err(_) => return,
        }
    }
    if let Some(rest) = split.finish() {
        accounted += rest.len();
        check(&rest);
    }
    assert_eq!(
        accounted,
        data.len(),
        "the splitter accounts for every byte"
    );
    let _ = usage_from_body(data);
}
