#![doc = include_str!("../README.md")]
#![allow(clippy::expect_used)] // fixtures: a failure here is a broken test, not an input error

use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_primitives::{Address, BlockHeight, Relay, RelayRequest, RelayResponse, SessionHeader};
use pokt_relay::{RingMembers, new_request, ring_at, sign_request, sign_response};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// The fixed secret of the test application's key (`[1; 32]`).
pub const APP_SECRET: [u8; 32] = [1; 32];
/// The fixed secret of the test gateway's key (`[2; 32]`).
pub const GATEWAY_SECRET: [u8; 32] = [2; 32];
/// The fixed secret of the test supplier's key (`[3; 32]`).
pub const SUPPLIER_SECRET: [u8; 32] = [3; 32];

/// A key from a fixed secret.
///
/// # Panics
/// When the secret is not a valid secp256k1 scalar (zero or at least the group order).
pub fn key(secret: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&secret).expect("a fixture secret is a valid scalar")
}

/// One application that delegated to one gateway, one supplier, and the session they share:
/// service `llm`, blocks 11 to 20, session id `5b…5b`, the application's ring at the session end.
///
/// Fields are public so a test can change what it studies (e.g. `header.session_id`) and
/// rebuild the ring with [`World::with_header`].
#[derive(Debug, Clone)]
pub struct World {
    /// The application (ring member, owner of the session).
    pub app: SigningKey,
    /// The gateway the application delegated to; it signs the requests.
    pub gateway: SigningKey,
    /// The supplier serving the session; it signs the responses.
    pub supplier: SigningKey,
    /// The session header every request and response carries.
    pub header: SessionHeader,
    /// The application's ring at the session end: application and gateway.
    pub ring: Vec<VerifyingKey>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// The standard world (see the type's documentation).
    pub fn new() -> Self {
        let app = key(APP_SECRET);
        let header = SessionHeader {
            application_address: app.address().to_string(),
            service_id: "llm".into(),
            session_id: "5b".repeat(32),
            session_start_block_height: 11,
            session_end_block_height: 20,
        };
        Self::with_header(header)
    }

    /// The standard keys with another session header; the ring is taken at its end height.
    pub fn with_header(header: SessionHeader) -> Self {
        let app = key(APP_SECRET);
        let gateway = key(GATEWAY_SECRET);
        let supplier = key(SUPPLIER_SECRET);
        let ring = ring_at(
            &RingMembers {
                application: Some(app.verifying_key()),
                delegated: vec![gateway.verifying_key()],
                pending_undelegations: vec![],
            },
            BlockHeight::new(header.session_end_block_height),
        )
        .expect("the application is in its ring");
        Self {
            app,
            gateway,
            supplier,
            header,
            ring,
        }
    }

    /// The supplier's operator address.
    pub fn supplier_address(&self) -> Address {
        self.supplier.address()
    }

    /// A request for this session with `payload`, ring-signed by the gateway with a nonce drawn
    /// from ChaCha20 seeded with `seed` (same seed, same bytes).
    pub fn request(&self, payload: Vec<u8>, seed: u64) -> RelayRequest {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        self.request_with(payload, &mut rng)
    }

    /// As [`World::request`], drawing the nonce from `rng`.
    pub fn request_with(&self, payload: Vec<u8>, rng: &mut ChaCha20Rng) -> RelayRequest {
        let mut req = new_request(&self.header, &self.supplier.address(), payload);
        sign_request(&mut req, &self.ring, &self.gateway, rng).expect("the gateway is in the ring");
        req
    }

    /// The response to `req` with `payload`, signed by the supplier, as a relay.
    pub fn relay(&self, req: RelayRequest, payload: Vec<u8>) -> Relay {
        let mut res = RelayResponse {
            payload,
            ..RelayResponse::default()
        };
        res.meta.session_header = Some(self.header.clone());
        sign_response(&mut res, &self.supplier);
        Relay {
            req: Some(req),
            res: Some(res),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pokt_primitives::Message;

    #[test]
    fn requests_are_deterministic_and_verify() {
        let w = World::new();
        let a = w.request(b"x".to_vec(), 1);
        assert_eq!(a.encode(), w.request(b"x".to_vec(), 1).encode());
        assert_ne!(a.encode(), w.request(b"x".to_vec(), 2).encode());
        let relay = w.relay(a, b"y".to_vec());
        assert!(relay.res.is_some_and(|r| r.payload_hash_matches()));
    }
}
