//! One session of Relay Mining from relays to a validated proof, with only pokt-rs as protocol
//! code: the chain derives the session and its windows; the gateway ring-signs relays; the
//! supplier's relay miner accepts them, signs the responses and mines them into its session tree
//! at the service's difficulty; it claims in the claim window; the chain draws whether a proof is
//! required; the miner proves the leaf closest to the drawn path; the chain validates the proof.
//!
//! `cargo run -p pokt-examples --example relay_mining`

use anyhow::{Context, ensure};
use pokt_crypto::SigningKey;
use pokt_mining::{
    DifficultyHistory, FixedComputeUnits, Mined, MinedRelayEma, ProofContext, SessionTree,
    proof_requirement_for_claim, validate_claim, validate_proof,
};
use pokt_primitives::{
    BlockHash, BlockHeight, BlockInterval, ComputeUnits, ProofParams, Relay, RelayResponse,
    ServiceId, SharedParams,
};
use pokt_relay::{
    AcceptanceContext, PreparedRing, RingMembers, accept_relay, new_request, ring_at, sign_request,
    sign_response, verify_response,
};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets};
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

/// The devnet's block hash at a height (any deterministic function will do here).
fn block_hash(h: BlockHeight) -> BlockHash {
    BlockHash::from_bytes(Sha256::digest(h.get().to_be_bytes()).into())
}

const COMPUTE_UNITS_PER_RELAY: ComputeUnits = ComputeUnits::new(100);
const TARGET_NUM_RELAYS: u64 = 100_000;

fn main() -> anyhow::Result<()> {
    let key = |b: u8| SigningKey::from_bytes(&[b; 32]).context("key");
    let (app, gateway) = (key(1)?, key(2)?);
    let suppliers: Vec<SigningKey> = (10u8..20).map(key).collect::<anyhow::Result<_>>()?;
    let service = ServiceId::new("llm-8b")?;
    let configs: Vec<ServiceConfig> = suppliers
        .iter()
        .map(|s| ServiceConfig {
            operator: s.address(),
            service: service.clone(),
            activation_height: BlockHeight::new(1),
            deactivation_height: None,
        })
        .collect();

    // The service's difficulty: one earlier settlement of 400,000 mined relays set the target
    // so that about a quarter of relays are mined from the next session on.
    let mut difficulty = DifficultyHistory::new();
    difficulty
        .update(
            &MinedRelayEma,
            BlockHeight::new(15),
            BlockHeight::new(21),
            400_000,
            TARGET_NUM_RELAYS,
        )
        .context("difficulty update")?;

    // The session at height 25 (sessions of 20 blocks from genesis), with mainnet's windows.
    let app_addr = app.address();
    let session = Session::derive(
        SessionQuery {
            application: &app_addr,
            service_id: &service,
            height: BlockHeight::new(25),
            grid: SessionGrid::genesis(BlockInterval::new(20)),
            num_suppliers_per_session: 5,
        },
        |h| Some(block_hash(h)),
        &configs,
    )?;
    let header = session.header.to_wire();
    let windows = WindowOffsets::MAINNET
        .windows(session.header.end)
        .context("windows")?;
    let in_force = difficulty.at(session.header.start, TARGET_NUM_RELAYS);
    println!(
        "session {} [{}..={}]: claim window {}..={}, proof window {}..={}; target {} (p ≈ {:.3})",
        header.session_id,
        header.session_start_block_height,
        header.session_end_block_height,
        windows.claim_window_open.get(),
        windows.claim_window_close.get(),
        windows.proof_window_open.get(),
        windows.proof_window_close.get(),
        in_force.target_hash,
        in_force.probability_f64(),
    );

    // The gateway and the first supplier of the session.
    let ring = ring_at(
        &RingMembers {
            application: Some(app.verifying_key()),
            delegated: vec![gateway.verifying_key()],
            pending_undelegations: vec![],
        },
        session.header.end,
    )?;
    let prepared = PreparedRing::new(&ring)?;
    let supplier_addr = *session.suppliers.first().context("a supplier")?;
    let supplier = suppliers
        .iter()
        .find(|s| s.address() == supplier_addr)
        .context("supplier key")?;
    let ctx = AcceptanceContext {
        current_height: BlockHeight::new(30),
        grace_period_end_offset_blocks: WindowOffsets::MAINNET.grace_period_end_offset_blocks,
        session_header: &header,
        session_suppliers: &session.suppliers,
        expected_ring: &prepared,
        own_suppliers: &[supplier_addr],
    };
    let mut tree = SessionTree::new(
        header.clone(),
        supplier_addr,
        in_force.target_hash,
        FixedComputeUnits::new(COMPUTE_UNITS_PER_RELAY),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let (served, mut mined) = (400, 0);
    for i in 0..served {
        let mut req = new_request(
            &header,
            &supplier_addr,
            format!(r#"{{"model":"llm-8b","prompt":"question {i}"}}"#).into_bytes(),
        );
        sign_request(&mut req, &ring, &gateway, &mut rng)?;
        let accepted = accept_relay(req, &ctx)?;
        let mut res = RelayResponse {
            payload: format!(r#"{{"text":"answer {i}"}}"#).into_bytes(),
            ..RelayResponse::default()
        };
        res.meta.session_header = Some(header.clone());
        sign_response(&mut res, supplier);
        verify_response(&res, &supplier.verifying_key())?;
        let relay = Relay {
            req: Some(accepted.into_request()),
            res: Some(res),
        };
        if let Mined::Inserted(_) = tree.offer(&relay) {
            mined += 1;
        }
    }
    let root = tree.root();
    println!(
        "served {served} relays, mined {mined}; root {}…, count {}, sum {} compute units",
        &hex(&root.as_bytes()[..8]),
        root.count(),
        root.sum()
    );

    // Claim in the claim window; the chain checks it.
    let claim = tree.claim();
    let claim_height = windows.claim_window_open;
    validate_claim(
        &claim.root_hash,
        COMPUTE_UNITS_PER_RELAY,
        claim_height,
        &windows,
    )?;
    println!("claim accepted at height {claim_height}");

    // The chain draws the proof requirement from the block before the proof window opens.
    let seed = block_hash(
        windows
            .proof_window_open
            .checked_prev()
            .context("proof window opens at the first height")?,
    );
    // Mainnet pricing (145,990 pPOKT per compute unit) and proof params (threshold 100 uPOKT,
    // probability 0.01).
    let pricing =
        pokt_tokenomics::ClaimPricing::new(in_force.target_hash, &SharedParams::mainnet());
    let units = ComputeUnits::new(root.sum());
    let claimed_upokt = pokt_tokenomics::claimed_upokt(units, &pricing)?;
    let draw = proof_requirement_for_claim(
        &tree.stored_claim().hash(),
        units,
        &pricing,
        &seed,
        &ProofParams::mainnet(),
    )?;
    println!(
        "claim worth {claimed_upokt}: proof {:?} (sample {:.4})",
        draw.requirement, draw.sample
    );

    // The miner proves the leaf closest to the drawn path; the chain validates it.
    let proof = tree.proof(&seed);
    let key = supplier.verifying_key();
    let pctx = ProofContext {
        session_header: &header,
        session_suppliers: &session.suppliers,
        height: windows.proof_window_open,
        windows: &windows,
        target: &in_force.target_hash,
        claim_root: root.as_bytes(),
        ring: &ring,
        supplier_key: &key,
        seed_block_hash: &seed,
    };
    let valid = validate_proof(&proof, &pctx)?;
    ensure!(valid.weight() == COMPUTE_UNITS_PER_RELAY);
    println!(
        "proof of {} bytes validated (strict): it reveals relay {}",
        proof.proof.len(),
        valid.relay().relay_hash()
    );
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
