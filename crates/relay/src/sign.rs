//! Signing and verifying relays: the gateway's ring signature over the request, the supplier's
//! secp256k1 signature over the response.

use alloc::vec::Vec;

use pokt_crypto::ring::{PreparedRing, PreparedSigner, RingSignature, sign, sign_prepared};
use pokt_crypto::{RelaySigner, RelayVerifier, SigningKey, VerifyingKey};
use pokt_primitives::{Address, RelayRequest, RelayResponse, SessionHeader};
use pokt_session::{HeaderError, validate_wire_header};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

/// Why a relay's signatures did not check out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The request carries no session header.
    #[error("request has no session header")]
    MissingHeader,
    /// The session header fails its basic validation ([SESSION-HEADER-1]).
    #[error("invalid session header: {0}")]
    Header(HeaderError),
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

/// Builds the request a gateway sends to `supplier` in a session, unsigned (see [`sign_request`]).
/// [RELAY-SIGN-1]
pub fn new_request(header: &SessionHeader, supplier: &Address, payload: Vec<u8>) -> RelayRequest {
    let mut req = RelayRequest {
        payload,
        ..RelayRequest::default()
    };
    req.meta.session_header = Some(header.clone());
    req.meta.supplier_operator_address = supplier.as_str().into();
    req
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

/// [`sign_request`] for a gateway that signs many requests over the same ring: the ring and the
/// signer are prepared once ([`PreparedRing`], [`PreparedSigner`]); the signature is the one
/// `sign_request` makes from the same randomness. [RELAY-SIGN-1]
pub fn sign_request_prepared(
    req: &mut RelayRequest,
    ring: &PreparedRing,
    signer: &PreparedSigner,
    rng: &mut impl CryptoRng,
) -> Result<(), RelayError> {
    if !ring.keys().contains(&signer.verifying_key()) {
        return Err(RelayError::SignerNotInRing);
    }
    let sig = sign_prepared(&req.signable_hash(), ring, signer, rng)
        .map_err(|_| RelayError::BadSignature)?;
    req.meta.signature = sig.encode();
    Ok(())
}

/// The chain's request check: valid session header, a decodable ring signature whose keys all
/// belong to `expected_ring`, verifying over the signable hash. [RELAY-VERIFY-1]
pub fn verify_request_signature(
    req: &RelayRequest,
    expected_ring: &[VerifyingKey],
) -> Result<(), RelayError> {
    let sig = decode_request_signature(req)?;
    if !sig.keys_subset_of(expected_ring) {
        return Err(RelayError::RingNotSubset);
    }
    sig.verify(&req.signable_hash())
        .map_err(|_| RelayError::BadSignature)
}

/// [`verify_request_signature`] against a ring prepared once (a relay miner's per-session cache):
/// the same checks and verdicts, without re-deriving the ring's points for every relay.
/// [RELAY-VERIFY-1]
pub fn verify_request_signature_prepared(
    req: &RelayRequest,
    expected_ring: &PreparedRing,
) -> Result<(), RelayError> {
    check_request_header(req)?;
    verify_prepared_signature(req, expected_ring)
}

/// [`verify_request_signature_prepared`] once the header has passed its basic validation
/// (acceptance checks it first).
pub(crate) fn verify_prepared_signature(
    req: &RelayRequest,
    expected_ring: &PreparedRing,
) -> Result<(), RelayError> {
    if req.meta.signature.is_empty() {
        return Err(RelayError::MalformedSignature);
    }
    // Members' points come from the prepared ring (no decompression); on failure the full
    // decoder says whether the bytes were malformed or a key is outside the ring.
    let sig = match RingSignature::decode_prepared(&req.meta.signature, expected_ring) {
        Ok(sig) => sig,
        Err(_) => {
            let sig = RingSignature::decode(&req.meta.signature)
                .map_err(|_| RelayError::MalformedSignature)?;
            return Err(if sig.keys_subset_of(expected_ring.keys()) {
                RelayError::MalformedSignature
            } else {
                RelayError::RingNotSubset
            });
        }
    };
    sig.verify_prepared(&req.signable_hash(), expected_ring)
        .map_err(|_| RelayError::BadSignature)
}

/// The request's session header after its basic validation ([SESSION-HEADER-1]).
pub(crate) fn checked_header(req: &RelayRequest) -> Result<&SessionHeader, RelayError> {
    let header = req
        .meta
        .session_header
        .as_ref()
        .ok_or(RelayError::MissingHeader)?;
    validate_wire_header(header).map_err(RelayError::Header)?;
    Ok(header)
}

fn check_request_header(req: &RelayRequest) -> Result<(), RelayError> {
    checked_header(req)?;
    if req.meta.signature.is_empty() {
        return Err(RelayError::MalformedSignature);
    }
    Ok(())
}

fn decode_request_signature(req: &RelayRequest) -> Result<RingSignature, RelayError> {
    check_request_header(req)?;
    RingSignature::decode(&req.meta.signature).map_err(|_| RelayError::MalformedSignature)
}

/// The supplier's side: sets `payload_hash = SHA-256(payload)` (when there is a payload) and signs
/// the response's signable hash — with Cosmos secp256k1 semantics on mainnet, or any
/// [`RelaySigner`] (e.g. ed25519) elsewhere. [RELAY-SIGN-2]
pub fn sign_response<S: RelaySigner>(res: &mut RelayResponse, key: &S) {
    if !res.payload.is_empty() {
        res.payload_hash = Sha256::digest(&res.payload).to_vec();
    }
    res.meta.supplier_operator_signature = Vec::new();
    res.meta.supplier_operator_signature = key.sign_bytes(&res.signable_hash());
}

/// The gateway's check of a response: the supplier's signature over the signable hash, and, when
/// a payload is present, that `payload_hash` is its SHA-256. [RELAY-VERIFY-2]
pub fn verify_response<V: RelayVerifier>(
    res: &RelayResponse,
    supplier: &V,
) -> Result<(), RelayError> {
    supplier
        .verify_bytes(&res.signable_hash(), &res.meta.supplier_operator_signature)
        .map_err(|_| RelayError::BadSignature)?;
    if !res.payload.is_empty() && !res.payload_hash_matches() {
        return Err(RelayError::PayloadHash);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{RingMembers, ring_at};
    use pokt_crypto::Ed25519SigningKey;
    use pokt_primitives::BlockHeight;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn ed25519_supplier_on_other_networks() {
        let k = Ed25519SigningKey::from_bytes(&[4; 32]);
        let mut res = RelayResponse {
            payload: b"answer".to_vec(),
            ..RelayResponse::default()
        };
        sign_response(&mut res, &k);
        assert!(verify_response(&res, &k.verifier()).is_ok());
        res.payload.push(b'!');
        assert_eq!(
            verify_response(&res, &k.verifier()),
            Err(RelayError::PayloadHash)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// Random rings (0–3 gateways, the placeholder when none), any member signing, any
        /// payload: the request verifies against the ring, and not against a ring without the
        /// signer's co-members.
        #[test]
        fn random_rings(gws in 0usize..4, signer in 0usize..4, seed in any::<u8>(), payload in proptest::collection::vec(any::<u8>(), 0..64), end in 2i64..10_000) {
            // Application keys (odd bytes below 64) never equal a gateway's (100..103): a ring
            // with a repeated key is signed over as given by `sign_request` but once by a
            // `PreparedRing`, so the two signatures would differ in size.
            let app = SigningKey::from_bytes(&[(seed | 1) & 0x3f; 32]).unwrap();
            let gateways: alloc::vec::Vec<SigningKey> = (0..gws).map(|i| SigningKey::from_bytes(&[u8::try_from(i).unwrap() + 100; 32]).unwrap()).collect();
            let ring = ring_at(&RingMembers { application: Some(app.verifying_key()), delegated: gateways.iter().map(SigningKey::verifying_key).collect(), pending_undelegations: alloc::vec![] }, BlockHeight::new(end)).unwrap();
            prop_assert_eq!(ring.len(), gws.max(1) + 1);
            let key = if gws == 0 { &app } else { &gateways[signer % gws] };
            let mut req = RelayRequest { payload, ..RelayRequest::default() };
            req.meta.session_header = Some(SessionHeader {
                application_address: app.address().to_string(),
                service_id: "svc".into(),
                session_id: "ef".repeat(32),
                session_start_block_height: end - 1,
                session_end_block_height: end,
            });
            sign_request(&mut req, &ring, key, &mut rand_chacha::ChaCha20Rng::from_seed([seed; 32])).unwrap();
            let mut again = req.clone();
            sign_request_prepared(&mut again, &PreparedRing::new(&ring).unwrap(), &PreparedSigner::new(key), &mut rand_chacha::ChaCha20Rng::from_seed([seed; 32])).unwrap();
            prop_assert_eq!(&again.meta.signature, &req.meta.signature);
            prop_assert!(verify_request_signature(&req, &ring).is_ok());
            let other: alloc::vec::Vec<VerifyingKey> = ring.iter().copied().filter(|k| *k != key.verifying_key()).collect();
            prop_assert_eq!(verify_request_signature(&req, &other), Err(RelayError::RingNotSubset));
        }
    }
}
