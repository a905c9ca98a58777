//! The penalty for a missing or invalid required proof.

use pokt_primitives::Upokt;

use crate::output::{Account, LedgerOp, Reason};

/// What a proof penalty does to a supplier: see [`proof_penalty`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Penalty {
    /// Burned from the supplier's stake (the penalty, capped at the stake).
    pub slashed: Upokt,
    /// The supplier's stake after the penalty.
    pub remaining_stake: Upokt,
    /// Whether the remaining stake is below the minimum (forced unbonding starts).
    pub below_min_stake: bool,
}

impl Penalty {
    /// The burn from the supplier module, or `None` when nothing is slashed.
    pub fn ledger_op(&self) -> Option<LedgerOp> {
        (self.slashed > Upokt::ZERO).then_some(LedgerOp::Burn {
            from: Account::SupplierModule,
            amount: self.slashed,
            reason: Reason::ProofPenalty,
        })
    }
}

/// The penalty for a missing or invalid required proof: `penalty` burned from the supplier's
/// stake (capped at the stake); below `min_stake` the supplier is forced to unbond.
/// [TOK-PENALTY-1]
///
/// ```
/// use pokt_primitives::Upokt;
/// use pokt_tokenomics::proof_penalty;
///
/// let p = proof_penalty(Upokt::new(5), Upokt::new(1), Upokt::new(5));
/// assert_eq!((p.slashed, p.remaining_stake, p.below_min_stake), (Upokt::new(1), Upokt::new(4), true));
/// ```
pub fn proof_penalty(supplier_stake: Upokt, penalty: Upokt, min_stake: Upokt) -> Penalty {
    let slashed = penalty.min(supplier_stake);
    let remaining_stake = supplier_stake.saturating_sub(slashed);
    Penalty {
        slashed,
        remaining_stake,
        below_min_stake: remaining_stake < min_stake,
    }
}
