//! The relay miner's hot path per relay: accept the request (header, session, ring signature),
//! sign the response, hash and mine it into the session tree. Issue target: ≥ 10,000 relays/s.
//! Also the chain's validation of one proof (target ≤ 300 µs).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, ProofContext, SessionTree, validate_proof};
use pokt_primitives::{BlockHash, Relay, RelayRequest, RelayResponse, SessionHeader, TargetHash};
use pokt_relay::{
    AcceptanceContext, RingMembers, accept_relay, new_request, ring_at, sign_request, sign_response,
};
use rand_chacha::rand_core::SeedableRng;

fn bench(c: &mut Criterion) {
    let app = SigningKey::from_bytes(&[1; 32]).unwrap();
    let gw = SigningKey::from_bytes(&[2; 32]).unwrap();
    let supplier = SigningKey::from_bytes(&[3; 32]).unwrap();
    let header = SessionHeader {
        application_address: app.address().to_string(),
        service_id: "llm".into(),
        session_id: "5b".repeat(32),
        session_start_block_height: 11,
        session_end_block_height: 20,
    };
    let ring = ring_at(
        &RingMembers {
            application: Some(app.verifying_key()),
            delegated: vec![gw.verifying_key()],
            pending_undelegations: vec![],
        },
        20,
    )
    .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
    let requests: Vec<RelayRequest> = (0..256)
        .map(|i| {
            let mut r = new_request(
                &header,
                &supplier.address(),
                format!("{{\"prompt\": \"hello {i}\"}}").into_bytes(),
            );
            sign_request(&mut r, &ring, &gw, &mut rng).unwrap();
            r
        })
        .collect();
    let sup = [supplier.address()];
    let prepared = pokt_relay::PreparedRing::new(&ring).unwrap();
    let ctx = AcceptanceContext {
        current_height: 15,
        grace_period_end_offset_blocks: 1,
        session_header: &header,
        session_suppliers: &sup,
        expected_ring: &prepared,
        own_suppliers: &sup,
    };
    let mut g = c.benchmark_group("relay miner");
    g.throughput(Throughput::Elements(1));
    let mut tree = SessionTree::new(
        header.clone(),
        supplier.address().to_string(),
        TargetHash::BASE,
        FixedComputeUnits(100),
    );
    let mut i = 0usize;
    g.bench_function("accept + sign response + mine, per relay", |b| {
        b.iter(|| {
            let req = requests[i % requests.len()].clone();
            i += 1;
            let accepted = accept_relay(req, &ctx).unwrap();
            let mut res = RelayResponse {
                payload: b"{\"text\": \"hi\"}".to_vec(),
                ..RelayResponse::default()
            };
            res.meta.session_header = Some(header.clone());
            sign_response(&mut res, &supplier);
            tree.offer(&Relay {
                req: Some(accepted.into_request()),
                res: Some(res),
            })
        })
    });
    g.finish();

    let seed = BlockHash::from_bytes([9; 32]);
    let msg = tree.proof(&seed);
    let root = tree.root();
    let key = supplier.verifying_key();
    let target = TargetHash::BASE;
    let pctx = ProofContext {
        session_header: &header,
        session_suppliers: &sup,
        in_proof_window: true,
        target: &target,
        claim_root: root.as_bytes(),
        ring: &ring,
        supplier_key: &key,
        seed_block_hash: &seed,
        strict: true,
    };
    c.bench_function("validate proof (strict)", |b| {
        b.iter(|| validate_proof(&msg, &pctx).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
