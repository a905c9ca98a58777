//! Worked settlement examples. There are no Go vectors for settlement; each expected number is
//! derived in the comment above it from protocol.md §6 (poktroll x/tokenomics).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)]

use std::collections::BTreeMap;

use pokt_primitives::{Address, TargetHash};
use pokt_tokenomics::*;
use proptest::prelude::*;

mod common;
use common::*;

#[test]
fn mainnet_single_claim() {
    let params = TokenomicsParams::mainnet().unwrap();
    let mut c = claim(1, 1, 10_000, 100, 145_990);
    c.rev_shares = vec![
        RevShare {
            address: addr(31),
            percentage: 50,
        },
        RevShare {
            address: addr(32),
            percentage: 30,
        },
        RevShare {
            address: addr(33),
            percentage: 20,
        },
    ];
    let claims = [c];
    let input = BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000_000_000)]),
        num_pending_sessions: 2,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(1),
        expiry: Default::default(),
    };
    let s = settle_block(&input).unwrap();
    // 1,000,000 CU × (2^256−1)/(2^256−1) × 145,990 / 1,000,000 = 145,990 uPOKT; budget floor
    // 1e9 / 2 / 1 = 5e8 covers it (claim stake 145,990 + ⌈0.14599⌉ = 145,991).
    assert_eq!(s.outcomes(), [settled(145_990, 145_990)]);
    // mint = ⌊145,990 × 0.975⌋ = ⌊142,340.25⌋ = 142,340; global mint = ⌈145,990 × 1e-6⌉ = 1.
    assert_eq!(s.burned(), up(145_990));
    assert_eq!(s.minted(), up(142_340 + 1));
    // Supplier ⌊142,340 × 0.79⌋ = 112,448 → shareholders ⌊56,224⌋, ⌊33,734.4⌋, ⌊22,489.6⌋ = 112,447,
    // remainder 1 to the first listed: 56,225 / 33,734 / 22,489. Global-mint supplier share ⌊0.8⌋ = 0.
    assert_eq!(to(s.ops(), addr(31)), 56_225);
    assert_eq!(to(s.ops(), addr(32)), 33_734);
    assert_eq!(to(s.ops(), addr(33)), 22_489);
    // Proposer ⌊142,340 × 0.14⌋ = ⌊19,927.6⌋ = 19,927; source owner ⌊142,340 × 0.025⌋ = ⌊3,558.5⌋ = 3,558.
    assert_eq!(to(s.ops(), addr(7)), 19_927);
    assert_eq!(to(s.ops(), addr(200)), 3_558);
    // DAO: remainder 142,340 − 112,448 − 19,927 − 3,558 = 6,407, plus the whole global mint (1, every
    // other floor is 0), plus the reimbursement request (1) from the application module.
    let dao = params.dao_reward_address;
    assert_eq!(to(s.ops(), dao), 6_407 + 1 + 1);
    // App stake: 1e9 − 145,990 − 1 = 999,854,009.
    assert_eq!(s.app_stakes()[&addr(1)], up(999_854_009));
    assert!(s.events().iter().any(
        |e| matches!(e, Event::ApplicationReimbursementRequest { amount, .. } if *amount == up(1))
    ));
}

#[test]
fn overservicing_is_capped_per_claimant() {
    let params = simple_params(1.0);
    // 1 uPOKT per CU (CUTTM = granularity); two suppliers of the same session claim 400 each.
    let claims = [claim(1, 1, 400, 1, 1_000_000), {
        let mut c = claim(1, 1, 400, 1, 1_000_000);
        c.supplier_operator = addr(120);
        c
    }];
    let input = BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000)]),
        num_pending_sessions: 2,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(600),
        expiry: Default::default(),
    };
    let s = settle_block(&input).unwrap();
    // Budget floor = 1,000 / 2 pending sessions / 2 claimants = 250 each; with no inflation the
    // maximum settlement is ⌊250 / 1⌋ = 250 < 400, so both are capped.
    assert_eq!(s.outcomes(), vec![settled(400, 250); 2]);
    assert_eq!(
        s.events()
            .iter()
            .filter(|e| matches!(e, Event::ApplicationOverserviced { .. }))
            .count(),
        2
    );
    // 1,000 − 2 × 250 = 500 < min stake 600: unbonding starts.
    assert_eq!(s.app_stakes()[&addr(1)], up(500));
    assert!(s.events().contains(&Event::ApplicationUnbondingStarted {
        application: addr(1)
    }));
}

#[test]
fn one_upokt_at_mint_ratio_0975() {
    let params = simple_params(0.975);
    // 1 CU at 1 uPOKT/CU = 1 uPOKT; mint = ⌊1 × 0.975⌋ = 0.
    let claims = [claim(1, 1, 1, 1, 1_000_000)];
    let input = BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000)]),
        num_pending_sessions: 2,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(0),
        expiry: Default::default(),
    };
    let s = settle_block(&input).unwrap();
    // Go: the claim is discarded, no ledger op, but the cached app stake already lost 1 uPOKT.
    assert_eq!(s.outcomes(), [Outcome::Discarded(DiscardReason::ZeroMint)]);
    assert!(s.ops().is_empty());
    assert_eq!(s.app_stakes()[&addr(1)], up(999));
    assert_eq!(
        settle_block_strict(&input),
        Err(SettleError::ZeroMint { index: 0 })
    );
}

#[test]
fn invalid_claims_are_discarded() {
    let params = simple_params(1.0);
    let mut bad = claim(1, 1, 10, 5, 1_000_000);
    bad.num_compute_units = ComputeUnits::new(49); // ≠ 10 × 5
    let claims = [bad];
    let input = BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000)]),
        num_pending_sessions: 1,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(0),
        expiry: Default::default(),
    };
    assert_eq!(
        settle_block(&input).unwrap().outcomes(),
        [Outcome::Discarded(DiscardReason::InvalidClaim)]
    );
}

#[test]
fn rev_share_fallback_and_remainder() {
    // 100 split 33/33/34: ⌊33⌋, ⌊33⌋, ⌊34⌋ = 100, no remainder.
    let s = [
        RevShare {
            address: addr(3),
            percentage: 33,
        },
        RevShare {
            address: addr(1),
            percentage: 33,
        },
        RevShare {
            address: addr(2),
            percentage: 34,
        },
    ];
    let split = rev_share_split(up(100), &s).unwrap();
    // Transfers come in address-string order (Go's sort.Strings).
    let by_str = |v: Vec<(Address, u64)>| {
        let mut v: Vec<(Address, Upokt)> = v.into_iter().map(|(a, x)| (a, up(x))).collect();
        v.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        v
    };
    assert_eq!(
        split,
        by_str(vec![(addr(1), 33), (addr(2), 34), (addr(3), 33)])
    );
    // 10 split 33/33/34: 3, 3, 3 → remainder 1 to the first listed (addr 3).
    let split = rev_share_split(up(10), &s).unwrap();
    assert_eq!(
        split,
        by_str(vec![(addr(1), 3), (addr(2), 3), (addr(3), 4)])
    );
    // Sum 99, a duplicate, or none: refused, and settlement pays everything to the owner.
    let bad = [RevShare {
        address: addr(3),
        percentage: 99,
    }];
    assert_eq!(
        rev_share_split(up(10), &bad),
        Err(RevShareError::PercentageSum { sum: 99 })
    );
    let twice = [s[0], s[0]];
    assert_eq!(
        rev_share_split(up(10), &twice),
        Err(RevShareError::DuplicateAddress { address: addr(3) })
    );
    assert_eq!(rev_share_split(up(10), &[]), Err(RevShareError::Empty));
}

/// Invalid revenue shares in settlement: the supplier's whole share goes to its owner, with an
/// event (simple params: mint ratio 1, no inflation; the supplier's share is 0.7 of the mint).
#[test]
fn invalid_rev_shares_pay_the_owner() {
    let params = simple_params(1.0);
    let mut c = claim(1, 1, 100, 1, 1_000_000);
    c.rev_shares = vec![RevShare {
        address: addr(3),
        percentage: 99,
    }];
    let claims = [c];
    let s = settle_block(&BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000_000)]),
        num_pending_sessions: 1,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(0),
        expiry: Default::default(),
    })
    .unwrap();
    // 100 CU at 1 uPOKT each: the supplier's ⌊100 × 0.7⌋ = 70 to the owner (addr 150).
    assert_eq!(to(s.ops(), addr(150)), 70);
    assert_eq!(to(s.ops(), addr(3)), 0);
    assert!(s.events().contains(&Event::RevShareFallback {
        supplier_operator: addr(101)
    }));
}

#[test]
fn largest_remainder_ties_by_address() {
    // 10 over three equal weights: 3 each, remainders all 1/3, the one leftover unit to the
    // smallest address string.
    let w = [(addr(5), 1), (addr(6), 1), (addr(4), 1)];
    let out = largest_remainder(up(10), &w);
    let mut sorted: Vec<&Address> = w.iter().map(|(a, _)| a).collect();
    sorted.sort_by_key(|a| a.as_str().to_string());
    for (a, v) in &out {
        assert_eq!(*v, up(if a == sorted[0] { 4 } else { 3 }));
    }
    // 7 over weights 1:2 → ⌊7/3⌋ = 2, ⌊14/3⌋ = 4, remainders 1/3 and 2/3: the leftover goes to the larger.
    assert_eq!(
        largest_remainder(up(7), &[(addr(1), 1), (addr(2), 2)]),
        vec![(addr(1), up(2)), (addr(2), up(5))]
    );
}

#[test]
fn penalty() {
    assert_eq!(proof_penalty(up(10), up(1), up(5)).remaining_stake, up(9));
    let p = proof_penalty(up(5), up(1), up(5));
    assert_eq!(
        (
            p.ledger_op().is_some(),
            p.remaining_stake,
            p.below_min_stake
        ),
        (true, up(4), true)
    );
    assert_eq!(proof_penalty(up(0), up(1), up(0)).ledger_op(), None);
}

proptest! {
    /// Conservation: strict settlement distributes exactly what it mints, burns Σ settled, and no
    /// application pays more than its stake; Go-compatible settlement may pay the proposer shares
    /// of claims a later module discarded (never less than it mints), and both agree whenever
    /// strict settles.
    #[test]
    fn conservation(stakes in proptest::collection::vec(1u64..10_000_000, 1..4),
                    claims in proptest::collection::vec((0usize..4, 0u8..3, 1u64..5_000, 1u64..20), 1..12)) {
        let params = TokenomicsParams::mainnet().unwrap();
        let app_list: Vec<(u8, u64)> = stakes.iter().enumerate().map(|(i, s)| (i as u8 + 1, *s)).collect();
        let cs: Vec<ClaimInput> = claims.iter().map(|(a, sess, r, cupr)| {
            let mut c = claim((a % stakes.len()) as u8 + 1, *sess, *r, *cupr, 145_990);
            c.supplier_operator = addr((*r % 200) as u8);
            c
        }).collect();
        let input = BlockInput { claims: &cs, apps: apps(&app_list), num_pending_sessions: 2, params: &params,
                                 proposer: addr(7), application_min_stake: up(0), expiry: Default::default() };
        let s = settle_block(&input).unwrap();
        let distributed = |s: &BlockSettlement| -> u128 { s.ops().iter().map(|o| match o {
            LedgerOp::Transfer { from: Account::TokenomicsModule, amount, .. } => u128::from(amount.get()), _ => 0 }).sum() };
        let minted = u128::from(Upokt::try_from(s.minted()).unwrap().get());
        prop_assert!(minted <= distributed(&s));
        let settled: u64 = s.outcomes().iter().map(|o| match o { Outcome::Settled { settled, .. } => settled.get(), _ => 0 }).sum();
        prop_assert_eq!(s.burned(), up(settled));
        prop_assert_eq!(s.received_by(&Account::TokenomicsModule), s.minted());
        for (a, before) in &app_list {
            prop_assert!(s.app_stakes()[&addr(*a)] <= up(*before));
        }
        if let Ok(strict) = settle_block_strict(&input) {
            prop_assert_eq!(&strict, &s);
            prop_assert_eq!(minted, distributed(&strict));
        }
    }
}

proptest! {
    /// Claimed uPOKT against the rational model: q = ⌊cu · cuttm · (2²⁵⁶ − 1) / (target ·
    /// granularity)⌋ is the unique q with q · den ≤ num < (q + 1) · den, checked by 512-bit
    /// multiplication (independent of the division the implementation performs). Values above
    /// u64 are computed (Go's 256-bit integers hold them); only values above 256 bits are refused.
    /// The pricing params are read as Go's int64 casts read them (x/proof/types/claim.go,
    /// GetClaimeduPOKT): their magnitudes price, a negative ratio refuses a non-zero value.
    #[test]
    fn claimed_upokt_brackets_the_rational(cu in any::<u64>(), cuttm in any::<u64>(), gran in 1u64.., target in any::<[u8; 32]>()) {
        use crypto_bigint::U512;
        let pricing = ClaimPricing {
            target_hash: TargetHash::from_bytes(target),
            compute_units_to_tokens_multiplier: cuttm,
            compute_unit_cost_granularity: gran,
        };
        let widen = |b: &[u8]| { let mut w = [0u8; 64]; w[64 - b.len()..].copy_from_slice(b); U512::from_be_slice(&w) };
        let base = widen(&[0xff; 32]);
        let (m, g) = ((cuttm as i64).unsigned_abs(), (gran as i64).unsigned_abs());
        let negative = ((cuttm as i64) < 0) != ((gran as i64) < 0);
        let num = widen(&cu.to_be_bytes()).wrapping_mul(&widen(&m.to_be_bytes())).wrapping_mul(&base);
        let den = widen(&target).wrapping_mul(&widen(&g.to_be_bytes()));
        match claimed_upokt(ComputeUnits::new(cu), &pricing) {
            Ok(q) => {
                prop_assert!(!negative || num == U512::ZERO);
                let q = widen(&q.to_be_bytes());
                prop_assert!(q.wrapping_mul(&den) <= num);
                prop_assert!(q.wrapping_add(&U512::ONE).wrapping_mul(&den) > num);
            }
            Err(ClaimedError::DivisionByZero) => prop_assert!(target == [0; 32]),
            Err(ClaimedError::NegativeAmount) => prop_assert!(negative && num != U512::ZERO),
            Err(ClaimedError::Overflow { bits }) => {
                prop_assert!(!negative || num == U512::ZERO);
                // The quotient needs more than 256 bits: 2²⁵⁶ · den ≤ num.
                prop_assert!(bits > 256);
                prop_assert!(den.shl_vartime(256) <= num);
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    /// Claim order: where stakes cover every budget (no claim is refused for stake), reversing
    /// the claims reverses the outcomes and leaves every account's total and every stake the same.
    #[test]
    fn order_does_not_change_amounts(claims in proptest::collection::vec((0u8..3, 0u8..3, 1u64..5_000, 1u64..20), 1..10)) {
        let params = TokenomicsParams::mainnet().unwrap();
        let cs: Vec<ClaimInput> = claims.iter().enumerate().map(|(i, (a, sess, r, cupr))| {
            let mut c = claim(a + 1, *sess, *r, *cupr, 145_990);
            c.supplier_operator = addr(100 + i as u8);
            c
        }).collect();
        let run = |cs: &[ClaimInput]| {
            settle_block(&BlockInput { claims: cs, apps: apps(&[(1, 1_000_000_000), (2, 20_000_000), (3, 3_000_000)]),
                num_pending_sessions: 2, params: &params, proposer: addr(7), application_min_stake: up(0),
                expiry: Default::default() }).unwrap()
        };
        let forward = run(&cs);
        prop_assume!(!forward.outcomes().iter().any(|o| matches!(o, Outcome::Discarded(DiscardReason::InsufficientStake))));
        let mut rev = cs.clone();
        rev.reverse();
        let backward = run(&rev);
        let mut outcomes = backward.outcomes().to_vec();
        outcomes.reverse();
        prop_assert_eq!(forward.outcomes(), &outcomes[..]);
        prop_assert_eq!(forward.app_stakes(), backward.app_stakes());
        let totals = |s: &BlockSettlement| {
            let mut m: BTreeMap<Account, i128> = BTreeMap::new();
            for op in s.ops() {
                let amount = i128::from(op.amount().get());
                match op {
                    LedgerOp::Mint { to, .. } => *m.entry(*to).or_default() += amount,
                    LedgerOp::Burn { from, .. } => *m.entry(*from).or_default() -= amount,
                    LedgerOp::Transfer { from, to, .. } => {
                        *m.entry(*from).or_default() -= amount;
                        *m.entry(*to).or_default() += amount;
                    }
                }
            }
            m
        };
        prop_assert_eq!(totals(&forward), totals(&backward));
    }
}

/// Expiry: a claim whose required proof is missing settles nothing and costs its supplier the
/// penalty (mainnet: 1 uPOKT); a stake that falls below the minimum starts forced unbonding. The
/// expired claim still counts as a claimant of its (application, session), so the other claim's
/// budget is the stake / 2 pending sessions / 2 claimants (protocol.md §5.6, §6.2).
#[test]
fn expired_claims_are_penalised_and_still_count_as_claimants() {
    let params = TokenomicsParams::mainnet().unwrap();
    let mut a = claim(1, 1, 10_000, 100, 145_990);
    a.supplier_operator = addr(101);
    let mut b = claim(1, 1, 10_000, 100, 145_990);
    b.supplier_operator = addr(102);
    let claims = [a, b];
    let mut expiry = Expiry {
        proof_missing_penalty: up(1),
        supplier_min_stake: up(100),
        ..Expiry::default()
    };
    expiry.failed_proofs.insert(0, ProofFailure::Missing);
    expiry.supplier_stakes.insert(addr(101), up(100));
    // Stake 400,000: floor = 400,000 / 2 / 2 = 100,000 < the claim's 145,990 (+1 inflation).
    let input = BlockInput {
        claims: &claims,
        apps: apps(&[(1, 400_000)]),
        num_pending_sessions: 2,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(1),
        expiry,
    };
    let s = settle_block(&input).unwrap();
    assert_eq!(
        s.outcomes()[0],
        Outcome::Expired {
            failure: ProofFailure::Missing,
            penalty: up(1)
        }
    );
    assert!(s.ops().contains(&LedgerOp::Burn {
        from: Account::SupplierModule,
        amount: up(1),
        reason: Reason::ProofPenalty
    }));
    assert_eq!(s.supplier_stakes()[&addr(101)], up(99));
    assert!(s.events().contains(&Event::SupplierUnbondingStarted {
        supplier_operator: addr(101)
    }));
    // maxClaimable = 100,000; maxSettlement = ⌊100,000 / (1 + 10⁻⁶)⌋ = 99,999.
    assert_eq!(s.outcomes()[1], settled(145_990, 99_999));
    assert_eq!(s.burned(), up(99_999 + 1));
}

/// A token-metered claim (extension) holds any positive number of compute units: it settles for
/// its units' value where the same claim metered per relay is discarded as invalid.
#[test]
fn token_metered_claims_skip_the_per_relay_rule() {
    let params = TokenomicsParams::defaults().unwrap();
    let mut c = claim(1, 1, 10, 100, 42_000_000);
    c.num_compute_units = ComputeUnits::new(1_234); // not 10 × 100
    let settle = |c: &ClaimInput| {
        settle_block(&BlockInput {
            claims: std::slice::from_ref(c),
            apps: apps(&[(1, 1_000_000_000)]),
            num_pending_sessions: 1,
            params: &params,
            proposer: addr(7),
            application_min_stake: up(0),
            expiry: Default::default(),
        })
        .unwrap()
        .outcomes()[0]
    };
    assert_eq!(settle(&c), Outcome::Discarded(DiscardReason::InvalidClaim));
    c.metering = Metering::TokenMetered;
    // 1,234 compute units × 42 uPOKT.
    assert_eq!(settle(&c), settled(1_234 * 42, 1_234 * 42));
    c.num_compute_units = ComputeUnits::ZERO;
    assert_eq!(settle(&c), Outcome::Discarded(DiscardReason::InvalidClaim));
}

/// A claim worth more than u64::MAX uPOKT (a tiny target): poktroll computes it in 256 bits and
/// caps it at the application's budget like any overserviced claim (`GetClaimeduPOKT`, then
/// `ensureClaimAmountLimits` in x/tokenomics/keeper/token_logic_modules.go), where the claim was
/// discarded before. Simple params: mint ratio 1, no inflation.
#[test]
fn a_claim_above_u64_settles_capped_at_the_budget() {
    let params = simple_params(1.0);
    let mut c = claim(1, 1, 1_000, 1, 1_000_000);
    // Target 2^64: each compute unit is worth ⌊(2^256 − 1) / 2^64⌋ ≈ 2^192 uPOKT.
    let mut target = [0u8; 32];
    target[23] = 1;
    c.pricing.target_hash = TargetHash::from_bytes(target);
    let value = c.claimed_upokt().unwrap();
    assert!(value > Upokt::MAX);
    let claims = [c];
    let s = settle_block(&BlockInput {
        claims: &claims,
        apps: apps(&[(1, 1_000_000)]),
        num_pending_sessions: 4,
        params: &params,
        proposer: addr(7),
        application_min_stake: up(0),
        expiry: Default::default(),
    })
    .unwrap();
    // Floor = 1,000,000 / 4 pending sessions / 1 claimant = 250,000, the whole settlement.
    assert_eq!(
        s.outcomes(),
        [Outcome::Settled {
            claimed: value,
            settled: up(250_000)
        }]
    );
    assert_eq!(
        s.events()[0],
        Event::ApplicationOverserviced {
            application: addr(1),
            supplier_operator: addr(101),
            expected_burn: value,
            effective_burn: up(250_000)
        }
    );
    assert_eq!(s.burned(), up(250_000));
    assert_eq!(s.app_stakes()[&addr(1)], up(750_000));
    // Only beyond 256 bits is the value refused, as Go's math.Int panics there.
    let mut huge = claims[0].clone();
    let mut one = [0u8; 32];
    one[31] = 1;
    huge.pricing.target_hash = TargetHash::from_bytes(one);
    assert!(matches!(
        huge.claimed_upokt(),
        Err(ClaimedError::Overflow { .. })
    ));
}
