//! The devnet node at work, without HTTP: an application delegates to a gateway; each session its
//! gateway ring-signs relays to the session's suppliers, whose relay miners accept them, sign the
//! answers and mine them at the service's current difficulty; the suppliers claim and prove in
//! their windows; the chain validates, settles and retargets the difficulty. Traffic is three
//! times the service's target, so the difficulty rises after the first settlement and later
//! sessions mine about a third of their relays, each claim worth three times as much per relay.
//!
//! `cargo run -p pokt-examples --example devnet`

use std::collections::BTreeMap;

use anyhow::Context;
use pokt_devnet::{Devnet, DevnetConfig, DevnetEvent, ServiceDef};
use pokt_examples::llm::network::{DemoActors, demo_key, stake_demo_actors};
use pokt_mining::{FixedComputeUnits, SessionTree, target_fraction_f64};
use pokt_primitives::{Address, BlockHeight, ComputeUnits, Relay, RelayResponse, ServiceId, Upokt};
use pokt_relay::{
    AcceptanceContext, PreparedRing, accept_relay, new_request, sign_request, sign_response,
};
use pokt_tokenomics::Outcome;
use rand_chacha::rand_core::SeedableRng;

const RELAYS_PER_SESSION: usize = 300;
const TARGET_NUM_RELAYS: u64 = 100;

fn main() -> anyhow::Result<()> {
    let mut chain = Devnet::new(DevnetConfig::small()?)?;
    let service = ServiceId::new("llm")?;
    chain.add_service(ServiceDef {
        id: service.clone(),
        compute_units_per_relay: ComputeUnits::new(100),
        owner: demo_key(90)?.address(),
        target_num_relays: TARGET_NUM_RELAYS,
        token_pricing: None,
    });
    let DemoActors {
        app,
        gateway,
        suppliers,
    } = stake_demo_actors(&mut chain, &service)?;
    let next = chain.next_session_start(chain.height())?;
    chain.advance_to(next)?;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);

    let mut pending: Vec<(
        BlockHeight,
        BTreeMap<Address, SessionTree<FixedComputeUnits>>,
    )> = Vec::new();
    for _ in 0..6 {
        // One session of traffic, spread over its suppliers.
        let session = chain.session(&app.address(), &service, chain.height())?;
        let header = session.header.to_wire();
        let end = session.header.end;
        let ring = chain.ring(&app.address(), end)?;
        let prepared = PreparedRing::new(&ring)?;
        let target = chain.target(&service, session.header.start)?;
        println!(
            "session {}..={} (id {}…): suppliers {}, relay probability {:.3}",
            session.header.start,
            end,
            &header.session_id[..12],
            session.suppliers.len(),
            target_fraction_f64(&target)
        );
        let mut trees = BTreeMap::new();
        for i in 0..RELAYS_PER_SESSION {
            let supplier = session.suppliers[i % session.suppliers.len()];
            let key = suppliers
                .iter()
                .find(|k| k.address() == supplier)
                .context("supplier key")?;
            let mut req = new_request(&header, &supplier, format!("prompt {i}").into_bytes());
            sign_request(&mut req, &ring, &gateway, &mut rng)?;
            let accepted = accept_relay(
                req,
                &AcceptanceContext {
                    current_height: chain.height(),
                    grace_period_end_offset_blocks: chain.grace_period_blocks(end),
                    session_header: &header,
                    session_suppliers: &session.suppliers,
                    expected_ring: &prepared,
                    own_suppliers: &[supplier],
                },
            )?;
            let mut res = RelayResponse {
                payload: format!("answer {i}").into_bytes(),
                ..RelayResponse::default()
            };
            res.meta.session_header = Some(header.clone());
            sign_response(&mut res, key);
            trees
                .entry(supplier)
                .or_insert_with(|| {
                    SessionTree::new(
                        header.clone(),
                        supplier,
                        target,
                        FixedComputeUnits::new(ComputeUnits::new(100)),
                    )
                })
                .offer(&Relay {
                    req: Some(accepted.into_request()),
                    res: Some(res),
                });
        }
        let mined: u64 = trees.values().map(|t| t.root().count()).sum();
        println!("  {RELAYS_PER_SESSION} relays served, {mined} mined");
        pending.push((end, trees));
        // Blocks of the next session; claims and proofs of earlier sessions as windows open.
        let next = chain.next_session_start(chain.height())?;
        while chain.height() < next {
            let events = chain.advance()?;
            step(&mut chain, &mut pending)?;
            print_events(&events);
        }
    }
    // Let the last sessions settle.
    while !pending.is_empty() {
        let events = chain.advance()?;
        step(&mut chain, &mut pending)?;
        print_events(&events);
    }
    println!(
        "\napplication stake {}; source owner {}; ledger balanced: {}",
        chain
            .application_stake(&app.address())
            .unwrap_or(Upokt::ZERO),
        chain.balance(&demo_key(90)?.address()),
        {
            let supply = chain.supply_changes();
            supply.net().is_some() && chain.total_held() == supply.net()
        }
    );
    Ok(())
}

/// Claims and proves every pending session whose window is open; drops settled ones.
fn step(
    chain: &mut Devnet,
    pending: &mut Vec<(
        BlockHeight,
        BTreeMap<Address, SessionTree<FixedComputeUnits>>,
    )>,
) -> anyhow::Result<()> {
    let h = chain.height();
    for (end, trees) in pending.iter() {
        let w = chain.windows(*end)?;
        for tree in trees.values() {
            if h == w.claim_window_open {
                chain.submit_claim(&tree.claim())?;
            }
            if h == w.proof_window_open {
                let seed = chain.proof_seed(*end)?;
                chain.submit_proof(&tree.proof(&seed))?;
            }
        }
        if h == w.claim_window_open || h == w.proof_window_open {
            let n = trees.len();
            let what = if h == w.claim_window_open {
                "claims"
            } else {
                "proofs"
            };
            println!("  block {h}: {n} {what} for the session ending at {end}");
        }
    }
    let now = chain.height();
    pending.retain(|(end, _)| {
        chain
            .windows(*end)
            .map(|w| w.settlement_height > now)
            .unwrap_or(false)
    });
    Ok(())
}

fn print_events(events: &[DevnetEvent]) {
    for e in events {
        match e {
            DevnetEvent::Settled {
                supplier,
                outcome:
                    Outcome::Settled {
                        settled: settled_upokt,
                        ..
                    },
                ..
            } => {
                println!("  settled {supplier}: {settled_upokt}")
            }
            DevnetEvent::Settled {
                supplier, outcome, ..
            } => println!("  {supplier}: {outcome:?}"),
            DevnetEvent::DifficultyUpdated {
                target,
                from_height,
                ..
            } => println!(
                "  difficulty: relay probability {:.3} from block {from_height}",
                target_fraction_f64(target)
            ),
            _ => {}
        }
    }
}
