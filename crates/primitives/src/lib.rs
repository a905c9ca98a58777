#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod address;
mod fraction;
mod hash;
mod http;
mod messages;
mod params;
mod proto;
mod service;
mod units;

pub use address::{ADDRESS_HRP, Address, AddressError};
pub use fraction::{Fraction, FractionError};
pub use hash::{BlockHash, ClaimHash, HashError, ProofPath, RelayHash, SessionId, TargetHash};
pub use http::{HttpHeader, HttpHeaders, PoktHttpRequest, PoktHttpResponse};
pub use messages::{
    Claim, ClaimProofStatus, Message, MsgCreateClaim, MsgSubmitProof, Relay, RelayMinerError,
    RelayRequest, RelayRequestMetadata, RelayResponse, RelayResponseMetadata, SessionHeader,
};
pub use params::{
    ProofParams, ServiceParams, SessionParams, SharedParams, Shares, TokenomicsParams,
};
pub use proto::DecodeError;
pub use service::{SERVICE_ID_MAX_LEN, ServiceId, ServiceIdError};
pub use units::{BlockHeight, BlockInterval, ComputeUnits, SessionNumber, Upokt};
