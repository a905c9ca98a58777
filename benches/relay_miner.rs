//! The relay miner's hot path per relay — accept the ring-signed request (header, session, ring
//! signature against the session's prepared ring), sign the response, hash and mine the relay,
//! insert it into the session tree — on 1 core and on 2 (acceptance and signing in parallel,
//! insertion in order). Issue target: ≥ 10,000 relays/s on 2 cores.
//! Also: the mining check alone, session-tree insertion alone, and the chain's validation of one
//! proof from a 100,000-leaf tree (target ≤ 300 µs).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pokt_crypto::SigningKey;
use pokt_mining::{
    FixedComputeUnits, Mined, ProofContext, SessionTree, is_volume_applicable, validate_proof,
    validate_proof_go_compatible,
};
use pokt_primitives::{
    BlockHash, BlockHeight, BlockInterval, ComputeUnits, Relay, RelayHash, RelayRequest,
    RelayResponse, SessionHeader, TargetHash,
};
use pokt_relay::{AcceptanceContext, PreparedRing, accept_relay, sign_response};
use pokt_session::WindowOffsets;
use rayon::prelude::*;

const BATCH: usize = 512;

struct World {
    supplier: SigningKey,
    header: SessionHeader,
    ring: Vec<pokt_crypto::VerifyingKey>,
    requests: Vec<RelayRequest>,
}

fn world() -> World {
    let kit = pokt_testkit::World::new();
    let requests: Vec<RelayRequest> = (0..BATCH)
        .into_par_iter()
        .map(|i| {
            kit.request(
                format!("{{\"prompt\": \"hello {i}\"}}").into_bytes(),
                i as u64,
            )
        })
        .collect();
    let pokt_testkit::World {
        supplier,
        header,
        ring,
        ..
    } = kit;
    World {
        supplier,
        header,
        ring,
        requests,
    }
}

fn respond(w: &World, ctx: &AcceptanceContext<'_>, req: RelayRequest) -> Relay {
    let accepted = accept_relay(req, ctx).unwrap();
    let mut res = RelayResponse {
        payload: b"{\"text\": \"hi\"}".to_vec(),
        ..RelayResponse::default()
    };
    res.meta.session_header = Some(w.header.clone());
    sign_response(&mut res, &w.supplier);
    Relay {
        req: Some(accepted.into_request()),
        res: Some(res),
    }
}

fn bench(c: &mut Criterion) {
    let w = world();
    let prepared = PreparedRing::new(&w.ring).unwrap();
    let sup = [w.supplier.address()];
    let ctx = AcceptanceContext {
        current_height: BlockHeight::new(15),
        grace_period_end_offset_blocks: BlockInterval::new(1),
        session_header: &w.header,
        session_suppliers: &sup,
        expected_ring: &prepared,
        own_suppliers: &sup,
    };
    let new_tree = || {
        SessionTree::new(
            w.header.clone(),
            w.supplier.address(),
            TargetHash::BASE,
            FixedComputeUnits::new(ComputeUnits::new(100)),
        )
    };

    let mut g = c.benchmark_group("relay miner");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(20);
    g.bench_function("hot path, 1 core (per batch of 512)", |b| {
        b.iter_batched(
            || w.requests.clone(),
            |reqs| {
                let mut tree = new_tree();
                for req in reqs {
                    let relay = respond(&w, &ctx, req);
                    assert!(matches!(tree.offer(&relay), Mined::Inserted(_)));
                }
                tree
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("hot path, 2 cores (per batch of 512)", |b| {
        b.iter_batched(
            || w.requests.clone(),
            |reqs| {
                let relays: Vec<Relay> = reqs
                    .into_par_iter()
                    .map(|req| respond(&w, &ctx, req))
                    .collect();
                let mut tree = new_tree();
                for relay in &relays {
                    assert!(matches!(tree.offer(relay), Mined::Inserted(_)));
                }
                tree
            },
            BatchSize::LargeInput,
        )
    });
    let relays: Vec<Relay> = w
        .requests
        .iter()
        .map(|r| respond(&w, &ctx, r.clone()))
        .collect();
    g.bench_function("session tree offer only (per batch of 512)", |b| {
        b.iter(|| {
            let mut tree = new_tree();
            for relay in &relays {
                tree.offer(relay);
            }
            tree
        })
    });
    g.finish();

    let hash = RelayHash::from_bytes([0x42; 32]);
    let mut half = [0xff; 32];
    half[0] = 0x7f;
    let target = TargetHash::from_bytes(half);
    c.bench_function("mining check (hash vs target)", |b| {
        b.iter(|| is_volume_applicable(std::hint::black_box(&hash), &target))
    });

    // A 100,000-leaf tree: one ring-signed request, 100,000 distinct signed responses, so every
    // leaf (whichever the proof path reveals) passes every check.
    let req = w.requests[0].clone();
    let mut tree = new_tree();
    let leaves: Vec<Relay> = (0..100_000u32)
        .into_par_iter()
        .map(|i| {
            let mut res = RelayResponse {
                payload: format!("answer {i}").into_bytes(),
                ..RelayResponse::default()
            };
            res.meta.session_header = Some(w.header.clone());
            sign_response(&mut res, &w.supplier);
            Relay {
                req: Some(req.clone()),
                res: Some(res),
            }
        })
        .collect();
    for relay in &leaves {
        tree.offer(relay);
    }
    assert_eq!(tree.root().count(), 100_000);
    let seed = BlockHash::from_bytes([9; 32]);
    let msg = tree.proof(&seed);
    let root = tree.root();
    let key = w.supplier.verifying_key();
    let target = TargetHash::BASE;
    let windows = WindowOffsets::MAINNET
        .windows(BlockHeight::new(20))
        .unwrap();
    let pctx = ProofContext {
        session_header: &w.header,
        session_suppliers: &sup,
        height: windows.proof_window_open,
        windows: &windows,
        target: &target,
        claim_root: root.as_bytes(),
        ring: &w.ring,
        supplier_key: &key,
        seed_block_hash: &seed,
    };
    c.bench_function("validate proof, 100k-leaf tree (strict)", |b| {
        b.iter(|| validate_proof(&msg, &pctx).unwrap())
    });
    c.bench_function("validate proof, 100k-leaf tree (Go-compatible)", |b| {
        b.iter(|| validate_proof_go_compatible(&msg, &pctx).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
