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

#[test]
fn ring_signatures_verify_and_ours_verify_too() {
    use pokt_crypto::ring::{RingSignature, key_image, sign};
    use rand_chacha::rand_core::SeedableRng;
    let d = load("ring_signatures.json");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 84);
    let mut quirk = 0;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
    for (n, c) in cases.iter().enumerate() {
        let bytes = hx(&c["signature"]);
        let sig = RingSignature::decode(&bytes).unwrap();
        assert_eq!(sig.encode(), bytes, "case {n}: re-encoding");
        let m: [u8; 32] = hx(&c["message"]).try_into().unwrap();
        assert_eq!(
            sig.verify(&m).is_ok(),
            c["valid"].as_bool().unwrap(),
            "case {n}"
        );
        let mut other = m;
        other[0] ^= 1;
        assert_eq!(
            sig.verify(&other).is_ok(),
            c["valid_for_other_message"].as_bool().unwrap(),
            "case {n}"
        );
        assert_eq!(sig.key_image().to_vec(), hx(&c["key_image"]), "case {n}");
        let ring: Vec<VerifyingKey> = c["ring"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| VerifyingKey::from_sec1(&hx(k)).unwrap())
            .collect();
        assert!(sig.ring().copied().eq(ring.iter().copied()));
        assert!(sig.keys_subset_of(&ring));
        assert!(!sig.keys_subset_of(&ring[1..]));
        let prepared = pokt_crypto::ring::PreparedRing::new(&ring).unwrap();
        assert_eq!(
            sig.verify_prepared(&m, &prepared).is_ok(),
            c["valid"].as_bool().unwrap(),
            "case {n}: prepared"
        );
        // Our own signature over the same ring and signer verifies, with the same key image.
        let j = usize::try_from(c["signer_index"].as_u64().unwrap()).unwrap();
        let key = SigningKey::from_bytes(&hx(&c["private_keys"][j]).try_into().unwrap()).unwrap();
        assert_eq!(key_image(&key).unwrap().to_vec(), hx(&c["key_image"]));
        let ours = sign(&m, &ring, j, &key, &mut rng).unwrap();
        assert!(ours.verify(&m).is_ok(), "case {n}: our signature");
        assert!(ours.verify(&other).is_err());
        quirk += usize::from(c["quirk"].as_bool().unwrap());
        // Truncated or padded encodings are refused.
        assert!(RingSignature::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(RingSignature::decode(&longer).is_err());
    }
    assert_eq!(quirk, 16, "the vectors mark 16 quirk signatures");
}

/// Every single-bit mutation of a signature's bytes, of the message, and of each ring member's
/// key fails verification (a Go vector signature over a ring of 2, and one of ours over 4).
#[test]
fn every_single_bit_mutation_fails() {
    use pokt_crypto::ring::{PreparedRing, RingSignature, sign};
    use rand_chacha::rand_core::SeedableRng;
    let d = load("ring_signatures.json");
    let case = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["valid"].as_bool().unwrap() && c["ring"].as_array().unwrap().len() == 2)
        .unwrap();
    let go_sig = hx(&case["signature"]);
    let go_msg: [u8; 32] = hx(&case["message"]).try_into().unwrap();
    let keys: Vec<SigningKey> = (1u8..=4)
        .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
    let m = [0x5a; 32];
    let ours = sign(&m, &ring, 2, &keys[2], &mut rng).unwrap().encode();
    for (bytes, msg) in [(go_sig, go_msg), (ours, m)] {
        let sig = RingSignature::decode(&bytes).unwrap();
        assert!(sig.verify(&msg).is_ok());
        let members: Vec<VerifyingKey> = sig.ring().copied().collect();
        let mut flipped = 0;
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert!(
                RingSignature::decode(&b).map_or(true, |s| s.verify(&msg).is_err()),
                "signature bit {bit}"
            );
            flipped += 1;
        }
        for bit in 0..256 {
            let mut other = msg;
            other[bit / 8] ^= 1 << (bit % 8);
            assert!(sig.verify(&other).is_err(), "message bit {bit}");
            flipped += 1;
        }
        // A ring member changed by one bit: either not a key at all, or a different ring, which
        // the subset rule refuses.
        for (i, k) in members.iter().enumerate() {
            for bit in 0..33 * 8 {
                let mut kb = k.to_bytes();
                kb[bit / 8] ^= 1 << (bit % 8);
                if let Ok(mutated) = VerifyingKey::from_sec1(&kb) {
                    let mut expected = members.clone();
                    expected[i] = mutated;
                    assert!(!sig.keys_subset_of(&expected), "member {i} bit {bit}");
                    let prepared = PreparedRing::new(&expected).unwrap();
                    assert!(sig.verify_prepared(&msg, &prepared).is_err());
                }
                flipped += 1;
            }
        }
        assert!(flipped > 2_000);
    }
}
