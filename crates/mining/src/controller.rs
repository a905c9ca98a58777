//! Difficulty controllers and the per-service difficulty history.

use alloc::collections::BTreeMap;

use pokt_primitives::BlockHeight;

use crate::difficulty::{RelayMiningDifficulty, ema, next_target, target_fraction_f64};

/// How a service's difficulty reacts to the relays settled in a block. [MINING-CTRL-1]
pub trait Controller {
    /// The relays fed to the EMA for a block whose settled claims hold `mined` relays in total,
    /// under the difficulty `current` they were mined at.
    fn ema_input(&self, mined: u64, current: &RelayMiningDifficulty) -> u64;

    /// The next difficulty: EMA(prev EMA, input) with Go's arithmetic, then the target recomputed
    /// from the base. `None` only when the EMA is 0.
    fn next(
        &self,
        prev: &RelayMiningDifficulty,
        mined: u64,
        target_num_relays: u64,
    ) -> Option<RelayMiningDifficulty> {
        let input = self.ema_input(mined, prev);
        let new_ema = ema(prev.num_relays_ema, input);
        let target_hash = next_target(target_num_relays, new_ema)?;
        Some(RelayMiningDifficulty {
            num_relays_ema: new_ema,
            target_hash,
        })
    }
}

/// poktroll's controller (the compatible default): the EMA is fed the **mined** relays (the
/// claims' SMST counts). With R relays a block and probability p, the EMA settles at R·p and the
/// target sets p = T / (R·p), so p settles at √(T / R) rather than the paper's T / R
/// (`spec/mining.md` gives the arithmetic). [MINING-CTRL-1]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinedRelayEma;

impl Controller for MinedRelayEma {
    fn ema_input(&self, mined: u64, _current: &RelayMiningDifficulty) -> u64 {
        mined
    }
}

/// The Relay Mining paper's controller: the EMA is fed the **estimated** relays, mined ÷ p, so the
/// probability settles at target / relays. The estimate is computed in `f64` and saturates at
/// `u64::MAX` (research use; not a chain rule).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EstimatedRelayEma;

impl Controller for EstimatedRelayEma {
    fn ema_input(&self, mined: u64, current: &RelayMiningDifficulty) -> u64 {
        let p = target_fraction_f64(&current.target_hash);
        if p <= 0.0 {
            return u64::MAX;
        }
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let est = mined as f64 / p + 0.5;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        if est >= 18_446_744_073_709_551_615.0 {
            u64::MAX
        } else {
            est as u64
        }
    }
}

/// One service's difficulty over time, as the chain keeps it: a live record and a history keyed
/// by effective height. Consumers read the difficulty at a session's **start** height.
/// [MINING-DIFF-2]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DifficultyHistory {
    live: Option<RelayMiningDifficulty>,
    history: BTreeMap<BlockHeight, RelayMiningDifficulty>,
}

impl DifficultyHistory {
    /// An empty history (every relay is mined until the first update).
    pub fn new() -> Self {
        Self::default()
    }

    /// The difficulty in force at `height` (greatest effective height ≤ `height`), else the
    /// default for `target_num_relays`.
    pub fn at(&self, height: BlockHeight, target_num_relays: u64) -> RelayMiningDifficulty {
        self.history.range(..=height).next_back().map_or_else(
            || RelayMiningDifficulty::default_for(target_num_relays),
            |(_, d)| *d,
        )
    }

    /// The live record, if any update happened.
    pub fn live(&self) -> Option<&RelayMiningDifficulty> {
        self.live.as_ref()
    }

    /// Every recorded (effective height, difficulty).
    pub fn entries(&self) -> impl Iterator<Item = (BlockHeight, &RelayMiningDifficulty)> {
        self.history.iter().map(|(h, d)| (*h, d))
    }

    /// Applies the end-blocker update of a block at `current_height` whose settled claims for this
    /// service hold `mined` relays; the new difficulty takes effect at `next_session_start`.
    /// Mirrors poktroll: without a live record the previous one is `{ema: mined, target from
    /// mined}`; an empty history first records that previous value at `current_height`.
    /// Returns the new difficulty (`None` when the EMA would be 0, which the chain cannot reach
    /// because it only updates for settled, non-empty claims).
    pub fn update(
        &mut self,
        controller: &impl Controller,
        current_height: BlockHeight,
        next_session_start: BlockHeight,
        mined: u64,
        target_num_relays: u64,
    ) -> Option<RelayMiningDifficulty> {
        let prev = match self.live {
            Some(d) => d,
            None => RelayMiningDifficulty {
                num_relays_ema: mined,
                target_hash: next_target(target_num_relays, mined)?,
            },
        };
        let new = controller.next(&prev, mined, target_num_relays)?;
        if self.history.is_empty() {
            self.history.insert(current_height, prev);
        }
        self.history.insert(next_session_start, new);
        self.live = Some(new);
        Some(new)
    }
}
