//! Ring signatures (ring of 2, issue target ≤ 150 µs) and Cosmos secp256k1.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use pokt_crypto::{SigningKey, ring};
use rand_chacha::rand_core::SeedableRng;

fn bench(c: &mut Criterion) {
    let keys: Vec<SigningKey> = (1u8..=2)
        .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let ring_keys: Vec<_> = keys.iter().map(SigningKey::verifying_key).collect();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
    let m = [42u8; 32];
    c.bench_function("ring sign (2)", |b| {
        b.iter(|| ring::sign(&m, &ring_keys, 1, &keys[1], &mut rng).unwrap())
    });
    let sig = ring::sign(&m, &ring_keys, 1, &keys[1], &mut rng).unwrap();
    c.bench_function("ring verify (2)", |b| b.iter(|| sig.verify(&m).unwrap()));
    let prepared = ring::PreparedRing::new(&ring_keys).unwrap();
    c.bench_function("ring verify prepared (2)", |b| {
        b.iter(|| sig.verify_prepared(&m, &prepared).unwrap())
    });
    let bytes = sig.encode();
    c.bench_function("ring decode + verify (2)", |b| {
        b.iter(|| {
            ring::RingSignature::decode(&bytes)
                .unwrap()
                .verify(&m)
                .unwrap()
        })
    });
    let s = keys[0].sign(b"response");
    let vk = keys[0].verifying_key();
    c.bench_function("secp256k1 sign", |b| b.iter(|| keys[0].sign(b"response")));
    c.bench_function("secp256k1 verify", |b| {
        b.iter(|| vk.verify(b"response", s.as_ref()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
