#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(all(test, feature = "std"))]
mod cost;
mod field;
mod glv;
mod hash;
mod inverse;
mod placeholder;
mod point;
pub mod ring;
mod secp256k1;
mod tables;
mod traits;

pub use hash::{hash_to_curve, hash_to_scalar, hash_to_scalar_plain};
pub use placeholder::{PLACEHOLDER_SECRET, key_from_secret, placeholder_key};
pub use secp256k1::{CryptoError, Signature, SigningKey, VerifyingKey};
pub use traits::{
    Ed25519SigningKey, Ed25519VerifyingKey, RelaySigner, RelayVerifier, ed25519_verify_batch,
};
