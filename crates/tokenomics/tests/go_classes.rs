//! Settlement against poktroll v0.1.35's x/tokenomics, one test per divergence class found
//! between them. Each test names the Go function whose behaviour it derives and writes out the
//! arithmetic; the scenario is built so that the old answer (said in the doc) differs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use pokt_primitives::{Address, TargetHash};
use pokt_tokenomics::*;

mod common;
use common::*;

fn block<'a>(
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
fn inflating() -> TokenomicsParams {
    let mut p = TokenomicsParams::defaults().unwrap();
    p.dao_reward_address = addr(99);
    p
}

fn shares(dao: f64, proposer: f64, supplier: f64, source_owner: f64, app: f64) -> Shares {
    Shares::from_f64(dao, proposer, supplier, source_owner, app).unwrap()
}

fn expiring(index: usize, suppliers: &[(Address, u64)]) -> Expiry {
    Expiry {
        failed_proofs: BTreeMap::from([(index, ProofFailure::Missing)]),
        supplier_stakes: suppliers.iter().map(|(a, s)| (*a, up(*s))).collect(),
        proof_missing_penalty: up(1),
        supplier_min_stake: up(5),
    }
}

fn transfers_from(ops: &[LedgerOp], from: Account) -> u64 {
    ops.iter()
        .map(|o| match o {
            LedgerOp::Transfer {
                from: f, amount, ..
            } if *f == from => amount.get(),
            _ => 0,
        })
        .sum()
}

fn burns_from(ops: &[LedgerOp], from: Account) -> u64 {
    ops.iter()
        .map(|o| match o {
            LedgerOp::Burn {
                from: f, amount, ..
            } if *f == from => amount.get(),
            _ => 0,
        })
        .sum()
}

/// Class 1. Go: x/tokenomics/token_logic_module/tlm_reimbursement_requests.go,
/// (tlmGlobalMintReimbursementRequest).Process — `SafeSub` of the inflation from the application's
/// stake fails, the module errors and SettlePendingClaims discards the claim
/// (keeper/settle_pending_claims.go, settleClaim → discardFaultyClaim); the relay burn already
/// lowered the cached stake, and both modules' proposer shares stay in the block's accumulator
/// (token_logic_module/types.go, accumulateValidatorReward). Before: the stake was clamped at 0 and
/// the full reimbursement still left the application module (other applications' escrow).
#[test]
fn class_01_a_reimbursement_beyond_the_stake_discards_the_claim() {
    let params = inflating();
    // One application, two sessions settling together, one pending session: each session's
    // floor is the whole stake of 2,000.
    let claims = [
        claim(1, 1, 1_000, 1, 1_000_000),
        claim(1, 2, 850, 1, 1_000_000),
    ];
    let input = block(&claims, &params, apps(&[(1, 2_000)]), 1);
    let s = settle_block(&input).unwrap();
    // Claim 0: 1,000 + ⌈100⌉ = 1,100 ≤ 2,000 settles; the stake falls to 900. Claim 1: 850 + 85
    // fits its floor; the burn leaves 50, which cannot pay the 85 of inflation.
    assert_eq!(
        s.outcomes(),
        [
            settled(1_000, 1_000),
            Outcome::Discarded(DiscardReason::InsufficientStakeForReimbursement)
        ]
    );
    assert_eq!(s.app_stakes()[&addr(1)], up(50));
    // Only claim 0 moves the application module's tokens: its burn and its 100 to the DAO.
    assert_eq!(burns_from(s.ops(), Account::ApplicationModule), 1_000);
    assert_eq!(transfers_from(s.ops(), Account::ApplicationModule), 100);
    // The proposer is paid claim 0's ⌊50⌋ + ⌊5⌋ and claim 1's ⌊42.5⌋ + ⌊4.25⌋ queued before its
    // failure: 92 and 9, against 1,100 minted — 46 more than minted leave the tokenomics module.
    assert_eq!(to(s.ops(), addr(7)), 92 + 9);
    assert_eq!(s.minted(), up(1_100));
    assert_eq!(
        transfers_from(s.ops(), Account::TokenomicsModule),
        1_100 + 46
    );
    assert_eq!(
        settle_block_strict(&input),
        Err(SettleError::ReimbursementExceedsStake { index: 1 })
    );
}

/// Class 2. Go: x/tokenomics/keeper/settlement_context.go, getOrInitSessionBudget — the
/// per-session spend limit applies only when positive. Before: a limit of 0 was a zero budget.
#[test]
fn class_02_a_zero_spend_limit_is_no_limit() {
    let params = simple_params(1.0);
    let claims = [claim(1, 1, 400, 1, 1_000_000)];
    let with_limit = |limit: u64| {
        let mut apps = apps(&[(1, 1_000)]);
        apps.get_mut(&addr(1)).unwrap().per_session_spend_limit = Some(up(limit));
        settle_block(&block(&claims, &params, apps, 1)).unwrap()
    };
    // Floor 1,000 / 1 / 1: the 400 settle in full.
    assert_eq!(with_limit(0).outcomes(), [settled(400, 400)]);
    // A limit of 100 caps the floor at min(100, 1,000) / 1.
    let limited = with_limit(100);
    assert_eq!(limited.outcomes(), [settled(400, 100)]);
    assert_eq!(limited.events().len(), 1);
}

/// Class 3. Go: x/tokenomics/keeper/token_logic_modules.go, ProcessTokenLogicModules — after the
/// modules of each settled claim, an application below the minimum stake starts unbonding (an
/// event per claim); a claim a module refused never gets there. Before: one event per
/// application at the end of the block, sorted, zero-mint claims included.
#[test]
fn class_03_application_unbonding_follows_each_settled_claim() {
    let mut params = inflating();
    params.mint_ratio = Fraction::from_f64_shortest(0.975).unwrap();
    let claims = [
        claim(1, 1, 1_000, 1, 1_000_000),
        claim(1, 2, 1, 1, 1_000_000),
        claim(1, 3, 500, 1, 1_000_000),
    ];
    let mut input = block(&claims, &params, apps(&[(1, 10_000)]), 1);
    input.application_min_stake = up(20_000);
    let s = settle_block(&input).unwrap();
    // 1,000 settles (stake 10,000 − 1,000 − 100); 1 uPOKT mints ⌊0.975⌋ = 0 and is discarded
    // after its burn; 500 settles (⌈50⌉ of inflation): 8,900 − 1 − 500 − 50 = 8,349.
    assert_eq!(
        s.outcomes(),
        [
            settled(1_000, 1_000),
            Outcome::Discarded(DiscardReason::ZeroMint),
            settled(500, 500)
        ]
    );
    assert_eq!(s.app_stakes()[&addr(1)], up(8_349));
    let reimbursed = |amount| Event::ApplicationReimbursementRequest {
        application: addr(1),
        amount: up(amount),
    };
    let unbonding = Event::ApplicationUnbondingStarted {
        application: addr(1),
    };
    assert_eq!(
        s.events(),
        [
            reimbursed(100),
            unbonding.clone(),
            reimbursed(50),
            unbonding
        ]
    );
}

/// Class 4. Go: x/tokenomics/keeper/settlement_context.go, AccumulateClaimBudget — every claim
/// that will settle is priced into its session's unused/excess sums before the compute-unit
/// checks of ProcessTokenLogicModules run. Before: claims failing those checks were left out,
/// which matters once the overservicing multiplier exceeds 1.
#[test]
fn class_04_claims_failing_the_compute_unit_check_still_shape_the_budget() {
    let mut params = simple_params(1.0);
    params.overservicing_bonus_multiplier = 2;
    let a = claim(1, 1, 1_500, 1, 1_000_000);
    let mut b = claim(1, 1, 10, 10, 1_000_000);
    b.supplier_operator = addr(121);
    b.num_compute_units = ComputeUnits::new(200); // not 10 × 10: worth 200
    let mut c = claim(1, 1, 1_000, 1, 1_000_000);
    c.supplier_operator = addr(122);
    let claims = [a, b, c];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 3_000)]), 1)).unwrap();
    // Floor 3,000 / 1 / 3 = 1,000. Unused: 1,000 − 200 = 800 (claim b); excess: 500 (claim a).
    // Claim a may take 1,000 + 800 × 500 / 500 = 1,800 ≤ 2 × 1,000: its 1,500 settle in full.
    assert_eq!(
        s.outcomes(),
        [
            settled(1_500, 1_500),
            Outcome::Discarded(DiscardReason::InvalidClaim),
            settled(1_000, 1_000)
        ]
    );
    assert!(s.events().is_empty());
}

/// Class 5. Go: x/tokenomics/keeper/token_logic_modules.go, ensureClaimAmountLimits —
/// `ExpectedBurn` is the claim in stake terms (claim + ⌈claim × inflation⌉), `EffectiveBurn` the
/// capped stake terms. Before: the claimed and settled amounts.
#[test]
fn class_05_overserviced_events_report_stake_terms() {
    let params = inflating();
    let claims = [claim(1, 1, 1_000, 1, 1_000_000)];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 1_000)]), 2)).unwrap();
    // Floor 1,000 / 2 = 500 < 1,000 + 100: settlement ⌊500 / 1.1⌋ = 454, inflation ⌈45.4⌉ = 46.
    assert_eq!(s.outcomes(), [settled(1_000, 454)]);
    assert_eq!(
        s.events()[0],
        Event::ApplicationOverserviced {
            application: addr(1),
            supplier_operator: addr(101),
            expected_burn: ClaimedUpokt::from(up(1_100)),
            effective_burn: up(500),
        }
    );
    assert_eq!(s.app_stakes()[&addr(1)], up(1_000 - 454 - 46));
}

/// Class 6. Go: x/tokenomics/keeper/settlement_context.go, cacheServiceAndDifficulty — a zero
/// compute_units_per_relay fails ClaimCacheWarmUp, which settleClaim runs before looking at the
/// proof, so the claim is discarded (keeper/settle_pending_claims.go, discardFaultyClaim), not
/// expired; phase 1 still counted it as a claimant. Before: it expired and its supplier was
/// slashed.
#[test]
fn class_06_zero_compute_units_per_relay_fails_warm_up() {
    let params = simple_params(1.0);
    let mut broken = claim(1, 1, 100, 0, 1_000_000);
    broken.num_compute_units = ComputeUnits::new(100);
    let mut other = claim(1, 1, 600, 1, 1_000_000);
    other.supplier_operator = addr(120);
    let claims = [broken, other];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = expiring(0, &[(addr(101), 10)]);
    let s = settle_block(&input).unwrap();
    // Two claimants: the other claim's floor is 1,000 / 1 / 2 = 500.
    assert_eq!(
        s.outcomes(),
        [
            Outcome::Discarded(DiscardReason::ZeroComputeUnitsPerRelay),
            settled(600, 500)
        ]
    );
    assert_eq!(burns_from(s.ops(), Account::SupplierModule), 0);
    assert_eq!(s.supplier_stakes()[&addr(101)], up(10));
}

/// The token-metered extension (no Go verdict): a metered service with zero compute units per
/// relay is discarded like any other service record with that zero — the extension changes only
/// the rule a claim's compute units follow, not what a valid service is (spec/tokenomics.md
/// [TOK-SETTLE-1]).
#[test]
fn token_metered_claims_need_compute_units_per_relay() {
    let params = simple_params(1.0);
    let mut metered = claim(1, 1, 10, 0, 1_000_000);
    metered.metering = Metering::TokenMetered;
    metered.num_compute_units = ComputeUnits::new(1_234);
    let claims = [metered];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 1_000_000)]), 1)).unwrap();
    assert_eq!(
        s.outcomes(),
        [Outcome::Discarded(DiscardReason::ZeroComputeUnitsPerRelay)]
    );
}

/// Class 7. Go: x/tokenomics/keeper/settlement_context.go, cacheApplication — an application that
/// is not staked fails ClaimCacheWarmUp: the claim is discarded, expiring or not. Before: it
/// settled at 0 with an overserviced event (or expired and slashed).
#[test]
fn class_07_an_unknown_application_fails_warm_up() {
    let params = simple_params(1.0);
    let mut second = claim(9, 1, 100, 1, 1_000_000);
    second.supplier_operator = addr(120);
    let claims = [claim(9, 1, 100, 1, 1_000_000), second];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = expiring(1, &[(addr(120), 10)]);
    let s = settle_block(&input).unwrap();
    let unknown = Outcome::Discarded(DiscardReason::UnknownApplication);
    assert_eq!(s.outcomes(), [unknown, unknown]);
    assert!(s.ops().is_empty() && s.events().is_empty());
}

/// Class 8. Go: x/tokenomics/token_logic_module/distribution_supplier.go,
/// distributeSupplierRewardsToShareholders — a supplier with a share to receive and no revenue
/// shares for the service (an empty list reads back from state as none) is an error, not the
/// owner fallback: the claim is discarded after RelayBurnEqualsMint lowered the stake. Before: the
/// owner was paid through the fallback.
#[test]
fn class_08_no_revenue_shares_discards_the_claim() {
    let params = simple_params(1.0);
    let mut c = claim(1, 1, 100, 1, 1_000_000);
    c.rev_shares.clear();
    let claims = [c];
    let input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    let s = settle_block(&input).unwrap();
    assert_eq!(
        s.outcomes(),
        [Outcome::Discarded(DiscardReason::NoRevShares)]
    );
    assert!(s.ops().is_empty());
    assert_eq!(s.app_stakes()[&addr(1)], up(900));
    assert_eq!(
        settle_block_strict(&input),
        Err(SettleError::NoRevShares { index: 0 })
    );

    // With no supplier share in the burn-equals-mint split, RelayBurnEqualsMint completes (its
    // proposer half queued) and GlobalMint stops on the supplier's 70 % of ⌈100⌉.
    let mut params = inflating();
    params.mint_equals_burn_distribution = shares(0.3, 0.5, 0.0, 0.2, 0.0);
    let mut c = claim(1, 1, 1_000, 1, 1_000_000);
    c.rev_shares.clear();
    let claims = [c];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 10_000)]), 1)).unwrap();
    assert_eq!(
        s.outcomes(),
        [Outcome::Discarded(DiscardReason::NoRevShares)]
    );
    assert_eq!(
        s.ops(),
        [LedgerOp::Transfer {
            from: Account::TokenomicsModule,
            to: Account::Address(addr(7)),
            amount: up(500),
            reason: Reason::RelayMintShare(Actor::Proposer),
        }]
    );
    assert_eq!(s.app_stakes()[&addr(1)], up(9_000));
}

/// Class 9. Go: x/proof/types/claim.go, GetClaimeduPOKT — `SetFrac64(int64(multiplier),
/// int64(granularity))` turns a param of 2⁶³ or more negative and the negative amount is an
/// error; settleClaim prices the claim before the proof check
/// (keeper/settle_pending_claims.go), so it is discarded even when its proof failed. Before: the
/// claim was priced with the u64 params.
#[test]
fn class_09_pricing_params_read_as_int64() {
    let params = simple_params(1.0);
    let mut negative = claim(1, 1, 100, 1, 1 << 63);
    negative.pricing.compute_unit_cost_granularity = 1 << 60;
    let mut other = claim(1, 1, 600, 1, 1_000_000);
    other.supplier_operator = addr(120);
    let claims = [negative, other];
    let mut input = block(&claims, &params, apps(&[(1, 1_000)]), 1);
    input.expiry = expiring(0, &[(addr(101), 10)]);
    let s = settle_block(&input).unwrap();
    assert_eq!(
        s.outcomes(),
        [
            Outcome::Discarded(DiscardReason::Value(ClaimedError::NegativeAmount)),
            settled(600, 500)
        ]
    );
    assert_eq!(s.supplier_stakes()[&addr(101)], up(10));
}

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

/// Class 10, the block's totals: poktroll sums amounts in `math.Int` (the aggregation in
/// keeper/settle_pending_claims_aggregation.go, the proposer batch of
/// FlushBatchedValidatorRewards). Every operation here moves a u64 amount (each settlement is at
/// most its application's stake); the totals are 256-bit and a batch above u64 goes out in
/// consecutive transfers. Before: the block was refused (`TotalsOverflow`).
#[test]
fn class_10_totals_above_u64() {
    let mut params = simple_params(1.0);
    params.mint_equals_burn_distribution = shares(0.0, 1.0, 0.0, 0.0, 0.0);
    let mut target = [0u8; 32];
    target[23] = 1; // 2^64: a claim worth about 2^192
    let claims: Vec<ClaimInput> = [1u8, 2]
        .iter()
        .map(|a| {
            let mut c = claim(*a, 1, 1_000, 1, 1_000_000);
            c.pricing.target_hash = TargetHash::from_bytes(target);
            c
        })
        .collect();
    let apps = apps(&[(1, u64::MAX), (2, u64::MAX)]);
    let s = settle_block(&block(&claims, &params, apps, 1)).unwrap();
    // Each settles capped at its floor u64::MAX, mints it, and the proposer takes it all.
    let max = ClaimedUpokt::from(Upokt::MAX);
    let twice = max.checked_add(max).unwrap();
    assert_eq!(s.burned(), twice);
    assert_eq!(s.minted(), twice);
    assert_eq!(s.minted().digits().to_string(), "36893488147419103230");
    assert_eq!(s.received_by(&Account::Address(addr(7))), twice);
    let proposer: Vec<_> = s
        .ops()
        .iter()
        .filter(|o| o.amount() == Upokt::MAX)
        .collect();
    assert_eq!(proposer.len(), 6); // two burns, two mints, two proposer transfers
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
