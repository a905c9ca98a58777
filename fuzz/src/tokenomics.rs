//! Fuzz bodies for pokt-tokenomics.

use pokt_tokenomics::Fraction;

/// `tokenomics_fraction`: the decimal parser behind every fractional param: never panics, and a
/// parsed fraction's floor/ceil products stay ordered.
pub fn fraction(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(f) = Fraction::from_decimal(s) {
        for amount in [0u64, 1, 999, u64::MAX] {
            if let (Ok(lo), Ok(hi)) = (f.mul_floor(amount), f.mul_ceil(amount)) {
                assert!(lo <= hi && hi - lo <= 1);
            }
        }
    }
}

/// A little reader of fuzz bytes: missing bytes read as zero.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        for _ in 0..8 {
            v = (v << 8) | u64::from(self.u8());
        }
        v
    }

    /// A small or huge number, so both ordinary amounts and the edges are reached.
    fn amount(&mut self) -> u64 {
        match self.u8() % 4 {
            0 => u64::from(self.u8()),
            1 => self.u64() % 1_000_000_000,
            2 => self.u64(),
            _ => u64::MAX - u64::from(self.u8()),
        }
    }

    fn fraction(&mut self) -> pokt_tokenomics::Fraction {
        let num = u128::from(self.u8());
        let den = u128::from(self.u8()).max(1);
        Fraction::new(num, den).unwrap_or(Fraction::ZERO)
    }
}

/// `tokenomics_settle`: one block's settlement on arbitrary params, applications and claims (up
/// to 16): never panics; and, when it settles (Go-compatible or strict), every claim gets an outcome, no
/// application stake grows and what was burned from applications is at most their stakes.
pub fn settle(data: &[u8]) {
    use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};
    use pokt_tokenomics::{
        AppAccount, BlockInput, ClaimInput, ClaimPricing, ComputeUnits, Metering, RevShare, Shares,
        TokenomicsParams, Upokt, settle_block, settle_block_strict,
    };
    use std::collections::BTreeMap;
    let mut b = Bytes(data);
    let addr = |tag: u8| Address::from_bytes([tag; 20]);
    let shares = |b: &mut Bytes<'_>| Shares {
        dao: b.fraction(),
        proposer: b.fraction(),
        supplier: b.fraction(),
        source_owner: b.fraction(),
        application: b.fraction(),
    };
    let params = TokenomicsParams {
        mint_ratio: b.fraction(),
        global_inflation_per_claim: b.fraction(),
        mint_allocation: shares(&mut b),
        mint_equals_burn_distribution: shares(&mut b),
        dao_reward_address: addr(250),
        overservicing_bonus_multiplier: u64::from(b.u8() % 4),
    };
    let mut apps = BTreeMap::new();
    for i in 0..(b.u8() % 4) {
        let limit = b.u8();
        apps.insert(
            addr(i),
            AppAccount {
                stake: Upokt::new(b.amount()),
                per_session_spend_limit: (limit % 2 == 1).then(|| Upokt::new(b.amount())),
            },
        );
    }
    let claims: Vec<ClaimInput> = (0..(b.u8() % 17))
        .map(|_| {
            let mut target = [0xffu8; 32];
            target[0] = b.u8();
            let cupr = b.amount();
            let relays = b.amount();
            let units = if b.u8() % 4 == 0 {
                b.amount()
            } else {
                relays.saturating_mul(cupr)
            };
            ClaimInput {
                supplier_operator: addr(100 + b.u8() % 4),
                supplier_owner: addr(110),
                rev_shares: (0..(b.u8() % 4))
                    .map(|_| RevShare {
                        address: addr(120 + b.u8() % 4),
                        percentage: u64::from(b.u8() % 101),
                    })
                    .collect(),
                application: addr(b.u8() % 5),
                service_id: ServiceId::new("svc").expect("valid"),
                source_owner: addr(130),
                session_id: SessionId::from_bytes([b.u8() % 3; 32]),
                num_relays: relays,
                num_compute_units: ComputeUnits::new(units),
                compute_units_per_relay: ComputeUnits::new(cupr),
                metering: Metering::FixedPerRelay,
                pricing: ClaimPricing {
                    target_hash: TargetHash::from_bytes(target),
                    compute_units_to_tokens_multiplier: b.amount(),
                    compute_unit_cost_granularity: b.amount(),
                },
            }
        })
        .collect();
    let settle = if b.u8() % 2 == 0 {
        settle_block
    } else {
        settle_block_strict
    };
    let input = BlockInput {
        claims: &claims,
        apps: apps.clone(),
        num_pending_sessions: u64::from(b.u8() % 4),
        params: &params,
        proposer: addr(140),
        application_min_stake: Upokt::new(b.amount()),
        expiry: Default::default(),
    };
    let Ok(s) = settle(&input) else {
        return;
    };
    assert_eq!(s.outcomes().len(), claims.len());
    let before: u128 = apps.values().map(|a| u128::from(a.stake.get())).sum();
    let after: u128 = s.app_stakes().values().map(|v| u128::from(v.get())).sum();
    for (a, v) in s.app_stakes() {
        assert!(
            *v <= apps.get(a).map_or(Upokt::ZERO, |x| x.stake),
            "a stake grew"
        );
    }
    assert!(after <= before);
}
