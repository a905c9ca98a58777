//! Settling 1k, 10k and 100k claims in one block with mainnet params (issue target: 100k ≤ 1 s).
//! 1,000 applications, 10 suppliers per session, revenue shares split three ways, a target below
//! the base (so every claim's value goes through the 512-bit rational), some overservicing.
#![allow(missing_docs, clippy::unwrap_used, clippy::cast_possible_truncation)]

use std::collections::BTreeMap;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};
use pokt_tokenomics::{
    AppAccount, BlockInput, ClaimInput, ClaimPricing, ComputeUnits, Metering, RevShare,
    TokenomicsParams, Upokt, settle_block,
};

fn addr(i: u32, tag: u8) -> Address {
    let mut b = [tag; 20];
    b[..4].copy_from_slice(&i.to_be_bytes());
    Address::from_bytes(b)
}

fn block(n: u32) -> (Vec<ClaimInput>, BTreeMap<Address, AppAccount>) {
    let mut target = [0xff; 32];
    target[0] = 0x3f;
    let service = ServiceId::new("llm").unwrap();
    let claims = (0..n)
        .map(|i| {
            let app = i % 1_000;
            let relays = 1_000 + u64::from(i % 9_000);
            let mut sid = [0u8; 32];
            sid[..4].copy_from_slice(&(i / 10).to_be_bytes());
            ClaimInput {
                supplier_operator: addr(i, 1),
                supplier_owner: addr(i, 2),
                rev_shares: vec![
                    RevShare {
                        address: addr(i, 2),
                        percentage: 50,
                    },
                    RevShare {
                        address: addr(i, 3),
                        percentage: 30,
                    },
                    RevShare {
                        address: addr(i, 4),
                        percentage: 20,
                    },
                ],
                application: addr(app, 5),
                service_id: service.clone(),
                source_owner: addr(0, 6),
                session_id: SessionId::from_bytes(sid),
                num_relays: relays,
                num_compute_units: ComputeUnits::new(relays * 100),
                compute_units_per_relay: ComputeUnits::new(100),
                metering: Metering::FixedPerRelay,
                pricing: ClaimPricing {
                    target_hash: TargetHash::from_bytes(target),
                    compute_units_to_tokens_multiplier: 145_990,
                    compute_unit_cost_granularity: 1_000_000,
                },
            }
        })
        .collect();
    let apps = (0..1_000u32)
        .map(|a| {
            (
                addr(a, 5),
                AppAccount {
                    // Some applications are small enough to be overserviced.
                    stake: Upokt::new(if a % 10 == 0 {
                        5_000_000
                    } else {
                        100_000_000_000
                    }),
                    per_session_spend_limit: None,
                },
            )
        })
        .collect();
    (claims, apps)
}

fn bench(c: &mut Criterion) {
    let params = TokenomicsParams::mainnet().unwrap();
    let mut g = c.benchmark_group("settle block");
    g.sample_size(10);
    for n in [1_000u32, 10_000, 100_000] {
        let (claims, apps) = block(n);
        g.throughput(Throughput::Elements(u64::from(n)));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                settle_block(&BlockInput {
                    claims: &claims,
                    apps: apps.clone(),
                    num_pending_sessions: 2,
                    params: &params,
                    proposer: addr(0, 9),
                    application_min_stake: Upokt::new(1),
                    expiry: Default::default(),
                })
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
