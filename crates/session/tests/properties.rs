//! Properties of session derivation over random chain states: every selected supplier is a
//! candidate that serves the service and is active; the session has min(size, candidates)
//! distinct suppliers; the result does not depend on the order the configs are listed in; the id
//! is SHA3-256 of the preimage; the header's heights are the grid's.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery};
use proptest::prelude::*;
use sha3::{Digest, Sha3_256};

proptest! {
    #[test]
    fn derive_over_random_states(
        n in 1u64..30,
        height in 1i64..10_000,
        size in 1usize..20,
        candidates in proptest::collection::vec((any::<[u8; 20]>(), 0u8..3, 0i64..12_000, 0i64..12_000), 0..60),
        app in any::<[u8; 20]>(),
        hash in any::<[u8; 32]>(),
        rotate in 0usize..60,
    ) {
        let services = [ServiceId::new("llm").unwrap(), ServiceId::new("other").unwrap()];
        let configs: Vec<ServiceConfig> = candidates
            .iter()
            .map(|(op, svc, act, deact)| ServiceConfig {
                operator: Address::from_bytes(*op),
                service: services[usize::from(*svc) % 2].clone(),
                activation_height: BlockHeight::new(*act),
                // The chain stores "no deactivation" as 0.
                deactivation_height: (*deact != 0).then_some(BlockHeight::new(*deact)),
            })
            .collect();
        let app = Address::from_bytes(app);
        let grid = SessionGrid::genesis(BlockInterval::new(n));
        let query = SessionQuery {
            application: &app,
            service_id: &services[0],
            height: BlockHeight::new(height),
            grid,
            num_suppliers_per_session: size,
        };
        let block = |_: BlockHeight| Some(BlockHash::from_bytes(hash));
        let derived = Session::derive(query, block, &configs);
        let mut shuffled = configs.clone();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        let again = Session::derive(query, block, &shuffled);
        prop_assert_eq!(&derived, &again, "config order changed the session");
        let Ok(s) = derived else { return Ok(()); };
        prop_assert_eq!(s.header.start, grid.start(BlockHeight::new(height)));
        prop_assert_eq!(s.header.end, grid.end(BlockHeight::new(height)));
        let id: [u8; 32] = Sha3_256::digest(&s.preimage).into();
        prop_assert_eq!(s.header.session_id.as_bytes(), &id);
        let mut eligible: Vec<Address> = Vec::new();
        for c in &configs {
            let (act, deact) = (c.activation_height.get(), c.deactivation_height.map_or(0, BlockHeight::get));
            let active = act <= height && (deact == 0 || height < deact);
            if c.service == services[0] && active && !eligible.contains(&c.operator) {
                eligible.push(c.operator);
            }
        }
        prop_assert_eq!(s.suppliers.len(), size.min(eligible.len()));
        for sup in &s.suppliers {
            prop_assert!(eligible.contains(sup), "{sup} is not an eligible candidate");
        }
        let mut dedup = s.suppliers.clone();
        dedup.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        dedup.dedup();
        prop_assert_eq!(dedup.len(), s.suppliers.len());
    }
}
