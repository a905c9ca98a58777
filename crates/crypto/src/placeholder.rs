//! The placeholder ring key poktroll adds to the ring of an application without gateways.

use crypto_bigint::U256;
use sha2::{Digest, Sha256};

use crate::hash::order;
use crate::secp256k1::{CryptoError, SigningKey};

/// The secret string poktroll derives the placeholder key from.
pub const PLACEHOLDER_SECRET: &str = "placeholder_ring_key_for_apps_without_gateways";

/// Cosmos `GenPrivKeyFromSecret(secret)`: the secret scalar is (SHA-256(secret) mod (n − 1)) + 1,
/// never zero. [CRYPTO-PLACEHOLDER-1]
pub fn key_from_secret(secret: &[u8]) -> Result<SigningKey, CryptoError> {
    let h = U256::from_be_slice(&Sha256::digest(secret));
    let n_minus_1 = order().wrapping_sub(&U256::ONE);
    // h < 2^256 < 2(n − 1): one conditional subtraction reduces it.
    let r = if h >= n_minus_1 {
        h.wrapping_sub(&n_minus_1)
    } else {
        h
    };
    let k = r.wrapping_add(&U256::ONE);
    let bytes = k.to_be_bytes();
    let mut arr = [0u8; 32];
    arr.copy_from_slice(bytes.as_ref());
    SigningKey::from_bytes(&arr)
}

/// The placeholder ring key (its address is `pokt1v9utztg8z8e6jv9xzv7rnt3m38570xsyjr2crf`).
pub fn placeholder_key() -> Result<SigningKey, CryptoError> {
    key_from_secret(PLACEHOLDER_SECRET.as_bytes())
}
