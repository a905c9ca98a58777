//! A whole session on the devnet: relays signed, accepted and mined, a claim and a proof in their
//! windows, settlement and the balances it leaves; expiry; a shared-params change; the proof
//! requirement asked before settlement.

use super::*;

#[test]
fn a_session_from_relays_to_balances() {
    let mut w = world();
    let session = current_session(&w);
    assert_eq!(session.suppliers.len(), 3);
    let (tree, supplier) = serve(&w, &session, 30);
    let relays = tree.root().count();
    assert_eq!(relays, 30, "a fresh service mines every relay");
    let windows = w.chain.windows(session.header.end).unwrap();

    // Too early for a claim.
    assert!(matches!(
        w.chain.submit_claim(&tree.claim()),
        Err(DevnetError::Claim(ClaimRefusal::Invalid(
            pokt_mining::ClaimError::OutsideClaimWindow { .. }
        )))
    ));
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    let id = session.header.session_id;
    let record = w.chain.claim(&id, &supplier.address()).unwrap();
    assert_eq!(
        (record.num_relays(), record.num_compute_units()),
        (30, ComputeUnits::new(3000))
    );
    assert_eq!(record.height(), windows.claim_window_open);
    assert_eq!(record.proof(), None);
    w.chain.advance_to(windows.proof_window_open).unwrap();
    let seed = w.chain.proof_seed(session.header.end).unwrap();
    assert_eq!(
        w.chain.submit_proof(&tree.proof(&seed)).unwrap(),
        ComputeUnits::new(100)
    );
    assert_eq!(
        w.chain.claim(&id, &supplier.address()).unwrap().proof(),
        Some(&Ok(ComputeUnits::new(100)))
    );

    let owner_before = w.chain.balance(&supplier.address());
    let source_before = w.chain.balance(&w.owner);
    let stake_before = w.chain.application_stake(&w.app.address()).unwrap();
    let events = w.chain.advance_to(windows.settlement_height).unwrap();
    let [(ProofRequirement::Threshold, Outcome::Settled { settled, .. })] = settled(&events)[..]
    else {
        panic!("{events:?}")
    };
    // 3000 compute units × 42 uPOKT per compute unit (defaults: 42,000,000 pPOKT / 10⁶).
    assert_eq!(settled, upokt(3000 * 42));
    // The application pays the settlement and reimburses the claim's global inflation (10% with
    // the default params) to the DAO.
    assert_eq!(
        w.chain.tokenomics_params().global_inflation_per_claim,
        pokt_primitives::Fraction::new(1, 10).unwrap()
    );
    assert_eq!(
        w.chain.application_stake(&w.app.address()),
        stake_before
            .checked_sub(settled)
            .and_then(|s| s.checked_sub(settled.checked_div(10)?))
    );
    assert!(w.chain.balance(&supplier.address()) > owner_before);
    assert!(
        w.chain.balance(&w.owner) > source_before,
        "the source owner is paid"
    );
    assert!(w.chain.balance(&Devnet::proposer()) > Upokt::ZERO);
    assert_supply_held(&w.chain);
    let next_start = w
        .chain
        .next_session_start(windows.settlement_height)
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        DevnetEvent::DifficultyUpdated { from_height, .. } if *from_height == next_start
    )));
    assert_eq!(w.chain.pending_claims().count(), 0);
    assert_eq!(w.chain.claim(&id, &supplier.address()), None);
}

#[test]
fn a_missing_required_proof_expires_the_claim_and_costs_stake() {
    let mut w = world();
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end).unwrap();
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    let stake = w.chain.supplier_stake(&supplier.address()).unwrap();
    let events = w.chain.advance_to(windows.settlement_height).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::Threshold, Outcome::Expired { .. })]
    ));
    assert_eq!(
        w.chain.supplier_stake(&supplier.address()).unwrap(),
        stake.saturating_sub(w.chain.proof_params().proof_missing_penalty)
    );
    assert_supply_held(&w.chain);
}

#[test]
fn block_hashes_are_deterministic_and_chained() {
    let mut a = Devnet::new(DevnetConfig::small().unwrap()).unwrap();
    let mut b = Devnet::new(DevnetConfig::small().unwrap()).unwrap();
    a.advance_to(h(10)).unwrap();
    b.advance_to(h(10)).unwrap();
    assert_eq!(a.block_hash(h(10)), b.block_hash(h(10)));
    assert_ne!(a.block_hash(h(9)), a.block_hash(h(10)));
    assert_eq!(a.block_hash(h(11)), None);
    assert_eq!(a.block_hash(h(0)), None);
    // begin_block + end_block is advance.
    assert_eq!(a.begin_block().unwrap(), h(11));
    assert_eq!(a.end_block().unwrap(), vec![]);
    b.advance().unwrap();
    assert_eq!(a.block_hash(h(11)), b.block_hash(h(11)));
}

/// A shared-params update takes effect at the next session start: the grid is re-anchored so
/// session numbers continue, the session in progress keeps its length and windows, and a session
/// under the new params is claimed, proven and settled with its own windows.
#[test]
fn shared_params_change_at_the_next_session() {
    let mut w = world();
    assert_eq!(w.chain.height(), h(5));
    let mut p = *w.chain.shared_params(h(5));
    p.num_blocks_per_session = BlockInterval::new(6);
    p.claim_window_close_offset_blocks = BlockInterval::new(5);
    assert_eq!(w.chain.set_shared_params(p).unwrap(), h(9));
    assert_eq!(
        w.chain.session_end(h(5)).unwrap(),
        h(8),
        "the current session keeps its length"
    );
    assert_eq!(w.chain.session_end(h(9)).unwrap(), h(14));
    assert_eq!(w.chain.session_end(h(15)).unwrap(), h(20));
    let old = w.chain.windows(h(8)).unwrap();
    assert_eq!(
        old.claim_window_close.checked_sub(old.claim_window_open),
        Some(BlockInterval::new(3))
    );
    w.chain.advance_to(h(9)).unwrap();
    let session = current_session(&w);
    assert_eq!((session.header.start, session.header.end), (h(9), h(14)));
    assert_eq!(session.number.get(), 3, "sessions 1–4 and 5–8 came before");
    let windows = w.chain.windows(h(14)).unwrap();
    assert_eq!(
        windows
            .claim_window_close
            .checked_sub(windows.claim_window_open),
        Some(BlockInterval::new(5))
    );
    let (tree, _) = serve(&w, &session, 4);
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    w.chain.advance_to(windows.proof_window_open).unwrap();
    let seed = w.chain.proof_seed(h(14)).unwrap();
    w.chain.submit_proof(&tree.proof(&seed)).unwrap();
    let events = w.chain.advance_to(windows.settlement_height).unwrap();
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
    let mut p = *w.chain.proof_params();
    p.proof_requirement_threshold = Upokt::MAX;
    p.proof_request_probability = pokt_primitives::Fraction::new(0, 1).unwrap();
    w.chain.set_proof_params(p);
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end).unwrap();
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    // The seed block is not made before the proof window opens.
    let seed_height = windows.proof_window_open.checked_prev().unwrap();
    let id = session.header.session_id;
    assert!(w.chain.height() < seed_height);
    assert_eq!(
        w.chain.proof_requirement(&id, &supplier.address()),
        Err(DevnetError::NoBlock {
            height: seed_height
        })
    );
    w.chain.advance_to(windows.proof_window_open).unwrap();
    assert_eq!(
        w.chain.proof_requirement(&id, &supplier.address()).unwrap(),
        ProofRequirement::NotRequired
    );
    let events = w.chain.advance_to(windows.settlement_height).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::NotRequired, Outcome::Settled { .. })]
    ));
}
