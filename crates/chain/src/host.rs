//! What relay miners and gateways derive from the chain with the protocol crates: rings, session
//! windows, the proof requirement of a claim. Generic over [`Chain`], so the rule is written once
//! for a remote node and the devnet. [CHAIN-HOST-1]

use pokt_crypto::VerifyingKey;
use pokt_mining::{RequirementDraw, proof_requirement_for_claim};
use pokt_primitives::{Address, BlockHeight, Claim, ComputeUnits, ServiceId};
use pokt_relay::{RingMembers, ring_at};
use pokt_session::{WindowOffsets, Windows};

use crate::chain::Chain;
use crate::types::{ChainError, malformed};

async fn public_key<C: Chain>(chain: &C, addr: &Address) -> Result<VerifyingKey, ChainError> {
    chain
        .account(addr)
        .await?
        .public_key
        .ok_or(ChainError::NotFound { what: "public key" })
}

/// The ring an application's relays are signed with for the session ending at `session_end`:
/// the application's key, its delegated gateways' keys and those of gateways whose undelegation
/// was requested at a session end ≥ `session_end` (RELAY-RING-1), keys read from the auth module.
/// [CHAIN-HOST-1]
pub async fn ring<C: Chain>(
    chain: &C,
    application: &Address,
    session_end: BlockHeight,
) -> Result<Vec<VerifyingKey>, ChainError> {
    let app = chain.application(application).await?;
    let mut delegated = Vec::with_capacity(app.delegatee_gateways.len());
    for g in &app.delegatee_gateways {
        delegated.push(public_key(chain, g).await?);
    }
    let mut pending = Vec::with_capacity(app.pending_undelegations.len());
    for (h, g) in &app.pending_undelegations {
        pending.push((BlockHeight::new(*h), public_key(chain, g).await?));
    }
    ring_at(
        &RingMembers {
            application: Some(public_key(chain, application).await?),
            delegated,
            pending_undelegations: pending,
        },
        session_end,
    )
    .map_err(|_| malformed("ring"))
}

/// The windows of the session ending at `session_end`, from the shared params in force there
/// (SESSION-WIN-*). [CHAIN-HOST-1]
pub async fn windows<C: Chain>(chain: &C, session_end: BlockHeight) -> Result<Windows, ChainError> {
    let p = chain.shared_params(session_end).await?;
    WindowOffsets {
        grace_period_end_offset_blocks: p.grace_period_end_offset_blocks,
        claim_window_open_offset_blocks: p.claim_window_open_offset_blocks,
        claim_window_close_offset_blocks: p.claim_window_close_offset_blocks,
        proof_window_open_offset_blocks: p.proof_window_open_offset_blocks,
        proof_window_close_offset_blocks: p.proof_window_close_offset_blocks,
    }
    .windows(session_end)
    .ok_or_else(|| malformed("session windows"))
}

/// Whether the chain will require a proof of `claim` (as stored on chain), drawn as settlement
/// draws it (MINING-REQ-1): the claim's hash, the seed block before the proof window, the claim's
/// value at the session start's difficulty and compute-unit price, the proof params. Available
/// from the proof window's opening on (the seed block must exist). [CHAIN-HOST-1]
pub async fn claim_proof_requirement<C: Chain>(
    chain: &C,
    claim: &Claim,
) -> Result<RequirementDraw, ChainError> {
    let h = claim
        .session_header
        .as_ref()
        .ok_or_else(|| malformed("claim session header"))?;
    let service = ServiceId::new(&h.service_id).map_err(|_| malformed("claim service id"))?;
    let start = BlockHeight::new(h.session_start_block_height);
    let w = windows(chain, BlockHeight::new(h.session_end_block_height)).await?;
    let seed_height = BlockHeight::new(w.proof_window_open.get().saturating_sub(1));
    let seed = chain.block(seed_height).await?.hash;
    let root: [u8; 48] = claim
        .root_hash
        .as_slice()
        .try_into()
        .map_err(|_| malformed("claim root"))?;
    let root = pokt_smst::Root::from_bytes(root);
    let target = chain.difficulty(&service, start).await?.target_hash;
    let shared = chain.shared_params(start).await?;
    let proof = chain.proof_params().await?;
    proof_requirement_for_claim(
        &claim.hash(),
        ComputeUnits::new(root.sum()),
        &pokt_tokenomics::ClaimPricing::new(target, &shared),
        &seed,
        &proof,
    )
    .map_err(|_| malformed("claim value"))
}
