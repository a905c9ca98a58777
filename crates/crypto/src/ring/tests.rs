//! Ring-signature properties: sign/verify round trips over random rings, prepared and unprepared
//! paths agreeing, the key-image cache, hostile sizes.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Any ring of 2–8 keys and any signer: the signature verifies, survives encoding, and a
    /// changed message or a flipped response byte does not verify.
    #[test]
    fn sign_verify(n in 2usize..=8, signer in 0usize..8, seed in any::<[u8; 32]>(), m in any::<[u8; 32]>(), flip in 0usize..1000) {
        let signer = signer % n;
        let keys: Vec<SigningKey> = (0..n)
            .map(|i| { let mut b = seed; b[0] = u8::try_from(i).unwrap() + 1; b[31] |= 1; SigningKey::from_bytes(&b).unwrap() })
            .collect();
        let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let sig = sign(&m, &ring, signer, &keys[signer], &mut rng).unwrap();
        prop_assert!(sig.verify(&m).is_ok());
        let bytes = sig.encode();
        prop_assert_eq!(bytes.len(), 69 + 65 * n);
        prop_assert_eq!(RingSignature::decode(&bytes).unwrap(), sig.clone());
        let mut other = m;
        other[31] ^= 1;
        prop_assert!(sig.verify(&other).is_err());
        let mut bad = bytes.clone();
        let idx = HEADER + (flip % n) * MEMBER + (flip % 32);
        bad[idx] ^= 1;
        prop_assert!(RingSignature::decode(&bad).map_or(true, |s| s.verify(&m).is_err()));
        prop_assert!(sign(&m, &ring, (signer + 1) % n, &keys[signer], &mut rng).is_err());
        // The prepared verifier agrees: accepts over the whole ring (in any order), refuses a
        // ring missing one of the signature's keys, and refuses what `verify` refuses.
        let mut shuffled = ring.clone();
        shuffled.rotate_left(flip % n);
        prop_assert!(sig.verify_prepared(&m, &PreparedRing::new(&shuffled).unwrap()).is_ok());
        let short = PreparedRing::new(&ring[1..]).unwrap();
        let full = PreparedRing::new(&shuffled).unwrap();
        prop_assert_eq!(RingSignature::decode_prepared(&bytes, &full).unwrap(), sig.clone());
        prop_assert!(RingSignature::decode_prepared(&bytes, &short).is_err());
        prop_assert!(RingSignature::decode_prepared(&bytes[..bytes.len() - 1], &full).is_err());
        // The prepared signer makes the same signature from the same randomness.
        let prepared_ring = PreparedRing::new(&ring).unwrap();
        let signer_p = PreparedSigner::new(&keys[signer]);
        let mut r1 = rand_chacha::ChaCha20Rng::from_seed(m);
        let mut r2 = rand_chacha::ChaCha20Rng::from_seed(m);
        let a = sign(&m, &ring, signer, &keys[signer], &mut r1).unwrap();
        let b = sign_prepared(&m, &prepared_ring, &signer_p, &mut r2).unwrap();
        prop_assert_eq!(a.encode(), b.encode());
        prop_assert!(b.verify_prepared(&m, &prepared_ring).is_ok());
        prop_assert_eq!(signer_p.key_image(), key_image(&keys[signer]).unwrap());
        prop_assert!(sig.verify_prepared(&m, &short).is_err());
        prop_assert!(sig.verify_prepared(&other, &PreparedRing::new(&ring).unwrap()).is_err());
    }
}

/// One prepared ring across many signatures: cached key images (hits, and evictions past
/// the cache size) never change a verdict.
#[test]
fn image_cache_keeps_verdicts() {
    let keys: Vec<SigningKey> = (1u8..=20)
        .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
    let prepared = PreparedRing::new(&ring).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
    for round in 0..2 {
        for (j, k) in keys.iter().enumerate() {
            let m = [u8::try_from(j + round).unwrap(); 32];
            let sig = sign(&m, &ring, j, k, &mut rng).unwrap();
            let bytes = sig.encode();
            let decoded = RingSignature::decode_prepared(&bytes, &prepared).unwrap();
            assert!(decoded.verify_prepared(&m, &prepared).is_ok(), "signer {j}");
            let mut other = m;
            other[0] ^= 1;
            assert!(decoded.verify_prepared(&other, &prepared).is_err());
        }
    }
}

#[test]
fn hostile_sizes_are_refused_without_allocating() {
    let mut b = vec![0xffu8, 0xff, 0xff, 0xff];
    b.extend_from_slice(&[0u8; 200]);
    assert!(RingSignature::decode(&b).is_err());
    assert!(RingSignature::decode(&[]).is_err());
    assert!(RingSignature::decode(&[0, 0, 0, 0]).is_err());
}

/// Large rings get smaller member tables; verdicts do not change with the window.
#[test]
fn large_ring_prepared() {
    let keys: Vec<SigningKey> = (1u16..=130)
        .map(|i| {
            let mut b = [7u8; 32];
            b[..2].copy_from_slice(&i.to_be_bytes());
            SigningKey::from_bytes(&b).unwrap()
        })
        .collect();
    let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
    let prepared = PreparedRing::new(&ring).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
    let m = [3u8; 32];
    let sig = sign_prepared(&m, &prepared, &PreparedSigner::new(&keys[129]), &mut rng).unwrap();
    assert!(sig.verify_prepared(&m, &prepared).is_ok());
    assert!(sig.verify(&m).is_ok());
    assert!(sig.verify_prepared(&[4u8; 32], &prepared).is_err());
}
