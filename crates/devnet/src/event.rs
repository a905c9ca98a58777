//! What the chain did, in order.

use pokt_mining::ProofRequirement;
use pokt_primitives::{Address, BlockHeight, ComputeUnits, ServiceId, SessionId, TargetHash};
use pokt_tokenomics::Outcome;

use crate::claims::ProofRejection;

/// What the chain did, in order. [DEVNET-1]
///
/// Non-exhaustive: the devnet may report more of what it does (a host matching these events
/// keeps a catch-all arm).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DevnetEvent {
    /// A claim was accepted.
    ClaimCreated {
        /// The supplier operator.
        supplier: Address,
        /// The session.
        session_id: SessionId,
        /// Relays in the claim (the root's count).
        num_relays: u64,
        /// Compute units (the root's sum).
        num_compute_units: ComputeUnits,
    },
    /// A proof was validated (the revealed leaf's weight).
    ProofValidated {
        /// The supplier operator.
        supplier: Address,
        /// The session.
        session_id: SessionId,
        /// The revealed leaf's weight.
        weight: ComputeUnits,
    },
    /// A proof was refused and recorded (the claim will expire if a proof is required).
    ProofRejected {
        /// The supplier operator.
        supplier: Address,
        /// The session.
        session_id: SessionId,
        /// Why, with the validation step that failed ([`ProofRejection::step`]).
        reason: ProofRejection,
    },
    /// A claim settled, was discarded or expired at its settlement block.
    Settled {
        /// The supplier operator.
        supplier: Address,
        /// The session.
        session_id: SessionId,
        /// Whether a proof was required and why.
        requirement: ProofRequirement,
        /// The outcome.
        outcome: Outcome,
    },
    /// A service's difficulty changed at a settlement block.
    DifficultyUpdated {
        /// The service.
        service: ServiceId,
        /// The new target.
        target: TargetHash,
        /// Effective from this height (the next session start).
        from_height: BlockHeight,
    },
}
