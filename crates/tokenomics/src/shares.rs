//! Splitting an amount: between the actors by the params' shares, over a supplier's revenue
//! shareholders, and over weights by largest remainder.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use pokt_primitives::{Address, Shares, Upokt};

use crate::input::RevShare;
use crate::output::Actor;
use crate::wide;

/// Burn-equals-mint: the order poktroll queues the actors' payments in (the DAO's remainder
/// before the application's share).
pub(crate) const RELAY_ORDER: [Actor; 5] = [
    Actor::Supplier,
    Actor::Proposer,
    Actor::SourceOwner,
    Actor::Dao,
    Actor::Application,
];

/// Global mint: the order poktroll queues the actors' payments in (the DAO's remainder last).
pub(crate) const GLOBAL_ORDER: [Actor; 5] = [
    Actor::Supplier,
    Actor::Application,
    Actor::SourceOwner,
    Actor::Proposer,
    Actor::Dao,
];

/// Splits `amount` by `shares`: every actor but the DAO gets the floor of its share, the DAO the
/// remainder; returned in `order`. `None` when the floors exceed the amount (poktroll panics on
/// the negative remainder; validated params exclude it) or a floor does not fit. [TOK-TLM-1]
pub(crate) fn split_by_shares(
    amount: Upokt,
    shares: &Shares,
    order: &[Actor; 5],
) -> Option<[(Actor, Upokt); 5]> {
    let mut out = [(Actor::Dao, Upokt::ZERO); 5];
    let mut given = Upokt::ZERO;
    for (slot, actor) in out.iter_mut().zip(order) {
        let share = match actor {
            Actor::Proposer => shares.proposer,
            Actor::Supplier => shares.supplier,
            Actor::SourceOwner => shares.source_owner,
            Actor::Application => shares.application,
            Actor::Dao => {
                *slot = (Actor::Dao, Upokt::ZERO);
                continue;
            }
        };
        let v = wide::portion(&share, amount)?;
        given = given.checked_add(v)?;
        *slot = (*actor, v);
    }
    let remainder = amount.checked_sub(given)?;
    for slot in &mut out {
        if slot.0 == Actor::Dao {
            slot.1 = remainder;
        }
    }
    Some(out)
}

/// Why a supplier's revenue shares cannot be used (settlement then pays the owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevShareError {
    /// No shareholder.
    #[error("empty revenue share list")]
    Empty,
    /// A shareholder listed twice.
    #[error("duplicate revenue shareholder {address}")]
    DuplicateAddress {
        /// The shareholder.
        address: Address,
    },
    /// The percentages do not sum to 100.
    #[error("revenue share percentages sum to {sum}, not 100")]
    PercentageSum {
        /// Their sum (saturating at `u64::MAX`).
        sum: u64,
    },
}

/// The supplier's revenue-share split of `amount`: each shareholder ⌊amount · pct / 100⌋, the
/// remainder to the first listed; payments in address order, zero amounts skipped. Shares that
/// are empty, duplicated or not summing to 100 are refused (settlement then pays everything to
/// the supplier's owner). [TOK-REVSHARE-1]
///
/// ```
/// use pokt_primitives::{Address, Upokt};
/// use pokt_tokenomics::{RevShare, RevShareError, rev_share_split};
///
/// let (a, b) = (Address::from_bytes([1; 20]), Address::from_bytes([2; 20]));
/// let shares = [RevShare { address: a, percentage: 70 }, RevShare { address: b, percentage: 30 }];
/// let paid = rev_share_split(Upokt::new(11), &shares)?;
/// assert!(paid.contains(&(a, Upokt::new(8)))); // ⌊7.7⌋ + the remainder 1
/// assert!(paid.contains(&(b, Upokt::new(3))));
/// assert_eq!(rev_share_split(Upokt::new(11), &[]), Err(RevShareError::Empty));
/// # Ok::<(), RevShareError>(())
/// ```
pub fn rev_share_split(
    amount: Upokt,
    shares: &[RevShare],
) -> Result<Vec<(Address, Upokt)>, RevShareError> {
    let first = shares.first().ok_or(RevShareError::Empty)?;
    let mut sum: u64 = 0;
    let mut per: Vec<(Address, Upokt)> = Vec::with_capacity(shares.len());
    let mut given = Upokt::ZERO;
    for s in shares {
        // pct ≤ 100 for a list that passes the sum check, so the share fits a u64.
        let v = u128::from(amount.get())
            .saturating_mul(u128::from(s.percentage))
            .checked_div(100)
            .unwrap_or(0);
        let v = Upokt::new(u64::try_from(v).unwrap_or(u64::MAX));
        given = given.checked_add(v).unwrap_or(Upokt::MAX);
        per.push((s.address, v));
        sum = sum.saturating_add(s.percentage);
    }
    // Payments go in address order (Go sorts the shareholder addresses as strings).
    per.sort_unstable_by_key(|x| x.0);
    if let Some(w) = per.windows(2).find(|w| matches!(w, [a, b] if a.0 == b.0)) {
        let address = w.first().map_or(first.address, |x| x.0);
        return Err(RevShareError::DuplicateAddress { address });
    }
    if sum != 100 {
        return Err(RevShareError::PercentageSum { sum });
    }
    if let Some((_, e)) = per.iter_mut().find(|(a, _)| *a == first.address) {
        *e = e
            .checked_add(amount.saturating_sub(given))
            .unwrap_or(Upokt::MAX);
    }
    per.retain(|(_, v)| *v > Upokt::ZERO);
    Ok(per)
}

/// The largest-remainder split of `total` across `weights`: each gets ⌊total · w / Σw⌋, then the
/// leftover units go one each by fractional remainder descending, ties by address ascending;
/// zero remainders get none. [TOK-PROPOSER-1]
pub fn largest_remainder(total: Upokt, weights: &[(Address, u128)]) -> Vec<(Address, Upokt)> {
    let sum: u128 = weights.iter().fold(0u128, |a, (_, w)| a.saturating_add(*w));
    if sum == 0 {
        return Vec::new();
    }
    let total = total.get();
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
    out.into_iter()
        .map(|(a, v, _)| (a, Upokt::new(v)))
        .collect()
}
