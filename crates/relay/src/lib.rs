#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod accept;
pub mod llm;
mod ring;
mod sign;

pub use accept::{AcceptanceContext, AcceptedRelay, HeaderField, Rejection, accept_relay};
/// A ring with its points worked out once (re-exported from `pokt-crypto`).
pub use pokt_crypto::ring::{PreparedRing, PreparedSigner};
pub use ring::{RingMembers, ring_at};
pub use sign::{
    RelayError, new_request, sign_request, sign_request_prepared, sign_response,
    verify_request_signature, verify_request_signature_prepared, verify_response,
};
