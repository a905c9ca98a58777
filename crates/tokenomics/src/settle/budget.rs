//! Phase 1: what the chain learns about every claim before settling any (its cache warm-up and
//! its value), and the budget of each (application, session) its claims share; then, per claim,
//! the cap that budget puts on its settlement. [TOK-SETTLE-1]
//!
//! Values and stake terms are 256-bit, as poktroll's `math.Int`: a claim worth more than
//! `u64::MAX` is capped like any other, and only amounts beyond 256 bits (where Go panics) fail.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crypto_bigint::U256;
use pokt_primitives::{Address, ComputeUnits, Fraction, SessionId, TokenomicsParams, Upokt};

use crate::claimed::{ClaimedError, ClaimedUpokt};
use crate::input::BlockInput;
use crate::output::{DiscardReason, SettleError};
use crate::wide;

/// One claim as phase 1 saw it.
struct Priced {
    /// Index of its (application, session) in `Budgets::groups`.
    group: usize,
    /// Its value, or why it is discarded before anything else.
    value: Result<ClaimedUpokt, DiscardReason>,
    /// Its stake terms, for a priced claim that does not expire.
    stake_terms: Option<U256>,
}

/// The budget of one (application, session).
struct Group {
    /// Its application's index in [`BlockInput::apps`]' order, if it is staked.
    app: Option<usize>,
    /// Claims of the session (all of them: expiring and discarded ones included).
    claimants: u64,
    /// Each claimant's guaranteed share: stake / pending sessions / claimants, at most the
    /// spend limit's share.
    floor: U256,
    /// Σ (floor − stake terms) over the claims below the floor.
    unused: U256,
    /// Σ (stake terms − floor) over the claims at or above it.
    excess: U256,
}

/// Every claim's value and every session's budget.
pub(super) struct Budgets {
    claims: Vec<Priced>,
    groups: Vec<Group>,
}

/// A claim's settlement after its budget's cap.
pub(super) struct Capped {
    /// What the application pays.
    pub(super) settlement: Upokt,
    /// When capped: the claim's stake terms and the most its budget allows (the overserviced
    /// event's expected and effective burns).
    pub(super) overserviced: Option<(ClaimedUpokt, Upokt)>,
}

/// A claim's cost to the application's stake: value + ⌈value × inflation⌉ (Go's
/// `claimStakeTermsAmount`); `None` above 256 bits.
fn stake_terms(value: &U256, inflation: &Fraction) -> Option<U256> {
    wide::checked_add(value, &wide::mul_ceil(inflation, value)?)
}

impl Budgets {
    /// Counts each session's claimants (Go's phase 1), then warms up and prices every claim and
    /// accumulates the unused and excess budget of those that will settle (phase 1.5).
    ///
    /// Go: x/tokenomics/keeper/settle_pending_claims.go, SettlePendingClaims (phases 1 and 1.5);
    /// settlement_context.go, ClaimCacheWarmUp, AccumulateClaimBudget, getOrInitSessionBudget.
    pub(super) fn new(input: &BlockInput<'_>) -> Result<Self, SettleError> {
        let slots: BTreeMap<&Address, usize> =
            input.apps.keys().enumerate().map(|(i, a)| (a, i)).collect();
        // Keyed by raw bytes: the index needs identity, not the address-string order.
        let mut index: BTreeMap<([u8; 20], SessionId), usize> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut claims = Vec::with_capacity(input.claims.len());
        for (i, c) in input.claims.iter().enumerate() {
            let group = *index
                .entry((*c.application.as_bytes(), c.session_id))
                .or_insert_with(|| {
                    groups.push(Group {
                        app: slots.get(&c.application).copied(),
                        claimants: 0,
                        floor: U256::ZERO,
                        unused: U256::ZERO,
                        excess: U256::ZERO,
                    });
                    groups.len().saturating_sub(1)
                });
            let g = groups
                .get_mut(group)
                .ok_or(SettleError::AmountOverflow { index: i })?;
            g.claimants = g.claimants.saturating_add(1);
            // Warm-up looks the service up before the application.
            let value = if c.compute_units_per_relay == ComputeUnits::ZERO {
                Err(DiscardReason::ZeroComputeUnitsPerRelay)
            } else if g.app.is_none() {
                Err(DiscardReason::UnknownApplication)
            } else {
                match c.claimed_upokt() {
                    Ok(v) => Ok(v),
                    // Go refuses a negative amount with an error: the claim is discarded.
                    Err(error @ ClaimedError::NegativeAmount) => Err(DiscardReason::Value(error)),
                    // Go panics on the others while pricing every claim: no block.
                    Err(error) => return Err(SettleError::ClaimValue { index: i, error }),
                }
            };
            claims.push(Priced {
                group,
                value,
                stake_terms: None,
            });
        }
        let accounts: Vec<_> = input.apps.values().collect();
        for (g, acc) in groups.iter_mut().filter_map(|g| {
            let acc = g.app.and_then(|slot| accounts.get(slot))?;
            Some((g, acc))
        }) {
            let n = g.claimants.max(1);
            let per_session = acc
                .stake
                .checked_div(input.num_pending_sessions)
                .unwrap_or(Upokt::ZERO);
            let mut floor = per_session.checked_div(n).unwrap_or(Upokt::ZERO);
            // A limit of zero is no limit (Go applies it only when positive).
            if let Some(limit) = acc.per_session_spend_limit.filter(|l| *l > Upokt::ZERO) {
                floor = floor.min(limit.min(per_session).checked_div(n).unwrap_or(Upokt::ZERO));
            }
            g.floor = wide::from_upokt(floor);
        }
        let inflation = &input.params.global_inflation_per_claim;
        for (i, p) in claims.iter_mut().enumerate() {
            // Only claims that will settle shape the sums; those failing the compute-unit checks
            // later still do (Go prices them here before any check).
            if input.expiry.failed_proofs.contains_key(&i) {
                continue;
            }
            let (Ok(value), Some(g)) = (&p.value, groups.get_mut(p.group)) else {
                continue;
            };
            let overflow = SettleError::AmountOverflow { index: i };
            let stake = stake_terms(value.wide(), inflation).ok_or(overflow)?;
            let (sum, add) = if stake < g.floor {
                (&mut g.unused, wide::saturating_sub(&g.floor, &stake))
            } else {
                (&mut g.excess, wide::saturating_sub(&stake, &g.floor))
            };
            *sum = wide::checked_add(sum, &add).ok_or(overflow)?;
            p.stake_terms = Some(stake);
        }
        Ok(Self { claims, groups })
    }

    /// The index of claim `index`'s application in [`BlockInput::apps`]' order, if it is staked.
    pub(super) fn app(&self, index: usize) -> Option<usize> {
        self.claims
            .get(index)
            .and_then(|p| self.groups.get(p.group))
            .and_then(|g| g.app)
    }

    /// Claim `index`'s value, or why it is discarded before its proof is looked at.
    pub(super) fn value(&self, index: usize) -> Result<ClaimedUpokt, DiscardReason> {
        self.claims
            .get(index)
            .map_or(Err(DiscardReason::InvalidClaim), |p| p.value)
    }

    /// The settlement of claim `index` worth `claimed`: the most its budget allows is the floor,
    /// plus (with an overservicing multiplier m > 1) a share of the session's unused budget in
    /// proportion to the claim's excess, at most floor × m; the settlement is that maximum in
    /// stake terms divided by (1 + inflation), or the claim's value if smaller.
    ///
    /// Go: x/tokenomics/keeper/token_logic_modules.go, ensureClaimAmountLimits,
    /// supplierAppStakeToMaxSettlementAmount.
    pub(super) fn cap(
        &self,
        index: usize,
        claimed: ClaimedUpokt,
        params: &TokenomicsParams,
    ) -> Result<Capped, SettleError> {
        let overflow = SettleError::AmountOverflow { index };
        let p = self.claims.get(index).ok_or(overflow)?;
        let g = self.groups.get(p.group).ok_or(overflow)?;
        let stake = p.stake_terms.ok_or(overflow)?;
        let inflation = &params.global_inflation_per_claim;
        let m = params.overservicing_bonus_multiplier.max(1);
        let mut max_claimable = g.floor;
        if m > 1 && g.excess > U256::ZERO && stake > g.floor {
            // Go's math.Int.Mul panics when unused × excess needs more than 256 bits.
            let excess = wide::saturating_sub(&stake, &g.floor);
            let bonus = wide::mul_div_floor(&g.unused, &excess, &g.excess).ok_or(overflow)?;
            max_claimable = wide::checked_add(&g.floor, &bonus).ok_or(overflow)?;
        }
        // floor < 2^64 and m < 2^64: the product fits.
        let multiplier_cap = g.floor.wrapping_mul(&U256::from_u64(m));
        max_claimable = max_claimable.min(multiplier_cap);
        // The maximum never exceeds the session's share of the stake, so it is an amount.
        let max_settlement =
            ClaimedUpokt::from_wide(wide::div_one_plus_floor(inflation, &max_claimable));
        let max_settlement = Upokt::try_from(max_settlement).map_err(|_| overflow)?;
        if claimed <= max_settlement {
            return Ok(Capped {
                settlement: claimed.capped_at(max_settlement),
                overserviced: None,
            });
        }
        let effective = Upokt::try_from(ClaimedUpokt::from_wide(stake.min(max_claimable)))
            .map_err(|_| overflow)?;
        Ok(Capped {
            settlement: max_settlement,
            overserviced: Some((ClaimedUpokt::from_wide(stake), effective)),
        })
    }
}
