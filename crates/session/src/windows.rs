//! Claim and proof windows of a session, from the shared params in force at its end height.

use pokt_primitives::{BlockHeight, BlockInterval, SharedParams};

/// The shared-module offsets that place the claim and proof windows after a session's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)] // Field names are the chain's param names.
pub struct WindowOffsets {
    pub grace_period_end_offset_blocks: BlockInterval,
    pub claim_window_open_offset_blocks: BlockInterval,
    pub claim_window_close_offset_blocks: BlockInterval,
    pub proof_window_open_offset_blocks: BlockInterval,
    pub proof_window_close_offset_blocks: BlockInterval,
}

impl From<&SharedParams> for WindowOffsets {
    /// The five offsets of the shared params.
    fn from(p: &SharedParams) -> Self {
        Self {
            grace_period_end_offset_blocks: p.grace_period_end_offset_blocks,
            claim_window_open_offset_blocks: p.claim_window_open_offset_blocks,
            claim_window_close_offset_blocks: p.claim_window_close_offset_blocks,
            proof_window_open_offset_blocks: p.proof_window_open_offset_blocks,
            proof_window_close_offset_blocks: p.proof_window_close_offset_blocks,
        }
    }
}

impl WindowOffsets {
    /// Mainnet's values (N = 20 era): grace 10, claim open 11, claim close 10, proof open 1,
    /// proof close 10.
    pub const MAINNET: Self = Self {
        grace_period_end_offset_blocks: BlockInterval::new(10),
        claim_window_open_offset_blocks: BlockInterval::new(11),
        claim_window_close_offset_blocks: BlockInterval::new(10),
        proof_window_open_offset_blocks: BlockInterval::new(1),
        proof_window_close_offset_blocks: BlockInterval::new(10),
    };

    /// Blocks from a session's end to its proof window close (the chain's
    /// `GetSessionEndToProofWindowCloseBlocks`, which leaves out the claim window's "+1").
    pub fn session_end_to_proof_window_close_blocks(&self) -> Option<BlockInterval> {
        self.claim_window_open_offset_blocks
            .checked_add(self.claim_window_close_offset_blocks)?
            .checked_add(self.proof_window_open_offset_blocks)?
            .checked_add(self.proof_window_close_offset_blocks)
    }

    /// The number of sessions that can be pending (not yet settled) at once:
    /// ⌈(session end → proof window close blocks) / N⌉; `None` when N is 0. [SESSION-WIN-3]
    pub fn num_pending_sessions(&self, num_blocks_per_session: BlockInterval) -> Option<u64> {
        self.session_end_to_proof_window_close_blocks()?
            .checked_div_ceil(num_blocks_per_session)
    }

    /// Every window of the session that ends at `session_end` (inclusive last block). `None` if a
    /// height would overflow. [SESSION-WIN-1]
    ///
    /// ```
    /// use pokt_primitives::BlockHeight;
    /// use pokt_session::WindowOffsets;
    /// let w = WindowOffsets::MAINNET.windows(BlockHeight::new(100)).unwrap();
    /// assert_eq!(w.claim_window_open, BlockHeight::new(112));
    /// assert_eq!(w.proof_window_close, BlockHeight::new(133));
    /// assert_eq!(w.settlement_height, w.proof_window_close);
    /// ```
    pub fn windows(&self, session_end: BlockHeight) -> Option<Windows> {
        let e = session_end;
        let grace = e.checked_add(self.grace_period_end_offset_blocks)?;
        let claim_open = e
            .checked_add(self.claim_window_open_offset_blocks)?
            .checked_next()?;
        let claim_close = claim_open.checked_add(self.claim_window_close_offset_blocks)?;
        let proof_open = claim_close.checked_add(self.proof_window_open_offset_blocks)?;
        let proof_close = proof_open.checked_add(self.proof_window_close_offset_blocks)?;
        let settlement = e
            .checked_add(self.session_end_to_proof_window_close_blocks()?)?
            .checked_next()?;
        Some(Windows {
            session_end,
            grace_period_end: grace,
            claim_window_open: claim_open,
            claim_window_close: claim_close,
            proof_window_open: proof_open,
            proof_window_close: proof_close,
            earliest_claim_commit: claim_open,
            earliest_proof_commit: proof_open,
            settlement_height: settlement,
        })
    }
}

/// The windows of one session. All bounds are inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Windows {
    /// The session's last block, E.
    pub session_end: BlockHeight,
    /// Relays for the session are still accepted while the current height is ≤ this.
    pub grace_period_end: BlockHeight,
    /// E + claim open offset + 1 (so relays of the last block can be claimed).
    pub claim_window_open: BlockHeight,
    /// Claim window open + claim close offset.
    pub claim_window_close: BlockHeight,
    /// Claim window close + proof open offset.
    pub proof_window_open: BlockHeight,
    /// Proof window open + proof close offset.
    pub proof_window_close: BlockHeight,
    /// The first height a supplier may commit a claim (the chain's per-supplier randomisation is
    /// disabled, so it is the claim window open).
    pub earliest_claim_commit: BlockHeight,
    /// The first height a supplier may commit a proof (the proof window open).
    pub earliest_proof_commit: BlockHeight,
    /// The block whose end-blocker settles the session's claims: E + (cwo + cwc + pwo + pwc) + 1,
    /// which is the proof window close block. [SESSION-WIN-2]
    pub settlement_height: BlockHeight,
}

impl Windows {
    /// Whether a `MsgCreateClaim` at `height` is inside the claim window.
    pub fn claim_open_at(&self, height: BlockHeight) -> bool {
        self.earliest_claim_commit <= height && height <= self.claim_window_close
    }

    /// Whether a `MsgSubmitProof` at `height` is inside the proof window.
    pub fn proof_open_at(&self, height: BlockHeight) -> bool {
        self.earliest_proof_commit <= height && height <= self.proof_window_close
    }

    /// Whether a relay for this session is still accepted at `height` (grace period included).
    pub fn relays_accepted_at(&self, height: BlockHeight) -> bool {
        height <= self.grace_period_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_sessions_mainnet() {
        let m = WindowOffsets::MAINNET;
        assert_eq!(m.num_pending_sessions(BlockInterval::new(20)), Some(2));
        assert_eq!(m.num_pending_sessions(BlockInterval::ZERO), None);
        assert_eq!(WindowOffsets::from(&SharedParams::mainnet()), m);
    }

    #[test]
    fn overflow_is_none() {
        assert_eq!(WindowOffsets::MAINNET.windows(BlockHeight::MAX), None);
    }
}
