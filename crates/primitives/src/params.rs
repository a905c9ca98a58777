//! The chain's module params (protocol.md §7): poktroll's code defaults and the repository's
//! mainnet parameter files, with fractional params held exactly. [PRIM-PARAMS-1]

use crate::address::Address;
use crate::fraction::{Fraction, FractionError};
use crate::units::{BlockHeight, BlockInterval, SessionNumber, Upokt};

/// `pocket.shared.Params`: session timing, windows, unbonding periods and compute-unit pricing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SharedParams {
    /// Blocks per session.
    pub num_blocks_per_session: BlockInterval,
    /// Blocks after a session's end during which its relays are still served.
    pub grace_period_end_offset_blocks: BlockInterval,
    /// Blocks from a session's end to its claim window opening.
    pub claim_window_open_offset_blocks: BlockInterval,
    /// Length of the claim window, in blocks.
    pub claim_window_close_offset_blocks: BlockInterval,
    /// Blocks from the claim window's close to the proof window opening.
    pub proof_window_open_offset_blocks: BlockInterval,
    /// Length of the proof window, in blocks.
    pub proof_window_close_offset_blocks: BlockInterval,
    /// Sessions a supplier waits to unbond.
    pub supplier_unbonding_period_sessions: u64,
    /// Sessions an application waits to unbond.
    pub application_unbonding_period_sessions: u64,
    /// Sessions a gateway waits to unbond.
    pub gateway_unbonding_period_sessions: u64,
    /// pPOKT per compute unit, scaled by `compute_unit_cost_granularity`.
    pub compute_units_to_tokens_multiplier: u64,
    /// The divisor of `compute_units_to_tokens_multiplier`.
    pub compute_unit_cost_granularity: u64,
    /// The session grid's anchor height (≤ 0: the genesis grid).
    pub session_grid_anchor_height: BlockHeight,
    /// The session number at the anchor (≤ 0: 1).
    pub session_number_at_anchor: SessionNumber,
}

impl SharedParams {
    /// poktroll's code defaults.
    pub const fn defaults() -> Self {
        Self {
            num_blocks_per_session: BlockInterval::new(10),
            grace_period_end_offset_blocks: BlockInterval::new(1),
            claim_window_open_offset_blocks: BlockInterval::new(1),
            claim_window_close_offset_blocks: BlockInterval::new(4),
            proof_window_open_offset_blocks: BlockInterval::new(0),
            proof_window_close_offset_blocks: BlockInterval::new(4),
            supplier_unbonding_period_sessions: 1,
            application_unbonding_period_sessions: 1,
            gateway_unbonding_period_sessions: 1,
            compute_units_to_tokens_multiplier: 42_000_000,
            compute_unit_cost_granularity: 1_000_000,
            session_grid_anchor_height: BlockHeight::ZERO,
            session_number_at_anchor: SessionNumber::ZERO,
        }
    }

    /// The repository's mainnet parameter files (`compute_units_to_tokens_multiplier` is updated
    /// about weekly on the live chain; this is the pinned file's value).
    pub const fn mainnet() -> Self {
        Self {
            num_blocks_per_session: BlockInterval::new(20),
            grace_period_end_offset_blocks: BlockInterval::new(10),
            claim_window_open_offset_blocks: BlockInterval::new(11),
            claim_window_close_offset_blocks: BlockInterval::new(10),
            proof_window_open_offset_blocks: BlockInterval::new(1),
            proof_window_close_offset_blocks: BlockInterval::new(10),
            supplier_unbonding_period_sessions: 1429,
            application_unbonding_period_sessions: 3,
            gateway_unbonding_period_sessions: 3,
            compute_units_to_tokens_multiplier: 145_990,
            compute_unit_cost_granularity: 1_000_000,
            session_grid_anchor_height: BlockHeight::ZERO,
            session_number_at_anchor: SessionNumber::ZERO,
        }
    }
}

/// `pocket.session.Params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionParams {
    /// Suppliers selected per session.
    pub num_suppliers_per_session: u64,
}

impl SessionParams {
    /// poktroll's code defaults.
    pub const fn defaults() -> Self {
        Self {
            num_suppliers_per_session: 15,
        }
    }

    /// The repository's mainnet parameter files.
    pub const fn mainnet() -> Self {
        Self {
            num_suppliers_per_session: 50,
        }
    }
}

/// `pocket.proof.Params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProofParams {
    /// Probability that a claim below the threshold needs a proof (exact shortest decimal of
    /// the chain's float64).
    pub proof_request_probability: Fraction,
    /// Claims worth at least this much always need a proof.
    pub proof_requirement_threshold: Upokt,
    /// Stake taken from a supplier whose required proof is missing or invalid.
    pub proof_missing_penalty: Upokt,
    /// Fee for submitting a proof.
    pub proof_submission_fee: Upokt,
}

impl ProofParams {
    /// poktroll's code defaults: probability 0.25, threshold 20 POKT, penalty 320 POKT, fee 0.
    pub fn defaults() -> Self {
        Self {
            proof_request_probability: Fraction::from_parts(1, 4),
            proof_requirement_threshold: Upokt::new(20_000_000),
            proof_missing_penalty: Upokt::new(320_000_000),
            proof_submission_fee: Upokt::new(0),
        }
    }

    /// The repository's mainnet parameter files: probability 0.01, threshold 100 uPOKT, penalty
    /// 1 uPOKT, fee 1 uPOKT.
    pub fn mainnet() -> Self {
        Self {
            proof_request_probability: Fraction::from_parts(1, 100),
            proof_requirement_threshold: Upokt::new(100),
            proof_missing_penalty: Upokt::new(1),
            proof_submission_fee: Upokt::new(1),
        }
    }

    /// The probability as the `float64` the chain compares the proof draw against.
    pub fn proof_request_probability_f64(&self) -> f64 {
        self.proof_request_probability.to_f64()
    }
}

/// `pocket.service.Params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceParams {
    /// Fee to add a service.
    pub add_service_fee: Upokt,
    /// Relays per settlement the difficulty aims to mine.
    pub target_num_relays: u64,
}

impl ServiceParams {
    /// poktroll's code defaults.
    pub const fn defaults() -> Self {
        Self {
            add_service_fee: Upokt::new(1_000_000_000),
            target_num_relays: 100_000,
        }
    }

    /// The repository's mainnet parameter files.
    pub const fn mainnet() -> Self {
        Self {
            add_service_fee: Upokt::new(3_500_000_000),
            target_num_relays: 100_000,
        }
    }
}

/// How each minted amount is split between the actors. The DAO's entry is informational: the
/// DAO always receives the remainder after the other floors. [TOK-TLM-1] [PRIM-PARAMS-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // Field names are the actors.
pub struct Shares {
    pub dao: Fraction,
    pub proposer: Fraction,
    pub supplier: Fraction,
    pub source_owner: Fraction,
    pub application: Fraction,
}

impl Shares {
    /// Shares from the chain's float params (shortest-decimal conversion).
    pub fn from_f64(
        dao: f64,
        proposer: f64,
        supplier: f64,
        source_owner: f64,
        application: f64,
    ) -> Result<Self, FractionError> {
        Ok(Self {
            dao: Fraction::from_f64_shortest(dao)?,
            proposer: Fraction::from_f64_shortest(proposer)?,
            supplier: Fraction::from_f64_shortest(supplier)?,
            source_owner: Fraction::from_f64_shortest(source_owner)?,
            application: Fraction::from_f64_shortest(application)?,
        })
    }
}

/// Tokenomics params (protocol.md §7), with fractions held exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenomicsParams {
    /// PIP-41 mint ratio: the share of burned uPOKT minted back.
    pub mint_ratio: Fraction,
    /// Global inflation per claim (0 disables GlobalMint and reimbursement requests).
    pub global_inflation_per_claim: Fraction,
    /// Split of the global-inflation mint.
    pub mint_allocation: Shares,
    /// Split of the burn-equals-mint mint.
    pub mint_equals_burn_distribution: Shares,
    /// The DAO reward address.
    pub dao_reward_address: Address,
    /// Overservicing bonus multiplier (values below 1 act as 1).
    pub overservicing_bonus_multiplier: u64,
}

impl TokenomicsParams {
    /// The repository's mainnet bulk params: mint ratio 0.975, inflation 1e-6, allocation
    /// .1/0/.8/.1/0, burn=mint distribution .045/.14/.79/.025/0, bonus multiplier 1.
    pub fn mainnet() -> Result<Self, FractionError> {
        let dao: Address = "pokt1dr5jtqaaz4wk8wevl33e7vkxsjlphljnjhyq2l"
            .parse()
            .map_err(|_| FractionError::Invalid)?;
        Ok(Self {
            mint_ratio: Fraction::from_f64_shortest(0.975)?,
            global_inflation_per_claim: Fraction::from_f64_shortest(1e-6)?,
            mint_allocation: Shares::from_f64(0.1, 0.0, 0.8, 0.1, 0.0)?,
            mint_equals_burn_distribution: Shares::from_f64(0.045, 0.14, 0.79, 0.025, 0.0)?,
            dao_reward_address: dao,
            overservicing_bonus_multiplier: 1,
        })
    }

    /// poktroll's code defaults (mint ratio 1, inflation 0.1, allocation .1/.05/.7/.15/0 for both
    /// splits) with the code's DAO address (the localnet DAO account; replace it for any other
    /// network).
    pub fn defaults() -> Result<Self, FractionError> {
        let s = Shares::from_f64(0.1, 0.05, 0.7, 0.15, 0.0)?;
        let dao: Address = "pokt1eeeksh2tvkh7wzmfrljnhw4wrhs55lcuvmekkw"
            .parse()
            .map_err(|_| FractionError::Invalid)?;
        Ok(Self {
            mint_ratio: Fraction::ONE,
            global_inflation_per_claim: Fraction::from_f64_shortest(0.1)?,
            mint_allocation: s,
            mint_equals_burn_distribution: s,
            dao_reward_address: dao,
            overservicing_bonus_multiplier: 1,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The exact fractions are the shortest decimals of the chain's float64 params, and the two
    /// sets differ where protocol.md §7 says they do.
    #[test]
    fn params_match_the_reference_table() {
        assert_eq!(
            ProofParams::defaults().proof_request_probability,
            Fraction::from_f64_shortest(0.25).unwrap()
        );
        assert_eq!(
            ProofParams::mainnet().proof_request_probability,
            Fraction::from_f64_shortest(0.01).unwrap()
        );
        assert!((ProofParams::mainnet().proof_request_probability_f64() - 0.01).abs() < 1e-18);
        let t = TokenomicsParams::mainnet().unwrap();
        assert_eq!(t.mint_ratio, Fraction::new(39, 40).unwrap());
        assert_eq!(
            t.mint_equals_burn_distribution.proposer,
            Fraction::new(7, 50).unwrap()
        );
        assert_eq!(
            t.global_inflation_per_claim,
            Fraction::new(1, 1_000_000).unwrap()
        );
        let d = TokenomicsParams::defaults().unwrap();
        assert_eq!(d.mint_ratio, Fraction::ONE);
        assert_eq!(
            d.dao_reward_address.to_string(),
            "pokt1eeeksh2tvkh7wzmfrljnhw4wrhs55lcuvmekkw"
        );
        let (sd, sm) = (SharedParams::defaults(), SharedParams::mainnet());
        assert_eq!(
            (sd.num_blocks_per_session, sm.num_blocks_per_session),
            (BlockInterval::new(10), BlockInterval::new(20))
        );
        assert_eq!(sm.compute_units_to_tokens_multiplier, 145_990);
        assert_eq!(SessionParams::mainnet().num_suppliers_per_session, 50);
        assert_eq!(ServiceParams::defaults().target_num_relays, 100_000);
    }
}
