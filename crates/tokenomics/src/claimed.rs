//! Claimed uPOKT: what a claim is worth before any cap, in the 256-bit range poktroll computes.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crypto_bigint::{NonZero, U256, U512};
use pokt_primitives::{ComputeUnits, SharedParams, TargetHash, Upokt};

use crate::wide;

/// What a claim's compute units are worth: the service's relay-mining target and the shared
/// pricing params, each as in force at the session's **start** height. [TOK-CLAIMED-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimPricing {
    /// The service's relay-mining difficulty target: a claim holds the mined share of the
    /// relays, so its compute units are scaled by (2²⁵⁶ − 1) / target.
    pub target_hash: TargetHash,
    /// `compute_units_to_tokens_multiplier` (pPOKT per compute unit, scaled by the granularity).
    pub compute_units_to_tokens_multiplier: u64,
    /// `compute_unit_cost_granularity`, the divisor of the multiplier.
    pub compute_unit_cost_granularity: u64,
}

impl ClaimPricing {
    /// The pricing of a claim on `target_hash` under the shared params in force at its session
    /// start.
    pub fn new(target_hash: TargetHash, shared: &SharedParams) -> Self {
        Self {
            target_hash,
            compute_units_to_tokens_multiplier: shared.compute_units_to_tokens_multiplier,
            compute_unit_cost_granularity: shared.compute_unit_cost_granularity,
        }
    }
}

/// A claim's value in uPOKT before any cap: up to 2²⁵⁶ − 1, the range of poktroll's `math.Int`.
///
/// Settlement caps it at what the application can pay, which is always a [`Upokt`]; use
/// [`ClaimedUpokt::capped_at`] or `Upokt::try_from` to come back to the chain's amounts.
///
/// ```
/// use pokt_primitives::Upokt;
/// use pokt_tokenomics::ClaimedUpokt;
///
/// let huge = ClaimedUpokt::MAX;
/// assert_eq!(huge.capped_at(Upokt::new(1_000)), Upokt::new(1_000));
/// assert!(Upokt::try_from(huge).is_err());
/// assert_eq!(Upokt::try_from(ClaimedUpokt::from(Upokt::new(7))), Ok(Upokt::new(7)));
/// assert_eq!(huge.digits().to_string().len(), 78); // 2²⁵⁶ − 1 has 78 decimal digits
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ClaimedUpokt(U256);

impl ClaimedUpokt {
    /// Zero.
    pub const ZERO: Self = Self(U256::ZERO);
    /// 2²⁵⁶ − 1, the largest value poktroll's 256-bit integers hold.
    pub const MAX: Self = Self(U256::MAX);

    /// The value of 32 big-endian bytes.
    pub fn from_be_bytes(bytes: [u8; 32]) -> Self {
        Self(U256::from_be_slice(&bytes))
    }

    /// The value as 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.to_be_bytes().as_ref());
        out
    }

    /// The smaller of the value and `cap`, which always fits [`Upokt`]: how settlement caps a
    /// claim at what the application can pay.
    pub fn capped_at(self, cap: Upokt) -> Upokt {
        match wide::to_u64(&self.0) {
            Some(v) if v < cap.get() => Upokt::new(v),
            _ => cap,
        }
    }

    /// Checked addition; `None` above 2²⁵⁶ − 1 (where Go's `math.Int` panics).
    pub fn checked_add(self, rhs: Self) -> Option<Self> {
        wide::narrow(&wide::widen(&self.0).wrapping_add(&wide::widen(&rhs.0))).map(Self)
    }

    /// Checked subtraction; `None` below zero.
    pub fn checked_sub(self, rhs: Self) -> Option<Self> {
        (rhs.0 <= self.0).then(|| Self(self.0.wrapping_sub(&rhs.0)))
    }

    /// Saturating subtraction (zero below zero).
    pub fn saturating_sub(self, rhs: Self) -> Self {
        self.checked_sub(rhs).unwrap_or(Self::ZERO)
    }

    /// The value as decimal digits without the unit, as `pokt eval` prints amounts.
    pub fn digits(&self) -> impl fmt::Display + '_ {
        wide::Decimal(&self.0)
    }

    pub(crate) fn from_u128(v: u128) -> Self {
        Self(U256::from_u128(v))
    }

    pub(crate) fn from_wide(v: U256) -> Self {
        Self(v)
    }

    pub(crate) fn wide(&self) -> &U256 {
        &self.0
    }
}

impl From<Upokt> for ClaimedUpokt {
    fn from(v: Upokt) -> Self {
        Self(U256::from_u64(v.get()))
    }
}

/// A [`ClaimedUpokt`] above `u64::MAX` has no [`Upokt`] form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{amount} does not fit a 64-bit upokt amount")]
#[non_exhaustive]
pub struct OutOfRangeError {
    /// The amount that did not fit.
    pub amount: ClaimedUpokt,
}

impl TryFrom<ClaimedUpokt> for Upokt {
    type Error = OutOfRangeError;

    fn try_from(v: ClaimedUpokt) -> Result<Self, Self::Error> {
        wide::to_u64(&v.0)
            .map(Upokt::new)
            .ok_or(OutOfRangeError { amount: v })
    }
}

impl PartialEq<Upokt> for ClaimedUpokt {
    fn eq(&self, other: &Upokt) -> bool {
        *self == Self::from(*other)
    }
}

impl PartialOrd<Upokt> for ClaimedUpokt {
    fn partial_cmp(&self, other: &Upokt) -> Option<core::cmp::Ordering> {
        Some(self.cmp(&Self::from(*other)))
    }
}

impl fmt::Display for ClaimedUpokt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} upokt", self.digits())
    }
}

impl fmt::Debug for ClaimedUpokt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimedUpokt({})", self.digits())
    }
}

/// Why a claim's value could not be computed: only where poktroll itself cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimedError {
    /// A zero target hash or zero granularity (Go divides by zero and panics).
    #[error("zero target hash or zero compute unit cost granularity")]
    DivisionByZero,
    /// The value needs more than 256 bits (Go's `math.NewIntFromBigInt` panics).
    #[error("claimed amount needs {bits} bits, above the 256 go's integers hold")]
    Overflow {
        /// The bit width of the exact value.
        bits: u32,
    },
    /// The price per compute unit is negative: exactly one of the multiplier and the granularity
    /// is 2⁶³ or more, which Go reads as a negative `int64`, so a claim with compute units is
    /// worth less than zero and Go refuses it (`ErrProofInvalidClaimedAmount`).
    #[error(
        "compute_units_to_tokens_multiplier / compute_unit_cost_granularity is negative as go's int64 reads it"
    )]
    NegativeAmount,
}

/// A pricing param as Go reads it: `int64(param)`, as (magnitude, negative). Values of 2⁶³ and
/// more wrap to negative numbers whose magnitude is 2⁶⁴ − value (2⁶³ for 2⁶³ itself).
fn as_go_int64(param: u64) -> (u64, bool) {
    let signed = i64::from_ne_bytes(param.to_ne_bytes());
    (signed.unsigned_abs(), signed < 0)
}

/// ⌊compute units × (2²⁵⁶ − 1) / target × compute_units_to_tokens_multiplier / granularity⌋ in
/// exact integers with a single floor at the end, as poktroll's `GetClaimeduPOKT` does with
/// `big.Rat`. The value may exceed `u64::MAX` (a tiny target, a huge multiplier): poktroll
/// computes it in 256 bits and settlement caps it at the application's budget, so it is
/// returned whole; only what Go cannot compute is an error. The multiplier and granularity are
/// read as Go's `int64` casts read them: one of them at 2⁶³ or more makes a claim with compute
/// units worth a negative amount ([`ClaimedError::NegativeAmount`]); both make the ratio of their
/// wrapped magnitudes. [TOK-CLAIMED-1]
///
/// ```
/// use pokt_primitives::{ComputeUnits, SharedParams, TargetHash, Upokt};
/// use pokt_tokenomics::{ClaimPricing, claimed_upokt};
///
/// // Base difficulty: 1,000 CU at 145,990 pPOKT/CU are 145 uPOKT (145.99 floored).
/// let pricing = ClaimPricing::new(TargetHash::BASE, &SharedParams::mainnet());
/// let value = claimed_upokt(ComputeUnits::new(1_000), &pricing)?;
/// assert_eq!(Upokt::try_from(value)?, Upokt::new(145));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn claimed_upokt(
    num_compute_units: ComputeUnits,
    pricing: &ClaimPricing,
) -> Result<ClaimedUpokt, ClaimedError> {
    let (multiplier, multiplier_negative) = as_go_int64(pricing.compute_units_to_tokens_multiplier);
    let (granularity, granularity_negative) = as_go_int64(pricing.compute_unit_cost_granularity);
    let base = U512::ONE.shl_vartime(256).wrapping_sub(&U512::ONE);
    let target = wide::widen(&U256::from_be_slice(pricing.target_hash.as_bytes()));
    // num < 2^64 · 2^63 · 2^256 < 2^512 and den < 2^256 · 2^64: no wrapping.
    let num = U512::from_u64(num_compute_units.get())
        .wrapping_mul(&U512::from_u64(multiplier))
        .wrapping_mul(&base);
    let den = target.wrapping_mul(&U512::from_u64(granularity));
    let den =
        Option::<NonZero<U512>>::from(NonZero::new(den)).ok_or(ClaimedError::DivisionByZero)?;
    // Go checks the sign of the floored quotient before it bounds its width.
    if multiplier_negative != granularity_negative && bool::from(num.is_nonzero()) {
        return Err(ClaimedError::NegativeAmount);
    }
    let (q, _) = num.div_rem_vartime(&den);
    wide::narrow(&q)
        .map(ClaimedUpokt)
        .ok_or(ClaimedError::Overflow {
            bits: q.bit_width_vartime(),
        })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn price(target: [u8; 32], multiplier: u64, granularity: u64) -> ClaimPricing {
        ClaimPricing {
            target_hash: TargetHash::from_bytes(target),
            compute_units_to_tokens_multiplier: multiplier,
            compute_unit_cost_granularity: granularity,
        }
    }

    fn claimed(cu: u64, p: &ClaimPricing) -> Result<ClaimedUpokt, ClaimedError> {
        claimed_upokt(ComputeUnits::new(cu), p)
    }

    fn small(v: u64) -> Result<ClaimedUpokt, ClaimedError> {
        Ok(ClaimedUpokt::from(Upokt::new(v)))
    }

    #[test]
    fn derivations() {
        let base = [0xffu8; 32];
        // Mainnet pricing, base difficulty: 685 CU × 0.14599 = 100.00315 → 100 (just reaches the
        // 100 uPOKT proof threshold); 684 CU → 99.857… → 99.
        assert_eq!(claimed(685, &price(base, 145_990, 1_000_000)), small(100));
        assert_eq!(claimed(684, &price(base, 145_990, 1_000_000)), small(99));
        // Half the hash space (target 0x7fff…ff): multiplier (2^256−1)/(2^255−1) is just above 2,
        // so 10 CU at 1 uPOKT/CU claim ⌊20.000…⌋ = 20.
        let mut half = [0xffu8; 32];
        half[0] = 0x7f;
        assert_eq!(claimed(10, &price(half, 1_000_000, 1_000_000)), small(20));
        // A quarter (0x3fff…ff): ⌊4.000…⌋ per CU.
        let mut quarter = [0xffu8; 32];
        quarter[0] = 0x3f;
        assert_eq!(claimed(3, &price(quarter, 1, 1)), small(12));
        assert_eq!(
            claimed(3, &price([0; 32], 1, 1)),
            Err(ClaimedError::DivisionByZero)
        );
        assert_eq!(
            claimed(3, &price(base, 1, 0)),
            Err(ClaimedError::DivisionByZero)
        );
    }

    /// Above u64 the value is computed as Go computes it; only above 256 bits is it refused.
    #[test]
    fn wide_values() {
        let mut one = [0u8; 32];
        one[31] = 1;
        // Target 1: each compute unit is worth (2^256 − 1) units at 1:1 pricing — exactly MAX.
        assert_eq!(claimed(1, &price(one, 1, 1)), Ok(ClaimedUpokt::MAX));
        // Two compute units: 2^257 − 2 needs 257 bits.
        assert_eq!(
            claimed(2, &price(one, 1, 1)),
            Err(ClaimedError::Overflow { bits: 257 })
        );
        // u64::MAX compute units at target 2^128: (2^64 − 1)(2^256 − 1) / 2^128 ≈ 2^192.
        let mut t = [0u8; 32];
        t[15] = 1;
        let v = claimed(u64::MAX, &price(t, 1, 1)).unwrap();
        assert!(Upokt::try_from(v).is_err());
        assert_eq!(v.capped_at(Upokt::new(5)), Upokt::new(5));
        assert!(v > Upokt::MAX);
        // Its exact digits: ⌊(2^64 − 1)(2^256 − 1) / 2^128⌋ = (2^64 − 1) · 2^128 − 1 (the
        // fraction (2^64 − 1)/2^128 below one floors away, taking one unit).
        assert_eq!(
            v.digits().to_string(),
            "6277101735386680763495507056286727952638980837032266301439"
        );
    }

    /// Go: x/proof/types/claim.go, GetClaimeduPOKT — the pricing params enter `big.Rat.SetFrac64`
    /// through `int64(...)` casts, and a negative floored amount is refused
    /// (`ErrProofInvalidClaimedAmount`).
    #[test]
    fn pricing_params_read_as_go_int64() {
        let base = [0xffu8; 32];
        let two63 = 1u64 << 63;
        // Multiplier 2^63 reads as −2^63: 1 CU is worth ⌊−2^63 / 1⌋ < 0, refused.
        assert_eq!(
            claimed(1, &price(base, two63, 1)),
            Err(ClaimedError::NegativeAmount)
        );
        // Granularity u64::MAX reads as −1: refused likewise.
        assert_eq!(
            claimed(5, &price(base, 10, u64::MAX)),
            Err(ClaimedError::NegativeAmount)
        );
        // No compute units (or a zero multiplier): the rational is 0, not negative.
        assert_eq!(claimed(0, &price(base, two63, 1)), small(0));
        assert_eq!(claimed(3, &price(base, 0, u64::MAX)), small(0));
        // Both wrapped: (−1) / (−2) = 1/2 per CU, so 7 CU are worth ⌊3.5⌋ = 3.
        assert_eq!(claimed(7, &price(base, u64::MAX, u64::MAX - 1)), small(3));
        // Both 2^63: a ratio of 1.
        assert_eq!(claimed(9, &price(base, two63, two63)), small(9));
        // Just below 2^63 both read as themselves.
        assert_eq!(claimed(4, &price(base, two63 - 1, two63 - 1)), small(4));
        // A zero granularity is still a division by zero (Go's SetFrac64 panics).
        assert_eq!(
            claimed(4, &price(base, two63, 0)),
            Err(ClaimedError::DivisionByZero)
        );
    }

    #[test]
    fn conversions_and_display() {
        let v = ClaimedUpokt::from(Upokt::new(42));
        assert_eq!(v.to_string(), "42 upokt");
        assert_eq!(format!("{v:?}"), "ClaimedUpokt(42)");
        assert_eq!(ClaimedUpokt::ZERO.digits().to_string(), "0");
        assert_eq!(
            ClaimedUpokt::MAX.digits().to_string(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        assert_eq!(ClaimedUpokt::from_be_bytes(v.to_be_bytes()), v);
        assert_eq!(
            ClaimedUpokt::from(Upokt::MAX).checked_add(ClaimedUpokt::from(Upokt::new(1))),
            Some(ClaimedUpokt::from_be_bytes({
                let mut b = [0u8; 32];
                b[23] = 1;
                b
            }))
        );
        assert_eq!(
            ClaimedUpokt::MAX.checked_add(ClaimedUpokt::from(Upokt::new(1))),
            None
        );
        assert_eq!(v.checked_sub(ClaimedUpokt::MAX), None);
        assert_eq!(v.saturating_sub(ClaimedUpokt::MAX), ClaimedUpokt::ZERO);
        assert_eq!(v.capped_at(Upokt::new(100)), Upokt::new(42));
        assert_eq!(v, Upokt::new(42));
        assert_eq!(
            Upokt::try_from(ClaimedUpokt::MAX),
            Err(OutOfRangeError {
                amount: ClaimedUpokt::MAX
            })
        );
    }
}
