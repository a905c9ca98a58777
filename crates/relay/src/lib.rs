#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod accept;
mod ring;
mod sign;

pub use accept::{
    AcceptanceContext, AcceptedRelay, Rejection, accept_relay, validate_session_header,
};
pub use ring::{RingMembers, ring_at};
pub use sign::{
    RelayError, new_request, sign_request, sign_response, verify_request_signature,
    verify_response, wire_header,
};
