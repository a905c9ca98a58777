//! What one block's settlement reads: the ripe claims, the applications, the expiring claims.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pokt_primitives::{Address, ComputeUnits, ServiceId, SessionId, TokenomicsParams, Upokt};

use crate::claimed::{ClaimPricing, ClaimedError, ClaimedUpokt, claimed_upokt};

/// One revenue share of a supplier's service config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevShare {
    /// The shareholder.
    pub address: Address,
    /// Its percentage (the list must sum to 100).
    pub percentage: u64,
}

/// How a claim's compute units are counted, which decides the check a claim must pass.
/// [TOK-SETTLE-1]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Metering {
    /// POKT: every relay weighs the service's compute units per relay, so a claim must hold
    /// exactly relays × compute units per relay (and more than zero).
    #[default]
    FixedPerRelay,
    /// Extension (spec/llm.md [LLM-METER-2]): every relay weighs its own signed usage, so a
    /// claim must only hold some compute units.
    TokenMetered,
}

/// A ripe claim with everything settlement needs, taken at the session's start height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimInput {
    /// The supplier's operator address.
    pub supplier_operator: Address,
    /// The supplier's owner (fallback recipient when the revenue shares are invalid).
    pub supplier_owner: Address,
    /// The supplier's revenue shares for the service, in config order (invalid shares pay the
    /// owner; an empty list discards a claim whose supplier has a share to receive, as poktroll
    /// reads it back from state as no list).
    pub rev_shares: Vec<RevShare>,
    /// The application (a claim of an application missing from [`BlockInput::apps`] is
    /// discarded).
    pub application: Address,
    /// The service.
    pub service_id: ServiceId,
    /// The service's owner (the source of the model), paid the source-owner share.
    pub source_owner: Address,
    /// The session.
    pub session_id: SessionId,
    /// Relays in the claim (SMST root count).
    pub num_relays: u64,
    /// Compute units in the claim (SMST root sum).
    pub num_compute_units: ComputeUnits,
    /// Compute units per relay of the service at session start (zero marks a corrupt service
    /// record: the claim is discarded, whatever its metering).
    pub compute_units_per_relay: ComputeUnits,
    /// How the service counts compute units.
    pub metering: Metering,
    /// The target and pricing params at session start.
    pub pricing: ClaimPricing,
}

impl ClaimInput {
    /// The claim's value before any cap ([`claimed_upokt`] of its compute units and pricing).
    pub fn claimed_upokt(&self) -> Result<ClaimedUpokt, ClaimedError> {
        claimed_upokt(self.num_compute_units, &self.pricing)
    }

    /// Whether the claim passes its metering's check: some compute units, and for
    /// [`Metering::FixedPerRelay`] exactly relays × compute units per relay, a product that wraps
    /// at 2⁶⁴ as Go's `uint64` one does (x/tokenomics/keeper/token_logic_modules.go,
    /// `ProcessTokenLogicModules`).
    pub fn has_valid_compute_units(&self) -> bool {
        self.num_compute_units > ComputeUnits::ZERO
            && match self.metering {
                Metering::TokenMetered => true,
                Metering::FixedPerRelay => {
                    self.compute_units_per_relay
                        .get()
                        .wrapping_mul(self.num_relays)
                        == self.num_compute_units.get()
                }
            }
    }
}

/// An application's settlement-relevant state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppAccount {
    /// Staked uPOKT.
    pub stake: Upokt,
    /// Optional per-session spend limit (zero is no limit, as in poktroll).
    pub per_session_spend_limit: Option<Upokt>,
}

/// Why a claim whose proof was required did not settle. [TOK-EXPIRE-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProofFailure {
    /// No proof was submitted (`PROOF_MISSING`).
    Missing,
    /// The proof failed validation (`PROOF_INVALID`).
    Invalid,
}

/// Claims that expire instead of settling, and what their suppliers' penalties need.
/// [TOK-EXPIRE-1]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expiry {
    /// Claims (by index into [`BlockInput::claims`], each within it) whose proof was required
    /// (re-evaluated at settlement) and is not validated.
    pub failed_proofs: BTreeMap<usize, ProofFailure>,
    /// Supplier stakes by operator address; every expiring claim's supplier must be listed.
    pub supplier_stakes: BTreeMap<Address, Upokt>,
    /// `proof_missing_penalty`.
    pub proof_missing_penalty: Upokt,
    /// The supplier module's `min_stake`: below it a penalised supplier starts unbonding.
    pub supplier_min_stake: Upokt,
}

/// Everything one block's settlement reads.
#[derive(Clone, Debug)]
pub struct BlockInput<'a> {
    /// The ripe claims, in the chain's iteration order.
    pub claims: &'a [ClaimInput],
    /// Applications by address.
    pub apps: BTreeMap<Address, AppAccount>,
    /// `GetNumPendingSessions` from the shared params at the claims' session end.
    pub num_pending_sessions: u64,
    /// Tokenomics params (checked with [`validate_params`](crate::validate_params)).
    pub params: &'a TokenomicsParams,
    /// The block proposer (receives the proposer shares; see [`largest_remainder`] to split them
    /// across validators and delegators).
    ///
    /// [`largest_remainder`]: crate::largest_remainder
    pub proposer: Address,
    /// Application module `min_stake`; apps below it after settlement start unbonding.
    pub application_min_stake: Upokt,
    /// Claims that expire for a failed required proof (default: none).
    pub expiry: Expiry,
}
