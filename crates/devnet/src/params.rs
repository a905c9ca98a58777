//! Params in force: the shared params by effective height (an update takes effect at the next
//! session start, where the session grid is re-anchored so numbers continue), and the proof and
//! tokenomics params (in force from the next settlement). Each rule reads the shared params in
//! force where the chain reads them: the grid at the queried height, windows and the grace
//! period at the session end, the compute-unit price at the session start. [DEVNET-1]

use pokt_primitives::{
    BlockHeight, BlockInterval, ProofParams, SessionNumber, SharedParams, TokenomicsParams,
};
use pokt_session::{SessionGrid, WindowOffsets, Windows};

use crate::{Devnet, DevnetError};

/// The session grid of `params` (refused when the session length is zero).
pub(crate) fn grid_of(params: &SharedParams) -> Result<SessionGrid, DevnetError> {
    SessionGrid::from_shared(params).ok_or(DevnetError::ZeroSessionLength)
}

impl Devnet {
    /// The shared params in force at `height`.
    pub fn shared_params(&self, height: BlockHeight) -> &SharedParams {
        self.shared.at(height)
    }

    /// The proof params in force (requirement threshold and probability, penalty).
    pub fn proof_params(&self) -> &ProofParams {
        &self.cfg.proof
    }

    /// The tokenomics params in force.
    pub fn tokenomics_params(&self) -> &TokenomicsParams {
        &self.cfg.tokenomics
    }

    /// Updates the shared params from the next session start (returned): the session grid is
    /// re-anchored there so session numbers continue; sessions already begun keep their length
    /// and windows. The anchor fields of `params` are replaced.
    pub fn set_shared_params(
        &mut self,
        mut params: SharedParams,
    ) -> Result<BlockHeight, DevnetError> {
        let end = self.session_end(self.height())?;
        let effective = end.checked_next().ok_or(DevnetError::HeightOverflow)?;
        params.session_grid_anchor_height = effective;
        params.session_number_at_anchor = self
            .grid_at(end)?
            .number(end)
            .checked_next()
            .unwrap_or(SessionNumber::MAX);
        grid_of(&params)?;
        self.shared.record(effective, params);
        Ok(effective)
    }

    /// Replaces the proof params (in force from the next settlement).
    pub fn set_proof_params(&mut self, params: ProofParams) {
        self.cfg.proof = params;
    }

    /// Replaces the tokenomics params (in force from the next settlement).
    pub fn set_tokenomics_params(&mut self, params: TokenomicsParams) {
        self.cfg.tokenomics = params;
    }

    /// The session grid in force at `height`.
    pub(crate) fn grid_at(&self, height: BlockHeight) -> Result<SessionGrid, DevnetError> {
        grid_of(self.shared_params(height))
    }

    /// The last block of the session containing `height`.
    pub fn session_end(&self, height: BlockHeight) -> Result<BlockHeight, DevnetError> {
        Ok(self.grid_at(height)?.end(height))
    }

    /// The first block of the session after the one containing `height`.
    pub fn next_session_start(&self, height: BlockHeight) -> Result<BlockHeight, DevnetError> {
        self.session_end(height)?
            .checked_next()
            .ok_or(DevnetError::HeightOverflow)
    }

    /// The claim, proof and settlement windows of the session ending at `session_end`.
    pub fn windows(&self, session_end: BlockHeight) -> Result<Windows, DevnetError> {
        WindowOffsets::from(self.shared_params(session_end))
            .windows(session_end)
            .ok_or(DevnetError::HeightOverflow)
    }

    /// The grace period after the session ending at `session_end` (relays still accepted).
    pub fn grace_period_blocks(&self, session_end: BlockHeight) -> BlockInterval {
        self.shared_params(session_end)
            .grace_period_end_offset_blocks
    }

    /// How many sessions' claims can be pending at the session ending at `session_end` (what
    /// settlement's budget divides by; 1 when the offsets give none).
    pub(crate) fn num_pending_sessions(&self, session_end: BlockHeight) -> u64 {
        let at_end = self.shared_params(session_end);
        WindowOffsets::from(at_end)
            .num_pending_sessions(at_end.num_blocks_per_session)
            .unwrap_or(1)
    }
}
