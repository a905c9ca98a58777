//! What one block's settlement produces: ledger operations, one outcome per claim, events, and
//! the stakes after it.
//!
//! These enums are exhaustive on purpose: a host that applies them must handle every case, and a
//! new case is a breaking change it must see.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pokt_primitives::{Address, FractionError, Upokt};

use crate::claimed::{ClaimedError, ClaimedUpokt};
use crate::input::ProofFailure;

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

/// Why a claim was discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscardReason {
    /// Zero compute units, or a sum its [`Metering`](crate::Metering) does not allow.
    InvalidClaim,
    /// The claimed value could not be computed.
    Value(ClaimedError),
    /// The application is unknown or its stake cannot cover the burn.
    InsufficientStake,
    /// The mint floored to 0 (Go: the stake was already reduced; [`settle_block_strict`]
    /// refuses the block instead).
    ///
    /// [`settle_block_strict`]: crate::settle_block_strict
    ZeroMint,
}

/// Events of a block's settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A claim was capped by the application's budget.
    ApplicationOverserviced {
        /// The application.
        application: Address,
        /// The supplier.
        supplier_operator: Address,
        /// Claimed before the cap (Go's `ExpectedBurn`).
        expected_burn: ClaimedUpokt,
        /// Settled (Go's `EffectiveBurn`).
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
    /// The application's stake fell below the minimum: it starts unbonding.
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
/// [`settle_block_strict`](crate::settle_block_strict): one outcome per input claim, and totals
/// that fit a [`Upokt`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSettlement {
    pub(crate) ops: Vec<LedgerOp>,
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) events: Vec<Event>,
    pub(crate) app_stakes: BTreeMap<Address, Upokt>,
    pub(crate) supplier_stakes: BTreeMap<Address, Upokt>,
    pub(crate) minted: Upokt,
    pub(crate) burned: Upokt,
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
            minted: Upokt::ZERO,
            burned: Upokt::ZERO,
        }
    }

    /// Ledger operations in execution order.
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
    pub fn minted(&self) -> Upokt {
        self.minted
    }

    /// Total burned (all burns).
    pub fn burned(&self) -> Upokt {
        self.burned
    }

    /// Total received by `to` (mints and transfers into it).
    pub fn received_by(&self, to: &Account) -> Upokt {
        // Settlement checked that all mints and transfers together fit a Upokt.
        self.ops
            .iter()
            .filter(|op| match op {
                LedgerOp::Mint { to: t, .. } | LedgerOp::Transfer { to: t, .. } => t == to,
                LedgerOp::Burn { .. } => false,
            })
            .try_fold(Upokt::ZERO, |a, op| a.checked_add(op.amount()))
            .unwrap_or(Upokt::MAX)
    }

    /// Computes the totals, refusing a block whose mints, burns, or mints and transfers together
    /// exceed a [`Upokt`].
    pub(crate) fn finish(mut self) -> Result<Self, SettleError> {
        let sum = |keep: fn(&LedgerOp) -> bool| {
            self.ops
                .iter()
                .filter(|op| keep(op))
                .try_fold(Upokt::ZERO, |a, op| a.checked_add(op.amount()))
                .ok_or(SettleError::TotalsOverflow)
        };
        let minted = sum(|op| matches!(op, LedgerOp::Mint { .. }))?;
        let burned = sum(|op| matches!(op, LedgerOp::Burn { .. }))?;
        sum(|op| !matches!(op, LedgerOp::Burn { .. }))?;
        self.minted = minted;
        self.burned = burned;
        Ok(self)
    }
}

/// Why a block could not be settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettleError {
    /// `num_pending_sessions` is 0: no budget can be computed.
    #[error("num_pending_sessions must be positive")]
    NoPendingSessions,
    /// [`settle_block_strict`](crate::settle_block_strict): the claim's mint floors to zero.
    #[error("claim {index}: the mint floors to zero (strict mode refuses it)")]
    ZeroMint {
        /// The claim's index in [`BlockInput::claims`](crate::BlockInput::claims).
        index: usize,
    },
    /// A fraction of one of the claim's amounts left the range it is computed in.
    #[error("claim {index}: fraction arithmetic: {error}")]
    Fraction {
        /// The claim's index.
        index: usize,
        /// What failed.
        error: FractionError,
    },
    /// An amount of the claim left its range: above 2²⁵⁶ − 1 where Go's integers panic, or a
    /// payment above `u64::MAX`.
    #[error("claim {index}: amount overflow")]
    AmountOverflow {
        /// The claim's index.
        index: usize,
    },
    /// The block's minted, burned or transferred total exceeds `u64::MAX` uPOKT.
    #[error("the block's ledger totals exceed u64::MAX upokt")]
    TotalsOverflow,
}
