//! Arithmetic modulo p = 2^256 − 2^32 − 977 for the variable-time point code: five 52-bit limbs
//! with lazy reduction, as in libsecp256k1 and k256, plus the squaring k256 0.14 lacks (its
//! square is a full multiplication; a dedicated one needs 15 limb products instead of 25, and
//! squarings are most of a doubling). Only public values go through here. [CRYPTO-PERF-1]
//!
//! An element of *magnitude* m has limbs 0–3 at most 2m·(2^52 − 1) and limb 4 at most
//! 2m·(2^48 − 1). Sums add magnitudes, [`Fe::negate`] needs an upper bound of the magnitude and
//! adds one, products and squares take inputs of magnitude at most 8 and return magnitude 1.
//! Debug builds check the limb bounds those rules imply.
#![allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]

const M52: u64 = (1 << 52) - 1;
const M48: u64 = (1 << 48) - 1;
/// 2^256 mod p.
const C: u64 = 0x1_0000_03D1;
/// p's lowest limb (the others are all ones).
const P0: u64 = 0xF_FFFE_FFFF_FC2F;
/// p as little-endian 64-bit words.
const P_WORDS: [u64; 4] = [0xFFFF_FFFE_FFFF_FC2F, u64::MAX, u64::MAX, u64::MAX];

/// A field element (see the module docs for magnitudes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe([u64; 5]);

impl Fe {
    pub(crate) const ZERO: Self = Self([0; 5]);
    pub(crate) const ONE: Self = Self([1, 0, 0, 0, 0]);

    /// A small constant.
    pub(crate) const fn from_u64(v: u64) -> Self {
        Self([v & M52, v >> 52, 0, 0, 0])
    }

    /// 32 big-endian bytes; `None` unless the value is below p.
    pub(crate) fn from_bytes(b: &[u8; 32]) -> Option<Self> {
        let w = |i: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[24 - 8 * i..32 - 8 * i]);
            u64::from_be_bytes(x)
        };
        let (w0, w1, w2, w3) = (w(0), w(1), w(2), w(3));
        let fe = Self([
            w0 & M52,
            (w0 >> 52 | w1 << 12) & M52,
            (w1 >> 40 | w2 << 24) & M52,
            (w2 >> 28 | w3 << 36) & M52,
            w3 >> 16,
        ]);
        (!fe.at_least_p()).then_some(fe)
    }

    /// The 32 big-endian bytes of the reduced value.
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let [l0, l1, l2, l3, l4] = self.normalize().0;
        let words = [
            l0 | l1 << 52,
            l1 >> 12 | l2 << 40,
            l2 >> 24 | l3 << 28,
            l3 >> 36 | l4 << 16,
        ];
        let mut out = [0u8; 32];
        for (i, w) in words.iter().enumerate() {
            out[24 - 8 * i..32 - 8 * i].copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// For a weakly normalized element (limbs 0–3 below 2^52, limb 4 below 2^49): whether its
    /// value is p or more.
    fn at_least_p(&self) -> bool {
        let [l0, l1, l2, l3, l4] = self.0;
        (l4 >> 48 != 0) | ((l4 == M48) & ((l1 & l2 & l3) == M52) & (l0 >= P0))
    }

    /// Magnitude 1, not necessarily below p: bits 256 and up folded back in as multiples of
    /// 2^256 mod p.
    #[inline(always)]
    pub(crate) fn normalize_weak(&self) -> Self {
        let [l0, l1, l2, l3, l4] = self.0;
        let top = l4 >> 48;
        let l0 = l0 + top * C;
        let l1 = l1 + (l0 >> 52);
        let l2 = l2 + (l1 >> 52);
        let l3 = l3 + (l2 >> 52);
        let l4 = (l4 & M48) + (l3 >> 52);
        Self([l0 & M52, l1 & M52, l2 & M52, l3 & M52, l4])
    }

    /// The canonical representative (below p).
    pub(crate) fn normalize(&self) -> Self {
        let w = self.normalize_weak();
        // At most one subtraction of p: add 2^256 − p and drop bit 256.
        let sub = u64::from(w.at_least_p());
        let [l0, l1, l2, l3, l4] = w.0;
        let l0 = l0 + sub * C;
        let l1 = l1 + (l0 >> 52);
        let l2 = l2 + (l1 >> 52);
        let l3 = l3 + (l2 >> 52);
        let l4 = l4 + (l3 >> 52);
        Self([l0 & M52, l1 & M52, l2 & M52, l3 & M52, l4 & M48])
    }

    /// Whether the value is 0 mod p (any magnitude).
    pub(crate) fn normalizes_to_zero(&self) -> bool {
        let [l0, l1, l2, l3, l4] = self.normalize_weak().0;
        // Weakly normalized, the value is below 2p: zero is 0 or p.
        (l0 | l1 | l2 | l3 | l4) == 0 || (l0 == P0 && (l1 & l2 & l3) == M52 && l4 == M48)
    }

    /// Whether the (normalized) value is odd.
    pub(crate) fn is_odd(&self) -> bool {
        self.normalize().0[0] & 1 == 1
    }

    /// −self for an element of magnitude at most `m`; magnitude m + 1.
    #[inline(always)]
    pub(crate) fn negate(&self, m: u32) -> Self {
        let k = 2 * (u64::from(m) + 1);
        let [l0, l1, l2, l3, l4] = self.0;
        Self([
            P0 * k - l0,
            M52 * k - l1,
            M52 * k - l2,
            M52 * k - l3,
            M48 * k - l4,
        ])
    }

    /// self + rhs; the magnitudes add.
    #[inline(always)]
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        let (a, b) = (self.0, rhs.0);
        Self([
            a[0] + b[0],
            a[1] + b[1],
            a[2] + b[2],
            a[3] + b[3],
            a[4] + b[4],
        ])
    }

    /// k·self; the magnitude is multiplied by k.
    #[inline(always)]
    pub(crate) fn mul_small(&self, k: u64) -> Self {
        let a = self.0;
        Self([a[0] * k, a[1] * k, a[2] * k, a[3] * k, a[4] * k])
    }

    /// 2·self.
    #[inline(always)]
    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    fn check_mul_input(&self) {
        // Magnitude ≤ 8: limbs below 16·2^52.
        debug_assert!(self.0.iter().all(|l| *l < 1 << 56), "field input too large");
    }

    /// self · rhs (inputs of magnitude ≤ 8), magnitude 1.
    #[inline(always)]
    pub(crate) fn mul(&self, rhs: &Self) -> Self {
        self.check_mul_input();
        rhs.check_mul_input();
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = rhs.0;
        reduce(
            m(a4, b4),
            m(a0, b3) + m(a1, b2) + m(a2, b1) + m(a3, b0),
            || m(a0, b4) + m(a1, b3) + m(a2, b2) + m(a3, b1) + m(a4, b0),
            || m(a1, b4) + m(a2, b3) + m(a3, b2) + m(a4, b1),
            || m(a0, b0),
            || m(a2, b4) + m(a3, b3) + m(a4, b2),
            || m(a0, b1) + m(a1, b0),
            || m(a3, b4) + m(a4, b3),
            || m(a0, b2) + m(a1, b1) + m(a2, b0),
        )
    }

    /// self² (input of magnitude ≤ 8), magnitude 1: 15 limb products.
    #[inline(always)]
    pub(crate) fn square(&self) -> Self {
        self.check_mul_input();
        let [a0, a1, a2, a3, a4] = self.0;
        // Doubled limbs stay below 2^57.
        let (d0, d1, d2, d3) = (a0 * 2, a1 * 2, a2 * 2, a3 * 2);
        reduce(
            m(a4, a4),
            m(d0, a3) + m(d1, a2),
            || m(d0, a4) + m(d1, a3) + m(a2, a2),
            || m(d1, a4) + m(d2, a3),
            || m(a0, a0),
            || m(d2, a4) + m(a3, a3),
            || m(d0, a1),
            || m(d3, a4),
            || m(d0, a2) + m(a1, a1),
        )
    }
}

/// The 128-bit product of two limbs.
#[inline(always)]
fn m(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

impl core::ops::Add<&Fe> for Fe {
    type Output = Fe;
    #[inline(always)]
    fn add(self, rhs: &Fe) -> Fe {
        Fe::add(&self, rhs)
    }
}

impl core::ops::Mul<&Fe> for Fe {
    type Output = Fe;
    #[inline(always)]
    fn mul(self, rhs: &Fe) -> Fe {
        Fe::mul(&self, rhs)
    }
}

impl Fe {
    /// self^(2^k).
    fn pow2k(&self, k: u32) -> Self {
        let mut x = *self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    /// self^(2^n − 1) for the runs of ones the exponents below need, as (x2, x3, x11, x22, x223).
    fn runs(&self) -> (Self, Self, Self, Self, Self) {
        let x2 = self.square() * self;
        let x3 = x2.square() * self;
        let x6 = x3.pow2k(3) * &x3;
        let x9 = x6.pow2k(3) * &x3;
        let x11 = x9.pow2k(2) * &x2;
        let x22 = x11.pow2k(11) * &x11;
        let x44 = x22.pow2k(22) * &x22;
        let x88 = x44.pow2k(44) * &x44;
        let x176 = x88.pow2k(88) * &x88;
        let x220 = x176.pow2k(44) * &x44;
        let x223 = x220.pow2k(3) * &x3;
        (x2, x3, x11, x22, x223)
    }

    /// 1/self (0 for 0), by [`crate::inverse`]'s binary GCD.
    pub(crate) fn invert(&self) -> Self {
        use crate::inverse::{bytes_of, invert, words_of};
        let inv = invert(&words_of(&self.to_bytes()), &P_WORDS);
        Self::from_bytes(&bytes_of(&inv)).unwrap_or(Self::ZERO)
    }

    /// 1/self by Fermat (self^(p−2)): 255 squarings and 15 multiplications; 0 for 0.
    #[cfg(test)]
    pub(crate) fn invert_fermat(&self) -> Self {
        // p − 2 in binary: 223 ones, 0, 22 ones, 0000, 1, 0, 11, 0, 1.
        let (x2, _, _, x22, x223) = self.runs();
        let t = x223.pow2k(23) * &x22;
        let t = t.pow2k(5) * self;
        let t = t.pow2k(3) * &x2;
        t.pow2k(2) * self
    }

    /// A square root (self^((p+1)/4), p ≡ 3 mod 4), if self is a square.
    pub(crate) fn sqrt(&self) -> Option<Self> {
        // (p + 1)/4 in binary: 223 ones, 0, 22 ones, 000000, 11, 00.
        let (x2, _, _, x22, x223) = self.runs();
        let r = (x223.pow2k(23) * &x22).pow2k(6) * &x2;
        let r = r.pow2k(2);
        (r.square() + &self.negate(1))
            .normalizes_to_zero()
            .then_some(r)
    }
}

/// Σ p_k·2^(52k) for the column sums p_k of a product of two elements of magnitude ≤ 8 (each
/// below 2^115), reduced to magnitude 1. The columns come in the order they are folded (p8, p3,
/// then p4, p5, p0, p6, p1, p7, p2 when asked for), so that only two accumulators live at a
/// time: with 2^260 ≡ R (mod p), column k + 5 folds onto column k times R. Column 8 goes first
/// onto column 3 (its low 64 bits times R, the rest times R·2^12 onto column 4); then columns
/// 5, 6 and 7 fold onto 0, 1 and 2 as the low columns are carried, and the carry out of column 7
/// lands on column 3 again.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn reduce(
    p8: u128,
    p3: u128,
    p4: impl FnOnce() -> u128,
    p5: impl FnOnce() -> u128,
    p0: impl FnOnce() -> u128,
    p6: impl FnOnce() -> u128,
    p1: impl FnOnce() -> u128,
    p7: impl FnOnce() -> u128,
    p2: impl FnOnce() -> u128,
) -> Fe {
    const R: u64 = C << 4;
    let mut d = p3 + m(p8 as u64, R);
    let hi8 = (p8 >> 64) as u64; // below 2^48
    let t3 = (d as u64) & M52;
    d >>= 52;
    d += p4() + m(hi8, R << 12);
    let t4 = (d as u64) & M52;
    d >>= 52;
    // Bits 256–259 of the result so far sit on top of t4; they fold with column 5's digit.
    let (t4, above) = (t4 & M48, t4 >> 48);
    d += p5();
    let u5 = (((d as u64) & M52) << 4) | above; // the multiple of 2^256
    d >>= 52;
    let mut c = p0() + m(u5, C);
    let r0 = (c as u64) & M52;
    c >>= 52;
    d += p6();
    c += p1() + m((d as u64) & M52, R);
    d >>= 52;
    let r1 = (c as u64) & M52;
    c >>= 52;
    d += p7();
    c += p2() + m((d as u64) & M52, R);
    d >>= 52;
    let r2 = (c as u64) & M52;
    c >>= 52;
    // What is left of column 7's carry (below 2^64) folds onto column 3.
    c += m(d as u64, R) + u128::from(t3);
    let r3 = (c as u64) & M52;
    c >>= 52;
    Fe([r0, r1, r2, r3, t4 + c as u64])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crypto_bigint::{NonZero, U256, U512};
    use proptest::prelude::*;

    const P: U256 =
        U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");

    fn int(f: &Fe) -> U256 {
        U256::from_be_slice(&f.to_bytes())
    }

    /// The value of the limbs without any reduction, mod p.
    fn raw(f: &Fe) -> U256 {
        let mut v = U512::ZERO;
        for (i, l) in f.0.iter().enumerate() {
            v = v.wrapping_add(&U512::from_u64(*l).shl_vartime(52 * i as u32));
        }
        v.div_rem_vartime(&NonZero::new(P.resize::<8>()).unwrap())
            .1
            .resize()
    }

    fn mulmod(a: &U256, b: &U256) -> U256 {
        a.mul_mod_vartime(b, &NonZero::new(P).unwrap())
    }

    /// An element of magnitude `m` with limbs as large as that allows (value arbitrary).
    fn big(seed: [u64; 5], m: u64) -> Fe {
        let cap = [
            M52 * 2 * m,
            M52 * 2 * m,
            M52 * 2 * m,
            M52 * 2 * m,
            M48 * 2 * m,
        ];
        Fe(core::array::from_fn(|i| {
            cap[i] - seed[i] % (cap[i] / 8 + 1)
        }))
    }

    proptest! {
        #[test]
        fn arithmetic_matches_integers(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), s in any::<[u64; 5]>(), t in any::<[u64; 5]>()) {
            let (fa, fb) = (Fe::from_bytes(&a), Fe::from_bytes(&b));
            let ua = U256::from_be_slice(&a);
            prop_assert_eq!(fa.is_some(), ua < P);
            if let (Some(fa), Some(fb)) = (fa, fb) {
                let ub = U256::from_be_slice(&b);
                prop_assert_eq!(fa.to_bytes(), a);
                prop_assert_eq!(int(&fa.mul(&fb)), mulmod(&ua, &ub));
                prop_assert_eq!(int(&fa.square()), mulmod(&ua, &ua));
                prop_assert_eq!(int(&fa.add(&fb)), ua.add_mod(&ub, &NonZero::new(P).unwrap()));
                prop_assert_eq!(int(&fa.add(&fb.negate(1))), ua.sub_mod(&ub, &NonZero::new(P).unwrap()));
                prop_assert_eq!(fa.is_odd(), ua.is_odd().into());
            }
            // Inputs at the largest magnitudes the rules allow.
            for m in [1, 2, 4, 8] {
                let (x, y) = (big(s, m), big(t, m));
                prop_assert_eq!(raw(&x.mul(&y)), mulmod(&raw(&x), &raw(&y)));
                prop_assert_eq!(raw(&x.square()), mulmod(&raw(&x), &raw(&x)));
                prop_assert_eq!(int(&x), raw(&x));
                prop_assert_eq!(raw(&x.negate(m as u32).add(&x)), U256::ZERO);
                prop_assert!(x.negate(m as u32).add(&x).normalizes_to_zero());
                let w = x.mul(&y).square();
                prop_assert!(w.0[..4].iter().all(|l| *l <= 2 * M52) && w.0[4] <= 2 * M48);
            }
        }
    }

    #[test]
    fn edges() {
        let p_minus_1: [u8; 32] = P.wrapping_sub(&U256::ONE).to_be_bytes().into();
        let pm1 = Fe::from_bytes(&p_minus_1).unwrap();
        assert!(pm1.add(&Fe::ONE).normalizes_to_zero());
        assert_eq!(pm1.add(&Fe::ONE).to_bytes(), [0; 32]);
        assert_eq!(int(&pm1.square()), U256::ONE);
        assert!(Fe::from_bytes(&P.to_be_bytes().into()).is_none());
        assert!(Fe::from_bytes(&[0xff; 32]).is_none());
        assert!(Fe::ZERO.normalizes_to_zero() && !Fe::ONE.normalizes_to_zero());
        // The raw limbs of p itself normalize to zero.
        let p = Fe([P0, M52, M52, M52, M48]);
        assert!(p.normalizes_to_zero());
        assert_eq!(p.to_bytes(), [0; 32]);
    }
}
