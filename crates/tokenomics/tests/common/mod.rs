//! Builders shared by the settlement tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};
use pokt_tokenomics::*;

pub(crate) fn addr(b: u8) -> Address {
    Address::from_bytes([b; 20])
}

pub(crate) fn claim(app: u8, session: u8, relays: u64, cupr: u64, cuttm: u64) -> ClaimInput {
    ClaimInput {
        supplier_operator: addr(100 + session),
        supplier_owner: addr(150),
        rev_shares: vec![RevShare {
            address: addr(150),
            percentage: 100,
        }],
        application: addr(app),
        service_id: ServiceId::new("llm").unwrap(),
        source_owner: addr(200),
        session_id: SessionId::from_bytes([session; 32]),
        num_relays: relays,
        num_compute_units: ComputeUnits::new(relays * cupr),
        compute_units_per_relay: ComputeUnits::new(cupr),
        metering: Metering::FixedPerRelay,
        pricing: ClaimPricing {
            target_hash: TargetHash::BASE,
            compute_units_to_tokens_multiplier: cuttm,
            compute_unit_cost_granularity: 1_000_000,
        },
    }
}

pub(crate) fn up(v: u64) -> Upokt {
    Upokt::new(v)
}

pub(crate) fn settled(claimed: u64, settled: u64) -> Outcome {
    Outcome::Settled {
        claimed: ClaimedUpokt::from(up(claimed)),
        settled: up(settled),
    }
}

pub(crate) fn apps(list: &[(u8, u64)]) -> BTreeMap<Address, AppAccount> {
    list.iter()
        .map(|(a, s)| {
            (
                addr(*a),
                AppAccount {
                    stake: up(*s),
                    per_session_spend_limit: None,
                },
            )
        })
        .collect()
}

pub(crate) fn to(ops: &[LedgerOp], who: Address) -> u64 {
    ops.iter()
        .map(|o| match o {
            LedgerOp::Transfer {
                to: Account::Address(a),
                amount,
                ..
            } if *a == who => amount.get(),
            _ => 0,
        })
        .sum()
}

pub(crate) fn simple_params(mint_ratio: f64) -> TokenomicsParams {
    let mut p = TokenomicsParams::defaults().unwrap();
    p.dao_reward_address = addr(99);
    p.mint_ratio = Fraction::from_f64_shortest(mint_ratio).unwrap();
    p.global_inflation_per_claim = Fraction::ZERO;
    p
}
