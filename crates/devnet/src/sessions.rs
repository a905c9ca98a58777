//! Sessions (SESSION-*), derived from the session grid in force, the block hash at the session
//! start and the suppliers' service configurations; rings (RELAY-RING-1) from the application's
//! delegations; the proof seed block. [DEVNET-1]

use pokt_crypto::VerifyingKey;
use pokt_primitives::{Address, BlockHash, BlockHeight, ServiceId};
use pokt_relay::ring_at;
use pokt_session::{Session, SessionQuery};

use crate::{Devnet, DevnetError};

impl Devnet {
    /// The session of `app` for `service` at `height` (≤ the current height: the session
    /// start's block hash must exist).
    pub fn session(
        &self,
        app: &Address,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<Session, DevnetError> {
        let a = self.staking.application(app)?;
        if !a.services.contains(service) {
            return Err(DevnetError::NotStakedForService {
                application: *app,
                service: service.clone(),
            });
        }
        Session::derive(
            SessionQuery {
                application: app,
                service_id: service,
                height,
                grid: self.grid_at(height)?,
                num_suppliers_per_session: self.cfg.num_suppliers_per_session,
            },
            |h| self.block_hash(h),
            &self.staking.service_configs(),
        )
        .map_err(DevnetError::Session)
    }

    /// The ring an application's relays must be signed with at a session end height: the
    /// application and its gateways (the placeholder key when none).
    pub fn ring(
        &self,
        app: &Address,
        session_end: BlockHeight,
    ) -> Result<Vec<VerifyingKey>, DevnetError> {
        let members = self.staking.ring_members(app)?;
        // The ring fails only without the application's key, which a staked application has.
        ring_at(&members, session_end).map_err(|_| DevnetError::UnknownApplication(*app))
    }

    /// The seed block hash of a session's proof: the block before the proof window opens
    /// (refused until it is made).
    pub fn proof_seed(&self, session_end: BlockHeight) -> Result<BlockHash, DevnetError> {
        let height = self
            .windows(session_end)?
            .proof_window_open
            .checked_prev()
            .ok_or(DevnetError::HeightOverflow)?;
        self.block_hash(height)
            .ok_or(DevnetError::NoBlock { height })
    }
}
