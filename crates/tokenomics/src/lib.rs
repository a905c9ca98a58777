#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod claimed;
mod input;
mod output;
mod params;
mod penalty;
mod settle;
mod shares;
mod wide;

pub use claimed::{ClaimPricing, ClaimedError, ClaimedUpokt, OutOfRangeError, claimed_upokt};
pub use input::{AppAccount, BlockInput, ClaimInput, Expiry, Metering, ProofFailure, RevShare};
pub use output::{
    Account, Actor, BlockSettlement, DiscardReason, Event, LedgerOp, Outcome, Reason, SettleError,
};
pub use params::{MAX_OVERSERVICING_BONUS_MULTIPLIER, ParamsError, SharesParam, validate_params};
pub use penalty::{Penalty, proof_penalty};
pub use pokt_primitives::{ComputeUnits, Fraction, FractionError, Shares, TokenomicsParams, Upokt};
pub use settle::{settle_block, settle_block_strict};
pub use shares::{RevShareError, largest_remainder, rev_share_split};
