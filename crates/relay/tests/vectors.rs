//! End-to-end signed relays (tests/data/signed_relays.json).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_primitives::{Address, BlockHeight, BlockInterval, Message, Relay};
use pokt_relay::*;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::String(s) => serde_json::from_str(&s.replace('\'', "\"")).unwrap(),
        _ => panic!("not a list"),
    }
}

fn key(v: &Value) -> SigningKey {
    SigningKey::from_bytes(&hx(v).try_into().unwrap()).unwrap()
}

#[test]
fn signed_relays_end_to_end() {
    let p = format!(
        "{}/tests/data/signed_relays.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let d: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
    for (n, c) in cases.iter().enumerate() {
        let relay = Relay::decode(&hx(&c["relay"])).unwrap();
        let req = relay.req.clone().unwrap();
        let res = relay.res.clone().unwrap();
        assert_eq!(
            req.signable_hash().to_vec(),
            hx(&c["request_signable_hash"]),
            "case {n}"
        );
        assert_eq!(
            res.signable_hash().to_vec(),
            hx(&c["response_signable_hash"]),
            "case {n}"
        );
        assert_eq!(
            relay.relay_hash().as_bytes().to_vec(),
            hx(&c["relay_hash"]),
            "case {n}"
        );

        // The ring, rebuilt from the application and gateway keys, equals the vector's ring.
        let app = key(&c["application_private_key"]);
        let gateways: Vec<SigningKey> = list(&c["gateway_private_keys"]).iter().map(key).collect();
        let members = RingMembers {
            application: Some(app.verifying_key()),
            delegated: gateways.iter().map(SigningKey::verifying_key).collect(),
            pending_undelegations: vec![],
        };
        let header = req.meta.session_header.clone().unwrap();
        let ring = ring_at(&members, BlockHeight::new(header.session_end_block_height)).unwrap();
        let want: Vec<Vec<u8>> = list(&c["ring"]).iter().map(hx).collect();
        let got: Vec<Vec<u8>> = ring.iter().map(|k| k.to_bytes().to_vec()).collect();
        assert_eq!(got, want, "case {n}: ring");
        let addrs: Vec<String> = ring.iter().map(|k| k.address().to_string()).collect();
        let want_addrs: Vec<String> = list(&c["ring_addresses"])
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(addrs, want_addrs);

        verify_request_signature(&req, &ring).unwrap();
        let supplier = VerifyingKey::from_sec1(&hx(&c["supplier_public_key"])).unwrap();
        verify_response(&res, &supplier).unwrap();

        // Tampering is caught.
        let mut bad = req.clone();
        bad.payload.push(0);
        assert_eq!(
            verify_request_signature(&bad, &ring),
            Err(RelayError::BadSignature)
        );
        assert_eq!(
            verify_request_signature(&req, &ring[1..]),
            Err(RelayError::RingNotSubset)
        );
        let mut bad = res.clone();
        bad.payload_hash[0] ^= 1;
        assert!(verify_response(&bad, &supplier).is_err());

        // Acceptance with the chain's view of the same session.
        let sup_addr: Address = req.meta.supplier_operator_address.parse().unwrap();
        let prepared = pokt_relay::PreparedRing::new(&ring).unwrap();
        assert_eq!(
            pokt_relay::verify_request_signature_prepared(&req, &prepared),
            Ok(())
        );
        assert_eq!(
            pokt_relay::verify_request_signature_prepared(
                &req,
                &pokt_relay::PreparedRing::new(&ring[1..]).unwrap()
            ),
            Err(RelayError::RingNotSubset)
        );
        let ctx = AcceptanceContext {
            current_height: BlockHeight::new(header.session_end_block_height),
            grace_period_end_offset_blocks: BlockInterval::new(1),
            session_header: &header,
            session_suppliers: &[sup_addr],
            expected_ring: &prepared,
            own_suppliers: &[sup_addr],
        };
        assert_eq!(
            accept_relay(req.clone(), &ctx).map(|a| a.supplier()),
            Ok(sup_addr)
        );
        let late = AcceptanceContext {
            current_height: BlockHeight::new(header.session_end_block_height + 2),
            ..ctx
        };
        assert!(matches!(
            accept_relay(req.clone(), &late),
            Err(Rejection::SessionExpired { .. })
        ));
        let mut other = header.clone();
        other.session_id = "00".repeat(32);
        let wrong = AcceptanceContext {
            session_header: &other,
            ..ctx
        };
        assert_eq!(
            accept_relay(req.clone(), &wrong),
            Err(Rejection::HeaderMismatch {
                field: HeaderField::SessionId
            })
        );
        let not_ours = AcceptanceContext {
            own_suppliers: &[],
            ..ctx
        };
        assert_eq!(
            accept_relay(req.clone(), &not_ours),
            Err(Rejection::NotOurSupplier)
        );

        // Our own signing of the same request and response verifies.
        let signer = if gateways.is_empty() {
            &app
        } else {
            &gateways[0]
        };
        let mut mine = req.clone();
        sign_request(&mut mine, &ring, signer, &mut rng).unwrap();
        verify_request_signature(&mine, &ring).unwrap();
        let mut r2 = res.clone();
        r2.payload = b"a fresh payload".to_vec();
        sign_response(
            &mut r2,
            &SigningKey::from_bytes(&hx(&c["supplier_private_key"]).try_into().unwrap()).unwrap(),
        );
        verify_response(&r2, &supplier).unwrap();
    }
}
