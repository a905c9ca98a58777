#![doc = include_str!("../README.md")]
//!
//! # Modules
//!
//! [`Devnet`] is a façade over one module per part of the chain, each small enough to read in
//! one sitting:
//!
//! | Module | What it holds or does |
//! |---|---|
//! | `blocks` | heights and deterministic block hashes |
//! | `ledger` | balances, module accounts, the gateway module, minted and burned ([`LedgerError`]) |
//! | `staking` | services, applications, gateways, delegations, suppliers |
//! | `params` | the shared-params history (effective at session starts), proof and tokenomics params |
//! | `sessions` | sessions, windows, rings, the proof seed |
//! | `difficulty` | each service's difficulty history |
//! | `claims` | claims and proofs: acceptance, validation, what is recorded |
//! | `settlement` | the end-blocker: proof requirement, expiry, settlement, difficulty updates |
//!
//! # Spec
//! `[DEVNET-1]` (spec/devnet.md).

mod blocks;
mod claims;
mod config;
mod difficulty;
mod error;
mod event;
mod ledger;
mod params;
mod sessions;
mod settlement;
mod staking;

#[cfg(test)]
mod tests;

pub use claims::{ClaimRecord, ClaimRefusal, MessageRefusal, ProofRefusal, ProofRejection};
pub use config::{DevnetConfig, ProofPolicy};
pub use error::DevnetError;
pub use event::DevnetEvent;
pub use ledger::{LedgerError, SupplyChanges};
pub use staking::{ApplicationInfo, GatewayInfo, ServiceDef, SupplierInfo};

use pokt_primitives::{BlockHash, BlockHeight, SharedParams};
use pokt_session::ParamsHistory;

use crate::blocks::Blocks;
use crate::claims::Claims;
use crate::difficulty::Difficulty;
use crate::ledger::Ledger;
use crate::staking::Staking;

/// An in-memory POKT chain driven by the pokt-rs crates: blocks with block hashes, stakes,
/// delegations, services, sessions, claims and proofs in their windows, proof validation (by
/// the configured [`ProofPolicy`]), the proof requirement, settlement and difficulty updates.
/// Pure: heights advance only when the host calls [`advance`](Self::advance). [DEVNET-1]
#[derive(Clone, Debug)]
pub struct Devnet {
    cfg: DevnetConfig,
    blocks: Blocks,
    /// Shared params by effective height (session grid, windows, compute-unit price).
    shared: ParamsHistory<SharedParams>,
    ledger: Ledger,
    staking: Staking,
    difficulty: Difficulty,
    claims: Claims,
    events: Vec<DevnetEvent>,
}

impl Devnet {
    /// A chain at height 1 (the genesis block's hash is made). Refused when the shared params'
    /// session length is zero.
    pub fn new(cfg: DevnetConfig) -> Result<Self, DevnetError> {
        params::grid_of(&cfg.shared)?;
        let mut d = Self {
            shared: ParamsHistory::new(cfg.shared),
            blocks: Blocks::new(cfg.seed),
            cfg,
            ledger: Ledger::default(),
            staking: Staking::default(),
            difficulty: Difficulty::default(),
            claims: Claims::default(),
            events: Vec::new(),
        };
        d.blocks.make()?;
        Ok(d)
    }

    /// The configuration: the genesis shared params, and the proof and tokenomics params in
    /// force (see [`set_proof_params`](Self::set_proof_params)); the shared params in force at a
    /// height are [`shared_params`](Self::shared_params).
    pub fn config(&self) -> &DevnetConfig {
        &self.cfg
    }

    /// The current height (the last block made).
    pub fn height(&self) -> BlockHeight {
        self.blocks.height()
    }

    /// The hash of block `height` (`None` before genesis or after the current height).
    pub fn block_hash(&self, height: BlockHeight) -> Option<BlockHash> {
        self.blocks.hash(height)
    }

    /// Makes the next block and runs its end-blocker: the claims whose settlement height it is
    /// are settled (proof requirement, expiry, settlement, difficulty update). Returns the events
    /// of the block.
    pub fn advance(&mut self) -> Result<Vec<DevnetEvent>, DevnetError> {
        self.begin_block()?;
        self.end_block()
    }

    /// Makes the next block without its end-blocker, so that a host can execute the block's
    /// messages at its height first; call [`end_block`](Self::end_block) once after it.
    /// [`advance`](Self::advance) is the two together.
    pub fn begin_block(&mut self) -> Result<BlockHeight, DevnetError> {
        self.blocks.make()
    }

    /// Runs the end-blocker of the current block (settlement of the claims ripe at this height,
    /// difficulty updates). Returns its events.
    pub fn end_block(&mut self) -> Result<Vec<DevnetEvent>, DevnetError> {
        let first = self.events.len();
        self.settle_ripe()?;
        Ok(self.events.get(first..).unwrap_or(&[]).to_vec())
    }

    /// Makes blocks until `height`; returns their events.
    pub fn advance_to(&mut self, height: BlockHeight) -> Result<Vec<DevnetEvent>, DevnetError> {
        let mut out = Vec::new();
        while self.height() < height {
            out.extend(self.advance()?);
        }
        Ok(out)
    }

    /// Every event so far.
    pub fn events(&self) -> &[DevnetEvent] {
        &self.events
    }
}
