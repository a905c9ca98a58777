#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod controller;
mod difficulty;
mod gorand;
mod proof;
mod requirement;
mod rng_cooked;
mod tree;
mod validate;

pub use controller::{Controller, DifficultyHistory, EstimatedRelayEma, MinedRelayEma};
pub use difficulty::{
    Ratio256, RelayMiningDifficulty, ema, is_volume_applicable, next_target, target_fraction_f64,
};
pub use gorand::{GoRand, go_varint, seeded_float};
pub use proof::{ProofRequirement, RequirementDraw, proof_path, proof_requirement};
pub use requirement::proof_requirement_for_claim;
pub use tree::{FixedComputeUnits, Leaf, Mined, SessionTree, TokenMetered, WeightPolicy};
pub use validate::{
    ClaimError, MessageError, MeteringError, ProofContext, ProofError, RelayBasicError,
    SessionMismatch, ValidatedProof, check_token_metered_weight, validate_claim,
    validate_claim_root, validate_claim_token_metered, validate_proof,
    validate_proof_go_compatible,
};
