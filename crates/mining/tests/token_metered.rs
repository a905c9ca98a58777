//! The token-metered extension end to end at the library level: relays weighed by the usage in
//! their signed responses, a claim and a proof that pass the chain's checks and the metering check,
//! and a supplier that inflates its weights caught by it. [LLM-METER-2]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pokt_crypto::SigningKey;
use pokt_mining::*;
use pokt_primitives::{
    BlockHash, BlockHeight, ComputeUnits, HttpHeaders, Message, PoktHttpResponse, Relay,
    SessionHeader, TargetHash,
};
use pokt_relay::llm::{TokenPricing, Usage, response_usage};
use pokt_session::WindowOffsets;
use rand_chacha::rand_core::SeedableRng;

const PRICING: TokenPricing = TokenPricing {
    base_compute_units: ComputeUnits::new(10),
    per_prompt_token: ComputeUnits::new(1),
    per_completion_token: ComputeUnits::new(3),
};

fn cu(n: u64) -> ComputeUnits {
    ComputeUnits::new(n)
}

/// A policy that charges twice the signed usage's price (a dishonest supplier).
struct Inflated;
impl WeightPolicy for Inflated {
    fn weight(&self, relay: &Relay) -> ComputeUnits {
        TokenMetered::new(PRICING)
            .weight(relay)
            .checked_mul(2)
            .unwrap()
    }
    fn keeps_payload(&self) -> bool {
        true
    }
}

struct Setup {
    header: SessionHeader,
    supplier: SigningKey,
    ring: Vec<pokt_crypto::VerifyingKey>,
    relays: Vec<Relay>,
}

fn setup(n: u64) -> Setup {
    let mut kit = pokt_testkit::World::new();
    kit.header.session_id = "7c".repeat(32);
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
    let relays = (0..n)
        .map(|i| {
            let req = kit.request_with(format!("p{i}").into_bytes(), &mut rng);
            let body = format!(
                r#"{{"choices":[],"usage":{{"prompt_tokens":{},"completion_tokens":{}}}}}"#,
                i + 1,
                2 * i
            );
            let payload = PoktHttpResponse {
                status_code: 200,
                header: HttpHeaders::default(),
                body: body.into_bytes(),
            }
            .encode();
            kit.relay(req, payload)
        })
        .collect();
    let pokt_testkit::World {
        header,
        supplier,
        ring,
        ..
    } = kit;
    Setup {
        header,
        supplier,
        ring,
        relays,
    }
}

fn validate<W: WeightPolicy>(s: &Setup, tree: &SessionTree<W>) -> ValidatedProof {
    let seed = BlockHash::from_bytes([9; 32]);
    let msg = tree.proof(&seed);
    let sup = [s.supplier.address()];
    let root = tree.root();
    let key = s.supplier.verifying_key();
    let target = TargetHash::from_bytes([0xff; 32]);
    let windows = WindowOffsets::MAINNET
        .windows(BlockHeight::new(20))
        .unwrap();
    validate_claim_token_metered(root.as_bytes(), windows.claim_window_open, &windows).unwrap();
    validate_proof(
        &msg,
        &ProofContext {
            session_header: &s.header,
            session_suppliers: &sup,
            height: windows.proof_window_open,
            windows: &windows,
            target: &target,
            claim_root: root.as_bytes(),
            ring: &s.ring,
            supplier_key: &key,
            seed_block_hash: &seed,
        },
    )
    .unwrap()
}

#[test]
fn metered_weights_are_proven_and_inflation_is_caught() {
    let s = setup(12);
    let target = TargetHash::from_bytes([0xff; 32]);
    let mut tree = SessionTree::new(
        s.header.clone(),
        s.supplier.address(),
        target,
        TokenMetered::new(PRICING),
    );
    let mut sum = 0;
    for (i, r) in s.relays.iter().enumerate() {
        let i = i as u64;
        let w = 10 + (i + 1) + 3 * 2 * i;
        assert_eq!(tree.offer(r), Mined::Inserted(cu(w)));
        sum += w;
        assert_eq!(
            response_usage(r.res.as_ref().unwrap()),
            Some(Usage {
                prompt_tokens: i + 1,
                completion_tokens: 2 * i
            })
        );
    }
    assert_eq!((tree.root().sum(), tree.root().count()), (sum, 12));
    // Weights differ per relay: the POKT claim rule refuses the root, the metered one accepts it.
    assert!(matches!(
        validate_claim_root(tree.root().as_bytes(), cu(10)),
        Err(ClaimError::ComputeUnitsMismatch { .. })
    ));
    let ok = validate(&s, &tree);
    assert!(!ok.relay().res.as_ref().unwrap().payload.is_empty());
    assert_eq!(check_token_metered_weight(&ok, &PRICING), Ok(ok.weight()));

    let mut bad = SessionTree::new(s.header.clone(), s.supplier.address(), target, Inflated);
    for r in &s.relays {
        assert!(matches!(bad.offer(r), Mined::Inserted(_)));
    }
    let forged = validate(&s, &bad);
    assert!(matches!(
        check_token_metered_weight(&forged, &PRICING),
        Err(MeteringError::Mismatch { .. })
    ));
}

#[test]
fn payload_cleared_leaves_cannot_be_metered() {
    let s = setup(3);
    let mut tree = SessionTree::new(
        s.header.clone(),
        s.supplier.address(),
        TargetHash::from_bytes([0xff; 32]),
        FixedComputeUnits::new(cu(10)),
    );
    for r in &s.relays {
        tree.offer(r);
    }
    let ok = validate(&s, &tree);
    assert_eq!(
        check_token_metered_weight(&ok, &PRICING),
        Err(MeteringError::NoPayload)
    );
}

#[test]
fn overflowing_usage_is_not_mined() {
    let s = setup(1);
    let greedy = TokenMetered::new(TokenPricing {
        per_prompt_token: ComputeUnits::MAX,
        ..PRICING
    });
    let mut tree = SessionTree::new(
        s.header.clone(),
        s.supplier.address(),
        TargetHash::from_bytes([0xff; 32]),
        greedy,
    );
    // One prompt token at u64::MAX plus the base overflows.
    assert_eq!(tree.offer(&s.relays[0]), Mined::Unpriced);
    assert_eq!(tree.root().count(), 0);
}
