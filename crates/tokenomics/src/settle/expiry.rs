//! A claim whose required proof was not validated expires: nothing is paid and its supplier is
//! penalised, after every settlement of the block. [TOK-EXPIRE-1] [TOK-PENALTY-1]

use crate::input::ProofFailure;
use crate::output::{Event, Outcome, SettleError};
use crate::penalty::proof_penalty;

use super::Block;

impl Block<'_, '_> {
    /// Penalises expired claim `index`: burns the penalty from its supplier's stake (at most the
    /// stake, as it stands after earlier penalties) and, the first time a supplier falls below the
    /// minimum stake in this block, starts its unbonding.
    ///
    /// Go: x/tokenomics/keeper/settle_pending_claims.go, ExecutePendingExpiredResults,
    /// slashSupplierStake.
    pub(super) fn expire(
        &mut self,
        index: usize,
        failure: ProofFailure,
    ) -> Result<(), SettleError> {
        let expiry = &self.input.expiry;
        let supplier = self
            .input
            .claims
            .get(index)
            .map(|c| c.supplier_operator)
            .ok_or(SettleError::UnknownClaim { index })?;
        let stake = self
            .out
            .supplier_stakes
            .get(&supplier)
            .copied()
            .ok_or(SettleError::MissingSupplierStake { index })?;
        let penalty = proof_penalty(
            stake,
            expiry.proof_missing_penalty,
            expiry.supplier_min_stake,
        );
        self.out.ops.extend(penalty.ledger_op());
        self.out
            .supplier_stakes
            .insert(supplier, penalty.remaining_stake);
        if penalty.below_min_stake && !self.unbonding_suppliers.contains(&supplier) {
            self.unbonding_suppliers.push(supplier);
            self.out.events.push(Event::SupplierUnbondingStarted {
                supplier_operator: supplier,
            });
        }
        if let Some(outcome) = self.out.outcomes.get_mut(index) {
            *outcome = Outcome::Expired {
                failure,
                penalty: penalty.slashed,
            };
        }
        Ok(())
    }
}
