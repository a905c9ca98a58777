//! Settlement against poktroll v0.1.35's x/tokenomics, one test per divergence class found
//! between them (classes 10–13: amounts, params and the block's order; go_parity_claims.rs has
//! classes 1–9). Each test names the Go function whose behaviour it derives and writes out the
//! arithmetic; the scenario is built so that the old answer (said in the doc) differs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use pokt_primitives::TargetHash;
use pokt_tokenomics::*;

mod common;
use common::*;

/// Class 10, inside the modules. Go: x/tokenomics/token_logic_module/tlm_relay_burn_equals_mint.go
/// (processTokenomicsMint) and tlm_global_mint.go
/// (CalculateGlobalPerClaimMintInflationFromSettlementAmount) multiply in `big.Rat`: exact
/// whatever the fractions' parts. Before: a u128 product overflow failed the block.
#[test]
fn class_10_mints_are_exact_where_u128_overflows() {
    let mut params = inflating();
    let e38 = 10u128.pow(38);
    params.mint_ratio = Fraction::new(e38 - 1, e38).unwrap();
    params.global_inflation_per_claim = Fraction::new(e38 / 10 + 1, e38).unwrap();
    let claims = [claim(1, 1, 1_000_000, 1_000_000, 1_000_000)];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 2_000_000_000_000)]), 1)).unwrap();
    // 10¹² settle; mint ⌊10¹² × (1 − 10⁻³⁸)⌋ = 10¹² − 1; inflation ⌈10¹² × (0.1 + 10⁻³⁸)⌉ = 10¹¹ + 1.
    assert_eq!(
        s.outcomes(),
        [settled(1_000_000_000_000, 1_000_000_000_000)]
    );
    assert_eq!(s.minted(), up(999_999_999_999 + 100_000_000_001));
    assert_eq!(
        transfers_from(s.ops(), Account::ApplicationModule),
        100_000_000_001
    );
}

/// Class 10, where Go converts to `int64` and panics above `i64::MAX`:
/// x/tokenomics/token_logic_module/tlm_global_mint.go (processInflationMint's telemetry of the
/// settlement), tlm_reimbursement_requests.go (Process tests the inflation mint for zero through
/// `Int64()`), keeper/settle_pending_claims.go (executeAggregatedMints / executeAggregatedBurns'
/// telemetry of each aggregated amount). Before: such blocks settled (or failed on u64 totals).
#[test]
fn class_10_int64_conversions_fail_the_block() {
    let two62 = 1u64 << 62;
    let mut params = simple_params(1.0);
    let settle = |p: &TokenomicsParams, value: u64| {
        let claims = [claim(1, 1, value, 1, 1_000_000)];
        settle_block(&block(&claims, p, apps(&[(1, u64::MAX)]), 1))
    };
    // Without inflation: one claim's burn (and mint) of i64::MAX settles, 2^63 does not.
    let max = i64::MAX.unsigned_abs();
    assert!(settle(&params, max).is_ok());
    assert_eq!(
        settle(&params, max + 1),
        Err(SettleError::Int64Total {
            which: Reason::RelayMint
        })
    );
    // With inflation, the claim's own settlement is converted too …
    params.global_inflation_per_claim = Fraction::new(1, 1_000_000).unwrap();
    assert_eq!(
        settle(&params, max + 1),
        Err(SettleError::Int64Amount { index: 0 })
    );
    // … and its inflation mint: 2^62 at an inflation of 3 mints 3 × 2^62.
    params.global_inflation_per_claim = Fraction::new(3, 1).unwrap();
    assert_eq!(
        settle(&params, two62),
        Err(SettleError::Int64Amount { index: 0 })
    );
    // Two claims of i64::MAX / 2 + 1 each: the block's burns sum past i64::MAX.
    params.global_inflation_per_claim = Fraction::ZERO;
    let half = max / 2 + 1;
    let mut second = claim(2, 1, half, 1, 1_000_000);
    second.supplier_operator = addr(120);
    let claims = [claim(1, 1, half, 1, 1_000_000), second];
    assert_eq!(
        settle_block(&block(
            &claims,
            &params,
            apps(&[(1, u64::MAX), (2, u64::MAX)]),
            1
        )),
        Err(SettleError::Int64Total {
            which: Reason::RelayMint
        })
    );
}

/// Class 10, the block's totals where Go completes: penalties are burned one by one
/// (keeper/settle_pending_claims.go, slashSupplierStake) and the proposer batch
/// (FlushBatchedValidatorRewards) also holds the shares of claims a later module discarded, so
/// the burned total, an account's receipts and a batch can exceed u64. Every operation moves a
/// u64 amount; a batch above it goes out in consecutive transfers; the totals are 256-bit.
/// Before: such a block was refused (`TotalsOverflow`).
#[test]
fn class_10_totals_above_u64() {
    // Four applications staking 2^63, two sessions each settling together (floor 2^63 each).
    // Inflation 1; both splits pay everything to the proposer; 1:1 pricing.
    let mut params = simple_params(1.0);
    params.global_inflation_per_claim = Fraction::ONE;
    params.mint_equals_burn_distribution = shares(0.0, 1.0, 0.0, 0.0, 0.0);
    params.mint_allocation = shares(0.0, 1.0, 0.0, 0.0, 0.0);
    let a = (1u64 << 61) - 1;
    let b = 1u64 << 62;
    let priced = |app: u8, session: u8, value: u64| {
        let mut c = claim(app, session, value, 1, 1);
        c.pricing.compute_unit_cost_granularity = 1;
        c.supplier_operator = addr(100 + 10 * app + session);
        c
    };
    let claims: Vec<ClaimInput> = (1..=4u8)
        .flat_map(|app| [priced(app, 1, a), priced(app, 2, b)])
        .collect();
    let stakes = apps(&[(1, 1 << 63), (2, 1 << 63), (3, 1 << 63), (4, 1 << 63)]);
    let s = settle_block(&block(&claims, &params, stakes, 1)).unwrap();
    // Each first claim costs 2a and settles; each second burns b from the 2^62 + 2 left and
    // cannot pay its b of inflation: discarded after queuing its proposer shares.
    let discarded = Outcome::Discarded(DiscardReason::InsufficientStakeForReimbursement);
    for (i, o) in s.outcomes().iter().enumerate() {
        assert_eq!(*o, if i % 2 == 0 { settled(a, a) } else { discarded });
    }
    // Each batch is 4a + 4b = 2^64 + 2^63 − 4: two transfers, u64::MAX and the rest.
    let batch = 4 * u128::from(a) + 4 * u128::from(b);
    let rest = Upokt::new(u64::try_from(batch - u128::from(u64::MAX)).unwrap());
    let proposer = |amount, reason| LedgerOp::Transfer {
        from: Account::TokenomicsModule,
        to: Account::Address(addr(7)),
        amount,
        reason,
    };
    let (relay, global) = (
        Reason::RelayMintShare(Actor::Proposer),
        Reason::GlobalMintShare(Actor::Proposer),
    );
    assert_eq!(
        s.ops()[s.ops().len() - 4..],
        [
            proposer(Upokt::MAX, relay),
            proposer(rest, relay),
            proposer(Upokt::MAX, global),
            proposer(rest, global),
        ]
    );
    assert_eq!(
        s.received_by(&Account::Address(addr(7)))
            .digits()
            .to_string(),
        (2 * batch).to_string()
    );
    assert_eq!(s.minted(), up(8 * a));

    // Penalties: two suppliers staking u64::MAX lose it all; 2 × u64::MAX burned.
    let claims = [claim(1, 1, 10, 1, 1_000_000), claim(1, 2, 10, 1, 1_000_000)];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = Expiry {
        failed_proofs: BTreeMap::from([(0, ProofFailure::Missing), (1, ProofFailure::Invalid)]),
        supplier_stakes: BTreeMap::from([(addr(101), Upokt::MAX), (addr(102), Upokt::MAX)]),
        proof_missing_penalty: Upokt::MAX,
        supplier_min_stake: up(0),
    };
    let s = settle_block(&input).unwrap();
    let max = ClaimedUpokt::from(Upokt::MAX);
    assert_eq!(s.burned(), max.checked_add(max).unwrap());
}

/// Class 10, a claim worth more than u64 inside the budget arithmetic. Go:
/// x/tokenomics/keeper/token_logic_modules.go, claimStakeTermsAmount (value + ⌈value ×
/// inflation⌉ in `math.Int`) and ensureClaimAmountLimits (`unused.Mul(claimExcess)
/// .Quo(totalExcess)`, then the cap in stake terms divided by 1 + inflation in `big.Rat`);
/// keeper/settlement_context.go, AccumulateClaimBudget (the excess summed in `math.Int`). The
/// claim is capped like any other and its overserviced event carries the 200-bit stake terms.
/// Before: a value above u64 was discarded and a stake-terms sum above u64 failed the block.
#[test]
fn class_10_a_claim_above_u64_takes_the_unused_budget_in_stake_terms() {
    let mut params = inflating();
    params.overservicing_bonus_multiplier = 2;
    // Target 2^56 at 1:1 pricing: one compute unit is worth ⌊(2^256 − 1) / 2^56⌋ = 2^200 − 1.
    let mut target = [0u8; 32];
    target[24] = 1;
    let mut huge = claim(1, 1, 1, 1, 1);
    huge.pricing.compute_unit_cost_granularity = 1;
    huge.pricing.target_hash = TargetHash::from_bytes(target);
    huge.supplier_operator = addr(120);
    let value = huge.claimed_upokt().unwrap();
    assert_eq!(
        value.digits().to_string(),
        "1606938044258990275541962092341162602522202993782792835301375"
    );
    let claims = [claim(1, 1, 200, 1, 1_000_000), huge];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 3_000)]), 1)).unwrap();
    // Floor 3,000 / 1 / 2 = 1,500. The small claim costs 200 + ⌈20⌉ = 220: 1,280 unused. The huge
    // one's stake terms are (2^200 − 1) + ⌈(2^200 − 1) / 10⌉, its excess those − 1,500 and the
    // only one, so its bonus is 1,280 × excess / excess = 1,280: it may take min(1,500 + 1,280,
    // 2 × 1,500) = 2,780 of stake, a settlement of ⌊2,780 / 1.1⌋ = 2,527 and ⌈252.7⌉ = 253 of
    // inflation — exactly the 3,000 − 220 the first claim left.
    assert_eq!(
        s.outcomes(),
        [
            settled(200, 200),
            Outcome::Settled {
                claimed: value,
                settled: up(2_527)
            }
        ]
    );
    let Event::ApplicationOverserviced {
        expected_burn,
        effective_burn,
        ..
    } = &s.events()[1]
    else {
        panic!("expected the overserviced event second: {:?}", s.events());
    };
    assert_eq!(
        expected_burn.digits().to_string(),
        "1767631848684889303096158301575278862774423293161072118831513"
    );
    assert_eq!(*effective_burn, up(2_780));
    assert_eq!(s.app_stakes()[&addr(1)], up(0));
    assert_eq!(
        transfers_from(s.ops(), Account::ApplicationModule),
        20 + 253
    );
}

/// Class 10, where Go's 256-bit integers panic (cosmossdk.io/math: `Add`, `Mul`,
/// `NewIntFromBigInt` beyond 256 bits; big.Rat division by zero): a claim's value
/// (x/proof/types/claim.go, GetClaimeduPOKT, priced for every claim in phase 1.5), its stake
/// terms (keeper/token_logic_modules.go, claimStakeTermsAmount, for claims that will settle) and
/// the overservicing bonus's `unused × excess` (ensureClaimAmountLimits, only when the multiplier
/// exceeds 1). The block cannot be settled. Before: such a claim was discarded, and the bonus
/// computed in 512 bits.
#[test]
fn class_10_amounts_beyond_256_bits_fail_the_block() {
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut max_value = claim(1, 1, 1, 1, 1); // 1 CU at target 1, 1:1: exactly 2^256 − 1
    max_value.pricing.compute_unit_cost_granularity = 1;
    max_value.pricing.target_hash = TargetHash::from_bytes(one);
    let claims = [max_value.clone()];
    let params = inflating();
    let input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    assert_eq!(
        settle_block(&input),
        Err(SettleError::AmountOverflow { index: 0 })
    );
    // Expiring, its stake terms are never computed.
    let mut expired = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    expired.expiry = expiring(0, &[(addr(101), 10)]);
    assert!(settle_block(&expired).is_ok());

    let mut beyond = max_value.clone();
    beyond.num_compute_units = ComputeUnits::new(2);
    beyond.num_relays = 2;
    let claims = [beyond];
    assert_eq!(
        settle_block(&block(&claims, &params, apps(&[(1, 1_000)]), 1)),
        Err(SettleError::ClaimValue {
            index: 0,
            error: ClaimedError::Overflow { bits: 257 }
        })
    );

    // Bonus: floor 1,000 / 1 / 2 = 500; the zero-unit claim leaves 500 unused; the other's excess
    // is 2^256 − 501, and 500 × that needs 265 bits.
    let mut params = simple_params(1.0);
    let mut idle = claim(1, 1, 0, 1, 1_000_000);
    idle.supplier_operator = addr(120);
    let claims = [max_value, idle];
    params.overservicing_bonus_multiplier = 2;
    assert_eq!(
        settle_block(&block(&claims, &params, apps(&[(1, 1_000)]), 1)),
        Err(SettleError::AmountOverflow { index: 0 })
    );
    params.overservicing_bonus_multiplier = 1;
    let s = settle_block(&block(&claims, &params, apps(&[(1, 1_000)]), 1)).unwrap();
    assert_eq!(
        s.outcomes()[1],
        Outcome::Discarded(DiscardReason::InvalidClaim)
    );
    assert!(matches!(s.outcomes()[0], Outcome::Settled { settled, .. } if settled == up(500)));
}

/// Class 11. Go: x/tokenomics/types/params.go, ValidateMintEqualsBurnClaimDistribution and
/// ValidateMintAllocationSum — shares are summed in rounded basis points, so paid shares summing
/// to 1.00004 pass; tlm_relay_burn_equals_mint.go and tlm_global_mint.go then compute a negative
/// DAO remainder for a large enough mint and `NewCoin` panics. Refused here, with Go's own
/// validation. Before: the DAO's payment was dropped and more than the mint paid out.
#[test]
fn class_11_shares_that_could_pay_more_than_minted_are_refused() {
    let claims = [claim(1, 1, 100_000, 1, 1_000_000)];
    let mut params = simple_params(1.0);
    params.mint_equals_burn_distribution = shares(0.0, 0.0, 0.9, 0.1, 0.00004);
    let settle =
        |p: &TokenomicsParams| settle_block(&block(&claims, p, apps(&[(1, 1_000_000)]), 1));
    assert_eq!(
        settle(&params),
        Err(SettleError::Params(ParamsError::SharesAboveOne {
            shares: SharesParam::MintEqualsBurnDistribution
        }))
    );
    params.mint_equals_burn_distribution = shares(0.1, 0.0, 0.8, 0.1, 0.0);
    params.mint_ratio = Fraction::ZERO;
    assert!(matches!(
        settle(&params),
        Err(SettleError::Params(ParamsError::MintRatio { .. }))
    ));
    params.mint_ratio = Fraction::ONE;
    params.mint_allocation = shares(0.1, 0.0, 0.8, 0.0, 0.0);
    assert_eq!(
        settle(&params),
        Err(SettleError::Params(ParamsError::SharesSum {
            shares: SharesParam::MintAllocation,
            basis_points: 9_000
        }))
    );
}

/// Class 12. Go: x/tokenomics/token_logic_module/tlm_relay_burn_equals_mint.go,
/// processRewardDistribution — the supplier's, source owner's, DAO's and then the application's
/// transfers are queued in that order (the proposer's share goes to the block's batch). Before:
/// the DAO's remainder came last.
#[test]
fn class_12_the_dao_share_is_queued_before_the_application_share() {
    let mut params = simple_params(1.0);
    params.mint_equals_burn_distribution = shares(0.1, 0.05, 0.7, 0.1, 0.05);
    let claims = [claim(1, 1, 1_000, 1, 1_000_000)];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 10_000)]), 1)).unwrap();
    let paid: Vec<(Reason, u64)> = s
        .ops()
        .iter()
        .filter_map(|o| match o {
            LedgerOp::Transfer { amount, reason, .. } => Some((*reason, amount.get())),
            _ => None,
        })
        .collect();
    let share = Reason::RelayMintShare;
    assert_eq!(
        paid,
        [
            (share(Actor::Supplier), 700),
            (share(Actor::SourceOwner), 100),
            (share(Actor::Dao), 100),
            (share(Actor::Application), 50),
            (share(Actor::Proposer), 50),
        ]
    );
}

/// Class 13. Go: x/tokenomics/keeper/settle_pending_claims.go, SettlePendingClaims —
/// ExecutePendingExpiredResults (slashSupplierStake, with its unbonding event) runs after every
/// settled claim's operations and the proposer batch are executed. Before: the penalty came at
/// the expired claim's position.
#[test]
fn class_13_penalties_come_after_every_settlement() {
    let params = simple_params(1.0);
    let mut paid = claim(1, 2, 100, 1, 1_000_000);
    paid.supplier_operator = addr(120);
    let claims = [claim(1, 1, 100, 1, 1_000_000), paid];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = expiring(0, &[(addr(101), 5)]);
    let s = settle_block(&input).unwrap();
    assert_eq!(
        s.outcomes()[0],
        Outcome::Expired {
            failure: ProofFailure::Missing,
            penalty: up(1)
        }
    );
    assert_eq!(
        s.ops().last(),
        Some(&LedgerOp::Burn {
            from: Account::SupplierModule,
            amount: up(1),
            reason: Reason::ProofPenalty
        })
    );
    assert_eq!(s.ops()[0].amount(), up(100)); // the settled claim's burn comes first
    assert_eq!(
        s.events(),
        [Event::SupplierUnbondingStarted {
            supplier_operator: addr(101)
        }]
    );
}

/// Go: x/tokenomics/keeper/settle_pending_claims.go, FlushBatchedValidatorRewards — the
/// proposer's shares of all claims are paid once per module, burn-equals-mint first, after the
/// claims' operations and before the penalties.
#[test]
fn proposer_shares_are_paid_once_per_module() {
    let params = inflating();
    let mut second = claim(2, 1, 2_000, 1, 1_000_000);
    second.supplier_operator = addr(120);
    let claims = [claim(1, 1, 1_000, 1, 1_000_000), second];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 5_000), (2, 5_000)]), 1)).unwrap();
    let n = s.ops().len();
    let proposer = |amount: u64, reason: Reason| LedgerOp::Transfer {
        from: Account::TokenomicsModule,
        to: Account::Address(addr(7)),
        amount: up(amount),
        reason,
    };
    // ⌊50⌋ + ⌊100⌋ of the mints, ⌊5⌋ + ⌊10⌋ of the inflation.
    assert_eq!(
        s.ops()[n - 2..],
        [
            proposer(150, Reason::RelayMintShare(Actor::Proposer)),
            proposer(15, Reason::GlobalMintShare(Actor::Proposer))
        ]
    );
    assert_eq!(to(s.ops(), addr(7)), 165);
}

/// An expiry that names a claim the block does not hold, or a supplier whose stake it does not
/// give, is an input error (Go cannot be given either: it reads both from its own state).
#[test]
fn inconsistent_expiry_is_refused() {
    let params = simple_params(1.0);
    let claims = [claim(1, 1, 100, 1, 1_000_000)];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = expiring(1, &[(addr(101), 10)]);
    assert_eq!(
        settle_block(&input),
        Err(SettleError::UnknownClaim { index: 1 })
    );
    input.expiry = expiring(0, &[]);
    assert_eq!(
        settle_block(&input),
        Err(SettleError::MissingSupplierStake { index: 0 })
    );
}
