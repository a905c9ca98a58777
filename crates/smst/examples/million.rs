//! Inserts 1,000,000 relays (32-byte hashed keys, 100-byte raw values — the size the Go library's
//! figures we compare with were measured at — weight 100) into a POKT session
//! trie and prints insert, root, commit, prove_closest and strict-verify times and the process's
//! peak RSS. `cargo run --release -p pokt-smst --example million`
//!
//! prove_closest is timed twice over 10,000 random paths: each proof dropped after use (what a
//! relay miner does, and what a criterion bench measures), and all 10,000 kept in memory (which
//! adds the first-touch page faults of ~15 MB of fresh heap to the proofs' cost).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use pokt_smst::{PoktSmst, Sha256Hasher, ValueMode, verify_closest_proof};

/// Peak resident set size in MiB (Linux; `None` elsewhere).
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let t0 = Instant::now();
    let mut t = PoktSmst::new(ValueMode::Raw);
    for i in 0u32..1_000_000 {
        t.update(&i.to_be_bytes(), &[7u8; 100], 100);
    }
    let t1 = Instant::now();
    let root = t.root();
    let t2 = Instant::now();
    let committed = t.commit();
    let t3 = Instant::now();
    assert_eq!(committed, root);
    let n = 10_000u32;
    let paths: Vec<[u8; 32]> = (0..n)
        .map(|i| PoktSmst::path(&(i ^ 0x5a5a_5a5a).to_le_bytes()))
        .collect();
    let t4 = Instant::now();
    for p in &paths {
        std::hint::black_box(t.prove_closest(std::hint::black_box(p)));
    }
    let t4b = Instant::now();
    let proofs: Vec<_> = paths.iter().map(|p| t.prove_closest(p)).collect();
    let t5 = Instant::now();
    for p in &proofs {
        assert!(verify_closest_proof::<Sha256Hasher>(p, &root));
    }
    let t6 = Instant::now();
    let per = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e6 / f64::from(n);
    println!(
        "1M inserts {:.3} s, root {:.3} s (insert + root {:.3} s), commit (unchanged) {:.1} µs, \
         prove_closest {:.2} µs (kept: {:.2} µs), strict verify {:.2} µs, peak RSS {} MiB; \
         sum {} count {}",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t2 - t0).as_secs_f64(),
        (t3 - t2).as_secs_f64() * 1e6,
        per(t4, t4b),
        per(t4b, t5),
        per(t5, t6),
        peak_rss_mib().map_or("?".into(), |m| format!("{m:.0}")),
        root.sum(),
        root.count()
    );
}
