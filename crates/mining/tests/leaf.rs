//! `Leaf` and `SessionTree::offer_leaf`: offering a relay's leaf is offering the relay, and a
//! leaf's bytes, decoded and offered again, rebuild the same tree (what a relay miner's store
//! relies on). [MINING-TREE-1]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pokt_mining::*;
use pokt_primitives::{
    Address, ComputeUnits, Message, Relay, RelayRequest, RelayResponse, SessionHeader, TargetHash,
};
use pokt_relay::llm::TokenPricing;
use proptest::prelude::*;

fn relay(req: &[u8], res: &[u8]) -> Relay {
    Relay {
        req: Some(RelayRequest {
            payload: req.to_vec(),
            ..RelayRequest::default()
        }),
        res: Some(RelayResponse {
            payload: res.to_vec(),
            ..RelayResponse::default()
        }),
    }
}

fn tree<W: WeightPolicy>(policy: W, target: TargetHash) -> SessionTree<W> {
    SessionTree::new(
        SessionHeader::default(),
        Address::from_bytes([3; 20]),
        target,
        policy,
    )
}

fn check<W: WeightPolicy + Copy>(policy: W, relays: &[Relay], target: TargetHash) {
    let (mut by_relay, mut by_leaf, mut rebuilt) = (
        tree(policy, target),
        tree(policy, target),
        tree(policy, target),
    );
    for r in relays {
        let leaf = Leaf::new(r, &policy);
        let a = by_relay.offer(r);
        assert_eq!(by_leaf.offer_leaf(&leaf), a);
        if matches!(a, Mined::Inserted(_)) {
            let back = Relay::decode(leaf.bytes()).unwrap();
            assert_eq!(rebuilt.offer(&back), a);
        }
    }
    assert_eq!(by_leaf.root(), by_relay.root());
    assert_eq!(rebuilt.root(), by_relay.root());
}

proptest! {
    #[test]
    fn offering_the_leaf_is_offering_the_relay(
        payloads in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..64), proptest::collection::vec(any::<u8>(), 0..64)),
            1..24,
        ),
        half_target in any::<bool>(),
    ) {
        let mut relays: Vec<Relay> = payloads.iter().map(|(q, a)| relay(q, a)).collect();
        relays.push(relays[0].clone()); // a duplicate
        let target = if half_target {
            let mut t = [0xff; 32];
            t[0] = 0x7f;
            TargetHash::from_bytes(t)
        } else {
            TargetHash::BASE
        };
        check(FixedComputeUnits::new(ComputeUnits::new(7)), &relays, target);
        let pricing = TokenPricing {
            base_compute_units: ComputeUnits::new(1),
            per_prompt_token: ComputeUnits::new(1),
            per_completion_token: ComputeUnits::new(2),
        };
        check(TokenMetered::new(pricing), &relays, target);
    }
}

#[test]
fn a_leaf_made_under_another_payload_rule_is_refused() {
    let r = relay(b"q", b"a");
    let fixed = FixedComputeUnits::new(ComputeUnits::new(7));
    let pricing = TokenPricing {
        base_compute_units: ComputeUnits::new(1),
        per_prompt_token: ComputeUnits::new(1),
        per_completion_token: ComputeUnits::new(2),
    };
    let mut metered = tree(TokenMetered::new(pricing), TargetHash::BASE);
    assert_eq!(metered.offer_leaf(&Leaf::new(&r, &fixed)), Mined::Unpriced);
    assert_eq!(metered.root().count(), 0);
    // The leaf's hash is the relay hash POKT defines (payload cleared) under the fixed policy.
    assert_eq!(Leaf::new(&r, &fixed).hash(), &r.relay_hash());
}
