//! Params history and the `Session` value.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId, SessionNumber};

use crate::grid::SessionGrid;
use crate::header::SessionHeader;
use crate::id::{
    ServiceConfig, filter_candidates, select_suppliers, session_id, session_id_preimage,
};

/// Values that change by governance and take effect at a height: "the value in force at h" is
/// the one with the greatest effective height ≤ h, else the initial value. [SESSION-PARAMS-1]
///
/// ```
/// use pokt_primitives::BlockHeight;
/// use pokt_session::ParamsHistory;
/// let mut h = ParamsHistory::new(10u64);
/// h.record(BlockHeight::new(101), 20);
/// assert_eq!(*h.at(BlockHeight::new(100)), 10);
/// assert_eq!(*h.at(BlockHeight::new(101)), 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsHistory<P> {
    initial: P,
    updates: BTreeMap<BlockHeight, P>,
}

impl<P> ParamsHistory<P> {
    /// A history with only the initial value (in force at every height before the first
    /// record).
    pub fn new(initial: P) -> Self {
        Self {
            initial,
            updates: BTreeMap::new(),
        }
    }

    /// Records `params` as effective from `effective_height`, replacing any record at that height.
    pub fn record(&mut self, effective_height: BlockHeight, params: P) {
        self.updates.insert(effective_height, params);
    }

    /// The value in force at `height`. [SESSION-PARAMS-1]
    pub fn at(&self, height: BlockHeight) -> &P {
        self.updates
            .range(..=height)
            .next_back()
            .map_or(&self.initial, |(_, p)| p)
    }

    /// The latest recorded value (what the chain calls the live params once promoted).
    pub fn latest(&self) -> &P {
        self.updates.values().next_back().unwrap_or(&self.initial)
    }

    /// Every recorded update, by effective height.
    pub fn updates(&self) -> impl Iterator<Item = (BlockHeight, &P)> {
        self.updates.iter().map(|(h, p)| (*h, p))
    }
}

/// A session: its header, number, length, application and selected suppliers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The header.
    pub header: SessionHeader,
    /// The session number on the grid.
    pub number: SessionNumber,
    /// N at the session's height.
    pub num_blocks_per_session: BlockInterval,
    /// The preimage the session id hashes (also the supplier-selection seed).
    pub preimage: Vec<u8>,
    /// The selected suppliers' operator addresses, in session order.
    pub suppliers: Vec<Address>,
}

/// Why a session could not be derived.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The query height is not a chain height (≤ 0).
    #[error("height {height} has no session")]
    NoSession {
        /// The query height.
        height: BlockHeight,
    },
    /// No supplier serves the service at the query height.
    #[error("no supplier serves the service at height {height}")]
    NoSuppliers {
        /// The query height.
        height: BlockHeight,
    },
}

/// What deriving a session needs besides the chain's stored data.
#[derive(Clone, Copy, Debug)]
pub struct SessionQuery<'a> {
    /// The application.
    pub application: &'a Address,
    /// The service.
    pub service_id: &'a ServiceId,
    /// The height the session is asked for.
    pub height: BlockHeight,
    /// The grid in force at `height`.
    pub grid: SessionGrid,
    /// `num_suppliers_per_session` in force at `height`.
    pub num_suppliers_per_session: usize,
}

impl Session {
    /// Derives the session of `query`: grid position, id from the start block's hash, suppliers
    /// from the service configurations active at the query height. `block_hash_at` returns the
    /// stored hash of a height. [SESSION-ID-1] [SESSION-SUP-1]
    pub fn derive(
        query: SessionQuery<'_>,
        block_hash_at: impl Fn(BlockHeight) -> Option<BlockHash>,
        configs: &[ServiceConfig],
    ) -> Result<Self, SessionError> {
        let height = query.height;
        if height <= BlockHeight::ZERO {
            return Err(SessionError::NoSession { height });
        }
        let start = query.grid.start(height);
        let end = query.grid.end(height);
        let number = query.grid.number(height);
        let hash = block_hash_at(start);
        let preimage =
            session_id_preimage(hash.as_ref(), query.service_id, query.application, start);
        let id = session_id(&preimage);
        let candidates = filter_candidates(configs, query.service_id, height);
        if candidates.is_empty() {
            return Err(SessionError::NoSuppliers { height });
        }
        let suppliers = select_suppliers(&preimage, &candidates, query.num_suppliers_per_session)
            .into_iter()
            .copied()
            .collect();
        Ok(Self {
            header: SessionHeader {
                application: *query.application,
                service_id: query.service_id.clone(),
                session_id: id,
                start,
                end,
            },
            number,
            num_blocks_per_session: query.grid.num_blocks_per_session(),
            preimage,
            suppliers,
        })
    }
}
