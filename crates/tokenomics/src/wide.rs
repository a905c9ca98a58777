//! 256-bit amounts inside settlement: every amount is computed as exactly and as wide as
//! poktroll's `math.Int` and `big.Rat` compute it; everything an account pays or receives is a
//! [`Upokt`]. [TOK-AMOUNT-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crypto_bigint::{NonZero, U256, U512};
use pokt_primitives::{Fraction, Upokt};

/// `x` in 512 bits.
pub(crate) fn widen(x: &U256) -> U512 {
    x.resize()
}

/// `x` in 256 bits, or `None` when it needs more.
pub(crate) fn narrow(x: &U512) -> Option<U256> {
    (x.bit_width_vartime() <= 256).then(|| x.resize())
}

/// `x` as a u64, or `None` when it needs more bits.
pub(crate) fn to_u64(x: &U256) -> Option<u64> {
    if x.bit_width_vartime() > 64 {
        return None;
    }
    let bytes = x.to_be_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(bytes.as_ref().get(24..32)?);
    Some(u64::from_be_bytes(low))
}

fn from_u128(v: u128) -> U512 {
    U512::from_u128(v)
}

/// ⌊x · f⌋, exact; `None` above 256 bits.
fn mul_floor_wide(f: &Fraction, x: &U256) -> Option<U256> {
    // x < 2^256 and num < 2^128: the product fits 512 bits.
    let p = widen(x).wrapping_mul(&from_u128(f.num()));
    let den = Option::<NonZero<U512>>::from(NonZero::new(from_u128(f.den())))?;
    narrow(&p.div_rem_vartime(&den).0)
}

/// ⌊x · f⌋ of an amount, or `None` when it does not fit a [`Upokt`].
pub(crate) fn portion(f: &Fraction, x: Upokt) -> Option<Upokt> {
    f.mul_floor(x.get())
        .ok()
        .or_else(|| to_u64(&mul_floor_wide(f, &from_upokt(x))?))
        .map(Upokt::new)
}

/// ⌈x · f⌉ of an amount, or `None` when it does not fit a [`Upokt`].
pub(crate) fn portion_ceil(f: &Fraction, x: Upokt) -> Option<Upokt> {
    f.mul_ceil(x.get())
        .ok()
        .or_else(|| to_u64(&mul_ceil_wide(f, &from_upokt(x))?))
        .map(Upokt::new)
}

/// ⌈x · f⌉, exact; `None` above 256 bits.
pub(crate) fn mul_ceil(f: &Fraction, x: &U256) -> Option<U256> {
    if let Some(v) = to_u64(x).and_then(|small| f.mul_ceil(small).ok()) {
        return Some(U256::from_u64(v));
    }
    mul_ceil_wide(f, x)
}

/// [`mul_ceil`] without the 64-bit fast path.
fn mul_ceil_wide(f: &Fraction, x: &U256) -> Option<U256> {
    // x < 2^256 and num < 2^128: the product fits 512 bits.
    let p = widen(x).wrapping_mul(&from_u128(f.num()));
    let den = Option::<NonZero<U512>>::from(NonZero::new(from_u128(f.den())))?;
    let (q, r) = p.div_rem_vartime(&den);
    let q = if bool::from(r.is_nonzero()) {
        q.wrapping_add(&U512::ONE)
    } else {
        q
    };
    narrow(&q)
}

/// ⌊x / (1 + f)⌋, exact (never larger than `x`).
pub(crate) fn div_one_plus_floor(f: &Fraction, x: &U256) -> U256 {
    if let Some(v) = to_u64(x).and_then(|small| f.div_one_plus_floor(small).ok()) {
        return U256::from_u64(v);
    }
    div_one_plus_floor_wide(f, x)
}

/// [`div_one_plus_floor`] without the 64-bit fast path.
fn div_one_plus_floor_wide(f: &Fraction, x: &U256) -> U256 {
    // x · den < 2^384 and den + num < 2^129.
    let p = widen(x).wrapping_mul(&from_u128(f.den()));
    let d = from_u128(f.den()).wrapping_add(&from_u128(f.num()));
    match Option::<NonZero<U512>>::from(NonZero::new(d)) {
        Some(d) => narrow(&p.div_rem_vartime(&d).0).unwrap_or(*x),
        None => *x,
    }
}

/// ⌊a · b / c⌋ for `c > 0` whose product a · b fits 256 bits, as `math.Int.Mul` requires
/// (`None` otherwise or for `c = 0`).
pub(crate) fn mul_div_floor(a: &U256, b: &U256, c: &U256) -> Option<U256> {
    let c = Option::<NonZero<U512>>::from(NonZero::new(widen(c)))?;
    // a · b < 2^512.
    let product = narrow(&widen(a).wrapping_mul(&widen(b)))?;
    narrow(&widen(&product).div_rem_vartime(&c).0)
}

/// `a + b`, `None` above 256 bits.
pub(crate) fn checked_add(a: &U256, b: &U256) -> Option<U256> {
    narrow(&widen(a).wrapping_add(&widen(b)))
}

/// `a − b`, zero below zero.
pub(crate) fn saturating_sub(a: &U256, b: &U256) -> U256 {
    if b < a { a.wrapping_sub(b) } else { U256::ZERO }
}

/// A [`Upokt`] in 256 bits.
pub(crate) fn from_upokt(v: Upokt) -> U256 {
    U256::from_u64(v.get())
}

/// Decimal digits of a 256-bit value.
pub(crate) struct Decimal<'a>(pub(crate) &'a U256);

impl fmt::Display for Decimal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = to_u64(self.0) {
            return write!(f, "{v}");
        }
        // Groups of 19 digits (10^19 < 2^64), least significant first; 2^256 has 78 digits.
        const TEN19: u64 = 10_000_000_000_000_000_000;
        let mut groups = [0u64; 5];
        let mut n = 0usize;
        let mut rest = *self.0;
        let Some(d) = Option::<NonZero<U256>>::from(NonZero::new(U256::from_u64(TEN19))) else {
            return Err(fmt::Error);
        };
        while bool::from(rest.is_nonzero()) {
            let (q, r) = rest.div_rem_vartime(&d);
            *groups.get_mut(n).ok_or(fmt::Error)? = to_u64(&r).ok_or(fmt::Error)?;
            n = n.checked_add(1).ok_or(fmt::Error)?;
            rest = q;
        }
        let mut iter = groups.get(..n).ok_or(fmt::Error)?.iter().rev();
        if let Some(first) = iter.next() {
            write!(f, "{first}")?;
        }
        for g in iter {
            write!(f, "{g:019}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The 256-bit paths agree with the 64-bit ones (primitives' `Fraction`) wherever both
        /// apply, and the decimal form agrees with u128's below 2^128.
        #[test]
        fn wide_paths_match_the_u64_paths(x in any::<u64>(), num in 0u128..1_000_000_000, den in 1u128..1_000_000_000) {
            let f = Fraction::new(num, den).unwrap();
            let w = U256::from_u64(x);
            if let Ok(v) = f.mul_ceil(x) {
                prop_assert_eq!(mul_ceil_wide(&f, &w), Some(U256::from_u64(v)));
            }
            if let Ok(v) = f.mul_floor(x) {
                prop_assert_eq!(mul_floor_wide(&f, &w), Some(U256::from_u64(v)));
            }
            if let Ok(v) = f.div_one_plus_floor(x) {
                prop_assert_eq!(div_one_plus_floor_wide(&f, &w), U256::from_u64(v));
            }
            let big = u128::from(x) * u128::from(x);
            prop_assert_eq!(
                alloc::format!("{}", Decimal(&U256::from_u128(big))),
                alloc::format!("{big}")
            );
        }
    }

    #[test]
    fn beyond_256_bits() {
        let two = Fraction::new(2, 1).unwrap();
        assert_eq!(mul_ceil(&two, &U256::MAX), None);
        assert_eq!(checked_add(&U256::MAX, &U256::ONE), None);
        // Go's math.Int.Mul panics on a product beyond 256 bits, however small the quotient.
        assert_eq!(mul_div_floor(&U256::MAX, &U256::MAX, &U256::MAX), None);
        assert_eq!(
            mul_div_floor(&U256::MAX, &U256::ONE, &U256::MAX),
            Some(U256::ONE)
        );
        assert_eq!(mul_div_floor(&U256::ONE, &U256::ONE, &U256::ZERO), None);
        // Fractions with 128-bit parts of amounts near u64::MAX: exact where u128 overflows.
        let big = Fraction::new(u128::MAX - 1, u128::MAX).unwrap();
        assert_eq!(portion(&big, Upokt::MAX), Some(Upokt::new(u64::MAX - 1)));
        assert_eq!(portion_ceil(&big, Upokt::MAX), Some(Upokt::MAX));
        assert_eq!(portion(&Fraction::new(3, 2).unwrap(), Upokt::MAX), None);
        // ⌊(2^256 − 1) / 2⌋ with inflation 1.
        assert_eq!(
            div_one_plus_floor(&Fraction::ONE, &U256::MAX),
            U256::MAX.shr_vartime(1)
        );
    }
}
