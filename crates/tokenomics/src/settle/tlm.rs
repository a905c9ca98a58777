//! The token logic modules of one settled claim, in the chain's order: RelayBurnEqualsMint,
//! GlobalMint and GlobalMintReimbursementRequest; then the block's batched proposer shares.
//! [TOK-TLM-1]

use pokt_primitives::{Address, Shares, Upokt};

use crate::claimed::ClaimedUpokt;
use crate::input::ClaimInput;
use crate::output::{Account, Actor, DiscardReason, Event, LedgerOp, Outcome, Reason, SettleError};
use crate::shares::{GLOBAL_ORDER, RELAY_ORDER, rev_share_split, split_by_shares};
use crate::wide;

use super::{Block, Policy};

/// The largest amount poktroll's `math.Int.Int64` converts without panicking.
pub(super) const I64_MAX: Upokt = Upokt::new(i64::MAX.unsigned_abs());

/// Why a claim's token logic modules stopped.
enum Stop {
    /// The claim is discarded; what the modules already did to the application's stake and the
    /// proposer's shares stays, as in Go.
    Discard(DiscardReason),
    /// The block cannot be settled.
    Fail(SettleError),
}

/// The two minting modules, which split their mint the same way.
#[derive(Clone, Copy)]
enum Module {
    RelayBurnEqualsMint,
    GlobalMint,
}

impl Block<'_, '_> {
    /// Settles claim `index` for `settlement` (already capped): the three modules in order, then
    /// the application's unbonding if its stake fell below the minimum (`app`: the claim's slot
    /// in the block's stakes). A claim a module refuses is discarded with the operations it
    /// queued; the events already emitted stay, as in Go.
    ///
    /// Go: x/tokenomics/keeper/token_logic_modules.go, ProcessTokenLogicModules.
    pub(super) fn settle_claim(
        &mut self,
        index: usize,
        app: Option<usize>,
        claim: &ClaimInput,
        claimed: ClaimedUpokt,
        settlement: Upokt,
    ) -> Result<(), SettleError> {
        // A zero settlement runs no module and starts no unbonding.
        if settlement == Upokt::ZERO {
            self.out.outcomes.push(Outcome::Settled {
                claimed,
                settled: settlement,
            });
            return Ok(());
        }
        let Some(slot) = app else {
            // Phase 1 discarded claims of unknown applications already.
            return Err(SettleError::AmountOverflow { index });
        };
        let start = self.out.ops.len();
        match self.run_modules(index, slot, claim, settlement) {
            Ok(stake) => {
                self.out.outcomes.push(Outcome::Settled {
                    claimed,
                    settled: settlement,
                });
                if stake < self.input.application_min_stake {
                    self.out.events.push(Event::ApplicationUnbondingStarted {
                        application: claim.application,
                    });
                }
                Ok(())
            }
            Err(Stop::Discard(reason)) => {
                self.out.ops.truncate(start);
                self.out.outcomes.push(Outcome::Discarded(reason));
                Ok(())
            }
            Err(Stop::Fail(e)) => Err(e),
        }
    }

    /// A claim refused after the chain changed state for it: discarded as in Go, or the block
    /// refused in strict mode.
    fn quirk(&self, index: usize, reason: DiscardReason) -> Stop {
        match (self.policy, reason) {
            (Policy::Strict, DiscardReason::ZeroMint) => {
                Stop::Fail(SettleError::ZeroMint { index })
            }
            (Policy::Strict, DiscardReason::NoRevShares) => {
                Stop::Fail(SettleError::NoRevShares { index })
            }
            (Policy::Strict, DiscardReason::InsufficientStakeForReimbursement) => {
                Stop::Fail(SettleError::ReimbursementExceedsStake { index })
            }
            _ => Stop::Discard(reason),
        }
    }

    /// The three modules; returns the application's stake after them.
    ///
    /// Go: x/tokenomics/token_logic_module/tlm_relay_burn_equals_mint.go,
    /// tlm_global_mint.go, tlm_reimbursement_requests.go (each module's Process).
    fn run_modules(
        &mut self,
        index: usize,
        slot: usize,
        claim: &ClaimInput,
        settlement: Upokt,
    ) -> Result<Upokt, Stop> {
        let params = self.input.params;
        let overflow = || Stop::Fail(SettleError::AmountOverflow { index });

        // RelayBurnEqualsMint: the burn, then the mint ratio's share of it, minted and split.
        let stake = self.stake(slot, index)?;
        let after_burn = stake
            .checked_sub(settlement)
            .ok_or(Stop::Discard(DiscardReason::InsufficientStake))?;
        // Go lowers the cached stake before anything else can refuse the claim.
        self.set_stake(slot, after_burn);
        self.out.ops.push(LedgerOp::Burn {
            from: Account::ApplicationModule,
            amount: settlement,
            reason: Reason::RelayBurn,
        });
        let mint = wide::portion(&params.mint_ratio, settlement).ok_or_else(overflow)?;
        if mint == Upokt::ZERO {
            return Err(self.quirk(index, DiscardReason::ZeroMint));
        }
        self.out.ops.push(LedgerOp::Mint {
            to: Account::TokenomicsModule,
            amount: mint,
            reason: Reason::RelayMint,
        });
        let shares = &params.mint_equals_burn_distribution;
        self.distribute(index, claim, mint, shares, Module::RelayBurnEqualsMint)?;

        let inflation = &params.global_inflation_per_claim;
        if inflation.is_zero() {
            return Ok(after_burn);
        }
        // GlobalMint: ⌈settlement × inflation⌉, minted and split.
        let new_mint = wide::portion_ceil(inflation, settlement).ok_or_else(overflow)?;
        self.out.ops.push(LedgerOp::Mint {
            to: Account::TokenomicsModule,
            amount: new_mint,
            reason: Reason::GlobalMint,
        });
        // Go's telemetry converts the settlement to int64 here.
        if settlement > I64_MAX {
            return Err(Stop::Fail(SettleError::Int64Amount { index }));
        }
        self.distribute(
            index,
            claim,
            new_mint,
            &params.mint_allocation,
            Module::GlobalMint,
        )?;

        // GlobalMintReimbursementRequest: the application pays the same amount to the DAO (Go
        // first tests the amount for zero through an int64 conversion).
        if new_mint > I64_MAX {
            return Err(Stop::Fail(SettleError::Int64Amount { index }));
        }
        let stake = self.stake(slot, index)?;
        let Some(after) = stake.checked_sub(new_mint) else {
            return Err(self.quirk(index, DiscardReason::InsufficientStakeForReimbursement));
        };
        self.set_stake(slot, after);
        self.out.ops.push(LedgerOp::Transfer {
            from: Account::ApplicationModule,
            to: Account::Address(params.dao_reward_address),
            amount: new_mint,
            reason: Reason::ReimbursementRequest,
        });
        self.out
            .events
            .push(Event::ApplicationReimbursementRequest {
                application: claim.application,
                amount: new_mint,
            });
        Ok(after)
    }

    fn stake(&self, slot: usize, index: usize) -> Result<Upokt, Stop> {
        self.app_stakes
            .get(slot)
            .map(|(_, s)| *s)
            .ok_or(Stop::Fail(SettleError::AmountOverflow { index }))
    }

    fn set_stake(&mut self, slot: usize, stake: Upokt) {
        if let Some((_, s)) = self.app_stakes.get_mut(slot) {
            *s = stake;
        }
    }

    /// Splits `amount` (just minted into the tokenomics module) by `shares` in the module's
    /// order and pays each actor's part: the supplier's over its revenue shareholders (or to its
    /// owner, with an event, when they cannot be used), the proposer's added to the block's
    /// batch. A supplier with a part to receive and no revenue shares stops the claim.
    ///
    /// Go: x/tokenomics/token_logic_module/distribution_supplier.go,
    /// distributeSupplierRewardsToShareholders; the modules' processRewardDistribution and
    /// processMintDistribution.
    fn distribute(
        &mut self,
        index: usize,
        claim: &ClaimInput,
        amount: Upokt,
        shares: &Shares,
        module: Module,
    ) -> Result<(), Stop> {
        let (order, reason): (_, fn(Actor) -> Reason) = match module {
            Module::RelayBurnEqualsMint => (&RELAY_ORDER, Reason::RelayMintShare),
            Module::GlobalMint => (&GLOBAL_ORDER, Reason::GlobalMintShare),
        };
        let parts = split_by_shares(amount, shares, order)
            .ok_or(Stop::Fail(SettleError::AmountOverflow { index }))?;
        for (actor, amount) in parts {
            if amount == Upokt::ZERO {
                continue;
            }
            let to = match actor {
                Actor::Supplier => {
                    self.pay_supplier(index, claim, amount, reason(actor))?;
                    continue;
                }
                Actor::Proposer => {
                    let batch = match module {
                        Module::RelayBurnEqualsMint => &mut self.relay_proposer,
                        Module::GlobalMint => &mut self.global_proposer,
                    };
                    *batch = batch.saturating_add(u128::from(amount.get()));
                    continue;
                }
                Actor::SourceOwner => claim.source_owner,
                Actor::Application => claim.application,
                Actor::Dao => self.input.params.dao_reward_address,
            };
            self.pay(to, amount, reason(actor));
        }
        Ok(())
    }

    fn pay_supplier(
        &mut self,
        index: usize,
        claim: &ClaimInput,
        amount: Upokt,
        reason: Reason,
    ) -> Result<(), Stop> {
        // Go reads an empty list from state as none at all: an error, not the owner fallback.
        if claim.rev_shares.is_empty() {
            return Err(self.quirk(index, DiscardReason::NoRevShares));
        }
        match rev_share_split(amount, &claim.rev_shares) {
            Ok(shareholders) => {
                for (to, amount) in shareholders {
                    self.pay(to, amount, reason);
                }
            }
            Err(_) => {
                self.pay(claim.supplier_owner, amount, reason);
                self.out.events.push(Event::RevShareFallback {
                    supplier_operator: claim.supplier_operator,
                });
            }
        }
        Ok(())
    }

    fn pay(&mut self, to: Address, amount: Upokt, reason: Reason) {
        self.out.ops.push(LedgerOp::Transfer {
            from: Account::TokenomicsModule,
            to: Account::Address(to),
            amount,
            reason,
        });
    }

    /// Pays the block's proposer shares, one transfer per module (burn-equals-mint first, as Go
    /// orders the reasons); a batch above `u64::MAX` goes out in consecutive transfers of at most
    /// `u64::MAX` each. The batches include the shares of claims discarded by a later module.
    ///
    /// Go: x/tokenomics/keeper/settle_pending_claims.go, FlushBatchedValidatorRewards.
    /// [TOK-ORDER-1]
    pub(super) fn pay_proposer(&mut self) {
        let batches = [
            (self.relay_proposer, Reason::RelayMintShare(Actor::Proposer)),
            (
                self.global_proposer,
                Reason::GlobalMintShare(Actor::Proposer),
            ),
        ];
        let proposer = self.input.proposer;
        for (mut left, reason) in batches {
            while left > 0 {
                let chunk = u64::try_from(left).unwrap_or(u64::MAX);
                self.pay(proposer, Upokt::new(chunk), reason);
                left = left.saturating_sub(u128::from(chunk));
            }
        }
    }
}
