//! Runs one pokt-crypto operation many times, for instruction counts that do not depend on the
//! machine's load (`valgrind --tool=callgrind`), beside libsecp256k1 doing the same work:
//!
//! ```text
//! cargo build --release -p pokt-crypto --example ops
//! valgrind --tool=callgrind target/release/examples/ops verify-prepared 2 200
//! ```
//!
//! Operations: `sign`, `sign-prepared`, `verify`, `verify-prepared`, `decode-verify` (ring size as
//! the second argument), `key-image`, `ecdsa-sign`, `ecdsa-verify`, `libsecp256k1-verify`,
//! `libsecp256k1-sign`, `setup` (the preparation alone, to subtract). The last argument is the
//! number of repetitions.
//!
//! `race OP n rounds` times OP against libsecp256k1's ECDSA verification in alternating short
//! blocks (so a loaded machine slows both alike) and prints the median ratio of their times —
//! the ring operations against four libsecp256k1 verifications, as the targets are stated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_crypto::{Signature, SigningKey, VerifyingKey, ring};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

/// Keys, rings, signatures and libsecp256k1's forms of them, made once.
struct World {
    keys: Vec<SigningKey>,
    ring_keys: Vec<VerifyingKey>,
    prepared: ring::PreparedRing,
    signer: ring::PreparedSigner,
    sig: ring::RingSignature,
    bytes: Vec<u8>,
    ecdsa: Signature,
    vk: VerifyingKey,
    sk: secp256k1::SecretKey,
    m: [u8; 32],
    rng: ChaCha20Rng,
}

impl World {
    fn new(n: usize) -> Self {
        let keys: Vec<SigningKey> = (1u8..=8)
            .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
            .collect();
        let ring_keys: Vec<_> = keys[..n].iter().map(SigningKey::verifying_key).collect();
        let mut rng = ChaCha20Rng::from_seed([0; 32]);
        let m = [42u8; 32];
        let prepared = ring::PreparedRing::new(&ring_keys).unwrap();
        let signer = ring::PreparedSigner::new(&keys[1]);
        let sig = ring::sign(&m, &ring_keys, 1, &keys[1], &mut rng).unwrap();
        // Warm up the process-wide tables and the prepared ring's key-image cache.
        sig.verify_prepared(&m, &prepared).unwrap();
        let bytes = sig.encode();
        let ecdsa = keys[0].sign(b"response");
        let vk = keys[0].verifying_key();
        let sk = secp256k1::SecretKey::from_secret_bytes(*keys[0].to_bytes()).unwrap();
        Self {
            keys,
            ring_keys,
            prepared,
            signer,
            sig,
            bytes,
            ecdsa,
            vk,
            sk,
            m,
            rng,
        }
    }

    fn run(&mut self, op: &str) -> u8 {
        let m = self.m;
        match op {
            "sign" => ring::sign(&m, &self.ring_keys, 1, &self.keys[1], &mut self.rng)
                .unwrap()
                .encode()[5],
            "sign-prepared" => ring::sign_prepared(&m, &self.prepared, &self.signer, &mut self.rng)
                .unwrap()
                .encode()[5],
            "verify" => u8::from(self.sig.verify(&m).is_ok()),
            "verify-prepared" => u8::from(self.sig.verify_prepared(&m, &self.prepared).is_ok()),
            "decode-verify" => u8::from(
                ring::RingSignature::decode(&self.bytes)
                    .unwrap()
                    .verify(&m)
                    .is_ok(),
            ),
            "key-image" => ring::key_image(&self.keys[1]).unwrap()[5],
            "ecdsa-sign" => self.keys[0].sign(b"response").to_bytes()[5],
            "ecdsa-verify" => u8::from(self.vk.verify(b"response", self.ecdsa.as_ref()).is_ok()),
            "libsecp256k1-verify" => {
                let d: [u8; 32] = Sha256::digest(b"response").into();
                let pk = secp256k1::PublicKey::from_slice(self.vk.as_bytes()).unwrap();
                let s = secp256k1::ecdsa::Signature::from_compact(self.ecdsa.as_ref()).unwrap();
                u8::from(
                    secp256k1::ecdsa::verify(&s, secp256k1::Message::from_digest(d), &pk).is_ok(),
                )
            }
            "libsecp256k1-sign" => {
                let d: [u8; 32] = Sha256::digest(b"response").into();
                secp256k1::ecdsa::sign(secp256k1::Message::from_digest(d), &self.sk)
                    .serialize_compact()[5]
            }
            "setup" => 0,
            other => panic!("unknown operation {other}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    if arg(1) == Some("race") {
        let op = arg(2).unwrap_or("ecdsa-verify");
        let n = arg(3).and_then(|a| a.parse().ok()).unwrap_or(2);
        let rounds = arg(4).and_then(|a| a.parse().ok()).unwrap_or(200);
        return race(op, n, rounds);
    }
    let op = arg(1).unwrap_or("verify");
    let n: usize = arg(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    let reps: usize = arg(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    let mut w = World::new(n);
    let mut sink = 0u8;
    for _ in 0..reps {
        sink ^= w.run(op);
    }
    std::hint::black_box(sink);
}

/// `op` against libsecp256k1's verification, alternating one operation of each (a ring
/// operation against four verifications, as the targets are stated); on a loaded machine the
/// fastest runs are the ones nothing interrupted, so this prints the 10th percentile and the
/// minimum of each and their ratios.
fn race(op: &str, n: usize, rounds: usize) {
    let mut w = World::new(n);
    let per = if op.starts_with("ecdsa") { 1 } else { 4 };
    let (mut ours, mut theirs) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let mut sink = 0u8;
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        sink ^= w.run(op);
        ours.push(t.elapsed().as_secs_f64() * 1e6);
        let t = std::time::Instant::now();
        for _ in 0..per {
            sink ^= w.run("libsecp256k1-verify");
        }
        theirs.push(t.elapsed().as_secs_f64() * 1e6);
    }
    std::hint::black_box(sink);
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    let (p10, min) = (|v: &[f64]| v[v.len() / 10], |v: &[f64]| v[0]);
    println!(
        "{op} (ring of {n}): p10 {:.1} us, min {:.1} us; libsecp256k1 verify x{per}: p10 {:.1} us, min {:.1} us; ratio p10 {:.3}, min {:.3}",
        p10(&ours),
        min(&ours),
        p10(&theirs),
        min(&theirs),
        p10(&ours) / p10(&theirs),
        min(&ours) / min(&theirs)
    );
}
