//! The shared crypto vectors (tests/data/, provenance in tests/data/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_crypto::{
    SigningKey, VerifyingKey, hash_to_curve, hash_to_scalar, hash_to_scalar_plain, placeholder_key,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn cosmos_signatures_byte_for_byte() {
    let d = load("secp256k1_cosmos.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 50);
    for (n, c) in cases.iter().enumerate() {
        let key = SigningKey::from_bytes(&hx(&c["private_key"]).try_into().unwrap()).unwrap();
        assert_eq!(
            key.verifying_key().to_bytes().to_vec(),
            hx(&c["public_key"]),
            "case {n}"
        );
        let msg = hx(&c["message"]);
        assert_eq!(
            key.sign(&msg).to_bytes().to_vec(),
            hx(&c["signature"]),
            "case {n}"
        );
        let vk = VerifyingKey::from_sec1(&hx(&c["public_key"])).unwrap();
        assert!(vk.verify(&msg, &hx(&c["signature"])).is_ok(), "case {n}");
        assert!(
            vk.verify(&msg, &hx(&c["high_s_twin"])).is_err(),
            "case {n}: high S must be rejected"
        );
        let sig = hx(&c["signature"]);
        assert!(vk.verify(&msg, &sig[..63]).is_err());
        let mut other = msg.clone();
        other[0] ^= 1;
        assert!(vk.verify(&other, &sig).is_err());
    }
}

#[test]
fn addresses_and_placeholder() {
    let d = load("addresses.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 50);
    for c in cases {
        let key = SigningKey::from_bytes(&hx(&c["private_key"]).try_into().unwrap()).unwrap();
        assert_eq!(
            key.verifying_key().to_bytes().to_vec(),
            hx(&c["public_key"])
        );
        assert_eq!(key.address().as_str(), c["address"].as_str().unwrap());
    }
    let p = &d["placeholder"];
    let p: Value = if p.is_string() {
        serde_json::from_str(&p.as_str().unwrap().replace('\'', "\"")).unwrap()
    } else {
        p.clone()
    };
    let key = placeholder_key().unwrap();
    assert_eq!(key.to_bytes().to_vec(), hx(&p["private_key"]));
    assert_eq!(
        key.verifying_key().to_bytes().to_vec(),
        hx(&p["public_key"])
    );
    assert_eq!(key.address().as_str(), p["address"].as_str().unwrap());
}

#[test]
fn hash_to_scalar_with_the_decred_quirk() {
    let d = load("hash_to_scalar.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 400);
    let mut quirks = 0;
    for (n, c) in cases.iter().enumerate() {
        let input = hx(&c["input"]);
        assert_eq!(
            hash_to_scalar_plain(&input).to_vec(),
            hx(&c["mod_n"]),
            "case {n}"
        );
        assert_eq!(
            hash_to_scalar(&input).to_vec(),
            hx(&c["scalar"]),
            "case {n}"
        );
        if c["quirk"].as_bool().unwrap() {
            quirks += 1;
            assert_ne!(hash_to_scalar(&input), hash_to_scalar_plain(&input));
        }
    }
    assert_eq!(quirks, 2, "the vector file marks two quirk cases");
}

#[test]
fn hash_to_curve_vectors() {
    let d = load("hash_to_curve.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 100);
    let mut rehashed = 0;
    for (n, c) in cases.iter().enumerate() {
        let (p, k) = hash_to_curve(&hx(&c["point"]).try_into().unwrap());
        assert_eq!(p.to_vec(), hx(&c["hash_to_curve"]), "case {n}");
        assert_eq!(u64::from(k), c["rehashes"].as_u64().unwrap(), "case {n}");
        rehashed += usize::from(k > 0);
    }
    assert!(rehashed > 0, "some cases need a re-hash");
}
