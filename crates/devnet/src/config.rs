//! The chain's configuration and its proof policy.

use pokt_primitives::{
    BlockHeight, BlockInterval, FractionError, ProofParams, SessionNumber, SharedParams,
    TokenomicsParams, Upokt,
};

/// How the devnet verifies a proof's closest-proof step (B6): by this project's strict rule or
/// as the chain does. Every other step is the same under both.
///
/// # Spec
/// `[MINING-PROOF-1]` (spec/mining.md), `[DEVNET-1]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProofPolicy {
    /// `pokt_mining::validate_proof`: the closest proof must open the leaf closest to the drawn
    /// path (this project's default).
    #[default]
    Strict,
    /// `pokt_mining::validate_proof_go_compatible`: the chain's verdict (poktroll accepts any
    /// leaf whose proof verifies against the root).
    GoCompatible,
}

/// The chain's parameters. [DEVNET-1]
#[derive(Clone, Debug)]
pub struct DevnetConfig {
    /// Shared params at genesis (session length, windows, compute-unit price); later updates
    /// through [`Devnet::set_shared_params`](crate::Devnet::set_shared_params).
    pub shared: SharedParams,
    /// Proof params (requirement threshold and probability, penalty).
    pub proof: ProofParams,
    /// Tokenomics params.
    pub tokenomics: TokenomicsParams,
    /// Suppliers per session.
    pub num_suppliers_per_session: usize,
    /// Application module `min_stake`.
    pub application_min_stake: Upokt,
    /// Supplier module `min_stake`.
    pub supplier_min_stake: Upokt,
    /// How closest proofs are verified.
    pub proof_policy: ProofPolicy,
    /// Seed of the block hashes (two devnets with one seed make the same chain).
    pub seed: [u8; 32],
}

impl DevnetConfig {
    /// A small fast chain for tests and demos: sessions of 4 blocks, 1-block grace period, claim
    /// window blocks E+2..E+5, proof window blocks E+5..E+9 (settled at E+9), 3 suppliers per
    /// session, every claim proven (threshold 0), poktroll's code-default tokenomics, strict
    /// proofs.
    pub fn small() -> Result<Self, FractionError> {
        Ok(Self {
            shared: SharedParams {
                num_blocks_per_session: BlockInterval::new(4),
                grace_period_end_offset_blocks: BlockInterval::new(1),
                claim_window_open_offset_blocks: BlockInterval::new(1),
                claim_window_close_offset_blocks: BlockInterval::new(3),
                proof_window_open_offset_blocks: BlockInterval::new(0),
                proof_window_close_offset_blocks: BlockInterval::new(4),
                session_grid_anchor_height: BlockHeight::new(1),
                session_number_at_anchor: SessionNumber::new(1),
                ..SharedParams::defaults()
            },
            proof: ProofParams {
                proof_requirement_threshold: Upokt::ZERO,
                ..ProofParams::defaults()
            },
            tokenomics: TokenomicsParams::defaults()?,
            num_suppliers_per_session: 3,
            application_min_stake: Upokt::new(1),
            supplier_min_stake: Upokt::new(1),
            proof_policy: ProofPolicy::Strict,
            seed: [0x5e; 32],
        })
    }
}
