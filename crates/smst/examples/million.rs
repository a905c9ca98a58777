//! Inserts 1,000,000 relays into a POKT session trie and computes the root, timing each step.
//! `cargo run --release -p pokt-smst --example million`
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use pokt_smst::{PoktSmst, Sha256Hasher, ValueMode, verify_closest_proof};

fn main() {
    let t0 = Instant::now();
    let mut t = PoktSmst::new(ValueMode::Raw);
    for i in 0u32..1_000_000 {
        t.update(&i.to_be_bytes(), &[7u8; 64], 100);
    }
    let t1 = Instant::now();
    let root = t.root();
    let t2 = Instant::now();
    let p = t.prove_closest(&[0x5a; 32]);
    let n = 10_000;
    let t3 = Instant::now();
    for _ in 0..n {
        assert!(verify_closest_proof::<Sha256Hasher>(&p, &root));
    }
    let t4 = Instant::now();
    println!(
        "1M inserts {:.3} s, root {:.3} s (total {:.3} s), strict verify {:.2} µs, root sum {} count {}",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t2 - t0).as_secs_f64(),
        (t4 - t3).as_secs_f64() * 1e6 / f64::from(n),
        root.sum(),
        root.count()
    );
}
