#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod claimed;
mod settle;

pub use claimed::{ClaimedError, claimed_upokt};
pub use pokt_primitives::{Fraction, FractionError, Shares, TokenomicsParams};
pub use settle::{
    Account, Actor, AppAccount, BlockInput, BlockSettlement, ClaimInput, DiscardReason, Event,
    Expiry, LedgerOp, Mode, Outcome, ProofFailure, Reason, RevShare, SettleError,
    largest_remainder, proof_penalty, rev_share_split, settle_block,
};
