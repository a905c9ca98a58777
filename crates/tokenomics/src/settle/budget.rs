//! Phase 1: each claim's value, and the budget of each (application, session) its claims share;
//! then, per claim, the cap that budget puts on its settlement. [TOK-SETTLE-1]
//!
//! Values and stake terms are 256-bit, as poktroll's `math.Int`: a claim worth more than
//! `u64::MAX` is capped like any other, and only amounts beyond 256 bits (where Go panics) fail.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crypto_bigint::U256;
use pokt_primitives::{Address, Fraction, SessionId, TokenomicsParams, Upokt};

use crate::claimed::ClaimedUpokt;
use crate::input::BlockInput;
use crate::output::{DiscardReason, SettleError};
use crate::wide;

/// One claim as phase 1 saw it.
struct Priced {
    /// Index of its (application, session) in `Budgets::groups`.
    group: usize,
    /// Its value, or why it has none.
    value: Result<ClaimedUpokt, DiscardReason>,
}

/// The budget of one (application, session).
struct Group {
    /// The application.
    application: Address,
    /// Its index in [`BlockInput::apps`]' order, if it is known.
    app: Option<usize>,
    /// Claims of the session (all of them, expiring ones included).
    claimants: u64,
    /// Each claimant's guaranteed share: stake / pending sessions / claimants, at most the
    /// spend limit's share.
    floor: Upokt,
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
    /// Whether the claim was worth more (an overserviced event).
    pub(super) overserviced: bool,
}

/// A claim's cost to the application's stake: value + ⌈value × inflation⌉ (Go's
/// `claimStakeTermsAmount`); `None` above 256 bits.
fn stake_terms(value: &U256, inflation: &Fraction) -> Option<U256> {
    wide::checked_add(value, &wide::mul_ceil(inflation, value)?)
}

impl Budgets {
    /// Prices every claim, counts each session's claimants, computes the floors and accumulates
    /// the unused and excess budget of the claims that will settle.
    pub(super) fn new(input: &BlockInput<'_>) -> Result<Self, SettleError> {
        // Keyed by raw bytes: the index needs identity, not the address-string order.
        let mut index: BTreeMap<([u8; 20], SessionId), usize> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut claims = Vec::with_capacity(input.claims.len());
        for c in input.claims {
            let group = *index
                .entry((*c.application.as_bytes(), c.session_id))
                .or_insert_with(|| {
                    groups.push(Group {
                        application: c.application,
                        app: None,
                        claimants: 0,
                        floor: Upokt::ZERO,
                        unused: U256::ZERO,
                        excess: U256::ZERO,
                    });
                    groups.len().saturating_sub(1)
                });
            if let Some(g) = groups.get_mut(group) {
                g.claimants = g.claimants.saturating_add(1);
            }
            let value = if c.has_valid_compute_units() {
                c.claimed_upokt().map_err(DiscardReason::Value)
            } else {
                Err(DiscardReason::InvalidClaim)
            };
            claims.push(Priced { group, value });
        }
        let slots: BTreeMap<&Address, usize> =
            input.apps.keys().enumerate().map(|(i, a)| (a, i)).collect();
        for g in &mut groups {
            g.app = slots.get(&g.application).copied();
            if let Some(acc) = input.apps.get(&g.application) {
                let n = g.claimants.max(1);
                let per_session = acc
                    .stake
                    .checked_div(input.num_pending_sessions)
                    .unwrap_or(Upokt::ZERO);
                let mut floor = per_session.checked_div(n).unwrap_or(Upokt::ZERO);
                if let Some(limit) = acc.per_session_spend_limit {
                    floor = floor.min(limit.min(per_session).checked_div(n).unwrap_or(Upokt::ZERO));
                }
                g.floor = floor;
            }
        }
        let inflation = &input.params.global_inflation_per_claim;
        for (i, p) in claims.iter().enumerate() {
            // Expiring claims pay nothing: they do not shape the sums.
            if input.expiry.failed_proofs.contains_key(&i) {
                continue;
            }
            let (Ok(value), Some(g)) = (&p.value, groups.get_mut(p.group)) else {
                continue;
            };
            let stake = stake_terms(value.wide(), inflation)
                .ok_or(SettleError::AmountOverflow { index: i })?;
            let floor = wide::from_upokt(g.floor);
            let (sum, add) = if stake < floor {
                (&mut g.unused, wide::saturating_sub(&floor, &stake))
            } else {
                (&mut g.excess, wide::saturating_sub(&stake, &floor))
            };
            *sum = wide::checked_add(sum, &add).ok_or(SettleError::AmountOverflow { index: i })?;
        }
        Ok(Self { claims, groups })
    }

    /// The index of claim `index`'s application in [`BlockInput::apps`]' order, if it is known.
    pub(super) fn app(&self, index: usize) -> Option<usize> {
        self.claims
            .get(index)
            .and_then(|p| self.groups.get(p.group))
            .and_then(|g| g.app)
    }

    /// Claim `index`'s value, or why it is discarded.
    pub(super) fn value(&self, index: usize) -> Result<ClaimedUpokt, DiscardReason> {
        self.claims
            .get(index)
            .map_or(Err(DiscardReason::InvalidClaim), |p| p.value)
    }

    /// The settlement of claim `index` worth `claimed`: the most its budget allows is the floor,
    /// plus (with an overservicing multiplier m > 1) a share of the session's unused budget in
    /// proportion to the claim's excess, at most floor × m; the settlement is that maximum in
    /// stake terms divided by (1 + inflation), or the claim's value if smaller.
    pub(super) fn cap(
        &self,
        index: usize,
        claimed: ClaimedUpokt,
        params: &TokenomicsParams,
    ) -> Result<Capped, SettleError> {
        let overflow = SettleError::AmountOverflow { index };
        let g = self
            .claims
            .get(index)
            .and_then(|p| self.groups.get(p.group))
            .ok_or(overflow)?;
        let inflation = &params.global_inflation_per_claim;
        let m = params.overservicing_bonus_multiplier.max(1);
        let floor = wide::from_upokt(g.floor);
        let stake = stake_terms(claimed.wide(), inflation).ok_or(overflow)?;
        let mut max_claimable = floor;
        if m > 1 && g.excess > U256::ZERO && stake > floor {
            let bonus =
                wide::mul_div_floor(&g.unused, &wide::saturating_sub(&stake, &floor), &g.excess)
                    .ok_or(overflow)?;
            max_claimable = wide::checked_add(&floor, &bonus).ok_or(overflow)?;
        }
        let multiplier_cap =
            U256::from_u128(u128::from(g.floor.get()).saturating_mul(u128::from(m)));
        max_claimable = max_claimable.min(multiplier_cap);
        // The maximum never exceeds the session's share of the stake, so it is an amount.
        let max_settlement =
            ClaimedUpokt::from_wide(wide::div_one_plus_floor(inflation, &max_claimable));
        let max_settlement = Upokt::try_from(max_settlement).map_err(|_| overflow)?;
        Ok(if claimed <= max_settlement {
            Capped {
                settlement: claimed.capped_at(max_settlement),
                overserviced: false,
            }
        } else {
            Capped {
                settlement: max_settlement,
                overserviced: true,
            }
        })
    }
}
