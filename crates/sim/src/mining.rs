//! The simulated world's identities and blocks, exact relay mining into a real session tree,
//! and the hash that seeds a claim's proof requirement.

use pokt_mining::is_volume_applicable;
use pokt_primitives::{
    Address, BlockHash, BlockHeight, ClaimHash, RelayHash, ServiceId, SessionId, TargetHash,
};
use pokt_smst::{PoktSmst, Root, ValueMode};
use pokt_tokenomics::ClaimInput;
use sha2::{Digest, Sha256};

/// The address of the `i`-th actor of a kind: the first 20 bytes of SHA-256(kind ‖ i LE).
pub(crate) fn address_of(kind: &str, i: usize) -> Address {
    let d = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update((i as u64).to_le_bytes())
        .finalize();
    let mut b = [0u8; 20];
    b.copy_from_slice(&d[..20]);
    Address::from_bytes(b)
}

/// The simulated chain's block hash at `h`: SHA-256("block-" ‖ seed ‖ h).
pub(crate) fn block_hash(seed: u64, h: BlockHeight) -> BlockHash {
    BlockHash::from_bytes(
        Sha256::new()
            .chain_update(b"block-")
            .chain_update(seed.to_le_bytes())
            .chain_update(h.get().to_le_bytes())
            .finalize()
            .into(),
    )
}

/// Hashes each of `served` synthetic relays of a supplier's session, compares it with the
/// target (pokt-mining's applicability rule), and inserts the mined ones into a real session
/// tree (pokt-smst, SHA-256, raw values; key = relay hash, weight = compute units per relay).
/// Returns the mined count and the tree's root (the claim's root).
pub(crate) fn mine_exactly(
    session_id: &[u8; 32],
    supplier: &Address,
    served: u64,
    target: &TargetHash,
    compute_units_per_relay: u64,
) -> (u64, Root) {
    let prefix = Sha256::new()
        .chain_update(session_id)
        .chain_update(supplier.as_bytes());
    let mut tree = PoktSmst::new(ValueMode::Raw);
    let mut mined = 0u64;
    for i in 0..served {
        let h: [u8; 32] = prefix
            .clone()
            .chain_update(i.to_le_bytes())
            .finalize()
            .into();
        if is_volume_applicable(&RelayHash::from_bytes(h), target) {
            tree.update(&h, &i.to_le_bytes(), compute_units_per_relay);
            mined += 1;
        }
    }
    (mined, tree.root())
}

/// The session id of `app`'s session of `svc` starting at `start` (SESSION-ID-1).
pub(crate) fn session_id_for(
    seed: u64,
    app: &Address,
    svc: &ServiceId,
    start: BlockHeight,
) -> SessionId {
    let pre = pokt_session::session_id_preimage(Some(&block_hash(seed, start)), svc, app, start);
    pokt_session::session_id(&pre)
}

/// A claim without a session tree has no protobuf claim to hash: the draw is seeded by a hash of
/// the claim's identifying fields instead (a stand-in, not the chain's claim hash).
pub(crate) fn synthetic_claim_hash(c: &ClaimInput) -> ClaimHash {
    ClaimHash::from_bytes(
        Sha256::new()
            .chain_update(c.supplier_operator.as_bytes())
            .chain_update(c.session_id.as_bytes())
            .chain_update(c.num_relays.to_le_bytes())
            .chain_update(c.num_compute_units.get().to_le_bytes())
            .finalize()
            .into(),
    )
}
