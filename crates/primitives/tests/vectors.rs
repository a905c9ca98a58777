//! Canonical encodings and hashes against the Go-produced relay vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_primitives::{Address, Claim, Message, Relay, RelayRequest, RelayResponse};
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
        assert_eq!(claim.hash().to_vec(), hx(&c["claim_hash"]), "claim {n}");
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
