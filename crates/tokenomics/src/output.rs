//! What one block's settlement produces: ledger operations, one outcome per claim, events, and
//! the stakes after it.
//!
//! These enums are exhaustive on purpose: a host that applies them must handle every case, and a
//! new case is a breaking change it must see.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pokt_primitives::{Address, Upokt};

use crate::claimed::{ClaimedError, ClaimedUpokt};
use crate::input::ProofFailure;
use crate::params::ParamsError;

/// Where tokens sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Account {
    /// The application module (holds application stakes).
    ApplicationModule,
    /// The tokenomics module (mints land here before distribution).
    TokenomicsModule,
    /// The supplier module (holds supplier stakes).
    SupplierModule,
    /// An account.
    Address(Address),
}

/// Why tokens moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// RelayBurnEqualsMint: the application's settlement burned.
    RelayBurn,
    /// RelayBurnEqualsMint: the mint (settlement × mint ratio).
    RelayMint,
    /// A share of the burn-equals-mint mint.
    RelayMintShare(Actor),
    /// GlobalMint: the inflation mint.
    GlobalMint,
    /// A share of the inflation mint.
    GlobalMintShare(Actor),
    /// GlobalMintReimbursementRequest: the application pays the inflation to the DAO.
    ReimbursementRequest,
    /// A supplier's missing or invalid required proof.
    ProofPenalty,
}

/// The actors that receive shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Actor {
    Dao,
    Proposer,
    Supplier,
    SourceOwner,
    Application,
}

/// One ledger operation; the host applies them in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerOp {
    /// Tokens created into an account.
    Mint {
        /// Recipient.
        to: Account,
        /// How much.
        amount: Upokt,
        /// Why.
        reason: Reason,
    },
    /// Tokens destroyed from an account.
    Burn {
        /// Source.
        from: Account,
        /// How much.
        amount: Upokt,
        /// Why.
        reason: Reason,
    },
    /// Tokens moved.
    Transfer {
        /// Source.
        from: Account,
        /// Recipient.
        to: Account,
        /// How much.
        amount: Upokt,
        /// Why.
        reason: Reason,
    },
}

impl LedgerOp {
    /// The amount the operation moves.
    pub fn amount(&self) -> Upokt {
        match *self {
            Self::Mint { amount, .. }
            | Self::Burn { amount, .. }
            | Self::Transfer { amount, .. } => amount,
        }
    }
}

/// What happened to a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Settled for `settled` (after capping), worth `claimed` before.
    Settled {
        /// Value before the cap (may exceed `u64::MAX`, as in poktroll).
        claimed: ClaimedUpokt,
        /// Value burned from the application.
        settled: Upokt,
    },
    /// Discarded: no payment.
    Discarded(DiscardReason),
    /// Expired: its required proof failed; nothing paid, the supplier penalised.
    Expired {
        /// Missing or invalid.
        failure: ProofFailure,
        /// Taken from the supplier's stake (the penalty, capped at the stake).
        penalty: Upokt,
    },
}

/// Why a claim was discarded (poktroll's `EventClaimDiscarded`: nothing is paid and no supplier
/// is penalised). Some reasons come after the chain already changed state for the claim; those
/// say so, and [`settle_block_strict`] refuses the block instead.
///
/// [`settle_block_strict`]: crate::settle_block_strict
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscardReason {
    /// The application is not staked (the claim fails the chain's cache warm-up).
    UnknownApplication,
    /// The service's compute units per relay is zero, which the chain treats as a corrupt
    /// service record whatever the claim's [`Metering`](crate::Metering) (cache warm-up).
    ZeroComputeUnitsPerRelay,
    /// The claimed value is refused ([`ClaimedError::NegativeAmount`]).
    Value(ClaimedError),
    /// Zero compute units, or a sum its [`Metering`](crate::Metering) does not allow.
    InvalidClaim,
    /// The application's stake left by earlier claims of the block cannot cover the burn.
    InsufficientStake,
    /// The mint floored to 0 (after the application's stake was lowered by the settlement).
    ZeroMint,
    /// The supplier has a share to receive but no revenue shares for the service (after the
    /// application's stake was lowered, and any proposer share of an earlier module queued).
    NoRevShares,
    /// The application's stake left after the burn cannot cover the inflation it must pay to
    /// the DAO (after the stake was lowered and both modules' proposer shares were queued).
    InsufficientStakeForReimbursement,
}

/// Events of a block's settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A claim was capped by the application's budget. Both amounts are in stake terms: a
    /// settlement plus the inflation the application pays on it.
    ApplicationOverserviced {
        /// The application.
        application: Address,
        /// The supplier.
        supplier_operator: Address,
        /// The claim's value + ⌈value × inflation⌉ (Go's `ExpectedBurn`).
        expected_burn: ClaimedUpokt,
        /// The most the budget lets it take from the stake (Go's `EffectiveBurn`).
        effective_burn: Upokt,
    },
    /// The application must be reimbursed off-chain for the inflation it paid.
    ApplicationReimbursementRequest {
        /// The application.
        application: Address,
        /// How much.
        amount: Upokt,
    },
    /// Revenue shares were invalid; everything went to the owner.
    RevShareFallback {
        /// The supplier.
        supplier_operator: Address,
    },
    /// A settled claim left the application's stake below the minimum: it starts unbonding
    /// (one event per such claim, as poktroll emits it).
    ApplicationUnbondingStarted {
        /// The application.
        application: Address,
    },
    /// A penalised supplier's stake fell below the minimum: forced unbonding at the session end.
    SupplierUnbondingStarted {
        /// The supplier.
        supplier_operator: Address,
    },
}

/// The result of settling one block, built only by [`settle_block`](crate::settle_block) and
/// [`settle_block_strict`](crate::settle_block_strict): one outcome per input claim. Every ledger
/// operation moves a [`Upokt`]; the block's totals are 256-bit, as poktroll's sums are.
/// [TOK-AMOUNT-1]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSettlement {
    pub(crate) ops: Vec<LedgerOp>,
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) events: Vec<Event>,
    pub(crate) app_stakes: BTreeMap<Address, Upokt>,
    pub(crate) supplier_stakes: BTreeMap<Address, Upokt>,
    pub(crate) minted: ClaimedUpokt,
    pub(crate) burned: ClaimedUpokt,
}

impl BlockSettlement {
    /// An empty settlement starting from the given supplier stakes (application stakes are set
    /// when it is done).
    pub(crate) fn new(supplier_stakes: BTreeMap<Address, Upokt>, claims: usize) -> Self {
        Self {
            ops: Vec::new(),
            outcomes: Vec::with_capacity(claims),
            events: Vec::new(),
            app_stakes: BTreeMap::new(),
            supplier_stakes,
            minted: ClaimedUpokt::ZERO,
            burned: ClaimedUpokt::ZERO,
        }
    }

    /// Ledger operations in the order poktroll queues them: per settled claim its token logic
    /// modules' operations, then the block's proposer shares (one batch per module), then the
    /// penalties of expired claims. The chain executes the same operations aggregated per kind,
    /// account and reason (mints, module transfers, account transfers, burns), which moves the
    /// same amounts. [TOK-ORDER-1]
    pub fn ops(&self) -> &[LedgerOp] {
        &self.ops
    }

    /// One outcome per input claim, in input order.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// Events, in emission order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Application stakes after settlement.
    pub fn app_stakes(&self) -> &BTreeMap<Address, Upokt> {
        &self.app_stakes
    }

    /// Supplier stakes after penalties (those given in
    /// [`Expiry::supplier_stakes`](crate::Expiry::supplier_stakes), and any penalised supplier).
    pub fn supplier_stakes(&self) -> &BTreeMap<Address, Upokt> {
        &self.supplier_stakes
    }

    /// Total minted (all mints).
    pub fn minted(&self) -> ClaimedUpokt {
        self.minted
    }

    /// Total burned (all burns).
    pub fn burned(&self) -> ClaimedUpokt {
        self.burned
    }

    /// Total received by `to` (mints and transfers into it).
    pub fn received_by(&self, to: &Account) -> ClaimedUpokt {
        total(self.ops.iter().filter(|op| match op {
            LedgerOp::Mint { to: t, .. } | LedgerOp::Transfer { to: t, .. } => t == to,
            LedgerOp::Burn { .. } => false,
        }))
    }

    /// Computes the totals.
    pub(crate) fn finish(mut self) -> Self {
        self.minted = total(
            self.ops
                .iter()
                .filter(|op| matches!(op, LedgerOp::Mint { .. })),
        );
        self.burned = total(
            self.ops
                .iter()
                .filter(|op| matches!(op, LedgerOp::Burn { .. })),
        );
        self
    }
}

/// The sum of operations' amounts: below 2¹²⁸ for fewer than 2⁶⁴ operations.
fn total<'a>(ops: impl Iterator<Item = &'a LedgerOp>) -> ClaimedUpokt {
    ClaimedUpokt::from_u128(ops.fold(0u128, |sum, op| {
        sum.saturating_add(u128::from(op.amount().get()))
    }))
}

/// Why a block could not be settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettleError {
    /// The params are refused ([`validate_params`](crate::validate_params)).
    #[error("invalid tokenomics params: {0}")]
    Params(ParamsError),
    /// `num_pending_sessions` is 0: no budget can be computed (Go divides by zero and panics).
    #[error("num_pending_sessions must be positive")]
    NoPendingSessions,
    /// [`Expiry::failed_proofs`](crate::Expiry::failed_proofs) names a claim that is not in the
    /// block.
    #[error("failed_proofs names claim {index}, which is not in the block")]
    UnknownClaim {
        /// The index given.
        index: usize,
    },
    /// An expiring claim's supplier has no stake in
    /// [`Expiry::supplier_stakes`](crate::Expiry::supplier_stakes), so it cannot be penalised.
    #[error("claim {index}: its supplier's stake is missing from expiry.supplier_stakes")]
    MissingSupplierStake {
        /// The claim's index.
        index: usize,
    },
    /// The claim's value cannot be computed where poktroll panics: a zero target or granularity,
    /// or a value beyond 256 bits.
    #[error("claim {index}: claimed value: {error}")]
    ClaimValue {
        /// The claim's index in [`BlockInput::claims`](crate::BlockInput::claims).
        index: usize,
        /// What failed.
        error: ClaimedError,
    },
    /// An amount of the claim leaves the 256 bits poktroll's integers hold, where Go panics: the
    /// claim's stake terms, or the overservicing bonus's product.
    #[error("claim {index}: amount beyond 256 bits")]
    AmountOverflow {
        /// The claim's index.
        index: usize,
    },
    /// With inflation on, the claim's settlement or inflation mint is above `i64::MAX`: poktroll
    /// converts each to `int64` (`math.Int.Int64`, for telemetry and a zero test) and panics.
    #[error("claim {index}: an amount above i64::MAX, where poktroll's int64 conversion panics")]
    Int64Amount {
        /// The claim's index.
        index: usize,
    },
    /// The settled claims' relay mints, inflation mints or relay burns together exceed
    /// `i64::MAX`: poktroll executes each total as one aggregated amount, converts it to `int64`
    /// for telemetry and panics.
    #[error(
        "the block's {which:?} total is above i64::MAX, where poktroll's int64 conversion panics"
    )]
    Int64Total {
        /// [`Reason::RelayMint`], [`Reason::GlobalMint`] or [`Reason::RelayBurn`].
        which: Reason,
    },
    /// [`settle_block_strict`](crate::settle_block_strict): the claim's mint floors to zero.
    #[error("claim {index}: the mint floors to zero (strict mode refuses it)")]
    ZeroMint {
        /// The claim's index.
        index: usize,
    },
    /// [`settle_block_strict`](crate::settle_block_strict): the supplier has a share to receive
    /// and no revenue shares.
    #[error("claim {index}: the supplier has no revenue shares (strict mode refuses it)")]
    NoRevShares {
        /// The claim's index.
        index: usize,
    },
    /// [`settle_block_strict`](crate::settle_block_strict): the application's stake cannot pay
    /// the claim's inflation after its burn.
    #[error(
        "claim {index}: the application's stake cannot pay the reimbursement request (strict mode refuses it)"
    )]
    ReimbursementExceedsStake {
        /// The claim's index.
        index: usize,
    },
}
