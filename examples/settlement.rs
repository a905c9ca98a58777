//! One block's settlement with mainnet params: two applications, three suppliers' claims (one
//! overserviced, one with invalid revenue shares), printed as the ledger operations a host would
//! apply, then each actor's take.
//!
//! `cargo run -p pokt-examples --example settlement`

use std::collections::BTreeMap;

use anyhow::Context;
use pokt_primitives::{Address, ServiceId, SessionId, SharedParams, TargetHash};
use pokt_tokenomics::{
    Account, AppAccount, BlockInput, ClaimInput, ClaimPricing, ComputeUnits, LedgerOp, Metering,
    Outcome, RevShare, TokenomicsParams, Upokt, settle_block,
};

fn addr(tag: u8) -> Address {
    Address::from_bytes([tag; 20])
}

fn main() -> anyhow::Result<()> {
    let params = TokenomicsParams::mainnet().context("params")?;
    let service = ServiceId::new("llm-8b")?;
    let mut target = [0xff; 32];
    target[0] = 0x3f; // a quarter of relays mined: each claims 4× its mined compute units
    let claim = |supplier: u8, app: u8, relays: u64, shares: Vec<RevShare>| ClaimInput {
        supplier_operator: addr(supplier),
        supplier_owner: addr(supplier + 50),
        rev_shares: shares,
        application: addr(app),
        service_id: service.clone(),
        source_owner: addr(200),
        session_id: SessionId::from_bytes([app; 32]),
        num_relays: relays,
        num_compute_units: ComputeUnits::new(relays * 100),
        compute_units_per_relay: ComputeUnits::new(100),
        metering: Metering::FixedPerRelay,
        pricing: ClaimPricing::new(TargetHash::from_bytes(target), &SharedParams::mainnet()),
    };
    let share = |tag: u8, percentage: u64| RevShare {
        address: addr(tag),
        percentage,
    };
    let claims = [
        claim(10, 1, 20_000, vec![share(60, 80), share(61, 20)]),
        claim(11, 1, 5_000, vec![share(61, 60), share(61, 40)]), // duplicate shareholder: invalid
        claim(12, 2, 50_000, vec![share(62, 100)]),              // app 2 cannot afford it all
    ];
    let apps: BTreeMap<Address, AppAccount> = [(addr(1), 1_000_000_000_000), (addr(2), 4_000_000)]
        .into_iter()
        .map(|(a, stake)| {
            (
                a,
                AppAccount {
                    stake: Upokt::new(stake),
                    per_session_spend_limit: None,
                },
            )
        })
        .collect();
    let s = settle_block(&BlockInput {
        claims: &claims,
        apps,
        num_pending_sessions: 2,
        params: &params,
        proposer: addr(7),
        application_min_stake: Upokt::new(1_000_000),
        expiry: Default::default(),
    })?;

    for (i, o) in s.outcomes().iter().enumerate() {
        match o {
            Outcome::Settled { claimed, settled } => {
                println!("claim {i}: claimed {claimed}, settled {settled}")
            }
            Outcome::Discarded(r) => println!("claim {i}: discarded ({r:?})"),
            Outcome::Expired { failure, penalty } => {
                println!("claim {i}: expired ({failure:?} proof), supplier penalised {penalty}")
            }
        }
    }
    println!("\nledger operations:");
    for op in s.ops() {
        println!("  {op:?}");
    }
    println!("\nevents:");
    for e in s.events() {
        println!("  {e:?}");
    }
    let mut takes: BTreeMap<String, Upokt> = BTreeMap::new();
    for op in s.ops() {
        if let LedgerOp::Transfer {
            to: Account::Address(a),
            amount,
            ..
        } = op
        {
            let take = takes.entry(a.to_string()).or_default();
            *take = take.checked_add(*amount).context("total overflow")?;
        }
    }
    println!("\nreceived:");
    for (who, v) in takes {
        println!("  {who}  {:>12} uPOKT", v.get());
    }
    println!(
        "\nburned {}, minted {}; application stakes after: {:?}",
        s.burned(),
        s.minted(),
        s.app_stakes().values().collect::<Vec<_>>()
    );
    Ok(())
}
