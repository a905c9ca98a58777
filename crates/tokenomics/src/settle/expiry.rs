//! A claim whose required proof was not validated expires: nothing is paid and its supplier is
//! penalised. [TOK-EXPIRE-1] [TOK-PENALTY-1]

use pokt_primitives::Upokt;

use crate::input::{ClaimInput, ProofFailure};
use crate::output::{Event, Outcome};
use crate::penalty::proof_penalty;

use super::Block;

impl Block<'_, '_> {
    /// Expires `claim`: burns the penalty from its supplier's stake (at most the stake) and, the
    /// first time a supplier falls below the minimum stake in this block, starts its unbonding.
    pub(super) fn expire(&mut self, claim: &ClaimInput, failure: ProofFailure) {
        let expiry = &self.input.expiry;
        let supplier = claim.supplier_operator;
        let stake = self
            .out
            .supplier_stakes
            .get(&supplier)
            .copied()
            .unwrap_or(Upokt::ZERO);
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
        self.out.outcomes.push(Outcome::Expired {
            failure,
            penalty: penalty.slashed,
        });
    }
}
