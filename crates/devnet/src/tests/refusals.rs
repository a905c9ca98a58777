//! What the chain refuses, with the typed reason; what a rejected proof records; both proof
//! policies.

use super::*;
use pokt_mining::{ClaimError, ProofError};
use pokt_primitives::BlockHash;
use pokt_smst::gob::{decode_compact_closest_proof, encode_compact_closest_proof};
use pokt_smst::{compact_closest_proof, decompact_closest_proof};

#[test]
fn refused_claims() {
    let mut w = world();
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end).unwrap();
    w.chain.advance_to(windows.claim_window_open).unwrap();
    // A supplier outside the session.
    let outsider = w
        .suppliers
        .iter()
        .find(|s| !session.suppliers.contains(&s.address()))
        .unwrap();
    let mut claim = tree.claim();
    claim.supplier_operator_address = outsider.address().to_string();
    assert_eq!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Message(MessageRefusal::SupplierNotInSession {
            supplier: outsider.address()
        }))
    );
    // Not an address.
    claim.supplier_operator_address = "pokt1nope".into();
    assert!(matches!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Message(MessageRefusal::SupplierAddress(_)))
    ));
    // A header the chain did not derive.
    let mut claim = tree.claim();
    claim.session_header.as_mut().unwrap().session_id = "00".repeat(32);
    assert_eq!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Message(MessageRefusal::HeaderMismatch))
    );
    // No header; an unknown service.
    claim.session_header = None;
    assert_eq!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Message(MessageRefusal::NoSessionHeader))
    );
    let mut claim = tree.claim();
    claim.session_header.as_mut().unwrap().service_id = "other".into();
    assert_eq!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::UnknownService(
            ServiceId::new("other").unwrap()
        ))
    );
    // A root whose sum is not count × compute units per relay.
    let mut claim = tree.claim();
    claim.root_hash[39] ^= 1;
    assert!(matches!(
        w.chain.submit_claim(&claim),
        Err(DevnetError::Claim(ClaimRefusal::Invalid(
            ClaimError::ComputeUnitsMismatch { .. }
        )))
    ));
    w.chain.submit_claim(&tree.claim()).unwrap();
    assert_eq!(
        w.chain.submit_claim(&tree.claim()),
        Err(DevnetError::Claim(ClaimRefusal::AlreadyClaimed))
    );
    // Nothing above was recorded but the one claim.
    assert_eq!(w.chain.pending_claims().count(), 1);
    assert_eq!(
        w.chain.pending_claims().next().unwrap().supplier(),
        &supplier.address()
    );
}

/// A proof for the wrong path is rejected with the typed error and its step, recorded on the
/// claim and reported; the claim then expires. A proof outside its window is refused and not
/// recorded; a second proof is refused.
#[test]
fn a_rejected_proof_is_recorded_with_its_step() {
    let mut w = world();
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end).unwrap();
    let id = session.header.session_id;
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    // No proof before the seed block.
    assert!(matches!(
        w.chain
            .submit_proof(&tree.proof(&BlockHash::from_bytes([7; 32]))),
        Err(DevnetError::NoBlock { .. })
    ));
    w.chain.advance_to(windows.proof_window_open).unwrap();
    let bad = tree.proof(&BlockHash::from_bytes([7; 32]));
    let Err(DevnetError::Proof(ProofRefusal::Rejected(reason))) = w.chain.submit_proof(&bad) else {
        panic!("a proof for another path is rejected")
    };
    assert_eq!(reason.step(), "B5");
    assert!(matches!(
        reason,
        ProofRejection::Invalid(ProofError::Path { .. })
    ));
    assert!(reason.to_string().ends_with("(B5)"), "{reason}");
    let record = w.chain.claim(&id, &supplier.address()).unwrap();
    assert_eq!(record.proof(), Some(&Err(reason.clone())));
    assert!(w.chain.events().iter().any(|e| matches!(
        e,
        DevnetEvent::ProofRejected { reason: r, session_id, .. } if *r == reason && *session_id == id
    )));
    let seed = w.chain.proof_seed(session.header.end).unwrap();
    assert_eq!(
        w.chain.submit_proof(&tree.proof(&seed)),
        Err(DevnetError::Proof(ProofRefusal::AlreadyProven))
    );
    let events = w.chain.advance_to(windows.settlement_height).unwrap();
    assert!(matches!(
        settled(&events)[..],
        [(ProofRequirement::Threshold, Outcome::Expired { .. })]
    ));
    // Settled claims are gone.
    assert_eq!(
        w.chain.submit_proof(&tree.proof(&seed)),
        Err(DevnetError::UnknownClaim {
            session_id: id,
            supplier: supplier.address()
        })
    );
}

#[test]
fn a_proof_outside_its_window_is_not_recorded() {
    let mut cfg = DevnetConfig::small().unwrap();
    // A proof window that opens two blocks after the claim window closes: the seed block exists
    // before the window opens.
    cfg.shared.proof_window_open_offset_blocks = BlockInterval::new(2);
    let mut w = world_with(cfg);
    let session = current_session(&w);
    let (tree, supplier) = serve(&w, &session, 5);
    let windows = w.chain.windows(session.header.end).unwrap();
    w.chain.advance_to(windows.claim_window_open).unwrap();
    w.chain.submit_claim(&tree.claim()).unwrap();
    let seed_height = windows.proof_window_open.checked_prev().unwrap();
    w.chain.advance_to(seed_height).unwrap();
    let seed = w.chain.proof_seed(session.header.end).unwrap();
    assert_eq!(
        w.chain.submit_proof(&tree.proof(&seed)),
        Err(DevnetError::Proof(ProofRefusal::OutsideWindow {
            height: seed_height,
            open: windows.earliest_proof_commit,
            close: windows.proof_window_close,
        }))
    );
    let id = session.header.session_id;
    assert_eq!(
        w.chain.claim(&id, &supplier.address()).unwrap().proof(),
        None
    );
    w.chain.advance().unwrap();
    assert_eq!(
        w.chain.submit_proof(&tree.proof(&seed)),
        Ok(ComputeUnits::new(100))
    );
}

/// A forged closest proof (another leaf's membership proof with the drawn path, depth 0 and no
/// flips): the Go-compatible policy validates it as the chain does, the strict one rejects it at
/// step B6.
#[test]
fn the_proof_policy_decides_a_forged_closest_proof() {
    for (policy, accepted) in [
        (ProofPolicy::GoCompatible, true),
        (ProofPolicy::Strict, false),
    ] {
        let mut cfg = DevnetConfig::small().unwrap();
        cfg.proof_policy = policy;
        let mut w = world_with(cfg);
        let session = current_session(&w);
        let (tree, _) = serve(&w, &session, 16);
        let windows = w.chain.windows(session.header.end).unwrap();
        w.chain.advance_to(windows.claim_window_open).unwrap();
        w.chain.submit_claim(&tree.claim()).unwrap();
        w.chain.advance_to(windows.proof_window_open).unwrap();
        let seed = w.chain.proof_seed(session.header.end).unwrap();
        let honest_msg = tree.proof(&seed);
        let path: [u8; 32] =
            decompact_closest_proof(&decode_compact_closest_proof(&honest_msg.proof).unwrap())
                .unwrap()
                .path
                .try_into()
                .unwrap();
        let honest = tree.trie().prove_closest(&path);
        let far: Vec<u8> = path.iter().map(|b| !b).collect();
        let mut other = tree.trie().prove_closest(&far.try_into().unwrap());
        assert_ne!(other.closest_path, honest.closest_path);
        other.path = path.to_vec();
        other.flipped_bits.clear();
        other.depth = 0;
        let forged = pokt_primitives::MsgSubmitProof {
            proof: encode_compact_closest_proof(&compact_closest_proof(&other)),
            ..honest_msg
        };
        let verdict = w.chain.submit_proof(&forged);
        if accepted {
            assert!(verdict.is_ok(), "{policy:?}: {verdict:?}");
        } else {
            assert!(
                matches!(
                    &verdict,
                    Err(DevnetError::Proof(ProofRefusal::Rejected(r))) if r.step() == "B6"
                ),
                "{policy:?}: {verdict:?}"
            );
        }
    }
}
