//! Deriving a session and selecting 50 suppliers of 10,000 candidates (target: ≤ 5 ms).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery};

fn bench(c: &mut Criterion) {
    let service = ServiceId::new("llm").unwrap();
    let app = Address::from_bytes([1; 20]);
    let configs: Vec<ServiceConfig> = (0u32..10_000)
        .map(|i| {
            let mut b = [0u8; 20];
            b[..4].copy_from_slice(&i.to_be_bytes());
            ServiceConfig {
                operator: Address::from_bytes(b),
                service: service.clone(),
                activation_height: BlockHeight::new(1),
                deactivation_height: None,
            }
        })
        .collect();
    c.bench_function("derive session, 50 of 10,000 suppliers", |b| {
        b.iter(|| {
            let q = SessionQuery {
                application: &app,
                service_id: &service,
                height: BlockHeight::new(123_456),
                grid: SessionGrid::genesis(BlockInterval::new(20)),
                num_suppliers_per_session: 50,
            };
            Session::derive(q, |_| Some(BlockHash::from_bytes([9; 32])), &configs).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
