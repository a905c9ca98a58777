//! Signing and verifying relays: the gateway's ring signature over the request, the supplier's
//! secp256k1 signature over the response.

use alloc::vec::Vec;

use pokt_crypto::ring::{RingSignature, sign};
use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_primitives::{RelayRequest, RelayResponse};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::accept::validate_session_header;

/// Why a relay's signatures did not check out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The session header is missing or fails its basic validation.
    #[error("invalid session header: {0}")]
    Header(&'static str),
    /// The request carries no signature, or one that does not decode.
    #[error("missing or malformed ring signature")]
    MalformedSignature,
    /// A key of the signature's ring is not in the application's ring.
    #[error("ring signature uses a key outside the application's ring")]
    RingNotSubset,
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The response's payload hash is not SHA-256 of its payload.
    #[error("payload hash mismatch")]
    PayloadHash,
    /// The signer is not a member of the ring.
    #[error("the signing key is not in the ring")]
    SignerNotInRing,
}

/// Ring-signs a request: the signature covers SHA-256 of the request with its signature field
/// cleared and is stored in `meta.signature`. [RELAY-SIGN-1]
pub fn sign_request(
    req: &mut RelayRequest,
    ring: &[VerifyingKey],
    key: &SigningKey,
    rng: &mut impl CryptoRng,
) -> Result<(), RelayError> {
    let me = key.verifying_key();
    let j = ring
        .iter()
        .position(|k| *k == me)
        .ok_or(RelayError::SignerNotInRing)?;
    let sig =
        sign(&req.signable_hash(), ring, j, key, rng).map_err(|_| RelayError::BadSignature)?;
    req.meta.signature = sig.encode();
    Ok(())
}

/// The chain's request check: valid session header, a decodable ring signature whose keys all
/// belong to `expected_ring`, verifying over the signable hash. [RELAY-VERIFY-1]
pub fn verify_request_signature(
    req: &RelayRequest,
    expected_ring: &[VerifyingKey],
) -> Result<(), RelayError> {
    let header = req
        .meta
        .session_header
        .as_ref()
        .ok_or(RelayError::Header("missing"))?;
    validate_session_header(header).map_err(RelayError::Header)?;
    if req.meta.signature.is_empty() {
        return Err(RelayError::MalformedSignature);
    }
    let sig =
        RingSignature::decode(&req.meta.signature).map_err(|_| RelayError::MalformedSignature)?;
    if !sig.keys_subset_of(expected_ring) {
        return Err(RelayError::RingNotSubset);
    }
    sig.verify(&req.signable_hash())
        .map_err(|_| RelayError::BadSignature)
}

/// The supplier's side: sets `payload_hash = SHA-256(payload)` (when there is a payload) and signs
/// the response's signable hash with Cosmos semantics. [RELAY-SIGN-2]
pub fn sign_response(res: &mut RelayResponse, key: &SigningKey) {
    if !res.payload.is_empty() {
        res.payload_hash = Sha256::digest(&res.payload).to_vec();
    }
    res.meta.supplier_operator_signature = Vec::new();
    let sig = key.sign(&res.signable_hash());
    res.meta.supplier_operator_signature = sig.to_bytes().to_vec();
}

/// The gateway's check of a response: the supplier's signature over the signable hash, and, when
/// a payload is present, that `payload_hash` is its SHA-256. [RELAY-VERIFY-2]
pub fn verify_response(res: &RelayResponse, supplier: &VerifyingKey) -> Result<(), RelayError> {
    supplier
        .verify(&res.signable_hash(), &res.meta.supplier_operator_signature)
        .map_err(|_| RelayError::BadSignature)?;
    if !res.payload.is_empty() && !res.payload_hash_matches() {
        return Err(RelayError::PayloadHash);
    }
    Ok(())
}
