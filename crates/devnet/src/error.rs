//! Why the devnet refused a message or an operation.

use pokt_primitives::{Address, BlockHeight, ServiceId, SessionId};
use pokt_session::SessionError;
use pokt_tokenomics::{ClaimedError, SettleError};

use crate::claims::{ClaimRefusal, MessageRefusal, ProofRefusal};
use crate::ledger::LedgerError;

/// Why the devnet refused a message or an operation. Each variant carries what was refused;
/// nested errors are printed in the message (not also returned as the source).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DevnetError {
    /// No application is staked at this address.
    #[error("unknown application {0}")]
    UnknownApplication(Address),
    /// No gateway is staked at this address.
    #[error("unknown gateway {0}")]
    UnknownGateway(Address),
    /// No supplier is staked at this operator address.
    #[error("unknown supplier {0}")]
    UnknownSupplier(Address),
    /// The service was never added.
    #[error("unknown service {0}")]
    UnknownService(ServiceId),
    /// The chain holds no claim of this supplier for this session (never made, or settled).
    #[error("no claim of supplier {supplier} for session {session_id}")]
    UnknownClaim {
        /// The session.
        session_id: SessionId,
        /// The supplier operator.
        supplier: Address,
    },
    /// The application is not staked for the service.
    #[error("application {application} is not staked for service {service}")]
    NotStakedForService {
        /// The application.
        application: Address,
        /// The service.
        service: ServiceId,
    },
    /// A block the operation needs is not made yet (the proof seed block before the proof
    /// window opens).
    #[error("block {height} is not made yet")]
    NoBlock {
        /// The block's height.
        height: BlockHeight,
    },
    /// The shared params' session length is zero.
    #[error("num_blocks_per_session is zero")]
    ZeroSessionLength,
    /// A height would pass `i64::MAX` (the next block, a session's windows).
    #[error("height beyond the largest block height")]
    HeightOverflow,
    /// A balance cannot pay, or an amount would pass `Upokt::MAX`.
    #[error("ledger: {0}")]
    Ledger(LedgerError),
    /// The session cannot be derived.
    #[error("session: {0}")]
    Session(SessionError),
    /// A claim or proof message does not name the chain's session for its supplier.
    #[error("message refused: {0}")]
    Message(MessageRefusal),
    /// The claim is refused.
    #[error("claim refused: {0}")]
    Claim(ClaimRefusal),
    /// The proof is refused.
    #[error("proof refused: {0}")]
    Proof(ProofRefusal),
    /// A claim's value cannot be computed (zero pricing params, or beyond 256 bits).
    #[error("claim value: {0}")]
    ClaimValue(ClaimedError),
    /// Settlement refused the block (a bug or an impossible ledger state).
    #[error("settlement: {0}")]
    Settle(SettleError),
}

impl From<LedgerError> for DevnetError {
    fn from(e: LedgerError) -> Self {
        Self::Ledger(e)
    }
}

impl From<MessageRefusal> for DevnetError {
    fn from(e: MessageRefusal) -> Self {
        Self::Message(e)
    }
}

impl From<ClaimRefusal> for DevnetError {
    fn from(e: ClaimRefusal) -> Self {
        Self::Claim(e)
    }
}

impl From<ProofRefusal> for DevnetError {
    fn from(e: ProofRefusal) -> Self {
        Self::Proof(e)
    }
}
