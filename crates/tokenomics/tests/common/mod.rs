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

pub(crate) fn block<'a>(
    claims: &'a [ClaimInput],
    params: &'a TokenomicsParams,
    apps: BTreeMap<Address, AppAccount>,
    num_pending_sessions: u64,
) -> BlockInput<'a> {
    BlockInput {
        claims,
        apps,
        num_pending_sessions,
        params,
        proposer: addr(7),
        application_min_stake: up(0),
        expiry: Expiry::default(),
    }
}

/// mint ratio 1, inflation 0.1, both splits dao .1 / proposer .05 / supplier .7 / source owner
/// .15 / application 0, DAO at address 99.
pub(crate) fn inflating() -> TokenomicsParams {
    let mut p = TokenomicsParams::defaults().unwrap();
    p.dao_reward_address = addr(99);
    p
}

pub(crate) fn shares(
    dao: f64,
    proposer: f64,
    supplier: f64,
    source_owner: f64,
    app: f64,
) -> Shares {
    Shares::from_f64(dao, proposer, supplier, source_owner, app).unwrap()
}

pub(crate) fn expiring(index: usize, suppliers: &[(Address, u64)]) -> Expiry {
    Expiry {
        failed_proofs: BTreeMap::from([(index, ProofFailure::Missing)]),
        supplier_stakes: suppliers.iter().map(|(a, s)| (*a, up(*s))).collect(),
        proof_missing_penalty: up(1),
        supplier_min_stake: up(5),
    }
}

pub(crate) fn transfers_from(ops: &[LedgerOp], from: Account) -> u64 {
    ops.iter()
        .map(|o| match o {
            LedgerOp::Transfer {
                from: f, amount, ..
            } if *f == from => amount.get(),
            _ => 0,
        })
        .sum()
}

pub(crate) fn burns_from(ops: &[LedgerOp], from: Account) -> u64 {
    ops.iter()
        .map(|o| match o {
            LedgerOp::Burn {
                from: f, amount, ..
            } if *f == from => amount.get(),
            _ => 0,
        })
        .sum()
}
