//! Session trees: one sparse Merkle sum trie per (supplier, session), holding its mined relays.

use alloc::string::ToString;
use alloc::vec::Vec;

use pokt_primitives::{
    Address, BlockHash, Claim, ClaimProofStatus, ComputeUnits, Message, MsgCreateClaim,
    MsgSubmitProof, ProofPath, Relay, RelayHash, SessionHeader, SessionId, TargetHash,
};
use pokt_relay::llm::{TokenPricing, response_usage};
use pokt_smst::gob::encode_compact_closest_proof;
use pokt_smst::{PoktSmst, Root, ValueMode, compact_closest_proof};
use sha2::{Digest, Sha256};

use crate::difficulty::is_volume_applicable;
use crate::proof::proof_path;

/// How a relay's leaf weight (its compute units) is chosen. POKT charges a fixed number of compute
/// units per relay of the service, taken at the session's start ([`FixedComputeUnits`]); the
/// token-metered extension prices LLM relays by their signed usage ([`TokenMetered`]).
/// [MINING-TREE-2]
pub trait WeightPolicy {
    /// The weight of `relay`.
    fn weight(&self, relay: &Relay) -> ComputeUnits;

    /// The weight of `relay`, or `None` when it cannot be priced (the relay is then not mined).
    /// Defaults to [`weight`](Self::weight).
    fn try_weight(&self, relay: &Relay) -> Option<ComputeUnits> {
        Some(self.weight(relay))
    }

    /// Whether the leaf keeps the response payload (and the relay hash covers it). POKT clears it
    /// (`false`); the token-metered extension keeps it, so a proof reveals the signed usage the
    /// weight was computed from. [LLM-METER-2]
    fn keeps_payload(&self) -> bool {
        false
    }
}

/// Token-metered compute units (extension, opt-in): a relay weighs what its supplier-signed
/// response's usage costs under the service's [`TokenPricing`]; leaves keep the response payload
/// so proofs can be checked against it
/// ([`check_token_metered_weight`](crate::check_token_metered_weight)). [LLM-METER-2]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenMetered(TokenPricing);

impl TokenMetered {
    /// The policy of a service priced by `pricing`.
    pub const fn new(pricing: TokenPricing) -> Self {
        Self(pricing)
    }

    /// The service's pricing.
    pub const fn pricing(&self) -> &TokenPricing {
        &self.0
    }
}

impl WeightPolicy for TokenMetered {
    /// The priced weight; 0 when it overflows (`try_weight` refuses such a relay).
    fn weight(&self, relay: &Relay) -> ComputeUnits {
        self.try_weight(relay).unwrap_or(ComputeUnits::ZERO)
    }

    fn try_weight(&self, relay: &Relay) -> Option<ComputeUnits> {
        let usage = relay.res.as_ref().and_then(response_usage);
        self.0.compute_units(usage)
    }

    fn keeps_payload(&self) -> bool {
        true
    }
}

/// The protocol's policy: every relay weighs the service's compute units per relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedComputeUnits(ComputeUnits);

impl FixedComputeUnits {
    /// Every relay weighs `per_relay` (the service's compute units per relay at the session's
    /// start).
    pub const fn new(per_relay: ComputeUnits) -> Self {
        Self(per_relay)
    }

    /// The compute units of every relay.
    pub const fn per_relay(&self) -> ComputeUnits {
        self.0
    }
}

impl WeightPolicy for FixedComputeUnits {
    fn weight(&self, _relay: &Relay) -> ComputeUnits {
        self.0
    }
}

/// What happened to a relay offered to a session tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mined {
    /// Below the target: inserted with this weight.
    Inserted(ComputeUnits),
    /// Not volume-applicable: dropped.
    NotApplicable,
    /// Already in the tree (same relay hash): not counted twice.
    Duplicate,
    /// The policy could not price it (e.g. a token count whose price overflows): dropped.
    Unpriced,
}

/// A relay as a session tree would hold it: the bytes its hash covers under a weight policy
/// (response payload cleared, or kept by the token-metered extension), their SHA-256 — the relay
/// hash — and its weight. Made once per relay with [`Leaf::new`], it lets a host hash and weigh a
/// relay outside whatever lock guards its tree ([`SessionTree::offer_leaf`]) and keep the leaf's
/// bytes (e.g. in a store, to rebuild the tree by offering them again) without encoding the relay
/// a second time. [MINING-TREE-1]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    hash: RelayHash,
    bytes: Vec<u8>,
    weight: Option<ComputeUnits>,
    keeps_payload: bool,
}

impl Leaf {
    /// The leaf of `relay` under `policy`.
    pub fn new<W: WeightPolicy>(relay: &Relay, policy: &W) -> Self {
        let keeps_payload = policy.keeps_payload();
        let bytes = if keeps_payload {
            relay.encode()
        } else {
            relay.hash_bytes()
        };
        Self {
            hash: RelayHash::from_bytes(Sha256::digest(&bytes).into()),
            bytes,
            weight: policy.try_weight(relay),
            keeps_payload,
        }
    }

    /// The relay hash (SHA-256 of [`bytes`](Self::bytes)).
    pub const fn hash(&self) -> &RelayHash {
        &self.hash
    }

    /// The leaf's value: an encoded `Relay` (the response payload cleared unless the policy keeps
    /// it). Decoded and offered to a tree of the same policy it gives the same leaf again.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The leaf's value, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The relay's weight under the policy (`None`: it cannot be priced).
    pub const fn weight(&self) -> Option<ComputeUnits> {
        self.weight
    }
}

/// A supplier's session tree: relays whose hash is below the session's target are inserted with
/// key = relay hash, value = the relay bytes the hash covers (response payload cleared), weight from
/// the policy. [MINING-TREE-1]
#[derive(Clone, Debug)]
pub struct SessionTree<W: WeightPolicy> {
    header: SessionHeader,
    supplier: Address,
    target: TargetHash,
    policy: W,
    trie: PoktSmst,
}

impl<W: WeightPolicy> SessionTree<W> {
    /// An empty tree for `supplier` in the session of `header`, with the difficulty target in force
    /// at the session's start.
    pub fn new(header: SessionHeader, supplier: Address, target: TargetHash, policy: W) -> Self {
        Self {
            header,
            supplier,
            target,
            policy,
            trie: PoktSmst::new(ValueMode::Raw),
        }
    }

    /// Mines a relay: inserts it when its hash is below the target.
    pub fn offer(&mut self, relay: &Relay) -> Mined {
        let bytes = if self.policy.keeps_payload() {
            relay.encode()
        } else {
            relay.hash_bytes()
        };
        let hash = RelayHash::from_bytes(Sha256::digest(&bytes).into());
        self.insert(&hash, &bytes, |p| p.try_weight(relay))
    }

    /// [`offer`](Self::offer) for a relay already made into its [`Leaf`] under this tree's
    /// policy: the same outcome, without hashing or weighing it again. A leaf made under a
    /// policy that keeps the payload differently from this tree's is refused as
    /// [`Mined::Unpriced`].
    pub fn offer_leaf(&mut self, leaf: &Leaf) -> Mined {
        if leaf.keeps_payload != self.policy.keeps_payload() {
            return Mined::Unpriced;
        }
        self.insert(&leaf.hash, &leaf.bytes, |_| leaf.weight)
    }

    fn insert(
        &mut self,
        hash: &RelayHash,
        bytes: &[u8],
        weight: impl FnOnce(&W) -> Option<ComputeUnits>,
    ) -> Mined {
        if !is_volume_applicable(hash, &self.target) {
            return Mined::NotApplicable;
        }
        if self.trie.get(hash.as_bytes()).is_some() {
            return Mined::Duplicate;
        }
        let Some(w) = weight(&self.policy) else {
            return Mined::Unpriced;
        };
        self.trie.update(hash.as_bytes(), bytes, w.get());
        Mined::Inserted(w)
    }

    /// The claim root (48 bytes: digest ‖ sum ‖ count).
    pub fn root(&self) -> Root {
        self.trie.root()
    }

    /// The underlying trie.
    pub fn trie(&self) -> &PoktSmst {
        &self.trie
    }

    /// The `MsgCreateClaim` for this tree.
    pub fn claim(&self) -> MsgCreateClaim {
        MsgCreateClaim {
            supplier_operator_address: self.supplier.to_string(),
            session_header: Some(self.header.clone()),
            root_hash: self.root().as_bytes().to_vec(),
        }
    }

    /// The supplier the tree belongs to.
    pub fn supplier(&self) -> Address {
        self.supplier
    }

    /// The session header its messages carry.
    pub fn header(&self) -> &SessionHeader {
        &self.header
    }

    /// The `MsgSubmitProof` for the proof path drawn from the seed block hash: the closest proof,
    /// compacted and gob-encoded as the chain expects. [MINING-TREE-3]
    pub fn proof(&self, seed_block_hash: &BlockHash) -> MsgSubmitProof {
        // A header whose session id is not a wire id never has a claim the chain accepts; the
        // proof is then drawn to the zero path.
        let path = SessionId::from_wire(&self.header.session_id)
            .map_or(ProofPath::default(), |s| proof_path(seed_block_hash, &s));
        let p = self.trie.prove_closest(path.as_bytes());
        MsgSubmitProof {
            supplier_operator_address: self.supplier.to_string(),
            session_header: Some(self.header.clone()),
            proof: encode_compact_closest_proof(&compact_closest_proof(&p)),
        }
    }

    /// The claim as the chain stores it (status pending validation); the proof requirement is
    /// drawn from its hash ([`Claim::hash`]).
    pub fn stored_claim(&self) -> Claim {
        Claim {
            supplier_operator_address: self.supplier.to_string(),
            session_header: Some(self.header.clone()),
            root_hash: self.root().as_bytes().to_vec(),
            proof_validation_status: ClaimProofStatus::default(),
        }
    }

    /// The canonical bytes of the claim message (what a host broadcasts).
    pub fn claim_bytes(&self) -> Vec<u8> {
        self.claim().encode()
    }
}
