//! The ring an application's relays are signed with.

use alloc::vec::Vec;

use pokt_crypto::{CryptoError, VerifyingKey, placeholder_key};
use pokt_primitives::BlockHeight;

/// What the chain knows about an application's signers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RingMembers {
    /// The application's key.
    pub application: Option<VerifyingKey>,
    /// Gateways it currently delegates to.
    pub delegated: Vec<VerifyingKey>,
    /// Pending undelegations: (session end height at which it was requested, gateway key).
    pub pending_undelegations: Vec<(BlockHeight, VerifyingKey)>,
}

/// The ring at session end height `session_end`: the application, its delegated gateways,
/// gateways whose undelegation was requested at a session end ≥ `session_end` (no
/// de-duplication), and the placeholder key when there is no gateway; sorted by address string as
/// the signer sorts it. [RELAY-RING-1]
pub fn ring_at(
    members: &RingMembers,
    session_end: BlockHeight,
) -> Result<Vec<VerifyingKey>, CryptoError> {
    let mut ring: Vec<VerifyingKey> = Vec::new();
    let app = members.application.ok_or(CryptoError::new())?;
    ring.push(app);
    ring.extend(members.delegated.iter().copied());
    ring.extend(
        members
            .pending_undelegations
            .iter()
            .filter(|(at, _)| *at >= session_end)
            .map(|(_, g)| *g),
    );
    if ring.len() == 1 {
        ring.push(placeholder_key()?.verifying_key());
    }
    ring.sort_by(|a, b| a.address().as_str().cmp(b.address().as_str()));
    Ok(ring)
}
