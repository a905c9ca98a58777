//! secp256k1 keys and signatures with Cosmos semantics, as POKT suppliers sign relay responses.

use core::fmt;

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use pokt_primitives::Address;
use sha2::{Digest, Sha256};

/// A secp256k1 signing key. The secret is zeroized on drop and never printed. [CRYPTO-SECP-1]
#[derive(Clone)]
pub struct SigningKey(k256::ecdsa::SigningKey);

/// A secp256k1 public key, held as its 33-byte compressed SEC1 form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VerifyingKey([u8; 33]);

/// A 64-byte `R ‖ S` ECDSA signature (big-endian halves).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

/// Why a key or signature was refused. Deliberately opaque: a verifier learns nothing about which
/// check failed. [CRYPTO-SECP-2]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid key or signature")]
pub struct CryptoError;

impl SigningKey {
    /// A key from its 32-byte big-endian secret scalar (must be in 1..n).
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, CryptoError> {
        k256::ecdsa::SigningKey::from_slice(secret)
            .map(Self)
            .map_err(|_| CryptoError)
    }

    /// The 32-byte secret. Handle with care; zeroize the copy when done.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.0.to_bytes());
        out
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        let p = self.0.verifying_key().to_sec1_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(p.as_bytes());
        VerifyingKey(out)
    }

    /// The account address of the public key.
    pub fn address(&self) -> Address {
        self.verifying_key().address()
    }

    /// Cosmos `PrivKey.Sign(msg)`: deterministic RFC 6979 ECDSA over SHA-256(msg), low S, as 64
    /// bytes `R ‖ S`. Byte-identical to decred's `SignCompact(priv, SHA-256(msg))[1:]`. [CRYPTO-SECP-1]
    pub fn sign(&self, msg: &[u8]) -> Signature {
        let digest = Sha256::digest(msg);
        // RFC 6979 signing over a 32-byte prehash cannot fail for a valid key.
        match PrehashSigner::<k256::ecdsa::Signature>::sign_prehash(&self.0, &digest) {
            Ok(sig) => {
                let sig = sig.normalize_s();
                let mut out = [0u8; 64];
                out.copy_from_slice(&sig.to_bytes());
                Signature(out)
            }
            Err(_) => Signature([0; 64]),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.address())
    }
}

impl VerifyingKey {
    /// A key from its 33-byte compressed SEC1 encoding; off-curve points and other lengths are
    /// refused.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 33] = bytes.try_into().map_err(|_| CryptoError)?;
        k256::ecdsa::VerifyingKey::from_sec1_bytes(&arr).map_err(|_| CryptoError)?;
        Ok(Self(arr))
    }

    /// Wraps bytes already known to be a valid compressed point.
    pub(crate) fn from_valid(bytes: [u8; 33]) -> Self {
        Self(bytes)
    }

    /// The 33 compressed bytes.
    pub fn to_bytes(&self) -> [u8; 33] {
        self.0
    }

    /// The 33 compressed bytes.
    pub fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }

    /// The bech32 `pokt1…` address: RIPEMD160(SHA-256(key)).
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.0)
    }

    /// Cosmos `PubKey.VerifySignature(msg, sig)`: a 64-byte `R ‖ S` signature over SHA-256(msg),
    /// **high S rejected**. [CRYPTO-SECP-2]
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig = k256::ecdsa::Signature::from_slice(sig).map_err(|_| CryptoError)?;
        if sig.normalize_s() != sig {
            return Err(CryptoError);
        }
        let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&self.0).map_err(|_| CryptoError)?;
        key.verify_prehash(&Sha256::digest(msg), &sig)
            .map_err(|_| CryptoError)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Signature {
    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    /// Wraps 64 bytes (no check: verification checks).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}
