//! The per-block settlement pipeline and the token logic modules.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};

use crate::claimed::{ClaimedError, claimed_upokt};
use pokt_primitives::{FractionError, Shares, TokenomicsParams};

/// Go-compatible or strict handling of the chain's edge cases. [TOK-MODE-1]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Reproduce poktroll, quirks included (e.g. a settlement whose mint floors to 0 is discarded
    /// after the application's stake was already reduced).
    #[default]
    GoCompatible,
    /// Refuse inputs that hit a quirk: the block fails with [`SettleError`].
    Strict,
}

/// One revenue share of a supplier's service config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevShare {
    /// The shareholder.
    pub address: Address,
    /// Its percentage (the list must sum to 100).
    pub percentage: u64,
}

/// A ripe claim with everything settlement needs, taken at the session's start height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimInput {
    /// The supplier's operator address.
    pub supplier_operator: Address,
    /// The supplier's owner (fallback recipient when the revenue shares are invalid).
    pub supplier_owner: Address,
    /// The supplier's revenue shares for the service, in config order.
    pub rev_shares: Vec<RevShare>,
    /// The application.
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
    pub num_compute_units: u64,
    /// Compute units per relay of the service at session start.
    pub compute_units_per_relay: u64,
    /// Difficulty target of the service at session start.
    pub target_hash: TargetHash,
    /// Shared param at session start.
    pub compute_units_to_tokens_multiplier: u64,
    /// Shared param at session start.
    pub compute_unit_cost_granularity: u64,
    /// Token-metered service (extension, spec/llm.md [LLM-METER-2]): every relay weighs its own
    /// signed usage, so the claim is not required to hold `relays × compute units per relay`
    /// compute units (it must still hold some). `false` for POKT.
    pub token_metered: bool,
}

/// An application's settlement-relevant state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppAccount {
    /// Staked uPOKT.
    pub stake: u64,
    /// Optional per-session spend limit in uPOKT.
    pub per_session_spend_limit: Option<u64>,
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
    /// Claims (by index into [`BlockInput::claims`]) whose proof was required (re-evaluated at
    /// settlement) and is not validated.
    pub failed_proofs: BTreeMap<usize, ProofFailure>,
    /// Supplier stakes by operator address (a supplier not listed has stake 0).
    pub supplier_stakes: BTreeMap<Address, u64>,
    /// `proof_missing_penalty` in uPOKT.
    pub penalty_upokt: u64,
    /// The supplier module's `min_stake` in uPOKT: below it a penalised supplier starts unbonding.
    pub supplier_min_stake_upokt: u64,
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
    /// Tokenomics params.
    pub params: &'a TokenomicsParams,
    /// The block proposer (receives the proposer shares; see [`largest_remainder`] to split them
    /// across validators and delegators).
    pub proposer: Address,
    /// Application module `min_stake`; apps below it after settlement start unbonding.
    pub application_min_stake: u64,
    /// Edge-case handling.
    pub mode: Mode,
    /// Claims that expire for a failed required proof (default: none).
    pub expiry: Expiry,
}

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
        /// uPOKT.
        amount: u64,
        /// Why.
        reason: Reason,
    },
    /// Tokens destroyed from an account.
    Burn {
        /// Source.
        from: Account,
        /// uPOKT.
        amount: u64,
        /// Why.
        reason: Reason,
    },
    /// Tokens moved.
    Transfer {
        /// Source.
        from: Account,
        /// Recipient.
        to: Account,
        /// uPOKT.
        amount: u64,
        /// Why.
        reason: Reason,
    },
}

/// What happened to a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Settled for `settled_upokt` (after capping), `claimed_upokt` before.
    Settled {
        /// Value before the cap.
        claimed_upokt: u64,
        /// Value burned from the application.
        settled_upokt: u64,
    },
    /// Discarded: no payment.
    Discarded(DiscardReason),
    /// Expired: its required proof failed; nothing paid, the supplier penalised.
    Expired {
        /// Missing or invalid.
        failure: ProofFailure,
        /// uPOKT taken from the supplier's stake (the penalty, capped at the stake).
        penalty_upokt: u64,
    },
}

/// Why a claim was discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscardReason {
    /// Zero compute units or sum ≠ relays × compute units per relay.
    InvalidClaim,
    /// The claimed value could not be computed.
    Value(ClaimedError),
    /// The application is unknown or its stake cannot cover the burn.
    InsufficientStake,
    /// The mint floored to 0 (Go: the stake was already reduced — see [`Mode`]).
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
        /// Claimed before the cap.
        expected_upokt: u64,
        /// Settled.
        effective_upokt: u64,
    },
    /// The application must be reimbursed off-chain for the inflation it paid.
    ApplicationReimbursementRequest {
        /// The application.
        application: Address,
        /// uPOKT.
        amount: u64,
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

/// The result of settling one block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockSettlement {
    /// Ledger operations in execution order.
    pub ops: Vec<LedgerOp>,
    /// One outcome per input claim, in input order.
    pub outcomes: Vec<Outcome>,
    /// Events.
    pub events: Vec<Event>,
    /// Application stakes after settlement.
    pub app_stakes: BTreeMap<Address, u64>,
    /// Supplier stakes after penalties (those given in [`Expiry::supplier_stakes`], and any
    /// penalised supplier).
    pub supplier_stakes: BTreeMap<Address, u64>,
}

impl BlockSettlement {
    /// Total minted (all mints).
    pub fn minted(&self) -> u64 {
        self.ops.iter().fold(0u64, |a, op| match op {
            LedgerOp::Mint { amount, .. } => a.saturating_add(*amount),
            _ => a,
        })
    }

    /// Total burned.
    pub fn burned(&self) -> u64 {
        self.ops.iter().fold(0u64, |a, op| match op {
            LedgerOp::Burn { amount, .. } => a.saturating_add(*amount),
            _ => a,
        })
    }

    /// Total received by `to` for a given actor share reason filter.
    pub fn received_by(&self, to: &Account) -> u64 {
        self.ops.iter().fold(0u64, |a, op| match op {
            LedgerOp::Mint { to: t, amount, .. } | LedgerOp::Transfer { to: t, amount, .. }
                if t == to =>
            {
                a.saturating_add(*amount)
            }
            _ => a,
        })
    }
}

/// Why a block could not be settled (strict mode, or arithmetic that leaves u64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    /// Strict mode: claim `index` hits the zero-mint quirk.
    #[error("claim {0}: the mint floors to zero (strict mode refuses it)")]
    ZeroMint(usize),
    /// A fraction computation overflowed.
    #[error("fraction arithmetic: {0}")]
    Fraction(#[from] FractionError),
    /// An amount overflowed u64.
    #[error("amount overflow")]
    Overflow,
    /// `num_pending_sessions` is 0.
    #[error("num_pending_sessions must be positive")]
    NoPendingSessions,
}

/// Splits `amount` by `shares`: floors for every actor but the DAO, which takes the remainder.
/// Returns (actor, amount) in the chain's order for the given module. [TOK-TLM-1]
fn split(amount: u64, shares: &Shares, order: &[Actor]) -> Result<Vec<(Actor, u64)>, SettleError> {
    let mut out = Vec::with_capacity(order.len().saturating_add(1));
    let mut given: u64 = 0;
    for a in order {
        let f = match a {
            Actor::Proposer => shares.proposer,
            Actor::Supplier => shares.supplier,
            Actor::SourceOwner => shares.source_owner,
            Actor::Application => shares.application,
            Actor::Dao => continue,
        };
        let v = f.mul_floor(amount)?;
        given = given.checked_add(v).ok_or(SettleError::Overflow)?;
        out.push((*a, v));
    }
    // Shares summing above 1 would leave a negative remainder: the DAO then gets nothing.
    out.push((Actor::Dao, amount.saturating_sub(given)));
    Ok(out)
}

/// The supplier's revenue-share split of `amount`: each shareholder ⌊amount · pct / 100⌋, the
/// remainder to the first listed; transfers in address order, zero shares skipped. Invalid
/// shares (empty, duplicate, not summing to 100) pay everything to `owner` and return `true`.
/// [TOK-REVSHARE-1]
pub fn rev_share_split(
    amount: u64,
    shares: &[RevShare],
    owner: &Address,
) -> (Vec<(Address, u64)>, bool) {
    let mut seen = BTreeMap::new();
    let mut total: u64 = 0;
    let mut valid = !shares.is_empty();
    for s in shares {
        if seen.insert(s.address, ()).is_some() {
            valid = false;
        }
        total = total.saturating_add(s.percentage);
    }
    if !valid || total != 100 {
        return (alloc::vec![(*owner, amount)], true);
    }
    let mut per: BTreeMap<Address, u64> = BTreeMap::new();
    let mut given: u64 = 0;
    for s in shares {
        let v = u64::try_from(
            u128::from(amount)
                .saturating_mul(u128::from(s.percentage))
                .checked_div(100)
                .unwrap_or(0),
        )
        .unwrap_or(0);
        given = given.saturating_add(v);
        per.insert(s.address, v);
    }
    if let Some(first) = shares.first() {
        let e = per.entry(first.address).or_insert(0);
        *e = e.saturating_add(amount.saturating_sub(given));
    }
    (per.into_iter().filter(|(_, v)| *v > 0).collect(), false)
}

/// The largest-remainder split of `total` across `weights`: each gets ⌊total · w / Σw⌋, then the
/// leftover units go one each by fractional remainder descending, ties by address ascending;
/// zero remainders get none. [TOK-PROPOSER-1]
pub fn largest_remainder(total: u64, weights: &[(Address, u128)]) -> Vec<(Address, u64)> {
    let sum: u128 = weights.iter().fold(0u128, |a, (_, w)| a.saturating_add(*w));
    if sum == 0 {
        return Vec::new();
    }
    let mut out: Vec<(Address, u64, u128)> = weights
        .iter()
        .map(|(a, w)| {
            let p = u128::from(total).saturating_mul(*w);
            let q = p.checked_div(sum).unwrap_or(0);
            let r = p.checked_rem(sum).unwrap_or(0);
            (*a, u64::try_from(q).unwrap_or(u64::MAX), r)
        })
        .collect();
    let given: u64 = out.iter().fold(0u64, |a, x| a.saturating_add(x.1));
    let mut left = total.saturating_sub(given);
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out.get(i).is_some_and(|x| x.2 > 0))
        .collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (out.get(i), out.get(j));
        match (a, b) {
            (Some(a), Some(b)) => b.2.cmp(&a.2).then_with(|| a.0.as_str().cmp(b.0.as_str())),
            _ => core::cmp::Ordering::Equal,
        }
    });
    for i in order {
        if left == 0 {
            break;
        }
        if let Some(x) = out.get_mut(i) {
            x.1 = x.1.saturating_add(1);
            left = left.saturating_sub(1);
        }
    }
    out.into_iter().map(|(a, v, _)| (a, v)).collect()
}

/// The penalty for a missing or invalid required proof: `penalty` uPOKT burned from the
/// supplier's stake (capped at the stake); returns the ops and whether the remaining stake is
/// below `min_stake` (forced unbonding). [TOK-PENALTY-1]
pub fn proof_penalty(
    supplier_stake: u64,
    penalty: u64,
    min_stake: u64,
) -> (Vec<LedgerOp>, u64, bool) {
    let slashed = penalty.min(supplier_stake);
    let left = supplier_stake.saturating_sub(slashed);
    let ops = if slashed > 0 {
        alloc::vec![LedgerOp::Burn {
            from: Account::SupplierModule,
            amount: slashed,
            reason: Reason::ProofPenalty
        }]
    } else {
        Vec::new()
    };
    (ops, left, left < min_stake)
}

const RELAY_ORDER: [Actor; 4] = [
    Actor::Supplier,
    Actor::Proposer,
    Actor::SourceOwner,
    Actor::Application,
];
const GLOBAL_ORDER: [Actor; 4] = [
    Actor::Supplier,
    Actor::Application,
    Actor::SourceOwner,
    Actor::Proposer,
];

/// Settles one block's ripe claims (protocol.md §6.2–§6.6): budgets per (application, session),
/// overservicing caps, then RelayBurnEqualsMint, GlobalMint and GlobalMintReimbursementRequest per
/// claim. Pure: returns the ledger operations, outcomes and events. [TOK-SETTLE-1]
pub fn settle_block(input: &BlockInput<'_>) -> Result<BlockSettlement, SettleError> {
    if input.num_pending_sessions == 0 {
        return Err(SettleError::NoPendingSessions);
    }
    let params = input.params;
    let gi = params.global_inflation_per_claim;
    let mut out = BlockSettlement {
        app_stakes: input.apps.iter().map(|(a, acc)| (*a, acc.stake)).collect(),
        supplier_stakes: input.expiry.supplier_stakes.clone(),
        ..BlockSettlement::default()
    };
    let failed = |i: usize| input.expiry.failed_proofs.get(&i).copied();

    // Phase 1: claimants per (app, session) and each claim's value.
    let mut claimants: BTreeMap<(Address, SessionId), u64> = BTreeMap::new();
    let mut values: Vec<Result<u64, DiscardReason>> = Vec::with_capacity(input.claims.len());
    for c in input.claims {
        *claimants.entry((c.application, c.session_id)).or_insert(0) = claimants
            .get(&(c.application, c.session_id))
            .copied()
            .unwrap_or(0)
            .saturating_add(1);
        let valid = c.num_compute_units > 0
            && (c.token_metered
                || c.num_relays.checked_mul(c.compute_units_per_relay)
                    == Some(c.num_compute_units));
        values.push(if valid {
            claimed_upokt(
                c.num_compute_units,
                &c.target_hash,
                c.compute_units_to_tokens_multiplier,
                c.compute_unit_cost_granularity,
            )
            .map_err(DiscardReason::Value)
        } else {
            Err(DiscardReason::InvalidClaim)
        });
    }

    // Phase 1.5: budget floor, unused and excess per (app, session).
    let budget_floor = |c: &ClaimInput| -> u64 {
        let Some(acc) = input.apps.get(&c.application) else {
            return 0;
        };
        let n = claimants
            .get(&(c.application, c.session_id))
            .copied()
            .unwrap_or(1)
            .max(1);
        let per_session = acc
            .stake
            .checked_div(input.num_pending_sessions)
            .unwrap_or(0);
        let mut floor = per_session.checked_div(n).unwrap_or(0);
        if let Some(limit) = acc.per_session_spend_limit {
            floor = floor.min(limit.min(per_session).checked_div(n).unwrap_or(0));
        }
        floor
    };
    let mut unused: BTreeMap<(Address, SessionId), u64> = BTreeMap::new();
    let mut excess: BTreeMap<(Address, SessionId), u64> = BTreeMap::new();
    for (i, (c, v)) in input.claims.iter().zip(&values).enumerate() {
        if failed(i).is_some() {
            continue;
        }
        if let Ok(v) = v {
            let floor = budget_floor(c);
            let stake = v
                .checked_add(gi.mul_ceil(*v)?)
                .ok_or(SettleError::Overflow)?;
            let k = (c.application, c.session_id);
            let u = unused.entry(k).or_insert(0);
            *u = u.saturating_add(floor.saturating_sub(stake));
            let e = excess.entry(k).or_insert(0);
            *e = e.saturating_add(stake.saturating_sub(floor));
        }
    }

    // Phase 2: per claim.
    let m = params.overservicing_bonus_multiplier.max(1);
    let mut unbonding: Vec<Address> = Vec::new();
    for (index, (c, v)) in input.claims.iter().zip(values).enumerate() {
        // Expiry: a required proof that was not validated; nothing paid, the supplier slashed.
        if let Some(failure) = failed(index) {
            let stake = out
                .supplier_stakes
                .get(&c.supplier_operator)
                .copied()
                .unwrap_or(0);
            let (ops, left, below) = proof_penalty(
                stake,
                input.expiry.penalty_upokt,
                input.expiry.supplier_min_stake_upokt,
            );
            out.ops.extend(ops);
            out.supplier_stakes.insert(c.supplier_operator, left);
            if below && !unbonding.contains(&c.supplier_operator) {
                unbonding.push(c.supplier_operator);
                out.events.push(Event::SupplierUnbondingStarted {
                    supplier_operator: c.supplier_operator,
                });
            }
            out.outcomes.push(Outcome::Expired {
                failure,
                penalty_upokt: stake.saturating_sub(left),
            });
            continue;
        }
        let claimed = match v {
            Ok(v) => v,
            Err(r) => {
                out.outcomes.push(Outcome::Discarded(r));
                continue;
            }
        };
        let k = (c.application, c.session_id);
        let floor = budget_floor(c);
        let mut claim_stake = claimed
            .checked_add(gi.mul_ceil(claimed)?)
            .ok_or(SettleError::Overflow)?;
        let total_excess = excess.get(&k).copied().unwrap_or(0);
        let mut max_claimable = floor;
        if m > 1 && total_excess > 0 && claim_stake > floor {
            let bonus = u128::from(unused.get(&k).copied().unwrap_or(0))
                .saturating_mul(u128::from(claim_stake.saturating_sub(floor)))
                .checked_div(u128::from(total_excess))
                .unwrap_or(0);
            max_claimable = floor.saturating_add(u64::try_from(bonus).unwrap_or(u64::MAX));
        }
        max_claimable = max_claimable.min(floor.saturating_mul(m));
        let mut max_settlement = gi.div_one_plus_floor(max_claimable)?;
        if claim_stake > max_claimable {
            claim_stake = max_claimable;
            max_settlement = gi.div_one_plus_floor(claim_stake)?;
        }
        let settlement = if claimed <= max_settlement {
            claimed
        } else {
            out.events.push(Event::ApplicationOverserviced {
                application: c.application,
                supplier_operator: c.supplier_operator,
                expected_upokt: claimed,
                effective_upokt: max_settlement,
            });
            max_settlement
        };
        if settlement == 0 {
            out.outcomes.push(Outcome::Settled {
                claimed_upokt: claimed,
                settled_upokt: 0,
            });
            continue;
        }

        // RelayBurnEqualsMint.
        let Some(app_stake) = out.app_stakes.get_mut(&c.application) else {
            out.outcomes
                .push(Outcome::Discarded(DiscardReason::InsufficientStake));
            continue;
        };
        let Some(after_burn) = app_stake.checked_sub(settlement) else {
            out.outcomes
                .push(Outcome::Discarded(DiscardReason::InsufficientStake));
            continue;
        };
        let mint = params.mint_ratio.mul_floor(settlement)?;
        if mint == 0 {
            match input.mode {
                Mode::Strict => return Err(SettleError::ZeroMint(index)),
                Mode::GoCompatible => {
                    // Go quirk: the cached application stake was already reduced; the burn op is dropped.
                    *app_stake = after_burn;
                    out.outcomes
                        .push(Outcome::Discarded(DiscardReason::ZeroMint));
                    continue;
                }
            }
        }
        *app_stake = after_burn;
        let mut ops = Vec::new();
        ops.push(LedgerOp::Burn {
            from: Account::ApplicationModule,
            amount: settlement,
            reason: Reason::RelayBurn,
        });
        ops.push(LedgerOp::Mint {
            to: Account::TokenomicsModule,
            amount: mint,
            reason: Reason::RelayMint,
        });
        let distribute = |ops: &mut Vec<LedgerOp>,
                          events: &mut Vec<Event>,
                          parts: Vec<(Actor, u64)>,
                          global: bool| {
            for (actor, amount) in parts {
                if amount == 0 {
                    continue;
                }
                let reason = if global {
                    Reason::GlobalMintShare(actor)
                } else {
                    Reason::RelayMintShare(actor)
                };
                let recipients: Vec<(Address, u64)> = match actor {
                    Actor::Supplier => {
                        let (split, fallback) =
                            rev_share_split(amount, &c.rev_shares, &c.supplier_owner);
                        if fallback {
                            events.push(Event::RevShareFallback {
                                supplier_operator: c.supplier_operator,
                            });
                        }
                        split
                    }
                    Actor::Proposer => alloc::vec![(input.proposer, amount)],
                    Actor::SourceOwner => alloc::vec![(c.source_owner, amount)],
                    Actor::Application => alloc::vec![(c.application, amount)],
                    Actor::Dao => alloc::vec![(params.dao_reward_address, amount)],
                };
                for (to, amount) in recipients {
                    ops.push(LedgerOp::Transfer {
                        from: Account::TokenomicsModule,
                        to: Account::Address(to),
                        amount,
                        reason,
                    });
                }
            }
        };
        distribute(
            &mut ops,
            &mut out.events,
            split(mint, &params.mint_equals_burn_distribution, &RELAY_ORDER)?,
            false,
        );

        // GlobalMint and the reimbursement request.
        if !gi.is_zero() {
            let new_mint = gi.mul_ceil(settlement)?;
            ops.push(LedgerOp::Mint {
                to: Account::TokenomicsModule,
                amount: new_mint,
                reason: Reason::GlobalMint,
            });
            distribute(
                &mut ops,
                &mut out.events,
                split(new_mint, &params.mint_allocation, &GLOBAL_ORDER)?,
                true,
            );
            if let Some(stake) = out.app_stakes.get_mut(&c.application) {
                *stake = stake.saturating_sub(new_mint);
            }
            ops.push(LedgerOp::Transfer {
                from: Account::ApplicationModule,
                to: Account::Address(params.dao_reward_address),
                amount: new_mint,
                reason: Reason::ReimbursementRequest,
            });
            out.events.push(Event::ApplicationReimbursementRequest {
                application: c.application,
                amount: new_mint,
            });
        }
        out.ops.extend(ops);
        out.outcomes.push(Outcome::Settled {
            claimed_upokt: claimed,
            settled_upokt: settlement,
        });
    }

    for (app, stake) in &out.app_stakes {
        let before = input.apps.get(app).map_or(0, |a| a.stake);
        if *stake < input.application_min_stake && before != *stake {
            out.events
                .push(Event::ApplicationUnbondingStarted { application: *app });
        }
    }
    Ok(out)
}
