//! The genesis file's module params and transaction rules, as JSON with decimal-string
//! fractions, and their conversions to and from the protocol's params. [CHAIN-GENESIS-1]

use pokt_devnet::{DevnetConfig, ProofPolicy};
use pokt_primitives::{
    Address, BlockHeight, BlockInterval, Fraction, ProofParams, SessionNumber, SharedParams,
    Shares, TokenomicsParams,
};
use serde::{Deserialize, Serialize};

use super::{GenesisError, bad};

/// Module params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisParams {
    /// `pocket.shared.Params`.
    pub shared: SharedParamsJson,
    /// `pocket.session.Params.num_suppliers_per_session`.
    pub num_suppliers_per_session: u64,
    /// `pocket.proof.Params`.
    pub proof: ProofParamsJson,
    /// `pocket.tokenomics.Params`.
    pub tokenomics: TokenomicsParamsJson,
    /// Application module minimum stake.
    pub application_min_stake_upokt: u64,
    /// Supplier module minimum stake.
    pub supplier_min_stake_upokt: u64,
    /// Strict closest-proof verification (this project's default) or Go's.
    #[serde(default = "yes")]
    pub strict_proofs: bool,
}

fn yes() -> bool {
    true
}

/// `pocket.shared.Params` as JSON (poktroll's field names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct SharedParamsJson {
    pub num_blocks_per_session: u64,
    pub grace_period_end_offset_blocks: u64,
    pub claim_window_open_offset_blocks: u64,
    pub claim_window_close_offset_blocks: u64,
    pub proof_window_open_offset_blocks: u64,
    pub proof_window_close_offset_blocks: u64,
    pub supplier_unbonding_period_sessions: u64,
    pub application_unbonding_period_sessions: u64,
    pub gateway_unbonding_period_sessions: u64,
    pub compute_units_to_tokens_multiplier: u64,
    pub compute_unit_cost_granularity: u64,
    pub session_grid_anchor_height: i64,
    pub session_number_at_anchor: i64,
}

impl From<SharedParams> for SharedParamsJson {
    fn from(p: SharedParams) -> Self {
        Self {
            num_blocks_per_session: p.num_blocks_per_session.get(),
            grace_period_end_offset_blocks: p.grace_period_end_offset_blocks.get(),
            claim_window_open_offset_blocks: p.claim_window_open_offset_blocks.get(),
            claim_window_close_offset_blocks: p.claim_window_close_offset_blocks.get(),
            proof_window_open_offset_blocks: p.proof_window_open_offset_blocks.get(),
            proof_window_close_offset_blocks: p.proof_window_close_offset_blocks.get(),
            supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
            application_unbonding_period_sessions: p.application_unbonding_period_sessions,
            gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
            compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
            compute_unit_cost_granularity: p.compute_unit_cost_granularity,
            session_grid_anchor_height: p.session_grid_anchor_height.get(),
            session_number_at_anchor: p.session_number_at_anchor.get(),
        }
    }
}

impl From<SharedParamsJson> for SharedParams {
    fn from(p: SharedParamsJson) -> Self {
        Self {
            num_blocks_per_session: BlockInterval::new(p.num_blocks_per_session),
            grace_period_end_offset_blocks: BlockInterval::new(p.grace_period_end_offset_blocks),
            claim_window_open_offset_blocks: BlockInterval::new(p.claim_window_open_offset_blocks),
            claim_window_close_offset_blocks: BlockInterval::new(
                p.claim_window_close_offset_blocks,
            ),
            proof_window_open_offset_blocks: BlockInterval::new(p.proof_window_open_offset_blocks),
            proof_window_close_offset_blocks: BlockInterval::new(
                p.proof_window_close_offset_blocks,
            ),
            supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
            application_unbonding_period_sessions: p.application_unbonding_period_sessions,
            gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
            compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
            compute_unit_cost_granularity: p.compute_unit_cost_granularity,
            session_grid_anchor_height: BlockHeight::new(p.session_grid_anchor_height),
            session_number_at_anchor: SessionNumber::new(p.session_number_at_anchor),
        }
    }
}

/// `pocket.proof.Params` as JSON; the probability is a decimal string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct ProofParamsJson {
    pub proof_request_probability: String,
    pub proof_requirement_threshold_upokt: u64,
    pub proof_missing_penalty_upokt: u64,
    pub proof_submission_fee_upokt: u64,
}

/// The five shares of a mint split, decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct SharesJson {
    pub dao: String,
    pub proposer: String,
    pub supplier: String,
    pub source_owner: String,
    pub application: String,
}

/// `pocket.tokenomics.Params` as JSON; fractions are decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct TokenomicsParamsJson {
    pub mint_ratio: String,
    pub global_inflation_per_claim: String,
    pub mint_allocation_percentages: SharesJson,
    pub mint_equals_burn_claim_distribution: SharesJson,
    pub dao_reward_address: Address,
    pub overservicing_bonus_multiplier: u64,
}

/// The devnet's transaction rules (a node's `app.toml` and consensus params). [CHAIN-DEVNET-2]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxRules {
    /// Largest transaction accepted, in bytes.
    pub max_tx_bytes: usize,
    /// Transactions the mempool holds before refusing with "mempool is full".
    pub max_mempool_txs: usize,
    /// Transactions included per block (the rest wait).
    pub max_block_txs: usize,
    /// Minimum gas price in uPOKT per gas unit, a decimal string (`"0"`: no fee needed).
    pub min_gas_price_upokt: String,
    /// Largest memo, in bytes.
    pub max_memo_bytes: usize,
}

impl Default for TxRules {
    fn default() -> Self {
        Self {
            max_tx_bytes: 1 << 20,
            max_mempool_txs: 5_000,
            max_block_txs: 10_000,
            min_gas_price_upokt: "0.001".into(),
            max_memo_bytes: 256,
        }
    }
}

pub(super) fn frac(s: &str, field: &'static str) -> Result<Fraction, GenesisError> {
    Fraction::from_decimal(s).map_err(|_| bad(field, "not a decimal fraction"))
}

pub(super) fn shares(s: &SharesJson, field: &'static str) -> Result<Shares, GenesisError> {
    Ok(Shares {
        dao: frac(&s.dao, field)?,
        proposer: frac(&s.proposer, field)?,
        supplier: frac(&s.supplier, field)?,
        source_owner: frac(&s.source_owner, field)?,
        application: frac(&s.application, field)?,
    })
}

fn shares_json(s: &Shares) -> SharesJson {
    SharesJson {
        dao: s.dao.to_decimal_string(),
        proposer: s.proposer.to_decimal_string(),
        supplier: s.supplier.to_decimal_string(),
        source_owner: s.source_owner.to_decimal_string(),
        application: s.application.to_decimal_string(),
    }
}

/// Decimal text of exact fractions whose denominators divide a power of ten (every param the
/// chain holds as a float64 is one).
trait DecimalText {
    fn to_decimal_string(&self) -> String;
}

impl DecimalText for Fraction {
    fn to_decimal_string(&self) -> String {
        let (num, den) = (self.num(), self.den().max(1));
        let whole = num / den;
        let mut rem = num % den;
        if rem == 0 {
            return whole.to_string();
        }
        let mut out = format!("{whole}.");
        // At most 38 digits: enough for any power-of-ten denominator a u128 holds.
        for _ in 0..38 {
            if rem == 0 {
                break;
            }
            rem = rem.saturating_mul(10);
            out.push(char::from(
                b'0'.saturating_add(u8::try_from(rem / den).unwrap_or(0)),
            ));
            rem %= den;
        }
        out
    }
}

impl ProofParamsJson {
    /// From the params.
    pub fn from_params(p: &ProofParams) -> Self {
        Self {
            proof_request_probability: p.proof_request_probability.to_decimal_string(),
            proof_requirement_threshold_upokt: p.proof_requirement_threshold.get(),
            proof_missing_penalty_upokt: p.proof_missing_penalty.get(),
            proof_submission_fee_upokt: p.proof_submission_fee.get(),
        }
    }
}

impl TokenomicsParamsJson {
    /// From the params.
    pub fn from_params(p: &TokenomicsParams) -> Self {
        Self {
            mint_ratio: p.mint_ratio.to_decimal_string(),
            global_inflation_per_claim: p.global_inflation_per_claim.to_decimal_string(),
            mint_allocation_percentages: shares_json(&p.mint_allocation),
            mint_equals_burn_claim_distribution: shares_json(&p.mint_equals_burn_distribution),
            dao_reward_address: p.dao_reward_address,
            overservicing_bonus_multiplier: p.overservicing_bonus_multiplier,
        }
    }
}

impl GenesisParams {
    /// The params of a devnet config.
    pub fn from_config(c: &DevnetConfig) -> Self {
        Self {
            shared: c.shared.into(),
            num_suppliers_per_session: u64::try_from(c.num_suppliers_per_session).unwrap_or(0),
            proof: ProofParamsJson::from_params(&c.proof),
            tokenomics: TokenomicsParamsJson::from_params(&c.tokenomics),
            application_min_stake_upokt: c.application_min_stake.get(),
            supplier_min_stake_upokt: c.supplier_min_stake.get(),
            strict_proofs: c.proof_policy == ProofPolicy::Strict,
        }
    }
}
