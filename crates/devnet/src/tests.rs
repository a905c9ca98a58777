//! A whole session on the devnet at the library level: relays signed, accepted and mined, a claim
//! and a proof in their windows, settlement and the balances it leaves; and what the chain refuses.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, SessionTree};
use pokt_primitives::{Relay, RelayResponse};
use pokt_relay::{new_request, sign_request, sign_response};
use rand_chacha::rand_core::SeedableRng;

struct World {
    chain: Devnet,
    app: SigningKey,
    gateway: SigningKey,
    suppliers: Vec<SigningKey>,
    service: ServiceId,
    owner: Address,
}

fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}

fn world() -> World {
    let mut chain = Devnet::new(DevnetConfig::small().unwrap()).unwrap();
    let service = ServiceId::new("llm").unwrap();
    let owner = key(90).address();
    chain.add_service(ServiceDef {
        id: service.clone(),
        compute_units_per_relay: 100,
        owner,
        target_num_relays: 1_000,
        token_pricing: None,
    });
    let (app, gateway) = (key(1), key(2));
    let suppliers: Vec<SigningKey> = (10..14).map(key).collect();
    for k in [&app, &gateway].into_iter().chain(&suppliers) {
        chain.fund(k.address(), 10_000_000_000).unwrap();
    }
    chain
        .stake_application(app.verifying_key(), 5_000_000_000, vec![service.clone()])
        .unwrap();
    chain
        .stake_gateway(gateway.verifying_key(), 1_000_000)
        .unwrap();
    chain.delegate(&app.address(), &gateway.address()).unwrap();
    for s in &suppliers {
        chain
            .stake_supplier(
                s.verifying_key(),
                s.address(),
                1_000_000_000,
                vec![service.clone()],
                vec![],
            )
            .unwrap();
    }
    chain.advance_to(5).unwrap();
    World {
        chain,
        app,
        gateway,
        suppliers,
        service,
        owner,
    }
}

/// The settlements among `events`: (proof requirement, outcome), in order.
fn settled(events: &[DevnetEvent]) -> Vec<(ProofRequirement, Outcome)> {
    events
        .iter()
        .filter_map(|e| match e {
            DevnetEvent::Settled {
                requirement,
                outcome,
                ..
            } => Some((*requirement, *outcome)),
            _ => None,
        })
        .collect()
}

/// The application's session at the current height.
fn current_session(w: &World) -> Session {
    w.chain
        .session(&w.app.address(), &w.service, w.chain.height())
        .unwrap()
}

/// Serves `n` relays to the session's first supplier; returns its tree.
fn serve(w: &World, session: &Session, n: usize) -> (SessionTree<FixedComputeUnits>, SigningKey) {
    let header = session.header.to_wire();
    let supplier_addr = session.suppliers[0];
    let supplier = w
        .suppliers
        .iter()
        .find(|s| s.address() == supplier_addr)
        .unwrap()
        .clone();
    let ring = w
        .chain
        .ring(&w.app.address(), session.header.end.get())
        .unwrap();
    let target = w
        .chain
        .target(&w.service, session.header.start.get())
        .unwrap();
    let mut tree = SessionTree::new(
        header.clone(),
        supplier_addr,
        target,
        FixedComputeUnits::new(ComputeUnits::new(100)),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    for i in 0..n {
        let mut req = new_request(&header, &supplier_addr, format!("prompt {i}").into_bytes());
        sign_request(&mut req, &ring, &w.gateway, &mut rng).unwrap();
        let mut res = RelayResponse {
            payload: format!("answer {i}").into_bytes(),
            ..RelayResponse::default()
        };
        res.meta.session_header = Some(header.clone());
        sign_response(&mut res, &supplier);
        tree.offer(&Relay {
            req: Some(req),
            res: Some(res),
        });
    }
    (tree, supplier)
}

#[test]
fn a_session_from_relays_to_balances() {
    let mut w = world();
    let session = current_session(&w);
    assert_eq!(session.suppliers.len(), 3);
    let (tree, supplier) = serve(&w, &session, 30);
    let relays = tree.root().count();
    assert_eq!(relays, 30, "a fresh service mines every relay");
    let windows = w.chain.windows(session.header.end.get()).unwrap();

    // Too early for a claim.
    assert!(matches!(
        w.chain.submit_claim(&tree.claim()),
        Err(DevnetError::Claim(_))
    ));
    w.chain.advance_to(windows.claim_window_open.get()).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    assert!(matches!(
        w.chain.submit_claim(&tree.claim()),
        Err(DevnetError::Claim(m)) if m.contains("already")
    ));
    w.chain.advance_to(windows.proof_window_open.get()).unwrap();
    let seed = w.chain.proof_seed(session.header.end.get()).unwrap();
    assert_eq!(w.chain.submit_proof(&tree.proof(&seed)).unwrap(), 100);

    let owner_before = w.chain.balance(&supplier.address());
    let source_before = w.chain.balance(&w.owner);
    let stake_before = w.chain.application_stake(&w.app.address()).unwrap();
    let events = w.chain.advance_to(windows.settlement_height.get()).unwrap();
    let [
        (
            ProofRequirement::Threshold,
            Outcome::Settled {
                settled: settled_upokt,
                ..
            },
        ),
    ] = settled(&events)[..]
    else {
        panic!("{events:?}")
    };
    let settled_upokt = settled_upokt.get();
    // 3000 compute units × 42 uPOKT per compute unit (defaults: 42,000,000 pPOKT / 10⁶).
    assert_eq!(settled_upokt, 3000 * 42);
    // The application pays the settlement and reimburses the claim's global inflation (10% with
    // the default params) to the DAO.
    assert_eq!(
        w.chain.config().tokenomics.global_inflation_per_claim,
        pokt_primitives::Fraction::new(1, 10).unwrap()
    );
    assert_eq!(
        w.chain.application_stake(&w.app.address()).unwrap(),
        stake_before - settled_upokt - settled_upokt / 10
    );
    assert!(w.chain.balance(&supplier.address()) > owner_before);
    assert!(
        w.chain.balance(&w.owner) > source_before,
        "the source owner is paid"
    );
    assert!(w.chain.balance(&Devnet::proposer()) > 0);
    let (minted, burned) = w.chain.supply_changes();
    assert_eq!(w.chain.total_held(), u128::from(minted - burned));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DevnetEvent::DifficultyUpdated { .. }))
    );
    assert_eq!(w.chain.pending_claims().count(), 0);
}

#[test]
fn a_missing_required_proof_expires_the_claim_and_costs_stake() {
    let mut w = world();
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end.get()).unwrap();
    w.chain.advance_to(windows.claim_window_open.get()).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    let stake = w.chain.supplier_stake(&supplier.address()).unwrap();
    let events = w.chain.advance_to(windows.settlement_height.get()).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::Threshold, Outcome::Expired { .. })]
    ));
    assert_eq!(
        w.chain.supplier_stake(&supplier.address()).unwrap(),
        stake.saturating_sub(w.chain.config().proof.proof_missing_penalty.get())
    );
}

#[test]
fn refused_messages() {
    let mut w = world();
    let session = current_session(&w);
    let (tree, _) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end.get()).unwrap();
    w.chain.advance_to(windows.claim_window_open.get()).unwrap();
    // A supplier outside the session.
    let outsider = w
        .suppliers
        .iter()
        .find(|s| !session.suppliers.contains(&s.address()))
        .unwrap();
    let mut claim = tree.claim();
    claim.supplier_operator_address = outsider.address().to_string();
    assert!(
        matches!(w.chain.submit_claim(&claim), Err(DevnetError::Claim(m)) if m.contains("not in"))
    );
    // A header the chain did not derive.
    let mut claim = tree.claim();
    claim.session_header.as_mut().unwrap().session_id = "00".repeat(32);
    assert!(w.chain.submit_claim(&claim).is_err());
    // A root whose sum is not count × compute units per relay.
    let mut claim = tree.claim();
    claim.root_hash[39] ^= 1;
    assert!(matches!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Claim(_))
    ));
    w.chain.submit_claim(&tree.claim()).unwrap();
    // A proof for the wrong path (another seed) is refused and recorded.
    w.chain.advance_to(windows.proof_window_open.get()).unwrap();
    let bad = tree.proof(&BlockHash::from_bytes([7; 32]));
    assert!(matches!(w.chain.submit_proof(&bad), Err(DevnetError::Proof(m)) if m.contains("B5")));
    let events = w.chain.advance_to(windows.settlement_height.get()).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::Threshold, Outcome::Expired { .. })]
    ));
}

#[test]
fn block_hashes_are_deterministic_and_chained() {
    let mut a = Devnet::new(DevnetConfig::small().unwrap()).unwrap();
    let mut b = Devnet::new(DevnetConfig::small().unwrap()).unwrap();
    a.advance_to(10).unwrap();
    b.advance_to(10).unwrap();
    assert_eq!(a.block_hash(10), b.block_hash(10));
    assert_ne!(a.block_hash(9), a.block_hash(10));
    assert_eq!(a.block_hash(11), None);
    assert_eq!(a.block_hash(0), None);
}

/// A shared-params update takes effect at the next session start: the grid is re-anchored so
/// session numbers continue, the session in progress keeps its length and windows, and a session
/// under the new params is claimed, proven and settled with its own windows.
#[test]
fn shared_params_change_at_the_next_session() {
    let mut w = world();
    assert_eq!(w.chain.height(), 5);
    let mut p = *w.chain.shared_params(5);
    p.num_blocks_per_session = BlockInterval::new(6);
    p.claim_window_close_offset_blocks = BlockInterval::new(5);
    assert_eq!(w.chain.set_shared_params(p).unwrap(), 9);
    assert_eq!(
        w.chain.session_end(5).unwrap(),
        8,
        "the current session keeps its length"
    );
    assert_eq!(w.chain.session_end(9).unwrap(), 14);
    assert_eq!(w.chain.session_end(15).unwrap(), 20);
    let old = w.chain.windows(8).unwrap();
    assert_eq!(
        old.claim_window_close.get() - old.claim_window_open.get(),
        3
    );
    w.chain.advance_to(9).unwrap();
    let session = current_session(&w);
    assert_eq!(
        (session.header.start.get(), session.header.end.get()),
        (9, 14)
    );
    assert_eq!(session.number.get(), 3, "sessions 1–4 and 5–8 came before");
    let windows = w.chain.windows(14).unwrap();
    assert_eq!(
        windows.claim_window_close.get() - windows.claim_window_open.get(),
        5
    );
    let (tree, _) = serve(&w, &session, 4);
    w.chain.advance_to(windows.claim_window_open.get()).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    w.chain.advance_to(windows.proof_window_open.get()).unwrap();
    let seed = w.chain.proof_seed(14).unwrap();
    w.chain.submit_proof(&tree.proof(&seed)).unwrap();
    let events = w.chain.advance_to(windows.settlement_height.get()).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::Threshold, Outcome::Settled { .. })]
    ));
}

/// Below the threshold and with probability 0 no proof is required: the requirement says so
/// before settlement, and the claim settles without one.
#[test]
fn a_claim_without_a_required_proof_settles_unproven() {
    let mut w = world();
    let mut p = w.chain.config().proof;
    p.proof_requirement_threshold = Upokt::MAX;
    p.proof_request_probability = pokt_primitives::Fraction::new(0, 1).unwrap();
    w.chain.set_proof_params(p);
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end.get()).unwrap();
    w.chain.advance_to(windows.claim_window_open.get()).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    w.chain.advance_to(windows.proof_window_open.get()).unwrap();
    let id = session.header.session_id.to_hex();
    assert_eq!(
        w.chain.proof_requirement(&id, &supplier.address()).unwrap(),
        ProofRequirement::NotRequired
    );
    let events = w.chain.advance_to(windows.settlement_height.get()).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::NotRequired, Outcome::Settled { .. })]
    ));
}
