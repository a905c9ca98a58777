//! Relay-mining difficulty per service (MINING-DIFF-*): each service's history of targets by
//! effective height, updated at settlement blocks from the relays of the settled claims and
//! effective at the next session start. [DEVNET-1]

use std::collections::BTreeMap;

use pokt_mining::{DifficultyHistory, MinedRelayEma, RelayMiningDifficulty};
use pokt_primitives::{BlockHeight, ServiceId, TargetHash};

use crate::{Devnet, DevnetError};

/// Every service's difficulty history.
#[derive(Clone, Debug, Default)]
pub(crate) struct Difficulty {
    histories: BTreeMap<ServiceId, DifficultyHistory>,
}

impl Difficulty {
    /// Starts an empty history for a new service (every relay is mined until its first
    /// update); an existing one is kept.
    pub(crate) fn add_service(&mut self, service: &ServiceId) {
        self.histories.entry(service.clone()).or_default();
    }

    /// The difficulty of `service` in force at `height`.
    pub(crate) fn at(
        &self,
        service: &ServiceId,
        height: BlockHeight,
        target_num_relays: u64,
    ) -> RelayMiningDifficulty {
        self.histories.get(service).map_or_else(
            || RelayMiningDifficulty::default_for(target_num_relays),
            |h| h.at(height, target_num_relays),
        )
    }

    /// The end-blocker update at `height` for `relays` settled relays of `service`, effective
    /// from `next_start`; the new difficulty, if the EMA moved it.
    pub(crate) fn update(
        &mut self,
        service: &ServiceId,
        height: BlockHeight,
        next_start: BlockHeight,
        relays: u64,
        target_num_relays: u64,
    ) -> Option<RelayMiningDifficulty> {
        self.histories.get_mut(service)?.update(
            &MinedRelayEma,
            height,
            next_start,
            relays,
            target_num_relays,
        )
    }
}

impl Devnet {
    /// The relay-mining difficulty of `service` in force at `height` (EMA and target).
    pub fn difficulty(
        &self,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<RelayMiningDifficulty, DevnetError> {
        let def = self.staking.service(service)?;
        Ok(self.difficulty.at(service, height, def.target_num_relays))
    }

    /// The difficulty target of `service` in force at `height`.
    pub fn target(
        &self,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<TargetHash, DevnetError> {
        Ok(self.difficulty(service, height)?.target_hash)
    }
}
