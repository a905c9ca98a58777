//! A short simulation end to end (sessions, mining, settlement, difficulty).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut sc = pokt_sim::Scenario::default_scenario().unwrap();
    sc.sessions = 20;
    c.bench_function("default scenario, 20 sessions", |b| {
        b.iter(|| pokt_sim::run(&sc, &|_, _| {}).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
