//! The per-block settlement pipeline, phase by phase, in poktroll's order
//! (x/tokenomics/keeper/settle_pending_claims.go, `SettlePendingClaims`):
//!
//! 1. [`budget`]: count each session's claimants, warm up and price every claim, and shape the
//!    budget of each (application, session) from the claims that will settle;
//! 2. per claim, in the chain's order: discard it if warm-up or pricing refused it; set it aside
//!    if its required proof failed; otherwise check its compute units, cap it and run the [`tlm`]
//!    token logic modules;
//! 3. the block's proposer shares, one batch per module;
//! 4. [`expiry`]: the penalties of the claims set aside, in their order.

mod budget;
mod expiry;
mod tlm;

use alloc::vec::Vec;

use pokt_primitives::{Address, Upokt};

use crate::input::{BlockInput, ProofFailure};
use crate::output::{
    BlockSettlement, DiscardReason, Event, LedgerOp, Outcome, Reason, SettleError,
};
use crate::params::validate_params;

use budget::Budgets;

/// How settlement treats the chain's edge cases. [TOK-MODE-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// Reproduce poktroll, quirks included.
    GoCompatible,
    /// Refuse a block that hits a quirk.
    Strict,
}

/// Settles one block's ripe claims as poktroll v0.1.35 does: budgets per (application, session),
/// overservicing caps, then RelayBurnEqualsMint, GlobalMint and GlobalMintReimbursementRequest per
/// claim; the proposer's shares batched per module; expired claims' suppliers penalised after
/// every settlement. Go's edge cases are reproduced: a claim discarded by a token logic module
/// after the application's stake was lowered (a mint that floors to zero, a supplier without
/// revenue shares, a stake that cannot pay the inflation) keeps the lowered stake and any proposer
/// share already queued ([`settle_block_strict`] refuses the block instead). Pure: returns the
/// ledger operations, outcomes and events. [TOK-SETTLE-1] [TOK-MODE-1]
///
/// # Errors
///
/// [`SettleError`] when the block cannot be settled: params poktroll's validation refuses (or
/// whose shares could pay more than they split), no pending sessions, an inconsistent
/// [`Expiry`](crate::Expiry), or an amount beyond the 256 bits poktroll computes in (where Go
/// panics).
pub fn settle_block(input: &BlockInput<'_>) -> Result<BlockSettlement, SettleError> {
    settle(input, Policy::GoCompatible)
}

/// Settles one block as [`settle_block`] does, but refuses the chain's edge cases instead of
/// reproducing them: a claim discarded after the application's stake was lowered fails the block
/// with [`SettleError::ZeroMint`] (1 uPOKT at mint ratio 0.975), [`SettleError::NoRevShares`] or
/// [`SettleError::ReimbursementExceedsStake`]. [TOK-MODE-1]
///
/// # Errors
///
/// As [`settle_block`], and those three.
pub fn settle_block_strict(input: &BlockInput<'_>) -> Result<BlockSettlement, SettleError> {
    settle(input, Policy::Strict)
}

/// The settlement under way: the output so far, the application stakes (in
/// [`BlockInput::apps`]' order, reached by the slot phase 1 found for each claim), the proposer's
/// shares of each module so far, and the suppliers already unbonding.
struct Block<'i, 'a> {
    input: &'i BlockInput<'a>,
    policy: Policy,
    out: BlockSettlement,
    app_stakes: Vec<(Address, Upokt)>,
    relay_proposer: u128,
    global_proposer: u128,
    unbonding_suppliers: Vec<Address>,
}

fn settle(input: &BlockInput<'_>, policy: Policy) -> Result<BlockSettlement, SettleError> {
    validate_params(input.params).map_err(SettleError::Params)?;
    if input.num_pending_sessions == 0 {
        return Err(SettleError::NoPendingSessions);
    }
    let failed = &input.expiry.failed_proofs;
    if let Some(&index) = failed
        .keys()
        .next_back()
        .filter(|i| **i >= input.claims.len())
    {
        return Err(SettleError::UnknownClaim { index });
    }
    // Phase 1: what each claim is worth, and each (application, session)'s budget.
    let budgets = Budgets::new(input)?;
    let mut block = Block {
        input,
        policy,
        out: BlockSettlement::new(input.expiry.supplier_stakes.clone(), input.claims.len()),
        app_stakes: input.apps.iter().map(|(a, acc)| (*a, acc.stake)).collect(),
        relay_proposer: 0,
        global_proposer: 0,
        unbonding_suppliers: Vec::new(),
    };
    // Phase 2: each claim in the chain's order (Go: settleClaim, ProcessTokenLogicModules).
    let mut expired: Vec<(usize, ProofFailure)> = Vec::new();
    for (index, claim) in input.claims.iter().enumerate() {
        let claimed = match budgets.value(index) {
            Ok(v) => v,
            Err(reason) => {
                block.out.outcomes.push(Outcome::Discarded(reason));
                continue;
            }
        };
        if let Some(&failure) = failed.get(&index) {
            if !input
                .expiry
                .supplier_stakes
                .contains_key(&claim.supplier_operator)
            {
                return Err(SettleError::MissingSupplierStake { index });
            }
            // Penalised in phase 4; the outcome's penalty is filled in there.
            block.out.outcomes.push(Outcome::Expired {
                failure,
                penalty: Upokt::ZERO,
            });
            expired.push((index, failure));
            continue;
        }
        if !claim.has_valid_compute_units() {
            block
                .out
                .outcomes
                .push(Outcome::Discarded(DiscardReason::InvalidClaim));
            continue;
        }
        let capped = budgets.cap(index, claimed, input.params)?;
        if let Some((expected_burn, effective_burn)) = capped.overserviced {
            block.out.events.push(Event::ApplicationOverserviced {
                application: claim.application,
                supplier_operator: claim.supplier_operator,
                expected_burn,
                effective_burn,
            });
        }
        block.settle_claim(index, budgets.app(index), claim, claimed, capped.settlement)?;
    }
    // Phase 3: the proposer's shares of the whole block (Go: FlushBatchedValidatorRewards), and
    // the settled claims' operations executed as aggregated totals (Go:
    // ExecutePendingSettledResults), which must convert to int64.
    block.pay_proposer();
    block.check_int64_totals()?;
    // Phase 4: penalties, after every settlement (Go: ExecutePendingExpiredResults).
    for (index, failure) in expired {
        block.expire(index, failure)?;
    }
    let Block {
        mut out,
        app_stakes,
        ..
    } = block;
    out.app_stakes = app_stakes.into_iter().collect();
    Ok(out.finish())
}

impl Block<'_, '_> {
    /// Refuses the block when the settled claims' relay mints, inflation mints or relay burns sum
    /// above `i64::MAX`, which poktroll's aggregated execution converts to `int64` and panics on.
    ///
    /// Go: x/tokenomics/keeper/settle_pending_claims.go, executeAggregatedMints and
    /// executeAggregatedBurns (telemetry of each aggregated amount). [TOK-AMOUNT-1]
    fn check_int64_totals(&self) -> Result<(), SettleError> {
        for which in [Reason::RelayMint, Reason::GlobalMint, Reason::RelayBurn] {
            let total = self.out.ops.iter().fold(0u128, |sum, op| match *op {
                LedgerOp::Mint { amount, reason, .. } | LedgerOp::Burn { amount, reason, .. }
                    if reason == which =>
                {
                    sum.saturating_add(u128::from(amount.get()))
                }
                _ => sum,
            });
            if total > u128::from(tlm::I64_MAX.get()) {
                return Err(SettleError::Int64Total { which });
            }
        }
        Ok(())
    }
}
