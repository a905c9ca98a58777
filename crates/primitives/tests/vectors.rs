//! Canonical encodings and hashes against the Go-produced relay vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_primitives::{Address, Claim, Message, Relay, RelayRequest, RelayResponse, SessionHeader};
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn relays_round_trip_and_hash() {
    let d = load("relay_encoding.json");
    let cases = d["relays"].as_array().unwrap();
    assert_eq!(cases.len(), 150);
    for (n, c) in cases.iter().enumerate() {
        let bytes = hx(&c["relay"]);
        let relay = Relay::decode(&bytes).unwrap();
        assert_eq!(relay.encode(), bytes, "case {n}: re-encoding");
        let req = relay.req.clone().unwrap();
        let res = relay.res.clone().unwrap();
        assert_eq!(req.encode(), hx(&c["relay_request"]), "case {n}");
        assert_eq!(res.encode(), hx(&c["relay_response"]), "case {n}");
        assert_eq!(RelayRequest::decode(&hx(&c["relay_request"])).unwrap(), req);
        assert_eq!(
            RelayResponse::decode(&hx(&c["relay_response"])).unwrap(),
            res
        );
        assert_eq!(
            req.signable_bytes(),
            hx(&c["request_signable_bytes"]),
            "case {n}"
        );
        assert_eq!(
            req.signable_hash().to_vec(),
            hx(&c["request_signable_hash"]),
            "case {n}"
        );
        assert_eq!(
            res.signable_bytes(),
            hx(&c["response_signable_bytes"]),
            "case {n}"
        );
        assert_eq!(
            res.signable_hash().to_vec(),
            hx(&c["response_signable_hash"]),
            "case {n}"
        );
        assert_eq!(relay.hash_bytes(), hx(&c["relay_hash_bytes"]), "case {n}");
        assert_eq!(
            relay.relay_hash().as_bytes().to_vec(),
            hx(&c["relay_hash"]),
            "case {n}"
        );
    }
}

#[test]
fn claims_round_trip_and_hash() {
    let d = load("relay_encoding.json");
    let cases = d["claims"].as_array().unwrap();
    assert_eq!(cases.len(), 60);
    for (n, c) in cases.iter().enumerate() {
        let bytes = hx(&c["claim"]);
        let claim = Claim::decode(&bytes).unwrap();
        assert_eq!(claim.encode(), bytes, "claim {n}");
        assert_eq!(
            claim.hash().as_bytes().to_vec(),
            hx(&c["claim_hash"]),
            "claim {n}"
        );
    }
}

#[test]
fn hostile_bytes_are_refused() {
    // A length prefix far beyond the input, a 11-byte varint, wire type 7, field 0.
    for bad in [
        &[0x0a, 0xff, 0xff, 0xff, 0x0f][..],
        &[
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ],
        &[0x0f],
        &[0x00, 0x00],
    ] {
        assert!(Relay::decode(bad).is_err(), "{bad:?}");
    }
    // A known length-delimited field sent as a varint.
    assert!(Relay::decode(&[0x08, 0x01]).is_err());
    // Invalid UTF-8 in a string field; a length that runs past the end; a truncated varint.
    assert!(SessionHeader::decode(&[0x0a, 0x01, 0xff]).is_err());
    assert!(SessionHeader::decode(&[0x0a, 0x05, b'a']).is_err());
    assert!(SessionHeader::decode(&[0x28, 0x80]).is_err());
    // A height that is not an int64 varint of at most 10 bytes.
    assert!(
        SessionHeader::decode(&[
            0x28, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01
        ])
        .is_err()
    );
}

#[test]
fn addresses() {
    let d = load("addresses.json");
    for c in d["cases"].as_array().unwrap() {
        let key: [u8; 33] = hx(&c["public_key"]).try_into().unwrap();
        let a = Address::from_public_key(&key);
        assert_eq!(a.as_str(), c["address"].as_str().unwrap());
        assert_eq!(a.as_bytes().to_vec(), hx(&c["hash160"]));
    }
}

mod properties {
    use pokt_primitives::*;
    use proptest::prelude::*;

    fn header() -> impl Strategy<Value = Option<SessionHeader>> {
        proptest::option::of(
            (
                "[a-z0-9]{0,10}",
                "[a-z-]{0,8}",
                "[0-9a-f]{0,64}",
                any::<i64>(),
                any::<i64>(),
            )
                .prop_map(|(a, s, id, start, end)| SessionHeader {
                    application_address: a,
                    service_id: s,
                    session_id: id,
                    session_start_block_height: start,
                    session_end_block_height: end,
                }),
        )
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..40)
    }

    fn relay() -> impl Strategy<Value = Relay> {
        let req =
            (header(), bytes(), "[a-z0-9]{0,12}", bytes()).prop_map(|(h, sig, sup, payload)| {
                let mut r = RelayRequest {
                    payload,
                    ..RelayRequest::default()
                };
                r.meta.session_header = h;
                r.meta.signature = sig;
                r.meta.supplier_operator_address = sup;
                r
            });
        let res = (
            header(),
            bytes(),
            bytes(),
            bytes(),
            proptest::option::of((".{0,6}", any::<u32>())),
        )
            .prop_map(|(h, sig, payload, ph, err)| {
                let mut r = RelayResponse {
                    payload,
                    payload_hash: ph,
                    ..RelayResponse::default()
                };
                r.meta.session_header = h;
                r.meta.supplier_operator_signature = sig;
                r.relay_miner_error = err.map(|(m, code)| RelayMinerError {
                    codespace: m.clone(),
                    code,
                    description: String::new(),
                    message: m,
                });
                r
            });
        (proptest::option::of(req), proptest::option::of(res))
            .prop_map(|(req, res)| Relay { req, res })
    }

    proptest! {
        /// Any message round-trips: decode(encode(m)) = m, and the encoding is canonical (a fixed
        /// point); every strict prefix of a non-empty encoding that cuts a field fails or decodes
        /// to a different message.
        #[test]
        fn relays_round_trip(r in relay(), cut in any::<prop::sample::Index>()) {
            let bytes = r.encode();
            let back = Relay::decode(&bytes).unwrap();
            prop_assert_eq!(&back, &r);
            prop_assert_eq!(back.encode(), bytes.clone());
            if !bytes.is_empty() {
                let k = cut.index(bytes.len());
                prop_assert!(Relay::decode(&bytes[..k]).map_or(true, |m| m != r));
            }
        }

        #[test]
        fn claims_round_trip(h in header(), sup in "[a-z0-9]{0,12}", root in bytes(), status in 0i32..4) {
            let c = Claim {
                supplier_operator_address: sup,
                session_header: h,
                root_hash: root,
                proof_validation_status: match status {
                    0 => ClaimProofStatus::PendingValidation,
                    1 => ClaimProofStatus::Validated,
                    2 => ClaimProofStatus::Invalid,
                    v => ClaimProofStatus::Other(v),
                },
            };
            let bytes = c.encode();
            prop_assert_eq!(Claim::decode(&bytes).unwrap(), c);
        }
    }
}
