//! The token logic modules of one settled claim, in the chain's order: RelayBurnEqualsMint,
//! GlobalMint and GlobalMintReimbursementRequest. [TOK-TLM-1]

use pokt_primitives::{Address, FractionError, Shares, Upokt};

use crate::claimed::ClaimedUpokt;
use crate::input::ClaimInput;
use crate::output::{Account, Actor, DiscardReason, Event, LedgerOp, Outcome, Reason, SettleError};
use crate::shares::{GLOBAL_ORDER, RELAY_ORDER, SplitError, rev_share_split, split_by_shares};

use super::{Block, Policy};

impl Block<'_, '_> {
    /// Settles claim `index` for `settlement` (already capped): burns it from the application
    /// (`app`: its slot in the block's stakes, `None` if unknown), mints and distributes the mint
    /// ratio's share, then mints, distributes and charges the global inflation.
    pub(super) fn settle_claim(
        &mut self,
        index: usize,
        app: Option<usize>,
        claim: &ClaimInput,
        claimed: ClaimedUpokt,
        settlement: Upokt,
    ) -> Result<(), SettleError> {
        let params = self.input.params;
        let fraction = |error: FractionError| SettleError::Fraction { index, error };
        let settled = Outcome::Settled {
            claimed,
            settled: settlement,
        };
        // A zero settlement runs no module.
        if settlement == Upokt::ZERO {
            self.out.outcomes.push(settled);
            return Ok(());
        }

        // RelayBurnEqualsMint.
        let Some((_, app_stake)) = app.and_then(|i| self.app_stakes.get_mut(i)) else {
            self.out
                .outcomes
                .push(Outcome::Discarded(DiscardReason::InsufficientStake));
            return Ok(());
        };
        let Some(after_burn) = app_stake.checked_sub(settlement) else {
            self.out
                .outcomes
                .push(Outcome::Discarded(DiscardReason::InsufficientStake));
            return Ok(());
        };
        let mint = Upokt::new(
            params
                .mint_ratio
                .mul_floor(settlement.get())
                .map_err(fraction)?,
        );
        if mint == Upokt::ZERO {
            match self.policy {
                Policy::Strict => return Err(SettleError::ZeroMint { index }),
                Policy::GoCompatible => {
                    // Go quirk: the cached application stake was already reduced; no ledger op.
                    *app_stake = after_burn;
                    self.out
                        .outcomes
                        .push(Outcome::Discarded(DiscardReason::ZeroMint));
                    return Ok(());
                }
            }
        }
        *app_stake = after_burn;
        self.out.ops.push(LedgerOp::Burn {
            from: Account::ApplicationModule,
            amount: settlement,
            reason: Reason::RelayBurn,
        });
        self.out.ops.push(LedgerOp::Mint {
            to: Account::TokenomicsModule,
            amount: mint,
            reason: Reason::RelayMint,
        });
        self.distribute(
            index,
            claim,
            mint,
            &params.mint_equals_burn_distribution,
            &RELAY_ORDER,
            Reason::RelayMintShare,
        )?;

        // GlobalMint and the reimbursement request.
        let inflation = &params.global_inflation_per_claim;
        if !inflation.is_zero() {
            let new_mint = Upokt::new(inflation.mul_ceil(settlement.get()).map_err(fraction)?);
            self.out.ops.push(LedgerOp::Mint {
                to: Account::TokenomicsModule,
                amount: new_mint,
                reason: Reason::GlobalMint,
            });
            self.distribute(
                index,
                claim,
                new_mint,
                &params.mint_allocation,
                &GLOBAL_ORDER,
                Reason::GlobalMintShare,
            )?;
            if let Some((_, stake)) = app.and_then(|i| self.app_stakes.get_mut(i)) {
                *stake = stake.saturating_sub(new_mint);
            }
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
        }
        self.out.outcomes.push(settled);
        Ok(())
    }

    /// Splits `amount` (just minted into the tokenomics module) by `shares` in `order` and
    /// transfers each actor's part; the supplier's goes over its revenue shareholders, or to its
    /// owner (with an event) when those cannot be used.
    fn distribute(
        &mut self,
        index: usize,
        claim: &ClaimInput,
        amount: Upokt,
        shares: &Shares,
        order: &[Actor],
        reason: fn(Actor) -> Reason,
    ) -> Result<(), SettleError> {
        let parts = split_by_shares(amount, shares, order).map_err(|e| match e {
            SplitError::Fraction(error) => SettleError::Fraction { index, error },
            SplitError::Overflow => SettleError::AmountOverflow { index },
        })?;
        for (actor, amount) in parts {
            if amount == Upokt::ZERO {
                continue;
            }
            let mut pay = |to: Address, amount: Upokt| {
                self.out.ops.push(LedgerOp::Transfer {
                    from: Account::TokenomicsModule,
                    to: Account::Address(to),
                    amount,
                    reason: reason(actor),
                });
            };
            match actor {
                Actor::Supplier => match rev_share_split(amount, &claim.rev_shares) {
                    Ok(shareholders) => {
                        for (to, amount) in shareholders {
                            pay(to, amount);
                        }
                    }
                    Err(_) => {
                        pay(claim.supplier_owner, amount);
                        self.out.events.push(Event::RevShareFallback {
                            supplier_operator: claim.supplier_operator,
                        });
                    }
                },
                Actor::Proposer => pay(self.input.proposer, amount),
                Actor::SourceOwner => pay(claim.source_owner, amount),
                Actor::Application => pay(claim.application, amount),
                Actor::Dao => pay(self.input.params.dao_reward_address, amount),
            }
        }
        Ok(())
    }
}
