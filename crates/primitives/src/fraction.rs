//! Exact fractions for the chain's float params.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

/// A non-negative exact fraction `num / den`, reduced.
///
/// The chain stores shares and ratios as `float64` and converts them with
/// `big.Rat.SetString(strconv.FormatFloat(f, 'f', -1, 64))`: the **shortest decimal** that
/// round-trips, not the float's binary value. [`Fraction::from_f64_shortest`] does the same, so
/// 0.975 is exactly 975/1000. [TOK-FRAC-1] (spec/tokenomics.md)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u128,
    den: u128,
}

/// Why a fraction could not be built or applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FractionError {
    /// Negative, NaN or infinite input, or a zero denominator.
    #[error("not a finite non-negative fraction")]
    Invalid,
    /// The exact value does not fit 128-bit parts.
    #[error("fraction out of range")]
    Overflow,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a.checked_rem(b).unwrap_or(0);
        a = b;
        b = t;
    }
    a
}

impl Fraction {
    /// Zero.
    pub const ZERO: Self = Self { num: 0, den: 1 };
    /// One.
    pub const ONE: Self = Self { num: 1, den: 1 };

    /// A fraction from parts already in lowest terms with a non-zero denominator (for
    /// constants).
    pub(crate) const fn from_parts(num: u128, den: u128) -> Self {
        Self { num, den }
    }

    /// `num / den`, reduced.
    pub fn new(num: u128, den: u128) -> Result<Self, FractionError> {
        if den == 0 {
            return Err(FractionError::Invalid);
        }
        let g = gcd(num, den).max(1);
        Ok(Self {
            num: num.checked_div(g).unwrap_or(0),
            den: den.checked_div(g).unwrap_or(1),
        })
    }

    /// Parses a plain decimal such as `"0.975"` or `"12"` exactly.
    pub fn from_decimal(s: &str) -> Result<Self, FractionError> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(FractionError::Invalid);
        }
        let mut num: u128 = 0;
        let mut den: u128 = 1;
        for c in int.chars().chain(frac.chars()) {
            let d = c.to_digit(10).ok_or(FractionError::Invalid)?;
            num = num
                .checked_mul(10)
                .and_then(|n| n.checked_add(u128::from(d)))
                .ok_or(FractionError::Overflow)?;
        }
        for _ in frac.chars() {
            den = den.checked_mul(10).ok_or(FractionError::Overflow)?;
        }
        Self::new(num, den)
    }

    /// The exact fraction of `f`'s shortest round-trip decimal form (Go's `Float64ToRat`).
    ///
    /// ```
    /// use pokt_primitives::Fraction;
    /// assert_eq!(Fraction::from_f64_shortest(0.975).unwrap(), Fraction::new(39, 40).unwrap());
    /// assert_eq!(Fraction::from_f64_shortest(1e-6).unwrap(), Fraction::new(1, 1_000_000).unwrap());
    /// ```
    pub fn from_f64_shortest(f: f64) -> Result<Self, FractionError> {
        if !f.is_finite() || f < 0.0 {
            return Err(FractionError::Invalid);
        }
        // Rust's `Display` for f64 prints the shortest round-trip digits without an exponent,
        // as Go's FormatFloat(f, 'f', -1, 64) does.
        Self::from_decimal(&alloc::format!("{f}"))
    }

    /// The numerator.
    pub fn num(&self) -> u128 {
        self.num
    }

    /// The denominator.
    pub fn den(&self) -> u128 {
        self.den
    }

    /// ⌊amount · self⌋.
    pub fn mul_floor(&self, amount: u64) -> Result<u64, FractionError> {
        let p = u128::from(amount)
            .checked_mul(self.num)
            .ok_or(FractionError::Overflow)?;
        u64::try_from(p.checked_div(self.den).ok_or(FractionError::Invalid)?)
            .map_err(|_| FractionError::Overflow)
    }

    /// ⌈amount · self⌉.
    pub fn mul_ceil(&self, amount: u64) -> Result<u64, FractionError> {
        let p = u128::from(amount)
            .checked_mul(self.num)
            .ok_or(FractionError::Overflow)?;
        let q = p.checked_div(self.den).ok_or(FractionError::Invalid)?;
        let r = p.checked_rem(self.den).ok_or(FractionError::Invalid)?;
        let q = if r > 0 {
            q.checked_add(1).ok_or(FractionError::Overflow)?
        } else {
            q
        };
        u64::try_from(q).map_err(|_| FractionError::Overflow)
    }

    /// ⌊amount / (1 + self)⌋.
    pub fn div_one_plus_floor(&self, amount: u64) -> Result<u64, FractionError> {
        let d = self
            .den
            .checked_add(self.num)
            .ok_or(FractionError::Overflow)?;
        let p = u128::from(amount)
            .checked_mul(self.den)
            .ok_or(FractionError::Overflow)?;
        u64::try_from(p.checked_div(d).ok_or(FractionError::Invalid)?)
            .map_err(|_| FractionError::Overflow)
    }

    /// Whether the fraction is zero.
    pub fn is_zero(&self) -> bool {
        self.num == 0
    }

    /// The sum of fractions (`None` on overflow).
    pub fn checked_add(&self, rhs: &Self) -> Option<Self> {
        let n = self
            .num
            .checked_mul(rhs.den)?
            .checked_add(rhs.num.checked_mul(self.den)?)?;
        let d = self.den.checked_mul(rhs.den)?;
        Self::new(n, d).ok()
    }

    /// An `f64` approximation (reporting only).
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl fmt::Debug for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shortest_decimal_not_binary() {
        // 0.1 as a binary double is 3602879701896397/2^55; Go's conversion gives exactly 1/10.
        assert_eq!(
            Fraction::from_f64_shortest(0.1).unwrap(),
            Fraction::new(1, 10).unwrap()
        );
        assert_eq!(
            Fraction::from_f64_shortest(0.79).unwrap(),
            Fraction::new(79, 100).unwrap()
        );
        assert_eq!(Fraction::from_f64_shortest(1.0).unwrap(), Fraction::ONE);
        assert!(Fraction::from_f64_shortest(-0.5).is_err());
        assert!(Fraction::from_f64_shortest(f64::NAN).is_err());
        assert_eq!(Fraction::from_decimal("x"), Err(FractionError::Invalid));
    }

    #[test]
    fn rounding() {
        let r = Fraction::from_f64_shortest(0.975).unwrap();
        assert_eq!(r.mul_floor(1).unwrap(), 0); // the 1 uPOKT edge case
        assert_eq!(r.mul_floor(1000).unwrap(), 975);
        let gi = Fraction::from_f64_shortest(1e-6).unwrap();
        assert_eq!(gi.mul_ceil(1).unwrap(), 1);
        assert_eq!(gi.mul_ceil(1_000_000).unwrap(), 1);
        assert_eq!(gi.mul_ceil(1_000_001).unwrap(), 2);
        assert_eq!(gi.div_one_plus_floor(1_000_001).unwrap(), 1_000_000);
    }

    proptest! {
        #[test]
        fn floor_le_ceil(n in 0u64..1_000_000_000_000, num in 0u128..1000, den in 1u128..1000) {
            let f = Fraction::new(num, den).unwrap();
            let (lo, hi) = (f.mul_floor(n).unwrap(), f.mul_ceil(n).unwrap());
            prop_assert!(lo <= hi && hi - lo <= 1);
        }

        #[test]
        fn decimal_round_trip(f in 0.0f64..10.0) {
            // Tiny floats have more decimal digits than 128-bit parts hold: that is an error,
            // never a wrong value.
            let Ok(q) = Fraction::from_f64_shortest(f) else {
                prop_assert!(f < 1e-20);
                return Ok(());
            };
            // The exact fraction is within float rounding of f, and its denominator is a power of ten
            // divisor (it came from a decimal).
            prop_assert!((q.to_f64() - f).abs() <= f * 1e-15);
            let mut d = q.den();
            while d % 10 == 0 { d /= 10; }
            while d % 2 == 0 { d /= 2; }
            while d % 5 == 0 { d /= 5; }
            prop_assert_eq!(d, 1);
        }
    }
}
