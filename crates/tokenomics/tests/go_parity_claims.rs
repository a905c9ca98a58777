//! Settlement against poktroll v0.1.35's x/tokenomics, one test per divergence class found
//! between them (classes 1–9: what happens to one claim; go_parity_block.rs has the rest). Each
//! test names the Go function whose behaviour it derives and writes out the arithmetic; the
//! scenario is built so that the old answer (said in the doc) differs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_tokenomics::*;

mod common;
use common::*;

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

/// Go: x/tokenomics/keeper/token_logic_modules.go, ProcessTokenLogicModules — the expected
/// compute units are `numRelays * computeUnitsPerRelay` in `uint64`, which wraps. Before: a
/// product above u64 made the claim invalid.
#[test]
fn the_compute_unit_check_wraps_as_uint64() {
    let params = simple_params(1.0);
    let mut c = claim(1, 1, 1 << 32, 1, 1);
    c.compute_units_per_relay = ComputeUnits::new((1 << 32) + 1);
    // 2^32 × (2^32 + 1) = 2^64 + 2^32 wraps to 2^32.
    c.num_compute_units = ComputeUnits::new(1 << 32);
    assert!(c.has_valid_compute_units());
    let claims = [c];
    let s = settle_block(&block(&claims, &params, apps(&[(1, 1_000_000)]), 1)).unwrap();
    // 2^32 compute units at 1 / 10^6 uPOKT each: ⌊4,294.967296⌋.
    assert_eq!(s.outcomes(), [settled(4_294, 4_294)]);
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
