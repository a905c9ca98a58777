//! Relay-mining difficulty: the EMA of relays per service and the target hash it implies.
//!
//! poktroll computes the EMA with Go's `math/big.Float` at 64-bit precision (round half to even at
//! every operation, then truncation to an integer). f64 arithmetic gives different answers
//! (prev 10, current 19 gives 10, not 10.9 → 10 by luck but others differ), so the float is
//! emulated exactly here with integer arithmetic. [MINING-EMA-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use pokt_primitives::{RelayHash, TargetHash};

/// A non-negative binary float `mant · 2^exp` with a 64-bit mantissa, as `big.Float` at prec 64
/// holds it (`mant == 0` is zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Float64p {
    mant: u64,
    exp: i32,
}

impl Float64p {
    const ZERO: Self = Self { mant: 0, exp: 0 };

    fn from_u64(v: u64) -> Self {
        Self { mant: v, exp: 0 }
    }

    /// Rounds `x · 2^exp` (plus a positive amount below `x`'s bit 0 when `sticky`) to 64
    /// significant bits, round half to even.
    fn round(x: u128, exp: i32, sticky: bool) -> Self {
        if x == 0 {
            return Self::ZERO;
        }
        let bits = 128u32.saturating_sub(x.leading_zeros());
        if bits <= 64 {
            // Exact; any sticky remainder lies below a mantissa that has room, which only happens
            // for products (never sticky) in this module.
            return Self {
                mant: u64::try_from(x).unwrap_or(u64::MAX),
                exp,
            };
        }
        let shift = bits.saturating_sub(64);
        let mut mant = u64::try_from(x >> shift).unwrap_or(u64::MAX);
        let rem = x & ((1u128 << shift).saturating_sub(1));
        let half = 1u128 << shift.saturating_sub(1);
        let mut exp = exp.saturating_add(i32::try_from(shift).unwrap_or(i32::MAX));
        let up = rem > half || (rem == half && (sticky || mant & 1 == 1));
        if up {
            match mant.checked_add(1) {
                Some(m) => mant = m,
                None => {
                    mant = 1 << 63;
                    exp = exp.saturating_add(1);
                }
            }
        }
        Self { mant, exp }
    }

    fn mul(self, rhs: Self) -> Self {
        let p = u128::from(self.mant).saturating_mul(u128::from(rhs.mant));
        Self::round(p, self.exp.saturating_add(rhs.exp), false)
    }

    /// Normalises so the top mantissa bit is set (zero stays zero).
    fn normalized(self) -> Self {
        if self.mant == 0 {
            return Self::ZERO;
        }
        let z = self.mant.leading_zeros();
        Self {
            mant: self.mant << z,
            exp: self.exp.saturating_sub(i32::try_from(z).unwrap_or(0)),
        }
    }

    fn add(self, rhs: Self) -> Self {
        let (a, b) = (self.normalized(), rhs.normalized());
        if a.mant == 0 {
            return b;
        }
        if b.mant == 0 {
            return a;
        }
        let (hi, lo) = if a.exp >= b.exp { (a, b) } else { (b, a) };
        // hi's mantissa occupies bits 63..126 of the wide sum.
        let wide_hi = u128::from(hi.mant) << 63;
        let base = hi.exp.saturating_sub(63);
        let s = u32::try_from(hi.exp.saturating_sub(lo.exp)).unwrap_or(u32::MAX);
        let lo_wide = u128::from(lo.mant) << 63;
        let (wide_lo, sticky) = if s >= 127 {
            (0, lo.mant != 0)
        } else {
            let kept = lo_wide >> s;
            let lost = s > 0 && lo_wide & ((1u128 << s).saturating_sub(1)) != 0;
            (kept, lost)
        };
        // Both are below 2^127, so the sum fits.
        Self::round(wide_hi.saturating_add(wide_lo), base, sticky)
    }

    /// Go's `Float.Uint64()`: truncation toward zero, saturating at `u64::MAX`.
    fn to_u64_trunc(self) -> u64 {
        if self.mant == 0 {
            return 0;
        }
        if self.exp >= 0 {
            let e = u32::try_from(self.exp).unwrap_or(u32::MAX);
            if e >= 64 || self.mant.leading_zeros() < e {
                return u64::MAX;
            }
            self.mant << e
        } else {
            let e = self.exp.unsigned_abs();
            if e >= 64 { 0 } else { self.mant >> e }
        }
    }
}

/// The float64 0.1 (what Go's `SetFloat64(0.1)` holds exactly): 3602879701896397 · 2⁻⁵⁵.
const ALPHA: Float64p = Float64p {
    mant: 3_602_879_701_896_397,
    exp: -55,
};
/// 1 − ALPHA, exact: 32425917317067571 · 2⁻⁵⁵.
const ONE_MINUS_ALPHA: Float64p = Float64p {
    mant: 32_425_917_317_067_571,
    exp: -55,
};

/// poktroll's `computeEma(0.1, prev, current)`: `0.1·current + 0.9·prev` in `big.Float` at 64-bit
/// precision, then truncated. [MINING-EMA-1]
///
/// ```
/// assert_eq!(pokt_mining::ema(100_000, 0), 89_999);
/// assert_eq!(pokt_mining::ema(10, 19), 10);
/// ```
pub fn ema(prev: u64, current: u64) -> u64 {
    let w1 = ALPHA.mul(Float64p::from_u64(current));
    let w2 = ONE_MINUS_ALPHA.mul(Float64p::from_u64(prev));
    w1.add(w2).to_u64_trunc()
}

/// The next target hash for a service: `min(2²⁵⁶−1, ⌊(2²⁵⁶−1) · target_num_relays / ema⌋)` as
/// 32 big-endian bytes, always recomputed from the base (the all-ones hash), returning the base
/// itself when `ema == target_num_relays`. `None` when `ema` is 0 (Go panics). [MINING-TARGET-1]
///
/// ```
/// use pokt_mining::next_target;
/// assert_eq!(next_target(100, 100), Some(pokt_primitives::TargetHash::BASE));
/// assert_eq!(next_target(100, 50), Some(pokt_primitives::TargetHash::BASE)); // capped
/// let t = next_target(100, 200).unwrap();
/// assert_eq!(t.as_bytes()[0], 0x7f);
/// ```
pub fn next_target(target_num_relays: u64, ema: u64) -> Option<TargetHash> {
    if ema == 0 {
        return None;
    }
    if target_num_relays == ema {
        return Some(TargetHash::BASE);
    }
    if target_num_relays >= ema {
        // T/ema ≥ 1 (and ≠ 1 exactly only when strictly greater): the product exceeds the base.
        return Some(TargetHash::BASE);
    }
    // (2^256 - 1) · T as five little-endian u64 limbs: T · 2^256 − T.
    let t = u128::from(target_num_relays);
    let mut limbs = [0u64; 5];
    // low 256 bits of (T·2^256 − T) = 2^256 − T (as T ≥ 1, borrow from the top limb)
    let mut borrow = t;
    for limb in limbs.iter_mut().take(4) {
        let v = (1u128 << 64).wrapping_sub(borrow);
        *limb = u64::try_from(v & u128::from(u64::MAX)).unwrap_or(0);
        borrow = if v >> 64 == 1 { 0 } else { 1 };
    }
    if let Some(top) = limbs.get_mut(4) {
        *top = u64::try_from(t.wrapping_sub(borrow)).unwrap_or(0);
    }
    // Divide by ema, most significant limb first.
    let d = u128::from(ema);
    let mut rem: u128 = 0;
    let mut q = [0u64; 5];
    for (qi, &li) in q.iter_mut().rev().zip(limbs.iter().rev()) {
        let cur = (rem << 64) | u128::from(li);
        *qi = u64::try_from(cur.checked_div(d).unwrap_or(0)).unwrap_or(u64::MAX);
        rem = cur.checked_rem(d).unwrap_or(0);
    }
    if q.get(4).copied().unwrap_or(0) != 0 {
        return Some(TargetHash::BASE);
    }
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(q.iter().take(4).rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    Some(TargetHash::from_bytes(out))
}

/// A relay is volume-applicable (mined) when its hash is strictly below the target as 32-byte
/// big-endian integers. [MINING-DIFF-1]
pub fn is_volume_applicable(relay_hash: &RelayHash, target: &TargetHash) -> bool {
    relay_hash.as_bytes() < target.as_bytes()
}

/// The difficulty in force for a service: the EMA it was computed from and its target hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelayMiningDifficulty {
    /// The EMA of (mined) relays per settlement block that produced the target.
    pub num_relays_ema: u64,
    /// The target hash.
    pub target_hash: TargetHash,
}

impl RelayMiningDifficulty {
    /// The default difficulty when a service has no history: EMA = `target_num_relays`, target =
    /// the base (every relay is mined). [MINING-DIFF-2]
    pub fn default_for(target_num_relays: u64) -> Self {
        Self {
            num_relays_ema: target_num_relays,
            target_hash: TargetHash::BASE,
        }
    }

    /// The probability that a relay is mined, `target / (2²⁵⁶ − 1)`, as an `f64` (for reporting
    /// and simulation; consensus code uses the exact target comparison).
    pub fn probability_f64(&self) -> f64 {
        target_fraction_f64(&self.target_hash)
    }

    /// The probability that a relay is mined, exactly: `target / (2²⁵⁶ − 1)`. [MINING-DIFF-1]
    pub fn probability(&self) -> Ratio256 {
        Ratio256 {
            numerator: *self.target_hash.as_bytes(),
            denominator: *TargetHash::BASE.as_bytes(),
        }
    }

    /// The reward multiplier, exactly: `(2²⁵⁶ − 1) / target`, the inverse of the probability (a
    /// mined relay stands for this many relays when a claim is valued); `None` for a zero
    /// target. [MINING-DIFF-1]
    pub fn reward_multiplier(&self) -> Option<Ratio256> {
        if self.target_hash.as_bytes().iter().all(|b| *b == 0) {
            return None;
        }
        Some(Ratio256 {
            numerator: *TargetHash::BASE.as_bytes(),
            denominator: *self.target_hash.as_bytes(),
        })
    }
}

/// An exact non-negative ratio of two 256-bit big-endian integers (probabilities and reward
/// multipliers of a difficulty target). Only this crate builds one, so the denominator is never
/// zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio256 {
    numerator: [u8; 32],
    denominator: [u8; 32],
}

impl Ratio256 {
    /// The numerator, 32 bytes big-endian.
    pub const fn numerator(&self) -> &[u8; 32] {
        &self.numerator
    }

    /// The denominator, 32 bytes big-endian (never zero).
    pub const fn denominator(&self) -> &[u8; 32] {
        &self.denominator
    }

    /// The ratio as the nearest-ish `f64` (reporting only).
    pub fn to_f64(&self) -> f64 {
        let v = |b: &[u8; 32]| b.iter().fold(0.0f64, |acc, x| acc * 256.0 + f64::from(*x));
        v(&self.numerator) / v(&self.denominator)
    }
}

/// `target / (2²⁵⁶ − 1)` as the nearest-ish `f64` (≤ 1 ulp-scale error; not for consensus).
pub fn target_fraction_f64(target: &TargetHash) -> f64 {
    let mut acc = 0.0f64;
    let mut scale = 1.0f64;
    for b in target.as_bytes() {
        scale /= 256.0;
        acc += f64::from(*b) * scale;
    }
    // (2^256 - 1) / 2^256 differs from 1 by 2^-256: below f64 resolution.
    acc
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn exact_probability_and_multiplier() {
        let mut half = [0xff; 32];
        half[0] = 0x7f;
        let d = RelayMiningDifficulty {
            num_relays_ema: 200,
            target_hash: TargetHash::from_bytes(half),
        };
        let p = d.probability();
        let m = d.reward_multiplier().unwrap();
        // Inverse of each other, exactly.
        assert_eq!((p.numerator, p.denominator), (m.denominator, m.numerator));
        assert!((p.to_f64() - 0.5).abs() < 1e-15);
        assert!((m.to_f64() - 2.0).abs() < 1e-15);
        assert!((p.to_f64() - d.probability_f64()).abs() < 1e-15);
        let base = RelayMiningDifficulty::default_for(10);
        assert_eq!(base.probability().to_f64(), 1.0);
        let zero = RelayMiningDifficulty {
            num_relays_ema: 1,
            target_hash: TargetHash::from_bytes([0; 32]),
        };
        assert_eq!(zero.reward_multiplier(), None);
    }

    #[test]
    fn float_edges() {
        assert_eq!(ema(0, 0), 0);
        assert_eq!(ema(u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(ema(123_456_789, 987_654_321), 209_876_542);
        assert_eq!(next_target(5, 0), None);
    }
}
