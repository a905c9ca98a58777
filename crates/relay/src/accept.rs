//! The relay miner's acceptance rules as one pure function.

use core::fmt;

use pokt_crypto::ring::PreparedRing;
use pokt_primitives::{Address, BlockHeight, BlockInterval, RelayRequest, SessionHeader};

use crate::sign::{RelayError, checked_header, verify_prepared_signature};

/// What the relay miner knows when a relay arrives.
#[derive(Clone, Copy, Debug)]
pub struct AcceptanceContext<'a> {
    /// The current block height.
    pub current_height: BlockHeight,
    /// `grace_period_end_offset_blocks` from the shared params in force at the session's end.
    pub grace_period_end_offset_blocks: BlockInterval,
    /// The session the chain derives for the relay's (application, service, start height), in
    /// its wire form ([`pokt_session::SessionHeader::to_wire`]).
    pub session_header: &'a SessionHeader,
    /// That session's suppliers.
    pub session_suppliers: &'a [Address],
    /// The application's ring at the session's end height, prepared once per session
    /// ([`PreparedRing::new`] over [`ring_at`](crate::ring_at)).
    pub expected_ring: &'a PreparedRing,
    /// The operator addresses this relay miner signs for.
    pub own_suppliers: &'a [Address],
}

/// A field of the session header, named as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderField {
    /// `session_id`.
    SessionId,
    /// `application_address`.
    ApplicationAddress,
    /// `service_id`.
    ServiceId,
    /// `session_start_block_height`.
    SessionStartBlockHeight,
    /// `session_end_block_height`.
    SessionEndBlockHeight,
}

impl HeaderField {
    /// The wire name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionId => "session_id",
            Self::ApplicationAddress => "application_address",
            Self::ServiceId => "service_id",
            Self::SessionStartBlockHeight => "session_start_block_height",
            Self::SessionEndBlockHeight => "session_end_block_height",
        }
    }
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a relay was refused; each variant is one rule. [RELAY-ACCEPT-1]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The session ended and its grace period is over.
    #[error("session ended at {session_end}; grace period over at height {current}")]
    SessionExpired {
        /// The session's end.
        session_end: BlockHeight,
        /// The current height.
        current: BlockHeight,
    },
    /// The relay's session starts after the current height.
    #[error("session starts at {session_start}, after the current height {current}")]
    SessionNotStarted {
        /// The session's start.
        session_start: BlockHeight,
        /// The current height.
        current: BlockHeight,
    },
    /// A header field differs from the chain's session.
    #[error("session header field {field} differs from the chain's session")]
    HeaderMismatch {
        /// The first field that differs, in the order checked.
        field: HeaderField,
    },
    /// The named supplier is not in the session (or is not an address).
    #[error("supplier not in the session")]
    SupplierNotInSession,
    /// The named supplier is not one this miner serves.
    #[error("supplier is not served by this relay miner")]
    NotOurSupplier,
    /// The signature checks failed.
    #[error(transparent)]
    Signature(#[from] RelayError),
}

/// A request that passed every acceptance rule: a different type from a decoded request, so code
/// that mines or serves relays cannot be handed an unchecked one. [RELAY-ACCEPT-3]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedRelay {
    request: RelayRequest,
    supplier: Address,
}

impl AcceptedRelay {
    /// The accepted request.
    pub fn request(&self) -> &RelayRequest {
        &self.request
    }

    /// The supplier it was accepted for.
    pub fn supplier(&self) -> Address {
        self.supplier
    }

    /// The request, giving up the proof of acceptance.
    pub fn into_request(self) -> RelayRequest {
        self.request
    }
}

/// The relay miner's acceptance decision for a request (protocol.md §3.6): the session's timing
/// with its grace period, identical header fields to the chain's session, a supplier in the
/// session and served here, and a valid ring signature by the application's ring.
/// [RELAY-ACCEPT-1]
pub fn accept_relay(
    req: RelayRequest,
    ctx: &AcceptanceContext<'_>,
) -> Result<AcceptedRelay, Rejection> {
    let supplier = check(&req, ctx)?;
    Ok(AcceptedRelay {
        request: req,
        supplier,
    })
}

/// The first field, in the order checked, where `got` differs from `chain`.
fn first_mismatch(got: &SessionHeader, chain: &SessionHeader) -> Option<HeaderField> {
    if got.session_id != chain.session_id {
        Some(HeaderField::SessionId)
    } else if got.application_address != chain.application_address {
        Some(HeaderField::ApplicationAddress)
    } else if got.service_id != chain.service_id {
        Some(HeaderField::ServiceId)
    } else if got.session_start_block_height != chain.session_start_block_height {
        Some(HeaderField::SessionStartBlockHeight)
    } else if got.session_end_block_height != chain.session_end_block_height {
        Some(HeaderField::SessionEndBlockHeight)
    } else {
        None
    }
}

fn check(req: &RelayRequest, ctx: &AcceptanceContext<'_>) -> Result<Address, Rejection> {
    let h = checked_header(req)?;
    let current = ctx.current_height;
    let session_start = BlockHeight::new(h.session_start_block_height);
    let session_end = BlockHeight::new(h.session_end_block_height);
    if current < session_start {
        return Err(Rejection::SessionNotStarted {
            session_start,
            current,
        });
    }
    // A grace period end beyond the largest height never passes.
    let grace_end = session_end
        .checked_add(ctx.grace_period_end_offset_blocks)
        .unwrap_or(BlockHeight::MAX);
    if session_end < current && current > grace_end {
        return Err(Rejection::SessionExpired {
            session_end,
            current,
        });
    }
    if let Some(field) = first_mismatch(h, ctx.session_header) {
        return Err(Rejection::HeaderMismatch { field });
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
    verify_prepared_signature(req, ctx.expected_ring)?;
    Ok(supplier)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{RingMembers, ring_at, sign_request};
    use pokt_crypto::SigningKey;
    use rand_chacha::rand_core::SeedableRng;

    struct Fixture {
        req: RelayRequest,
        header: SessionHeader,
        ring: alloc::vec::Vec<pokt_crypto::VerifyingKey>,
        supplier: Address,
    }

    fn fixture() -> Fixture {
        let app = SigningKey::from_bytes(&[1; 32]).unwrap();
        let gw = SigningKey::from_bytes(&[2; 32]).unwrap();
        let sup = SigningKey::from_bytes(&[3; 32]).unwrap();
        let ring = ring_at(
            &RingMembers {
                application: Some(app.verifying_key()),
                delegated: alloc::vec![gw.verifying_key()],
                pending_undelegations: alloc::vec![],
            },
            BlockHeight::new(20),
        )
        .unwrap();
        let header = SessionHeader {
            application_address: app.address().to_string(),
            service_id: "llm".into(),
            session_id: "ab".repeat(32),
            session_start_block_height: 11,
            session_end_block_height: 20,
        };
        let mut req = RelayRequest::default();
        req.meta.session_header = Some(header.clone());
        req.meta.supplier_operator_address = sup.address().to_string();
        req.payload = b"prompt".to_vec();
        sign_request(
            &mut req,
            &ring,
            &gw,
            &mut rand_chacha::ChaCha20Rng::from_seed([1; 32]),
        )
        .unwrap();
        Fixture {
            req,
            header,
            ring,
            supplier: sup.address(),
        }
    }

    /// Every rejection reason is reachable, and the honest relay is accepted.
    #[test]
    fn every_rule() {
        let f = fixture();
        let sup = [f.supplier];
        let prepared = PreparedRing::new(&f.ring).unwrap();
        let short = PreparedRing::new(&f.ring[..1]).unwrap();
        let ctx = AcceptanceContext {
            current_height: BlockHeight::new(15),
            grace_period_end_offset_blocks: BlockInterval::new(1),
            session_header: &f.header,
            session_suppliers: &sup,
            expected_ring: &prepared,
            own_suppliers: &sup,
        };
        let ok = accept_relay(f.req.clone(), &ctx).unwrap();
        assert_eq!(ok.supplier(), f.supplier);
        assert_eq!(ok.request(), &f.req);
        // Grace period: accepted at end + 1, refused at end + 2.
        assert!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: BlockHeight::new(21),
                    ..ctx
                }
            )
            .is_ok()
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: BlockHeight::new(22),
                    ..ctx
                }
            ),
            Err(Rejection::SessionExpired {
                session_end: BlockHeight::new(20),
                current: BlockHeight::new(22)
            })
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: BlockHeight::new(10),
                    ..ctx
                }
            ),
            Err(Rejection::SessionNotStarted {
                session_start: BlockHeight::new(11),
                current: BlockHeight::new(10)
            })
        );
        for field in [
            HeaderField::SessionId,
            HeaderField::ApplicationAddress,
            HeaderField::ServiceId,
            HeaderField::SessionStartBlockHeight,
            HeaderField::SessionEndBlockHeight,
        ] {
            let mut h = f.header.clone();
            match field {
                HeaderField::SessionId => h.session_id = "cd".repeat(32),
                HeaderField::ApplicationAddress => {
                    h.application_address = SigningKey::from_bytes(&[9; 32])
                        .unwrap()
                        .address()
                        .to_string()
                }
                HeaderField::ServiceId => h.service_id = "other".into(),
                HeaderField::SessionStartBlockHeight => h.session_start_block_height = 12,
                _ => h.session_end_block_height = 21,
            }
            assert_eq!(
                accept_relay(
                    f.req.clone(),
                    &AcceptanceContext {
                        session_header: &h,
                        ..ctx
                    }
                ),
                Err(Rejection::HeaderMismatch { field })
            );
        }
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    session_suppliers: &[],
                    ..ctx
                }
            ),
            Err(Rejection::SupplierNotInSession)
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    own_suppliers: &[],
                    ..ctx
                }
            ),
            Err(Rejection::NotOurSupplier)
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    expected_ring: &short,
                    ..ctx
                }
            ),
            Err(Rejection::Signature(RelayError::RingNotSubset))
        );
        let mut tampered = f.req.clone();
        tampered.payload.push(b'!');
        assert_eq!(
            accept_relay(tampered, &ctx),
            Err(Rejection::Signature(RelayError::BadSignature))
        );
        let mut unsigned = f.req.clone();
        unsigned.meta.signature.clear();
        assert_eq!(
            accept_relay(unsigned, &ctx),
            Err(Rejection::Signature(RelayError::MalformedSignature))
        );
        let mut no_header = f.req.clone();
        no_header.meta.session_header = None;
        assert_eq!(
            accept_relay(no_header, &ctx),
            Err(Rejection::Signature(RelayError::MissingHeader))
        );
        let mut bad_header = f.req.clone();
        bad_header
            .meta
            .session_header
            .as_mut()
            .unwrap()
            .session_start_block_height = 0;
        assert_eq!(
            accept_relay(bad_header, &ctx),
            Err(Rejection::Signature(RelayError::Header(
                pokt_session::HeaderError::StartHeight {
                    start: BlockHeight::ZERO
                }
            )))
        );
        // A grace period reaching past the largest height does not expire the session.
        assert!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: BlockHeight::MAX,
                    grace_period_end_offset_blocks: BlockInterval::MAX,
                    ..ctx
                }
            )
            .is_ok()
        );
    }
}
