//! SMST costs: build + root, prove, closest proof and strict verification.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pokt_smst::{PoktSmst, Sha256Hasher, ValueMode, verify_closest_proof};

fn trie(n: u32) -> PoktSmst {
    let mut t = PoktSmst::new(ValueMode::Raw);
    for i in 0..n {
        t.update(&i.to_be_bytes(), &[7u8; 200], 100);
    }
    t
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("smst");
    g.sample_size(10);
    for n in [10_000u32, 100_000] {
        g.bench_with_input(BenchmarkId::new("insert+root", n), &n, |b, &n| {
            b.iter(|| trie(n).root())
        });
    }
    let t = trie(100_000);
    let root = t.root();
    g.bench_function("prove_closest (100k leaves)", |b| {
        b.iter(|| t.prove_closest(&[0x5a; 32]))
    });
    let p = t.prove_closest(&[0x5a; 32]);
    g.bench_function("verify_closest strict (100k leaves)", |b| {
        b.iter(|| verify_closest_proof::<Sha256Hasher>(&p, &root))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
