//! Which claims must be proven, and the path a proof must open.

use pokt_primitives::{BlockHash, ClaimHash, ProofPath, SessionId, Upokt};
use sha2::{Digest, Sha256};

use crate::gorand::seeded_float;

/// The path the closest proof of a claim must be drawn to: SHA-256(block hash at the proof window
/// open − 1 ‖ the session id as its 64-character ASCII hex string). This is the one place it is
/// computed. [MINING-PATH-1]
pub fn proof_path(seed_block_hash: &BlockHash, session_id: &SessionId) -> ProofPath {
    ProofPath::from_bytes(
        Sha256::new()
            .chain_update(seed_block_hash.as_bytes())
            .chain_update(session_id.to_hex().as_bytes())
            .finalize()
            .into(),
    )
}

/// Why a claim does or does not need a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProofRequirement {
    /// Claimed uPOKT reached the threshold: a proof is always required.
    Threshold,
    /// Below the threshold, the draw fell at or under the proof request probability.
    Probabilistic,
    /// Below the threshold and the draw fell above the probability.
    NotRequired,
}

impl ProofRequirement {
    /// Whether a proof is required.
    pub fn is_required(self) -> bool {
        !matches!(self, Self::NotRequired)
    }

    /// The name used in `pokt eval` (`threshold`, `probabilistic`, `not_required`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Threshold => "threshold",
            Self::Probabilistic => "probabilistic",
            Self::NotRequired => "not_required",
        }
    }
}

/// The outcome of the proof-requirement rule with the sample that decided it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequirementDraw {
    /// The requirement.
    pub requirement: ProofRequirement,
    /// The Go `binary.Varint` seed.
    pub seed: i64,
    /// The sample in [0, 1).
    pub sample: f64,
}

/// The proof requirement of a claim: `Threshold` when `claimed ≥ threshold`; otherwise sample =
/// SeededFloat64(claim hash, seed block hash) and `Probabilistic` when sample ≤ `probability`
/// (Go compares two float64s), else `NotRequired`. The sample is drawn in every case so hosts can
/// report it. The claim hash is [`Claim::hash`](pokt_primitives::Claim::hash) of the stored
/// claim. [MINING-REQ-1]
pub fn proof_requirement(
    claim_hash: &ClaimHash,
    seed_block_hash: &BlockHash,
    claimed: Upokt,
    threshold: Upokt,
    probability: f64,
) -> RequirementDraw {
    let (seed, sample) = seeded_float(claim_hash.as_bytes(), seed_block_hash.as_bytes());
    let requirement = if claimed >= threshold {
        ProofRequirement::Threshold
    } else if sample <= probability {
        ProofRequirement::Probabilistic
    } else {
        ProofRequirement::NotRequired
    };
    RequirementDraw {
        requirement,
        seed,
        sample,
    }
}
