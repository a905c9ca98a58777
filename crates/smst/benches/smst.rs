//! SMST costs for N = 10k, 100k and 1M leaves (32-byte hashed keys, 100-byte raw values, as the Go
//! figures we compare with): insert N, first root, commit of an unchanged trie, prove_closest, a
//! reload from a memory store, and verification (strict and Go-compatible) over rotating random
//! paths, and heap bytes per leaf (printed once per N).
//!
//! `cargo bench -p pokt-smst` (the 1M group alone takes about a minute).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use pokt_smst::{
    PoktSmst, Sha256Hasher, ValueMode, verify_closest_proof, verify_closest_proof_go_compatible,
};

fn trie(n: u32) -> PoktSmst {
    let mut t = PoktSmst::new(ValueMode::Raw);
    for i in 0..n {
        t.update(&i.to_be_bytes(), &[7u8; 100], 100);
    }
    t
}

/// 4096 query paths, so repeated iterations do not prove one warm path.
fn paths() -> Vec<[u8; 32]> {
    (0..4096u32)
        .map(|i| PoktSmst::path(&(i ^ 0x5a5a_5a5a).to_le_bytes()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("smst");
    g.sample_size(10);
    let qs = paths();
    for n in [10_000u32, 100_000, 1_000_000] {
        g.bench_with_input(BenchmarkId::new("insert", n), &n, |b, &n| {
            b.iter(|| trie(n))
        });
        let unhashed = trie(n);
        g.bench_with_input(BenchmarkId::new("root (first)", n), &n, |b, _| {
            b.iter_batched(|| unhashed.clone(), |t| t.root(), BatchSize::LargeInput)
        });
        drop(unhashed);
        let mut t = trie(n);
        let root = t.commit();
        println!(
            "smst/heap bytes per leaf/{n}: {:.0}",
            t.heap_bytes() as f64 / f64::from(n)
        );
        g.bench_with_input(BenchmarkId::new("commit (unchanged)", n), &n, |b, _| {
            b.iter(|| t.commit())
        });
        let mut i = 0usize;
        g.bench_with_input(BenchmarkId::new("prove_closest", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % qs.len();
                t.prove_closest(black_box(&qs[i]))
            })
        });
        let mut store = pokt_smst::MemoryStore::new();
        {
            let mut tracked = PoktSmst::new_tracked(ValueMode::Raw);
            for i in 0..n {
                tracked.update(&i.to_be_bytes(), &[7u8; 100], 100);
            }
            tracked.persist(&mut store).unwrap();
        }
        g.bench_with_input(BenchmarkId::new("reload from store", n), &n, |b, _| {
            b.iter(|| PoktSmst::from_store(ValueMode::Raw, &store).unwrap())
        });
        drop(store);
        let proofs: Vec<_> = qs.iter().map(|q| t.prove_closest(q)).collect();
        let mut i = 0usize;
        g.bench_with_input(BenchmarkId::new("verify_closest strict", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % proofs.len();
                verify_closest_proof::<Sha256Hasher>(black_box(&proofs[i]), &root)
            })
        });
        let mut i = 0usize;
        g.bench_with_input(BenchmarkId::new("verify_closest go", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % proofs.len();
                verify_closest_proof_go_compatible::<Sha256Hasher>(
                    black_box(&proofs[i]),
                    &root,
                    ValueMode::Raw,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
