//! The chain's claim checks and proof validation, in the chain's order, with typed errors.

use pokt_crypto::VerifyingKey;
use pokt_primitives::{
    Address, BlockHash, Message, MsgSubmitProof, Relay, SessionHeader, SessionId, TargetHash,
};
use pokt_smst::gob::{decode_compact_closest_proof, decompact_closest_proof};
use pokt_smst::{Root, Sha256Hasher, verify_closest_proof, verify_closest_proof_go_compatible};
use sha2::{Digest, Sha256};

/// Why a claim is refused. [MINING-CLAIM-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// The root is not 48 bytes.
    #[error("root must be 48 bytes")]
    RootSize,
    /// No relays in the tree.
    #[error("claim has no relays")]
    ZeroCount,
    /// No compute units in the tree.
    #[error("claim has no compute units")]
    ZeroSum,
    /// sum ≠ count × compute units per relay.
    #[error("compute units do not equal relays × compute units per relay")]
    ComputeUnitsMismatch,
    /// Outside the claim window.
    #[error("outside the claim window")]
    Window,
}

/// The chain's claim checks: a 48-byte root with count > 0 and sum > 0, sum = count × compute
/// units per relay (at session start), and `height` inside the claim window. [MINING-CLAIM-1]
pub fn validate_claim(
    root: &[u8],
    compute_units_per_relay: u64,
    in_window: bool,
) -> Result<Root, ClaimError> {
    let r = nonempty_root(root)?;
    if r.count().checked_mul(compute_units_per_relay) != Some(r.sum()) {
        return Err(ClaimError::ComputeUnitsMismatch);
    }
    if !in_window {
        return Err(ClaimError::Window);
    }
    Ok(r)
}

/// A 48-byte root with count > 0 and sum > 0.
fn nonempty_root(root: &[u8]) -> Result<Root, ClaimError> {
    let r = Root(root.try_into().map_err(|_| ClaimError::RootSize)?);
    if r.count() == 0 {
        return Err(ClaimError::ZeroCount);
    }
    if r.sum() == 0 {
        return Err(ClaimError::ZeroSum);
    }
    Ok(r)
}

/// The claim checks of a token-metered service (extension): as [`validate_claim`] without
/// `sum = count × compute units per relay`, since every relay weighs its own usage. [LLM-METER-2]
pub fn validate_claim_token_metered(root: &[u8], in_window: bool) -> Result<Root, ClaimError> {
    let r = nonempty_root(root)?;
    if !in_window {
        return Err(ClaimError::Window);
    }
    Ok(r)
}

/// Why a token-metered proof's leaf weight is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MeteringError {
    /// The revealed relay's response has no payload, so its usage cannot be read.
    #[error("revealed response has no payload")]
    NoPayload,
    /// The usage's price overflows.
    #[error("usage price overflows")]
    Overflow,
    /// The leaf's weight differs from the price of the signed usage.
    #[error("leaf weight {weight} differs from the signed usage's {expected} compute units")]
    Mismatch {
        /// The leaf's weight.
        weight: u64,
        /// The price of the usage in the signed response.
        expected: u64,
    },
}

/// The token-metered extension's proof check, after [`validate_proof`] accepted the proof (which
/// verified the supplier's signature and that the payload hash covers the payload): the revealed
/// leaf's weight must be the price of the usage in the signed response. [LLM-METER-2]
pub fn check_token_metered_weight(
    proof: &ValidatedProof,
    pricing: &pokt_relay::llm::TokenPricing,
) -> Result<u64, MeteringError> {
    let res = proof.relay.res.as_ref().ok_or(MeteringError::NoPayload)?;
    if res.payload.is_empty() {
        return Err(MeteringError::NoPayload);
    }
    let expected = pricing
        .compute_units(pokt_relay::llm::response_usage(res))
        .ok_or(MeteringError::Overflow)?;
    if expected != proof.weight {
        return Err(MeteringError::Mismatch {
            weight: proof.weight,
            expected,
        });
    }
    Ok(expected)
}

/// What the chain knows when it validates a proof.
#[derive(Clone, Copy, Debug)]
pub struct ProofContext<'a> {
    /// The session the chain derives for the proof's header.
    pub session_header: &'a SessionHeader,
    /// That session's suppliers.
    pub session_suppliers: &'a [Address],
    /// Whether the current height is in the proof window.
    pub in_proof_window: bool,
    /// The service's difficulty target at the session's start.
    pub target: &'a TargetHash,
    /// The claim's root (48 bytes) for this (session, supplier).
    pub claim_root: &'a [u8],
    /// The application's ring at the session's end height.
    pub ring: &'a [VerifyingKey],
    /// The supplier operator's public key.
    pub supplier_key: &'a VerifyingKey,
    /// The block hash at the proof window open − 1.
    pub seed_block_hash: &'a BlockHash,
    /// Closest-proof verification: strict (this project's default) or Go's.
    pub strict: bool,
}

/// Why a proof is refused, one variant per step of the chain's validation. [MINING-PROOF-1]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Step A1: supplier address or header invalid, or empty proof.
    #[error("malformed message: {0}")]
    Basic(&'static str),
    /// A2: session id or supplier does not match the chain's session.
    #[error("session mismatch: {0}")]
    Session(&'static str),
    /// A3: outside the proof window.
    #[error("outside the proof window")]
    Window,
    /// A4: the proof bytes do not decode or decompact.
    #[error("proof does not decode: {0}")]
    Decode(alloc::string::String),
    /// A5: the revealed leaf is not a relay.
    #[error("revealed value is not a relay")]
    Relay,
    /// A6–A8: the relay's request or response is malformed or names another supplier.
    #[error("relay is malformed: {0}")]
    RelayBasic(&'static str),
    /// A9: the relay's headers differ from the chain's session.
    #[error("relay session header mismatch")]
    RelayHeader,
    /// A10: the relay's hash is not below the target.
    #[error("relay does not meet the difficulty target")]
    Difficulty,
    /// A11: the claim root is malformed.
    #[error("claim root must be 48 bytes")]
    Claim,
    /// B3: the ring signature does not verify.
    #[error("request signature: {0}")]
    RequestSignature(pokt_relay::RelayError),
    /// B4: the supplier signature does not verify.
    #[error("response signature: {0}")]
    ResponseSignature(pokt_relay::RelayError),
    /// B5: the proof path is not the one drawn from the seed block.
    #[error("proof path is not the drawn path")]
    Path,
    /// B6: the closest proof does not verify against the claim root.
    #[error("closest proof does not verify")]
    ClosestProof,
}

impl ProofError {
    /// The step of the chain's validation that failed (protocol.md §5.5): `"A1"` … `"A11"`,
    /// `"B3"` … `"B6"`.
    pub fn step(&self) -> &'static str {
        match self {
            Self::Basic(_) => "A1",
            Self::Session(_) => "A2",
            Self::Window => "A3",
            Self::Decode(_) => "A4",
            Self::Relay => "A5",
            Self::RelayBasic(_) => "A6-A8",
            Self::RelayHeader => "A9",
            Self::Difficulty => "A10",
            Self::Claim => "A11",
            Self::RequestSignature(_) => "B3",
            Self::ResponseSignature(_) => "B4",
            Self::Path => "B5",
            Self::ClosestProof => "B6",
        }
    }
}

/// A proof the chain would mark VALIDATED, with the relay it reveals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedProof {
    /// The revealed relay.
    pub relay: Relay,
    /// The revealed leaf's weight.
    pub weight: u64,
}

fn header_eq(a: &SessionHeader, b: &SessionHeader) -> bool {
    a.application_address == b.application_address
        && a.service_id == b.service_id
        && a.session_id == b.session_id
        && a.session_start_block_height == b.session_start_block_height
        && a.session_end_block_height == b.session_end_block_height
}

/// Validates a `MsgSubmitProof` in the chain's order (protocol.md §5.5, A1–A11 then B3–B6).
/// With `strict`, the closest proof must also reveal the leaf truly closest to the drawn path
/// (Go accepts any leaf). [MINING-PROOF-1]
pub fn validate_proof(
    msg: &MsgSubmitProof,
    ctx: &ProofContext<'_>,
) -> Result<ValidatedProof, ProofError> {
    // A1
    let supplier: Address = msg
        .supplier_operator_address
        .parse()
        .map_err(|_| ProofError::Basic("supplier address"))?;
    let header = msg
        .session_header
        .as_ref()
        .ok_or(ProofError::Basic("missing session header"))?;
    pokt_relay::validate_session_header(header).map_err(ProofError::Basic)?;
    if msg.proof.is_empty() {
        return Err(ProofError::Basic("empty proof"));
    }
    // A2: the on-chain header replaces the message's from here on.
    if header.session_id != ctx.session_header.session_id {
        return Err(ProofError::Session("session id"));
    }
    if !ctx.session_suppliers.contains(&supplier) {
        return Err(ProofError::Session("supplier not in session"));
    }
    let onchain = ctx.session_header;
    // A3
    if !ctx.in_proof_window {
        return Err(ProofError::Window);
    }
    // A4
    let compact = decode_compact_closest_proof(&msg.proof)
        .map_err(|e| ProofError::Decode(alloc::format!("{e}")))?;
    let proof =
        decompact_closest_proof(&compact).map_err(|e| ProofError::Decode(alloc::format!("{e}")))?;
    if proof.path.len() != 32 {
        return Err(ProofError::Decode("path must be 32 bytes".into()));
    }
    // A5
    let relay = Relay::decode(proof.value()).map_err(|_| ProofError::Relay)?;
    // A6–A8
    let req = relay
        .req
        .as_ref()
        .ok_or(ProofError::RelayBasic("no request"))?;
    let res = relay
        .res
        .as_ref()
        .ok_or(ProofError::RelayBasic("no response"))?;
    let req_header = req
        .meta
        .session_header
        .as_ref()
        .ok_or(ProofError::RelayBasic("request header"))?;
    pokt_relay::validate_session_header(req_header).map_err(ProofError::RelayBasic)?;
    if req.meta.signature.is_empty() || req.meta.supplier_operator_address.is_empty() {
        return Err(ProofError::RelayBasic("request signature or supplier"));
    }
    if req.meta.supplier_operator_address != msg.supplier_operator_address {
        return Err(ProofError::RelayBasic("relay names another supplier"));
    }
    let res_header = res
        .meta
        .session_header
        .as_ref()
        .ok_or(ProofError::RelayBasic("response header"))?;
    pokt_relay::validate_session_header(res_header).map_err(ProofError::RelayBasic)?;
    if res.meta.supplier_operator_signature.is_empty() {
        return Err(ProofError::RelayBasic("response signature"));
    }
    // A9
    if !header_eq(onchain, req_header) || !header_eq(onchain, res_header) {
        return Err(ProofError::RelayHeader);
    }
    // A10: SHA-256 of the revealed relay bytes below the target.
    let h: [u8; 32] = Sha256::digest(proof.value()).into();
    if h.as_slice() >= ctx.target.as_bytes().as_slice() {
        return Err(ProofError::Difficulty);
    }
    // A11
    let root: [u8; 48] = ctx.claim_root.try_into().map_err(|_| ProofError::Claim)?;
    let root = Root(root);
    // B3, B4
    pokt_relay::verify_request_signature(req, ctx.ring).map_err(ProofError::RequestSignature)?;
    pokt_relay::verify_response(res, ctx.supplier_key).map_err(ProofError::ResponseSignature)?;
    // B5
    let sid =
        SessionId::from_wire(&onchain.session_id).map_err(|_| ProofError::Session("session id"))?;
    if proof.path != crate::proof::proof_path(ctx.seed_block_hash, &sid) {
        return Err(ProofError::Path);
    }
    // B6
    let ok = if ctx.strict {
        verify_closest_proof::<Sha256Hasher>(&proof, &root)
    } else {
        verify_closest_proof_go_compatible::<Sha256Hasher>(&proof, &root, pokt_smst::ValueMode::Raw)
    };
    if !ok {
        return Err(ProofError::ClosestProof);
    }
    Ok(ValidatedProof {
        weight: proof.weight(),
        relay,
    })
}
