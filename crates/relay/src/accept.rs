//! The relay miner's acceptance rules as one pure function.

use pokt_crypto::ring::PreparedRing;
use pokt_primitives::{Address, RelayRequest, ServiceId, SessionHeader};

use crate::sign::{RelayError, verify_request_signature_prepared};

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
    /// The application's ring at the session's end height, prepared once per session
    /// ([`PreparedRing::new`] over [`ring_at`](crate::ring_at)).
    pub expected_ring: &'a PreparedRing,
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

fn check(req: &RelayRequest, ctx: &AcceptanceContext<'_>) -> Result<Address, Rejection> {
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
    verify_request_signature_prepared(req, ctx.expected_ring)?;
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
            20,
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
            current_height: 15,
            grace_period_end_offset_blocks: 1,
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
                    current_height: 21,
                    ..ctx
                }
            )
            .is_ok()
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: 22,
                    ..ctx
                }
            ),
            Err(Rejection::SessionExpired {
                session_end: 20,
                current: 22
            })
        );
        assert_eq!(
            accept_relay(
                f.req.clone(),
                &AcceptanceContext {
                    current_height: 10,
                    ..ctx
                }
            ),
            Err(Rejection::SessionNotStarted)
        );
        for field in [
            "session_id",
            "application_address",
            "service_id",
            "session_start_block_height",
            "session_end_block_height",
        ] {
            let mut h = f.header.clone();
            match field {
                "session_id" => h.session_id = "cd".repeat(32),
                "application_address" => {
                    h.application_address = SigningKey::from_bytes(&[9; 32])
                        .unwrap()
                        .address()
                        .to_string()
                }
                "service_id" => h.service_id = "other".into(),
                "session_start_block_height" => h.session_start_block_height = 12,
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
                Err(Rejection::HeaderMismatch(field))
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
            Err(Rejection::Signature(RelayError::Header("missing")))
        );
        let mut bad_header = f.req.clone();
        bad_header
            .meta
            .session_header
            .as_mut()
            .unwrap()
            .session_start_block_height = 0;
        assert!(matches!(
            accept_relay(bad_header, &ctx),
            Err(Rejection::Signature(RelayError::Header(_)))
        ));
    }
}
