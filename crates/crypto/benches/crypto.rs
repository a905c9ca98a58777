//! Ring signatures for rings of 2, 4 and 8 (sign; verify with the ring's points worked out per
//! call and against a prepared ring; decode + verify, which is what the proof validator does once
//! per proof), key images, Cosmos secp256k1, and ed25519 single and batch verification.
//! libsecp256k1 (the `secp256k1` crate, a dev-dependency of this bench only) runs in the same
//! process as the reference: Cosmos verify within 1.3× of its ECDSA verify; a prepared ring of 2
//! within 1.3× of its four ECDSA verifications, unprepared within 1.6×.
//!
//! On a shared, loaded machine wall time mostly measures the scheduler; `POKT_BENCH_CLOCK=cpu`
//! times each batch with the benchmark thread's CPU clock instead (Unix), so time spent waiting
//! for a core is not counted and ratios between operations of one run stay meaningful.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pokt_crypto::{
    Ed25519SigningKey, RelaySigner, RelayVerifier, SigningKey, ed25519_verify_batch, ring,
};
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

fn bench(c: &mut Criterion<Clock>) {
    let keys: Vec<SigningKey> = (1u8..=8)
        .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
    let m = [42u8; 32];
    let mut g = c.benchmark_group("ring");
    for n in [2usize, 4, 8] {
        let ring_keys: Vec<_> = keys[..n].iter().map(SigningKey::verifying_key).collect();
        g.bench_with_input(BenchmarkId::new("sign", n), &n, |b, _| {
            b.iter(|| ring::sign(&m, &ring_keys, 1, &keys[1], &mut rng).unwrap())
        });
        let prepared_ring = ring::PreparedRing::new(&ring_keys).unwrap();
        let signer = ring::PreparedSigner::new(&keys[1]);
        g.bench_with_input(BenchmarkId::new("sign prepared", n), &n, |b, _| {
            b.iter(|| ring::sign_prepared(&m, &prepared_ring, &signer, &mut rng).unwrap())
        });
        let sig = ring::sign(&m, &ring_keys, 1, &keys[1], &mut rng).unwrap();
        g.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| {
            b.iter(|| sig.verify(&m).unwrap())
        });
        let prepared = ring::PreparedRing::new(&ring_keys).unwrap();
        g.bench_with_input(BenchmarkId::new("verify prepared", n), &n, |b, _| {
            b.iter(|| sig.verify_prepared(&m, &prepared).unwrap())
        });
        let bytes = sig.encode();
        g.bench_with_input(BenchmarkId::new("decode + verify", n), &n, |b, _| {
            b.iter(|| {
                ring::RingSignature::decode(&bytes)
                    .unwrap()
                    .verify(&m)
                    .unwrap()
            })
        });
    }
    g.bench_function("key image", |b| {
        b.iter(|| ring::key_image(&keys[1]).unwrap())
    });
    g.finish();

    let s = keys[0].sign(b"response");
    let vk = keys[0].verifying_key();
    c.bench_function("secp256k1 sign", |b| b.iter(|| keys[0].sign(b"response")));
    c.bench_function("secp256k1 verify", |b| {
        b.iter(|| vk.verify(b"response", s.as_ref()).unwrap())
    });
    libsecp256k1(c, &keys);

    let ed: Vec<Ed25519SigningKey> = (0u8..64)
        .map(|i| Ed25519SigningKey::from_bytes(&[i; 32]))
        .collect();
    let msgs: Vec<Vec<u8>> = (0u8..64).map(|i| vec![i; 64]).collect();
    let sigs: Vec<Vec<u8>> = ed.iter().zip(&msgs).map(|(k, m)| k.sign_bytes(m)).collect();
    let vks: Vec<_> = ed.iter().map(RelaySigner::verifier).collect();
    c.bench_function("ed25519 verify", |b| {
        b.iter(|| vks[0].verify_bytes(&msgs[0], &sigs[0]).unwrap())
    });
    let items: Vec<(&[u8], &[u8], _)> = msgs
        .iter()
        .zip(&sigs)
        .zip(&vks)
        .map(|((m, s), k)| (m.as_slice(), s.as_slice(), *k))
        .collect();
    c.bench_function("ed25519 batch verify (64)", |b| {
        b.iter(|| ed25519_verify_batch(&items).unwrap())
    });
}

/// libsecp256k1 on the same work as ours: SHA-256 of the message, the key parsed from its 33
/// bytes, the 64-byte signature parsed, then sign or verify.
fn libsecp256k1(c: &mut Criterion<Clock>, keys: &[SigningKey]) {
    use secp256k1::{Message, PublicKey, SecretKey, ecdsa};
    let msgs: Vec<Vec<u8>> = (0u8..4).map(|i| vec![i; 100]).collect();
    let items: Vec<([u8; 33], [u8; 64], &[u8])> = keys[..4]
        .iter()
        .zip(&msgs)
        .map(|(k, m)| {
            (
                k.verifying_key().to_bytes(),
                k.sign(m).to_bytes(),
                m.as_slice(),
            )
        })
        .collect();
    let verify = |(key, sig, msg): &([u8; 33], [u8; 64], &[u8])| {
        let digest: [u8; 32] = Sha256::digest(msg).into();
        let pk = PublicKey::from_slice(key).unwrap();
        let sig = ecdsa::Signature::from_compact(sig).unwrap();
        ecdsa::verify(&sig, Message::from_digest(digest), &pk).unwrap();
    };
    // Same signatures as ours, so both libraries accept them.
    for (key, sig, msg) in &items {
        assert!(
            pokt_crypto::VerifyingKey::from_sec1(key)
                .unwrap()
                .verify(msg, sig)
                .is_ok()
        );
    }
    let mut g = c.benchmark_group("libsecp256k1");
    g.bench_function("ecdsa verify", |b| b.iter(|| verify(&items[0])));
    g.bench_function("ecdsa verify x4", |b| {
        b.iter(|| items.iter().for_each(verify))
    });
    let sk = SecretKey::from_secret_bytes(*keys[0].to_bytes()).unwrap();
    g.bench_function("ecdsa sign", |b| {
        b.iter(|| {
            let digest: [u8; 32] = Sha256::digest(b"response").into();
            ecdsa::sign(Message::from_digest(digest), &sk).serialize_compact()
        })
    });
    g.finish();
    // Byte-identical signatures (both RFC 6979, low S).
    let digest: [u8; 32] = Sha256::digest(b"response").into();
    assert_eq!(
        ecdsa::sign(Message::from_digest(digest), &sk).serialize_compact(),
        keys[0].sign(b"response").to_bytes()
    );
}

/// Wall time, or the thread's CPU time when `POKT_BENCH_CLOCK=cpu` (Unix only).
struct Clock {
    cpu: bool,
    wall: WallTime,
}

impl Clock {
    fn from_env() -> Self {
        let cpu = std::env::var("POKT_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
        if cpu && cfg!(not(unix)) {
            eprintln!("POKT_BENCH_CLOCK=cpu needs Unix; measuring wall time");
        }
        Self {
            cpu: cpu && cfg!(unix),
            wall: WallTime,
        }
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

impl Measurement for Clock {
    type Intermediate = (Instant, Duration);
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        let cpu = if self.cpu {
            thread_cpu_time()
        } else {
            Duration::ZERO
        };
        (Instant::now(), cpu)
    }
    fn end(&self, (wall, cpu): Self::Intermediate) -> Self::Value {
        if self.cpu {
            thread_cpu_time().saturating_sub(cpu)
        } else {
            wall.elapsed()
        }
    }
    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        *v1 + *v2
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(Clock::from_env());
    targets = bench
}
criterion_main!(benches);
