//! Signer and verifier traits, so relay code works with secp256k1 (mainnet) or ed25519 (other
//! networks, research on verification cost).

use alloc::vec::Vec;

use crate::secp256k1::{CryptoError, SigningKey, VerifyingKey};

/// A key that signs relay responses. [CRYPTO-TRAIT-1]
pub trait RelaySigner {
    /// The matching public key.
    type Verifier: RelayVerifier;
    /// Signs `msg`; the bytes go into `supplier_operator_signature`.
    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8>;
    /// The public key.
    fn verifier(&self) -> Self::Verifier;
}

/// A public key that checks relay-response signatures.
pub trait RelayVerifier {
    /// Verifies `sig` over `msg` (opaque error).
    fn verify_bytes(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError>;
}

impl RelaySigner for SigningKey {
    type Verifier = VerifyingKey;
    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        self.sign(msg).to_bytes().to_vec()
    }
    fn verifier(&self) -> VerifyingKey {
        self.verifying_key()
    }
}

impl RelayVerifier for VerifyingKey {
    fn verify_bytes(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        self.verify(msg, sig)
    }
}

/// An ed25519 signing key (not mainnet). The secret zeroizes on drop and never prints.
#[derive(Clone)]
pub struct Ed25519SigningKey(ed25519_dalek::SigningKey);

/// An ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ed25519VerifyingKey(ed25519_dalek::VerifyingKey);

impl Ed25519SigningKey {
    /// A key from its 32-byte seed.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }
}

impl core::fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Ed25519SigningKey(<secret>)")
    }
}

impl core::fmt::Debug for Ed25519VerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Ed25519VerifyingKey(")?;
        for b in self.0.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Ed25519VerifyingKey {
    /// A key from its 32 bytes (must decode to a curve point).
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, CryptoError> {
        ed25519_dalek::VerifyingKey::from_bytes(b)
            .map(Self)
            .map_err(|_| CryptoError)
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl RelaySigner for Ed25519SigningKey {
    type Verifier = Ed25519VerifyingKey;
    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer;
        self.0.sign(msg).to_bytes().to_vec()
    }
    fn verifier(&self) -> Ed25519VerifyingKey {
        Ed25519VerifyingKey(self.0.verifying_key())
    }
}

impl RelayVerifier for Ed25519VerifyingKey {
    /// Strict verification (rejects small-order keys and non-canonical signatures).
    fn verify_bytes(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| CryptoError)?;
        self.0.verify_strict(msg, &sig).map_err(|_| CryptoError)
    }
}

/// Verifies many ed25519 signatures at once (faster than one by one; all-or-nothing).
/// [CRYPTO-ED-1]
pub fn ed25519_verify_batch(
    items: &[(&[u8], &[u8], Ed25519VerifyingKey)],
) -> Result<(), CryptoError> {
    let mut msgs = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    let mut keys = Vec::with_capacity(items.len());
    for (m, s, k) in items {
        msgs.push(*m);
        sigs.push(ed25519_dalek::Signature::from_slice(s).map_err(|_| CryptoError)?);
        keys.push(k.0);
    }
    ed25519_dalek::verify_batch(&msgs, &sigs, &keys).map_err(|_| CryptoError)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn round_trip<S: RelaySigner>(k: &S) {
        let sig = k.sign_bytes(b"signable hash");
        assert!(k.verifier().verify_bytes(b"signable hash", &sig).is_ok());
        assert!(k.verifier().verify_bytes(b"other", &sig).is_err());
        assert!(
            k.verifier()
                .verify_bytes(b"signable hash", &sig[1..])
                .is_err()
        );
    }

    #[test]
    fn both_schemes_behind_one_trait() {
        round_trip(&SigningKey::from_bytes(&[5; 32]).unwrap());
        round_trip(&Ed25519SigningKey::from_bytes(&[5; 32]));
    }

    #[test]
    fn batch() {
        let keys: Vec<Ed25519SigningKey> = (0u8..8)
            .map(|i| Ed25519SigningKey::from_bytes(&[i; 32]))
            .collect();
        let msgs: Vec<Vec<u8>> = (0u8..8).map(|i| vec![i; 40]).collect();
        let sigs: Vec<Vec<u8>> = keys
            .iter()
            .zip(&msgs)
            .map(|(k, m)| k.sign_bytes(m))
            .collect();
        let items: Vec<(&[u8], &[u8], Ed25519VerifyingKey)> = msgs
            .iter()
            .zip(&sigs)
            .zip(&keys)
            .map(|((m, s), k)| (m.as_slice(), s.as_slice(), k.verifier()))
            .collect();
        assert!(ed25519_verify_batch(&items).is_ok());
        let mut bad = items.clone();
        bad[3].0 = b"tampered";
        assert!(ed25519_verify_batch(&bad).is_err());
    }
}
