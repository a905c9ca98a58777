//! A session tree from signed relays, its claim and proof, and the chain's validation of them —
//! each failure mode reached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use pokt_crypto::SigningKey;
use pokt_mining::*;
use pokt_primitives::{
    BlockHash, BlockHeight, ComputeUnits, Message, MsgSubmitProof, ProofPath, Relay, RelayResponse,
    SessionHeader, TargetHash,
};
use pokt_relay::{new_request, sign_response};
use pokt_session::{WindowOffsets, Windows};
use pokt_smst::gob::{decode_compact_closest_proof, encode_compact_closest_proof};
use pokt_smst::{compact_closest_proof, decompact_closest_proof};
use rand_chacha::rand_core::SeedableRng;

struct World {
    tree: SessionTree<FixedComputeUnits>,
    header: SessionHeader,
    supplier: SigningKey,
    ring: Vec<pokt_crypto::VerifyingKey>,
    target: TargetHash,
    windows: Windows,
}

fn cu(n: u64) -> ComputeUnits {
    ComputeUnits::new(n)
}

fn world(n: usize) -> World {
    let kit = pokt_testkit::World::new();
    let (header, supplier, ring) = (kit.header.clone(), kit.supplier.clone(), kit.ring.clone());
    let mut half = [0xff; 32];
    half[0] = 0x7f;
    let target = TargetHash::from_bytes(half);
    let mut tree = SessionTree::new(
        header.clone(),
        supplier.address(),
        target,
        FixedComputeUnits::new(cu(100)),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
    let mut mined = 0;
    for i in 0..n {
        let req = kit.request_with(format!("prompt {i}").into_bytes(), &mut rng);
        let relay = kit.relay(req, format!("answer {i}").into_bytes());
        if let Mined::Inserted(w) = tree.offer(&relay) {
            assert_eq!(w, cu(100));
            mined += 1;
        }
    }
    assert!(
        mined > 0 && mined < n,
        "about half the relays are mined: {mined} of {n}"
    );
    assert_eq!(tree.root().count(), mined as u64);
    World {
        tree,
        header,
        supplier,
        ring,
        target,
        windows: WindowOffsets::MAINNET
            .windows(BlockHeight::new(20))
            .unwrap(),
    }
}

#[test]
fn claim_checks() {
    let w = world(40);
    let root = w.tree.root();
    let open = w.windows.claim_window_open;
    let close = w.windows.claim_window_close;
    assert!(validate_claim_root(root.as_bytes(), cu(100)).is_ok());
    assert!(validate_claim(root.as_bytes(), cu(100), open, &w.windows).is_ok());
    assert!(validate_claim(root.as_bytes(), cu(100), close, &w.windows).is_ok());
    assert_eq!(
        validate_claim(root.as_bytes(), cu(99), open, &w.windows),
        Err(ClaimError::ComputeUnitsMismatch {
            count: root.count(),
            per_relay: cu(99),
            sum: cu(root.sum())
        })
    );
    let late = close.checked_next().unwrap();
    assert_eq!(
        validate_claim(root.as_bytes(), cu(100), late, &w.windows),
        Err(ClaimError::OutsideClaimWindow {
            height: late,
            open,
            close
        })
    );
    assert!(matches!(
        validate_claim(
            root.as_bytes(),
            cu(100),
            open.checked_prev().unwrap(),
            &w.windows
        ),
        Err(ClaimError::OutsideClaimWindow { .. })
    ));
    // The root checks come before the window.
    assert_eq!(
        validate_claim(&root.as_bytes()[..47], cu(100), late, &w.windows),
        Err(ClaimError::RootSize { got: 47 })
    );
    assert_eq!(
        validate_claim_root(&[0u8; 48], cu(100)),
        Err(ClaimError::ZeroCount)
    );
    let claim = w.tree.claim();
    assert_eq!(
        pokt_primitives::MsgCreateClaim::decode(&claim.encode()).unwrap(),
        claim
    );
}

#[test]
fn proofs_validate_and_every_failure_is_caught() {
    let w = world(40);
    let seed = BlockHash::from_bytes([9; 32]);
    let msg = w.tree.proof(&seed);
    let sup = [w.supplier.address()];
    let root = w.tree.root();
    let key = w.supplier.verifying_key();
    let ctx = ProofContext {
        session_header: &w.header,
        session_suppliers: &sup,
        height: w.windows.proof_window_open,
        windows: &w.windows,
        target: &w.target,
        claim_root: root.as_bytes(),
        ring: &w.ring,
        supplier_key: &key,
        seed_block_hash: &seed,
    };
    let ok = validate_proof(&msg, &ctx).unwrap();
    assert_eq!(ok.weight(), cu(100));
    assert_eq!(ok.relay().relay_hash().as_bytes().len(), 32);
    assert_eq!(validate_proof_go_compatible(&msg, &ctx), Ok(ok));
    assert!(
        validate_proof(
            &msg,
            &ProofContext {
                height: w.windows.proof_window_close,
                ..ctx
            }
        )
        .is_ok()
    );

    let late = w.windows.proof_window_close.checked_next().unwrap();
    assert_eq!(
        validate_proof(
            &msg,
            &ProofContext {
                height: late,
                ..ctx
            }
        ),
        Err(ProofError::OutsideProofWindow {
            height: late,
            open: w.windows.proof_window_open,
            close: w.windows.proof_window_close
        })
    );
    assert_eq!(
        validate_proof(
            &msg,
            &ProofContext {
                session_suppliers: &[],
                ..ctx
            }
        ),
        Err(ProofError::Session(SessionMismatch::SupplierNotInSession {
            supplier: w.supplier.address()
        }))
    );
    let other_seed = BlockHash::from_bytes([8; 32]);
    assert_eq!(
        validate_proof(
            &msg,
            &ProofContext {
                seed_block_hash: &other_seed,
                ..ctx
            }
        )
        .map_err(|e| e.step()),
        Err("B5")
    );
    let mut bad_root = *root.as_bytes();
    bad_root[0] ^= 1;
    assert_eq!(
        validate_proof(
            &msg,
            &ProofContext {
                claim_root: &bad_root,
                ..ctx
            }
        ),
        Err(ProofError::ClosestProof)
    );
    assert_eq!(
        validate_proof(
            &msg,
            &ProofContext {
                claim_root: &bad_root[..40],
                ..ctx
            }
        ),
        Err(ProofError::Claim { got: 40 })
    );
    let hard = TargetHash::from_bytes([0; 32]);
    assert!(matches!(
        validate_proof(
            &msg,
            &ProofContext {
                target: &hard,
                ..ctx
            }
        ),
        Err(ProofError::Difficulty { target, .. }) if target == hard
    ));
    let stranger = SigningKey::from_bytes(&[7; 32]).unwrap().verifying_key();
    assert!(matches!(
        validate_proof(
            &msg,
            &ProofContext {
                supplier_key: &stranger,
                ..ctx
            }
        ),
        Err(ProofError::ResponseSignature(_))
    ));
    assert!(matches!(
        validate_proof(
            &msg,
            &ProofContext {
                ring: &w.ring[..1],
                ..ctx
            }
        ),
        Err(ProofError::RequestSignature(_))
    ));
    let mut empty = msg.clone();
    empty.proof.clear();
    assert_eq!(
        validate_proof(&empty, &ctx),
        Err(ProofError::Basic(MessageError::EmptyProof))
    );
    let mut garbage = msg.clone();
    garbage.proof.truncate(garbage.proof.len() / 2);
    assert!(matches!(
        validate_proof(&garbage, &ctx),
        Err(ProofError::Decode(_))
    ));

    // A forgery Go accepts: a different leaf's membership proof wrapped with depth 0 and no flips.
    let path: [u8; 32] =
        decompact_closest_proof(&decode_compact_closest_proof(&msg.proof).unwrap())
            .unwrap()
            .path
            .try_into()
            .unwrap();
    let honest = w.tree.trie().prove_closest(&path);
    let far: [u8; 32] = honest
        .path
        .iter()
        .map(|b| !b)
        .collect::<Vec<u8>>()
        .try_into()
        .unwrap();
    let mut other = w.tree.trie().prove_closest(&far);
    assert_ne!(other.closest_path, honest.closest_path);
    other.path = path.to_vec();
    other.flipped_bits.clear();
    other.depth = 0;
    let forged = MsgSubmitProof {
        proof: encode_compact_closest_proof(&compact_closest_proof(&other)),
        ..msg.clone()
    };
    assert!(
        validate_proof_go_compatible(&forged, &ctx).is_ok(),
        "Go's verifier accepts the forgery"
    );
    assert_eq!(
        validate_proof(&forged, &ctx),
        Err(ProofError::ClosestProof),
        "the strict verifier refuses it"
    );
}

/// The fuzz target `mining_validate_proof` starts from a real proof of this world. The seed is
/// deterministic (ChaCha-seeded ring signatures, RFC 6979 response signatures), so this test checks
/// the committed file still equals it; `POKT_REGEN_CORPUS=1` rewrites it.
#[test]
fn fuzz_seed_is_current() {
    let w = world(40);
    let bytes = w.tree.proof(&BlockHash::from_bytes([9; 32])).encode();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/mining_validate_proof/honest_proof"
    );
    if std::env::var_os("POKT_REGEN_CORPUS").is_some() {
        std::fs::write(path, &bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        bytes,
        "run with POKT_REGEN_CORPUS=1"
    );
}

/// A relay offered twice is counted once; the relay hash and leaf value are the ones the
/// primitives define (the response payload is not covered).
#[test]
fn duplicates_are_not_counted_twice() {
    let w = world(4);
    let mut tree = SessionTree::new(
        w.header.clone(),
        w.supplier.address(),
        TargetHash::BASE,
        FixedComputeUnits::new(cu(7)),
    );
    let mut res = RelayResponse {
        payload: b"an answer".to_vec(),
        ..RelayResponse::default()
    };
    res.meta.session_header = Some(w.header.clone());
    sign_response(&mut res, &w.supplier);
    let relay = Relay {
        req: Some(new_request(&w.header, &w.supplier.address(), b"q".to_vec())),
        res: Some(res),
    };
    assert_eq!(tree.offer(&relay), Mined::Inserted(cu(7)));
    assert_eq!(tree.offer(&relay), Mined::Duplicate);
    let mut other_payload = relay.clone();
    other_payload.res.as_mut().unwrap().payload = b"another".to_vec();
    assert_eq!(tree.offer(&other_payload), Mined::Duplicate);
    assert_eq!((tree.root().count(), tree.root().sum()), (1, 7));
    let (value, weight) = tree.trie().get(relay.relay_hash().as_bytes()).unwrap();
    assert_eq!((value, weight), (relay.hash_bytes().as_slice(), 7));
    let mut cleared = relay.clone();
    cleared.res.as_mut().unwrap().payload.clear();
    assert_eq!(relay.hash_bytes(), cleared.encode());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    thread_local! {
        // Built once per thread (the trie is not `Sync`; proptest runs cases on one thread).
        static SHARED: &'static (World, MsgSubmitProof) = {
            let w = world(40);
            let msg = w.tree.proof(&BlockHash::from_bytes([9; 32]));
            Box::leak(Box::new((w, msg)))
        };
    }

    fn shared() -> &'static (World, MsgSubmitProof) {
        SHARED.with(|w| *w)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// A proof is valid only for the path drawn from its own seed block and only against its
        /// own claim root: any other seed or any other root is refused, strict or not.
        #[test]
        fn any_other_path_or_root_fails(seed in any::<[u8; 32]>(), byte in 0usize..48, bit in 0u8..8, strict in any::<bool>()) {
            let (w, msg) = shared();
            let sup = [w.supplier.address()];
            let root = w.tree.root();
            let key = w.supplier.verifying_key();
            let good_seed = BlockHash::from_bytes([9; 32]);
            let ctx = ProofContext {
                session_header: &w.header,
                session_suppliers: &sup,
                height: w.windows.proof_window_open,
                windows: &w.windows,
                target: &w.target,
                claim_root: root.as_bytes(),
                ring: &w.ring,
                supplier_key: &key,
                seed_block_hash: &good_seed,
            };
            let validate = if strict { validate_proof } else { validate_proof_go_compatible };
            prop_assert!(validate(msg, &ctx).is_ok());
            let other = BlockHash::from_bytes(seed);
            prop_assume!(seed != [9; 32]);
            let verdict = validate(msg, &ProofContext { seed_block_hash: &other, ..ctx });
            prop_assert!(
                matches!(verdict, Err(ProofError::Path { got, .. }) if got != ProofPath::from_bytes([0; 32])),
                "{verdict:?}"
            );
            let mut bad_root = *root.as_bytes();
            bad_root[byte] ^= 1 << bit;
            let verdict = validate(msg, &ProofContext { claim_root: &bad_root, ..ctx });
            prop_assert!(verdict.is_err());
        }
    }
}
