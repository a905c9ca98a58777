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

/// `tokenomics_settle`: one block's settlement on arbitrary params, applications, claims (up to 16)
/// and expiring claims, through `settle_block` and `settle_block_strict`: never panics; when it
/// settles, every claim gets an outcome, no stake grows, no operation is empty, the application
/// module pays out at most what the stakes lost (exactly, in strict mode) and the tokenomics module
/// at least what was minted (exactly, in strict mode); whatever strict settles, Go-compatible
/// settlement settles identically.
pub fn settle(data: &[u8]) {
    use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};
    use pokt_tokenomics::{
        Account, AppAccount, BlockInput, ClaimInput, ClaimPricing, ComputeUnits, Expiry, LedgerOp,
        Metering, Outcome, ProofFailure, RevShare, Shares, TokenomicsParams, Upokt, settle_block,
        settle_block_strict,
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
    // Half the blocks use the mainnet params (valid), the others arbitrary ones (mostly refused).
    let params = if b.u8() % 2 == 0 {
        TokenomicsParams::mainnet().expect("mainnet params")
    } else {
        TokenomicsParams {
            mint_ratio: b.fraction(),
            global_inflation_per_claim: b.fraction(),
            mint_allocation: shares(&mut b),
            mint_equals_burn_distribution: shares(&mut b),
            dao_reward_address: addr(250),
            overservicing_bonus_multiplier: u64::from(b.u8() % 4),
        }
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
    // A pricing param near Go's int64 edge, or any amount.
    let pricing = |b: &mut Bytes<'_>| match b.u8() % 4 {
        0 => (1u64 << 63)
            .wrapping_add(u64::from(b.u8()))
            .wrapping_sub(128),
        _ => b.amount(),
    };
    let claims: Vec<ClaimInput> = (0..(b.u8() % 17))
        .map(|_| {
            let mut target = [0xffu8; 32];
            target[0] = b.u8();
            let cupr = b.amount();
            let relays = b.amount();
            let units = if b.u8() % 4 == 0 {
                b.amount()
            } else {
                relays.wrapping_mul(cupr)
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
                metering: if b.u8() % 8 == 0 {
                    Metering::TokenMetered
                } else {
                    Metering::FixedPerRelay
                },
                pricing: ClaimPricing {
                    target_hash: TargetHash::from_bytes(target),
                    compute_units_to_tokens_multiplier: pricing(&mut b),
                    compute_unit_cost_granularity: pricing(&mut b),
                },
            }
        })
        .collect();
    let mut expiry = Expiry {
        proof_missing_penalty: Upokt::new(b.amount()),
        supplier_min_stake: Upokt::new(b.amount()),
        ..Expiry::default()
    };
    for _ in 0..(b.u8() % 4) {
        // Mostly indices of the block's claims, sometimes one beyond.
        let index = usize::from(b.u8() % 18);
        let failure = if b.u8() % 2 == 0 {
            ProofFailure::Missing
        } else {
            ProofFailure::Invalid
        };
        expiry.failed_proofs.insert(index, failure);
    }
    for s in 100..104 {
        if b.u8() % 8 != 0 {
            expiry
                .supplier_stakes
                .insert(addr(s), Upokt::new(b.amount()));
        }
    }
    let input = BlockInput {
        claims: &claims,
        apps: apps.clone(),
        num_pending_sessions: u64::from(b.u8() % 4),
        params: &params,
        proposer: addr(140),
        application_min_stake: Upokt::new(b.amount()),
        expiry: expiry.clone(),
    };
    let go = settle_block(&input);
    let strict = settle_block_strict(&input);
    if let Ok(s) = &strict {
        assert_eq!(go.as_ref(), Ok(s), "strict settled, go differs");
    }
    let Ok(s) = go else {
        return;
    };
    assert_eq!(s.outcomes().len(), claims.len());
    let sum = |f: &dyn Fn(&LedgerOp) -> bool| -> u128 {
        s.ops()
            .iter()
            .filter(|op| f(op))
            .map(|op| u128::from(op.amount().get()))
            .sum()
    };
    assert!(s.ops().iter().all(|op| op.amount() > Upokt::ZERO));
    let mut lost = 0u128;
    for (a, v) in s.app_stakes() {
        let before = apps.get(a).map_or(Upokt::ZERO, |x| x.stake);
        assert!(*v <= before, "a stake grew");
        lost += u128::from(before.get() - v.get());
    }
    for (a, v) in s.supplier_stakes() {
        assert!(*v <= expiry.supplier_stakes[a], "a supplier stake grew");
    }
    for o in s.outcomes() {
        if let Outcome::Expired { penalty, .. } = o {
            assert!(*penalty <= expiry.proof_missing_penalty);
        }
    }
    let from = |account: Account| {
        move |op: &LedgerOp| match op {
            LedgerOp::Burn { from, .. } | LedgerOp::Transfer { from, .. } => *from == account,
            LedgerOp::Mint { .. } => false,
        }
    };
    let paid_by_apps = sum(&from(Account::ApplicationModule));
    let paid_by_tokenomics = sum(&from(Account::TokenomicsModule));
    let minted = sum(&|op: &LedgerOp| matches!(op, LedgerOp::Mint { .. }));
    assert!(
        paid_by_apps <= lost,
        "the application module paid more than stakes lost"
    );
    assert!(paid_by_tokenomics >= minted);
    assert_eq!(s.minted().digits().to_string(), minted.to_string());
    if strict.is_ok() {
        assert_eq!(paid_by_apps, lost);
        assert_eq!(paid_by_tokenomics, minted);
    }
}
