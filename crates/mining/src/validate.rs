//! The chain's claim checks and proof validation, in the chain's order, with typed errors.

use pokt_crypto::VerifyingKey;
use pokt_primitives::{
    Address, AddressError, BlockHash, BlockHeight, ComputeUnits, DecodeError, Message,
    MsgSubmitProof, ProofPath, Relay, RelayHash, SessionHeader, SessionId, TargetHash,
};
use pokt_relay::RelayError;
use pokt_relay::llm::{TokenPricing, response_usage};
use pokt_session::{HeaderError, Windows, validate_wire_header};
use pokt_smst::gob::{GobError, decode_compact_closest_proof};
use pokt_smst::{
    CompactError, Root, Sha256Hasher, decompact_closest_proof, verify_closest_proof,
    verify_closest_proof_go_compatible,
};
use sha2::{Digest, Sha256};

use crate::proof::proof_path;

/// Why a claim is refused. [MINING-CLAIM-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// The root is not 48 bytes.
    #[error("claim root is {got} bytes, expected 48")]
    RootSize {
        /// The root's length.
        got: usize,
    },
    /// No relays in the tree.
    #[error("claim has no relays")]
    ZeroCount,
    /// No compute units in the tree.
    #[error("claim has no compute units")]
    ZeroSum,
    /// sum ≠ count × compute units per relay.
    #[error("claim sum {sum} is not {count} relays × {per_relay}")]
    ComputeUnitsMismatch {
        /// The root's relay count.
        count: u64,
        /// The service's compute units per relay at the session's start.
        per_relay: ComputeUnits,
        /// The root's sum.
        sum: ComputeUnits,
    },
    /// The claim arrived outside the claim window.
    #[error("height {height} is outside the claim window [{open}, {close}]")]
    OutsideClaimWindow {
        /// The height the claim arrived at.
        height: BlockHeight,
        /// The earliest claim commit height.
        open: BlockHeight,
        /// The claim window's close (inclusive).
        close: BlockHeight,
    },
}

/// The root checks of a claim: a 48-byte root with count > 0 and sum > 0, and sum = count ×
/// compute units per relay (at session start). What the chain checks before the window
/// ([`validate_claim`]); a supplier checks its own claim with it. [MINING-CLAIM-1]
pub fn validate_claim_root(
    root: &[u8],
    compute_units_per_relay: ComputeUnits,
) -> Result<Root, ClaimError> {
    let r = nonempty_root(root)?;
    if r.count().checked_mul(compute_units_per_relay.get()) != Some(r.sum()) {
        return Err(ClaimError::ComputeUnitsMismatch {
            count: r.count(),
            per_relay: compute_units_per_relay,
            sum: ComputeUnits::new(r.sum()),
        });
    }
    Ok(r)
}

/// The chain's claim checks: [`validate_claim_root`], then `height` inside the claim window of
/// the session's `windows`. [MINING-CLAIM-1]
pub fn validate_claim(
    root: &[u8],
    compute_units_per_relay: ComputeUnits,
    height: BlockHeight,
    windows: &Windows,
) -> Result<Root, ClaimError> {
    let r = validate_claim_root(root, compute_units_per_relay)?;
    in_claim_window(height, windows)?;
    Ok(r)
}

/// The claim checks of a token-metered service (extension): as [`validate_claim`] without
/// `sum = count × compute units per relay`, since every relay weighs its own usage. [LLM-METER-2]
pub fn validate_claim_token_metered(
    root: &[u8],
    height: BlockHeight,
    windows: &Windows,
) -> Result<Root, ClaimError> {
    let r = nonempty_root(root)?;
    in_claim_window(height, windows)?;
    Ok(r)
}

/// A 48-byte root with count > 0 and sum > 0.
fn nonempty_root(root: &[u8]) -> Result<Root, ClaimError> {
    let r = Root::from_bytes(
        root.try_into()
            .map_err(|_| ClaimError::RootSize { got: root.len() })?,
    );
    if r.count() == 0 {
        return Err(ClaimError::ZeroCount);
    }
    if r.sum() == 0 {
        return Err(ClaimError::ZeroSum);
    }
    Ok(r)
}

fn in_claim_window(height: BlockHeight, windows: &Windows) -> Result<(), ClaimError> {
    if windows.claim_open_at(height) {
        Ok(())
    } else {
        Err(ClaimError::OutsideClaimWindow {
            height,
            open: windows.earliest_claim_commit,
            close: windows.claim_window_close,
        })
    }
}

/// Why a token-metered proof's leaf weight is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MeteringError {
    /// The revealed relay's response has no payload, so its usage cannot be read.
    #[error("revealed response has no payload")]
    NoPayload,
    /// The usage's price overflows.
    #[error("usage price overflows")]
    Overflow,
    /// The leaf's weight differs from the price of the signed usage.
    #[error("leaf weight {weight} differs from the signed usage's {expected}")]
    Mismatch {
        /// The leaf's weight.
        weight: ComputeUnits,
        /// The price of the usage in the signed response.
        expected: ComputeUnits,
    },
}

/// The token-metered extension's proof check, after [`validate_proof`] accepted the proof (which
/// verified the supplier's signature and that the payload hash covers the payload): the revealed
/// leaf's weight must be the price of the usage in the signed response. [LLM-METER-2]
pub fn check_token_metered_weight(
    proof: &ValidatedProof,
    pricing: &TokenPricing,
) -> Result<ComputeUnits, MeteringError> {
    let res = proof.relay.res.as_ref().ok_or(MeteringError::NoPayload)?;
    if res.payload.is_empty() {
        return Err(MeteringError::NoPayload);
    }
    let expected = pricing
        .compute_units(response_usage(res))
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
    /// The session the chain derives for the proof's header, in wire form
    /// ([`pokt_session::SessionHeader::to_wire`]).
    pub session_header: &'a SessionHeader,
    /// That session's suppliers.
    pub session_suppliers: &'a [Address],
    /// The height the proof arrives at.
    pub height: BlockHeight,
    /// The session's windows (the proof must arrive inside its proof window).
    pub windows: &'a Windows,
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
}

/// Step A1: why the message fails its basic checks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The supplier operator address is not an address.
    #[error("supplier address: {0}")]
    SupplierAddress(AddressError),
    /// The message carries no session header.
    #[error("no session header")]
    NoSessionHeader,
    /// The session header fails its basic validation.
    #[error("session header: {0}")]
    SessionHeader(HeaderError),
    /// The proof bytes are empty.
    #[error("empty proof")]
    EmptyProof,
}

/// Step A2: how the message differs from the chain's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionMismatch {
    /// The session id differs from the chain's session (or the chain's is not a wire id).
    #[error("session id differs from the chain's session")]
    SessionId,
    /// The supplier is not one of the session's suppliers.
    #[error("supplier {supplier} is not in the session")]
    SupplierNotInSession {
        /// The message's supplier.
        supplier: Address,
    },
}

/// Steps A6–A8: why the revealed relay is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayBasicError {
    /// The relay has no request.
    #[error("no request")]
    NoRequest,
    /// The relay has no response.
    #[error("no response")]
    NoResponse,
    /// The request has no session header.
    #[error("request has no session header")]
    NoRequestHeader,
    /// The request's session header fails its basic validation.
    #[error("request session header: {0}")]
    RequestHeader(HeaderError),
    /// The request has no signature or names no supplier.
    #[error("request has no signature or no supplier")]
    RequestUnsigned,
    /// The request names another supplier than the message.
    #[error("relay names another supplier")]
    OtherSupplier,
    /// The response has no session header.
    #[error("response has no session header")]
    NoResponseHeader,
    /// The response's session header fails its basic validation.
    #[error("response session header: {0}")]
    ResponseHeader(HeaderError),
    /// The response has no supplier signature.
    #[error("response has no supplier signature")]
    ResponseUnsigned,
}

/// Why a proof is refused, one variant per step of the chain's validation. [MINING-PROOF-1]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Step A1: supplier address or header invalid, or empty proof.
    #[error("malformed message: {0}")]
    Basic(MessageError),
    /// A2: session id or supplier does not match the chain's session.
    #[error("session mismatch: {0}")]
    Session(SessionMismatch),
    /// A3: outside the proof window.
    #[error("height {height} is outside the proof window [{open}, {close}]")]
    OutsideProofWindow {
        /// The height the proof arrived at.
        height: BlockHeight,
        /// The earliest proof commit height.
        open: BlockHeight,
        /// The proof window's close (inclusive).
        close: BlockHeight,
    },
    /// A4: the proof bytes do not decode.
    #[error("proof does not decode: {0}")]
    Decode(GobError),
    /// A4: the decoded compact proof does not decompact.
    #[error("proof does not decompact: {0}")]
    Decompact(CompactError),
    /// A4: the proof's path is not 32 bytes.
    #[error("proof path is {got} bytes, expected 32")]
    PathLength {
        /// The path's length.
        got: usize,
    },
    /// A5: the revealed leaf is not a relay.
    #[error("revealed value is not a relay: {0}")]
    Relay(DecodeError),
    /// A6–A8: the relay's request or response is malformed or names another supplier.
    #[error("relay is malformed: {0}")]
    RelayBasic(RelayBasicError),
    /// A9: the relay's headers differ from the chain's session.
    #[error("relay session header differs from the chain's session")]
    RelayHeader,
    /// A10: the relay's hash is not below the target.
    #[error("relay hash {relay_hash} does not meet the difficulty target {target}")]
    Difficulty {
        /// SHA-256 of the revealed relay bytes.
        relay_hash: RelayHash,
        /// The service's target at the session's start.
        target: TargetHash,
    },
    /// A11: the claim root is malformed.
    #[error("claim root is {got} bytes, expected 48")]
    Claim {
        /// The claim root's length.
        got: usize,
    },
    /// B3: the ring signature does not verify.
    #[error("request signature: {0}")]
    RequestSignature(RelayError),
    /// B4: the supplier signature does not verify.
    #[error("response signature: {0}")]
    ResponseSignature(RelayError),
    /// B5: the proof path is not the one drawn from the seed block.
    #[error("proof path {got} is not the drawn path {expected}")]
    Path {
        /// The path drawn from the seed block and the session id.
        expected: ProofPath,
        /// The proof's path.
        got: ProofPath,
    },
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
            Self::OutsideProofWindow { .. } => "A3",
            Self::Decode(_) | Self::Decompact(_) | Self::PathLength { .. } => "A4",
            Self::Relay(_) => "A5",
            Self::RelayBasic(_) => "A6-A8",
            Self::RelayHeader => "A9",
            Self::Difficulty { .. } => "A10",
            Self::Claim { .. } => "A11",
            Self::RequestSignature(_) => "B3",
            Self::ResponseSignature(_) => "B4",
            Self::Path { .. } => "B5",
            Self::ClosestProof => "B6",
        }
    }
}

/// A proof the chain would mark VALIDATED, with the relay it reveals. Only
/// [`validate_proof`] and [`validate_proof_go_compatible`] make one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedProof {
    relay: Relay,
    weight: ComputeUnits,
}

impl ValidatedProof {
    /// The revealed relay.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// The revealed leaf's weight.
    pub fn weight(&self) -> ComputeUnits {
        self.weight
    }

    /// The revealed relay, giving up the proof of validation.
    pub fn into_relay(self) -> Relay {
        self.relay
    }
}

/// Which closest-proof verifier step B6 uses.
#[derive(Clone, Copy)]
enum Closest {
    Strict,
    GoCompatible,
}

/// Validates a `MsgSubmitProof` in the chain's order (protocol.md §5.5, A1–A11 then B3–B6), with
/// the strict closest-proof verification: the proof must reveal the leaf truly closest to the
/// drawn path (Go accepts any leaf; see [`validate_proof_go_compatible`]). [MINING-PROOF-1]
pub fn validate_proof(
    msg: &MsgSubmitProof,
    ctx: &ProofContext<'_>,
) -> Result<ValidatedProof, ProofError> {
    validate(msg, ctx, Closest::Strict)
}

/// [`validate_proof`] with the chain's own closest-proof verification, which accepts a proof
/// revealing any leaf on the drawn path's side (the chain's verdict, bit for bit).
/// [MINING-PROOF-1]
pub fn validate_proof_go_compatible(
    msg: &MsgSubmitProof,
    ctx: &ProofContext<'_>,
) -> Result<ValidatedProof, ProofError> {
    validate(msg, ctx, Closest::GoCompatible)
}

/// A relay's wire header after its basic validation.
fn relay_header(
    header: Option<&SessionHeader>,
    missing: RelayBasicError,
    invalid: fn(HeaderError) -> RelayBasicError,
) -> Result<&SessionHeader, ProofError> {
    let h = header.ok_or(ProofError::RelayBasic(missing))?;
    validate_wire_header(h).map_err(|e| ProofError::RelayBasic(invalid(e)))?;
    Ok(h)
}

fn validate(
    msg: &MsgSubmitProof,
    ctx: &ProofContext<'_>,
    closest: Closest,
) -> Result<ValidatedProof, ProofError> {
    // A1
    let supplier: Address = msg
        .supplier_operator_address
        .parse()
        .map_err(|e| ProofError::Basic(MessageError::SupplierAddress(e)))?;
    let header = msg
        .session_header
        .as_ref()
        .ok_or(ProofError::Basic(MessageError::NoSessionHeader))?;
    validate_wire_header(header).map_err(|e| ProofError::Basic(MessageError::SessionHeader(e)))?;
    if msg.proof.is_empty() {
        return Err(ProofError::Basic(MessageError::EmptyProof));
    }
    // A2: the on-chain header replaces the message's from here on.
    if header.session_id != ctx.session_header.session_id {
        return Err(ProofError::Session(SessionMismatch::SessionId));
    }
    if !ctx.session_suppliers.contains(&supplier) {
        return Err(ProofError::Session(SessionMismatch::SupplierNotInSession {
            supplier,
        }));
    }
    let onchain = ctx.session_header;
    // A3
    if !ctx.windows.proof_open_at(ctx.height) {
        return Err(ProofError::OutsideProofWindow {
            height: ctx.height,
            open: ctx.windows.earliest_proof_commit,
            close: ctx.windows.proof_window_close,
        });
    }
    // A4
    let compact = decode_compact_closest_proof(&msg.proof).map_err(ProofError::Decode)?;
    let proof = decompact_closest_proof(&compact).map_err(ProofError::Decompact)?;
    let path = ProofPath::from_slice(&proof.path).map_err(|_| ProofError::PathLength {
        got: proof.path.len(),
    })?;
    // A5
    let relay = Relay::decode(proof.value()).map_err(ProofError::Relay)?;
    // A6–A8
    let req = relay
        .req
        .as_ref()
        .ok_or(ProofError::RelayBasic(RelayBasicError::NoRequest))?;
    let res = relay
        .res
        .as_ref()
        .ok_or(ProofError::RelayBasic(RelayBasicError::NoResponse))?;
    let req_header = relay_header(
        req.meta.session_header.as_ref(),
        RelayBasicError::NoRequestHeader,
        RelayBasicError::RequestHeader,
    )?;
    if req.meta.signature.is_empty() || req.meta.supplier_operator_address.is_empty() {
        return Err(ProofError::RelayBasic(RelayBasicError::RequestUnsigned));
    }
    if req.meta.supplier_operator_address != msg.supplier_operator_address {
        return Err(ProofError::RelayBasic(RelayBasicError::OtherSupplier));
    }
    let res_header = relay_header(
        res.meta.session_header.as_ref(),
        RelayBasicError::NoResponseHeader,
        RelayBasicError::ResponseHeader,
    )?;
    if res.meta.supplier_operator_signature.is_empty() {
        return Err(ProofError::RelayBasic(RelayBasicError::ResponseUnsigned));
    }
    // A9: every field of both headers equals the chain's.
    if onchain != req_header || onchain != res_header {
        return Err(ProofError::RelayHeader);
    }
    // A10: SHA-256 of the revealed relay bytes below the target.
    let relay_hash = RelayHash::from_bytes(Sha256::digest(proof.value()).into());
    if !ctx.target.is_met_by(&relay_hash) {
        return Err(ProofError::Difficulty {
            relay_hash,
            target: *ctx.target,
        });
    }
    // A11
    let root = Root::from_bytes(ctx.claim_root.try_into().map_err(|_| ProofError::Claim {
        got: ctx.claim_root.len(),
    })?);
    // B3, B4
    pokt_relay::verify_request_signature(req, ctx.ring).map_err(ProofError::RequestSignature)?;
    pokt_relay::verify_response(res, ctx.supplier_key).map_err(ProofError::ResponseSignature)?;
    // B5
    let sid = SessionId::from_wire(&onchain.session_id)
        .map_err(|_| ProofError::Session(SessionMismatch::SessionId))?;
    let expected = proof_path(ctx.seed_block_hash, &sid);
    if path != expected {
        return Err(ProofError::Path {
            expected,
            got: path,
        });
    }
    // B6
    let ok = match closest {
        Closest::Strict => verify_closest_proof::<Sha256Hasher>(&proof, &root),
        Closest::GoCompatible => verify_closest_proof_go_compatible::<Sha256Hasher>(
            &proof,
            &root,
            pokt_smst::ValueMode::Raw,
        ),
    };
    if !ok {
        return Err(ProofError::ClosestProof);
    }
    Ok(ValidatedProof {
        weight: ComputeUnits::new(proof.weight()),
        relay,
    })
}
