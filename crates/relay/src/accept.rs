//! The relay miner's acceptance rules as one pure function.

use pokt_crypto::VerifyingKey;
use pokt_primitives::{Address, RelayRequest, ServiceId, SessionHeader};

use crate::sign::{RelayError, verify_request_signature};

/// `SessionHeader.ValidateBasic`: application address is valid bech32 `pokt`, session id non-empty,
/// service id valid, start ≥ 1, end > start. [RELAY-ACCEPT-2]
pub fn validate_session_header(h: &SessionHeader) -> Result<(), &'static str> {
    h.application_address
        .parse::<Address>()
        .map_err(|_| "application address")?;
    if h.session_id.is_empty() {
        return Err("empty session id");
    }
    ServiceId::new(&h.service_id).map_err(|_| "service id")?;
    if h.session_start_block_height < 1 {
        return Err("start height below 1");
    }
    if h.session_end_block_height <= h.session_start_block_height {
        return Err("end height not after start");
    }
    Ok(())
}

/// What the relay miner knows when a relay arrives.
#[derive(Clone, Copy, Debug)]
pub struct AcceptanceContext<'a> {
    /// The current block height.
    pub current_height: i64,
    /// `grace_period_end_offset_blocks` from the shared params in force at the session's end.
    pub grace_period_end_offset_blocks: i64,
    /// The session the chain derives for the relay's (application, service, start height).
    pub session_header: &'a SessionHeader,
    /// That session's suppliers.
    pub session_suppliers: &'a [Address],
    /// The application's ring at the session's end height.
    pub expected_ring: &'a [VerifyingKey],
    /// The operator addresses this relay miner signs for.
    pub own_suppliers: &'a [Address],
}

/// Why a relay was refused; each variant is one rule. [RELAY-ACCEPT-1]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The session ended and its grace period is over.
    #[error("session ended at {session_end}; grace period over at height {current}")]
    SessionExpired {
        /// The session's end.
        session_end: i64,
        /// The current height.
        current: i64,
    },
    /// The relay's session starts in the future.
    #[error("session has not started")]
    SessionNotStarted,
    /// A header field differs from the chain's session.
    #[error("session header field {0} differs from the chain's session")]
    HeaderMismatch(&'static str),
    /// The named supplier is not in the session.
    #[error("supplier not in the session")]
    SupplierNotInSession,
    /// The named supplier is not one this miner serves.
    #[error("supplier is not served by this relay miner")]
    NotOurSupplier,
    /// The signature checks failed.
    #[error(transparent)]
    Signature(#[from] RelayError),
}

/// The relay miner's acceptance decision for a request (protocol.md §3.6): the session's timing
/// with its grace period, identical header fields to the chain's session, a supplier in the
/// session and served here, and a valid ring signature by the application's ring. Returns the
/// accepted supplier. [RELAY-ACCEPT-1]
pub fn accept_relay(req: &RelayRequest, ctx: &AcceptanceContext<'_>) -> Result<Address, Rejection> {
    let h = req
        .meta
        .session_header
        .as_ref()
        .ok_or(RelayError::Header("missing"))?;
    validate_session_header(h).map_err(RelayError::Header)?;
    if ctx.current_height < h.session_start_block_height {
        return Err(Rejection::SessionNotStarted);
    }
    if h.session_end_block_height < ctx.current_height
        && ctx.current_height
            > h.session_end_block_height
                .saturating_add(ctx.grace_period_end_offset_blocks)
    {
        return Err(Rejection::SessionExpired {
            session_end: h.session_end_block_height,
            current: ctx.current_height,
        });
    }
    let s = ctx.session_header;
    let checks: [(&'static str, bool); 5] = [
        ("session_id", h.session_id == s.session_id),
        (
            "application_address",
            h.application_address == s.application_address,
        ),
        ("service_id", h.service_id == s.service_id),
        (
            "session_start_block_height",
            h.session_start_block_height == s.session_start_block_height,
        ),
        (
            "session_end_block_height",
            h.session_end_block_height == s.session_end_block_height,
        ),
    ];
    if let Some((field, _)) = checks.iter().find(|(_, ok)| !ok) {
        return Err(Rejection::HeaderMismatch(field));
    }
    let supplier: Address = req
        .meta
        .supplier_operator_address
        .parse()
        .map_err(|_| Rejection::SupplierNotInSession)?;
    if !ctx.session_suppliers.contains(&supplier) {
        return Err(Rejection::SupplierNotInSession);
    }
    if !ctx.own_suppliers.contains(&supplier) {
        return Err(Rejection::NotOurSupplier);
    }
    verify_request_signature(req, ctx.expected_ring)?;
    Ok(supplier)
}
