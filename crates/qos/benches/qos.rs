//! The per-request cost of the QoS at a gateway: `plan` and `observe` for sessions of 10 and 50
//! suppliers (addresses as keys, 1,000 suppliers on record, warm statistics), and during a
//! rollover (two sessions usable). The gateway calls both once per request.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pokt_primitives::{Address, BlockHeight};
use pokt_qos::{Outcome, Qos, QosConfig, RequestClass, Role, Routing, SessionWindow, Success};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

fn address(i: u32) -> Address {
    let mut b = [0u8; 20];
    b[..4].copy_from_slice(&i.to_be_bytes());
    Address::from_bytes(b)
}

/// A QoS with 1,000 suppliers on record and a routing over `n` of them (two sessions of `n` when
/// `rollover`), warmed with 20,000 requests.
fn setup(n: u32, rollover: bool) -> (Qos<Address>, Routing<Address>, ChaCha8Rng) {
    let mut q = Qos::new(QosConfig::default()).unwrap();
    for i in 0..1000 {
        q.report(
            &address(i),
            Outcome::Success(Success::unary(Duration::from_millis(100 + u64::from(i)))),
            Duration::ZERO,
        );
    }
    let mut r = Routing::new();
    let w = |s: i64| {
        SessionWindow::new(
            BlockHeight::new(s),
            BlockHeight::new(s + 9),
            BlockHeight::new(s + 12),
        )
        .unwrap()
    };
    r.install(&mut q, w(1), (), (0..n).map(address), Duration::ZERO)
        .unwrap();
    if rollover {
        r.install(&mut q, w(11), (), (n..2 * n).map(address), Duration::ZERO)
            .unwrap();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut sim = ChaCha8Rng::seed_from_u64(2);
    let height = BlockHeight::new(if rollover { 11 } else { 5 });
    for i in 0..20_000u64 {
        let now = Duration::from_millis(i * 10);
        let plan = q
            .plan(&r, height, RequestClass::Unary, now, &mut rng)
            .unwrap();
        let ms = 100 + u64::from(sim.next_u32() % 400);
        q.observe(
            plan.primary(),
            Role::Primary,
            Outcome::Success(Success::unary(Duration::from_millis(ms))),
            now,
        );
    }
    (q, r, rng)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("qos");
    for (n, rollover) in [(10u32, false), (50, false), (50, true)] {
        let label = if rollover {
            format!("{n}+{n} rollover")
        } else {
            format!("{n}")
        };
        let height = BlockHeight::new(if rollover { 11 } else { 5 });
        let (mut q, r, mut rng) = setup(n, rollover);
        let mut t = Duration::from_secs(1000);
        g.bench_function(BenchmarkId::new("plan", &label), |b| {
            b.iter(|| {
                t += Duration::from_millis(1);
                q.plan(&r, height, RequestClass::Unary, t, &mut rng)
                    .unwrap()
            })
        });
        let plan = q
            .plan(&r, height, RequestClass::Unary, t, &mut rng)
            .unwrap();
        let mut ms = 100u64;
        g.bench_function(BenchmarkId::new("observe", &label), |b| {
            b.iter(|| {
                t += Duration::from_millis(1);
                ms = 100 + (ms * 7 + 13) % 400;
                q.observe(
                    plan.primary(),
                    Role::Primary,
                    Outcome::Success(Success::unary(Duration::from_millis(ms))),
                    t,
                )
            })
        });
        g.bench_function(BenchmarkId::new("plan + observe", &label), |b| {
            b.iter(|| {
                t += Duration::from_millis(1);
                ms = 100 + (ms * 7 + 13) % 400;
                let plan = q
                    .plan(&r, height, RequestClass::Unary, t, &mut rng)
                    .unwrap();
                q.observe(
                    plan.primary(),
                    Role::Primary,
                    Outcome::Success(Success::unary(Duration::from_millis(ms))),
                    t,
                );
                plan
            })
        });
    }
    let (q, _, _) = setup(50, false);
    g.bench_function("snapshot of 1,000 suppliers", |b| {
        b.iter(|| q.snapshot(Duration::from_secs(1000)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
