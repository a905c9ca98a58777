//! The per-block settlement pipeline, phase by phase:
//!
//! 1. [`budget`]: price every claim and shape the budget of each (application, session);
//! 2. per claim, in the chain's order: [`expiry`] for a claim whose required proof failed,
//!    otherwise the budget's cap and the [`tlm`] token logic modules;
//! 3. [`application_unbonding`]: applications whose stake fell below the minimum.

mod budget;
mod expiry;
mod tlm;

use alloc::vec::Vec;

use pokt_primitives::{Address, Upokt};

use crate::input::BlockInput;
use crate::output::{BlockSettlement, Event, Outcome, SettleError};

use budget::Budgets;

/// How settlement treats the chain's edge cases. [TOK-MODE-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// Reproduce poktroll, quirks included.
    GoCompatible,
    /// Refuse a block that hits a quirk.
    Strict,
}

/// Settles one block's ripe claims as poktroll v0.1.35 does (protocol.md §6.2–§6.6): budgets per
/// (application, session), overservicing caps, then RelayBurnEqualsMint, GlobalMint and
/// GlobalMintReimbursementRequest per claim; expired claims' suppliers are penalised. Go's edge
/// cases are reproduced: a settlement whose mint floors to zero is discarded after the
/// application's stake was already lowered ([`settle_block_strict`] refuses it instead). Pure:
/// returns the ledger operations, outcomes and events. [TOK-SETTLE-1] [TOK-MODE-1]
///
/// # Errors
///
/// [`SettleError`] when the block cannot be settled: no pending sessions, or an amount out of
/// the range poktroll computes in.
pub fn settle_block(input: &BlockInput<'_>) -> Result<BlockSettlement, SettleError> {
    settle(input, Policy::GoCompatible)
}

/// Settles one block as [`settle_block`] does, but refuses the chain's edge cases instead of
/// reproducing them: a claim whose mint floors to zero (1 uPOKT at mint ratio 0.975) fails the
/// block with [`SettleError::ZeroMint`]. [TOK-MODE-1]
///
/// # Errors
///
/// As [`settle_block`], and [`SettleError::ZeroMint`].
pub fn settle_block_strict(input: &BlockInput<'_>) -> Result<BlockSettlement, SettleError> {
    settle(input, Policy::Strict)
}

/// The settlement under way: the output so far, the application stakes (in
/// [`BlockInput::apps`]' order, reached by the slot phase 1 found for each claim) and the
/// suppliers already unbonding.
struct Block<'i, 'a> {
    input: &'i BlockInput<'a>,
    policy: Policy,
    out: BlockSettlement,
    app_stakes: Vec<(Address, Upokt)>,
    unbonding_suppliers: Vec<Address>,
}

fn settle(input: &BlockInput<'_>, policy: Policy) -> Result<BlockSettlement, SettleError> {
    if input.num_pending_sessions == 0 {
        return Err(SettleError::NoPendingSessions);
    }
    // Phase 1: what each claim is worth, and each (application, session)'s budget.
    let budgets = Budgets::new(input)?;
    let mut block = Block {
        input,
        policy,
        out: BlockSettlement::new(input.expiry.supplier_stakes.clone(), input.claims.len()),
        app_stakes: input.apps.iter().map(|(a, acc)| (*a, acc.stake)).collect(),
        unbonding_suppliers: Vec::new(),
    };
    // Phase 2: each claim in the chain's order.
    for (index, claim) in input.claims.iter().enumerate() {
        if let Some(failure) = input.expiry.failed_proofs.get(&index) {
            block.expire(claim, *failure);
            continue;
        }
        let claimed = match budgets.value(index) {
            Ok(v) => v,
            Err(reason) => {
                block.out.outcomes.push(Outcome::Discarded(reason));
                continue;
            }
        };
        let capped = budgets.cap(index, claimed, input.params)?;
        if capped.overserviced {
            block.out.events.push(Event::ApplicationOverserviced {
                application: claim.application,
                supplier_operator: claim.supplier_operator,
                expected_burn: claimed,
                effective_burn: capped.settlement,
            });
        }
        block.settle_claim(index, budgets.app(index), claim, claimed, capped.settlement)?;
    }
    // Phase 3: applications whose stake fell below the minimum.
    block.application_unbonding();
    let Block {
        mut out,
        app_stakes,
        ..
    } = block;
    out.app_stakes = app_stakes.into_iter().collect();
    out.finish()
}

impl Block<'_, '_> {
    /// Emits `ApplicationUnbondingStarted` for every application whose stake changed and is now
    /// below the application module's minimum, in address order.
    fn application_unbonding(&mut self) {
        for ((app, stake), before) in self.app_stakes.iter().zip(self.input.apps.values()) {
            if *stake < self.input.application_min_stake && before.stake != *stake {
                self.out
                    .events
                    .push(Event::ApplicationUnbondingStarted { application: *app });
            }
        }
    }
}
