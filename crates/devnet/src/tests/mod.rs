//! The devnet at the library level: a whole session from relays to balances (`lifecycle`), what
//! the chain refuses and records (`refusals`), staking and the ledger's invariant (`staking`).
//! This module holds the shared world: a service, an application delegating to a gateway, four
//! suppliers, and a helper that serves real signed relays into a session tree.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod lifecycle;
mod refusals;
mod staking;

use super::*;
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, ProofRequirement, SessionTree};
use pokt_primitives::{
    Address, BlockInterval, ComputeUnits, Relay, RelayResponse, ServiceId, Upokt,
};
use pokt_relay::{new_request, sign_request, sign_response};
use pokt_session::Session;
use pokt_tokenomics::Outcome;
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

fn h(v: i64) -> BlockHeight {
    BlockHeight::new(v)
}

fn upokt(v: u64) -> Upokt {
    Upokt::new(v)
}

fn world_with(cfg: DevnetConfig) -> World {
    let mut chain = Devnet::new(cfg).unwrap();
    let service = ServiceId::new("llm").unwrap();
    let owner = key(90).address();
    chain.add_service(ServiceDef {
        id: service.clone(),
        compute_units_per_relay: ComputeUnits::new(100),
        owner,
        target_num_relays: 1_000,
        token_pricing: None,
    });
    let (app, gateway) = (key(1), key(2));
    let suppliers: Vec<SigningKey> = (10..14).map(key).collect();
    for k in [&app, &gateway].into_iter().chain(&suppliers) {
        chain.fund(k.address(), upokt(10_000_000_000)).unwrap();
    }
    chain
        .stake_application(
            app.verifying_key(),
            upokt(5_000_000_000),
            vec![service.clone()],
        )
        .unwrap();
    chain
        .stake_gateway(gateway.verifying_key(), upokt(1_000_000))
        .unwrap();
    chain.delegate(&app.address(), &gateway.address()).unwrap();
    for s in &suppliers {
        chain
            .stake_supplier(
                s.verifying_key(),
                s.address(),
                upokt(1_000_000_000),
                vec![service.clone()],
                vec![],
            )
            .unwrap();
    }
    chain.advance_to(h(5)).unwrap();
    World {
        chain,
        app,
        gateway,
        suppliers,
        service,
        owner,
    }
}

fn world() -> World {
    world_with(DevnetConfig::small().unwrap())
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
    let ring = w.chain.ring(&w.app.address(), session.header.end).unwrap();
    let target = w.chain.target(&w.service, session.header.start).unwrap();
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

/// Every ledger account plus the gateway module holds minted − burned.
fn assert_supply_held(chain: &Devnet) {
    let supply = chain.supply_changes();
    assert!(supply.net().is_some());
    assert_eq!(chain.total_held(), supply.net());
}
