//! Fast variable-time double-scalar multiplication on secp256k1 for ring verification: the GLV
//! endomorphism (λ·(x, y) = (β·x, y)) splits each 256-bit scalar into two of about 128 bits, and
//! interleaved w-NAF over precomputed affine tables of odd multiples (Strauss–Shamir) shares the
//! doublings between all terms. Only public values go through here. [CRYPTO-RING-5]
//!
//! The constants are the standard secp256k1 GLV parameters (the cube roots of unity λ mod n and
//! β mod p, and a reduced basis of the lattice {(a, b) : a + b·λ ≡ 0 mod n}); the unit tests check
//! every relation they must satisfy.
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use crypto_bigint::{NonZero, U256, U512};
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::scalar::IsHigh;
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::elliptic_curve::{BatchNormalize, Group};
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

const fn u256(hex: &str) -> U256 {
    U256::from_be_hex(hex)
}

/// The group order n.
const N: U256 = u256("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
/// The field prime p.
const P: U256 = u256("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
/// λ: a cube root of unity mod n with λ·(x, y) = (β·x, y).
const LAMBDA: U256 = u256("5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72");
/// β: a cube root of unity mod p.
const BETA: U256 = u256("7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE");
/// Lattice basis: a1 + b1·λ ≡ 0 and a2 + b2·λ ≡ 0 (mod n), with b1 = −MINUS_B1 and b2 = A1.
const A1: U256 = u256("000000000000000000000000000000003086D221A7D46BCDE86C90E49284EB15");
const MINUS_B1: U256 = u256("00000000000000000000000000000000E4437ED6010E88286F547FA90ABFE4C3");
#[cfg(test)]
const A2: U256 = u256("0000000000000000000000000000000114CA50F7A8E2F3F657C1108D9D44CFD8");

fn scalar(x: &U256) -> Scalar {
    let mut b = [0u8; 32];
    b.copy_from_slice(&x.to_be_bytes());
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(b))
}

/// round(a·k / n) for a < 2^129 and k < n.
fn round_div(a: &U256, k: &U256) -> U256 {
    let prod: U512 = a.concatenating_mul(k);
    let half = N.shr_vartime(1);
    let num = prod.wrapping_add(&half.resize::<8>());
    let q = match Option::<NonZero<U512>>::from(NonZero::new(N.resize::<8>())) {
        Some(n) => num.div_rem_vartime(&n).0,
        None => U512::ZERO,
    };
    q.resize::<4>()
}

/// A half-size scalar: magnitude (at most 129 bits, little-endian limbs) and sign.
#[derive(Clone, Copy, Debug)]
struct Half {
    mag: [u64; 3],
    neg: bool,
}

fn half(s: &Scalar) -> Option<Half> {
    let (neg, v) = if bool::from(s.is_high()) {
        (true, -*s)
    } else {
        (false, *s)
    };
    let b = v.to_bytes();
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b.get(i..i + 8)?);
        Some(u64::from_be_bytes(w))
    };
    if word(0)? != 0 {
        return None;
    }
    Some(Half {
        mag: [word(24)?, word(16)?, word(8)?],
        neg,
    })
}

/// k = k1 + k2·λ (mod n) with |k1|, |k2| below about 2^128; `None` if a half does not fit (never
/// for a correct basis; the caller then falls back to the generic multiplication).
fn decompose(k: &Scalar) -> Option<(Half, Half)> {
    let kb = k.to_bytes();
    let ku = U256::from_be_slice(&kb);
    let c1 = round_div(&A1, &ku); // b2 = a1
    let c2 = round_div(&MINUS_B1, &ku);
    // k2 = −c1·b1 − c2·b2 = c1·(−b1) − c2·a1;  k1 = k − k2·λ.
    let k2 = scalar(&c1) * scalar(&MINUS_B1) - scalar(&c2) * scalar(&A1);
    let k1 = *k - k2 * scalar(&LAMBDA);
    Some((half(&k1)?, half(&k2)?))
}

/// The w-NAF digits of a magnitude (least significant first), at most 131 of them.
fn wnaf(h: &Half, w: u32) -> Vec<i32> {
    let mut k = h.mag;
    let mut out = Vec::with_capacity(132);
    let full = 1i64 << w;
    let halfw = 1i64 << (w - 1);
    let is_zero = |k: &[u64; 3]| k.iter().all(|x| *x == 0);
    while !is_zero(&k) {
        let mut d = 0i64;
        if k[0] & 1 == 1 {
            let m = (k[0] & ((1u64 << w) - 1)) as i64;
            d = if m >= halfw { m - full } else { m };
            // k -= d (d odd, |d| < 2^(w−1)).
            if d > 0 {
                sub_small(&mut k, d as u64);
            } else {
                add_small(&mut k, (-d) as u64);
            }
        }
        out.push(i32::try_from(d).unwrap_or(0));
        k = [k[0] >> 1 | k[1] << 63, k[1] >> 1 | k[2] << 63, k[2] >> 1];
    }
    out
}

fn add_small(k: &mut [u64; 3], v: u64) {
    let (a, c) = k[0].overflowing_add(v);
    k[0] = a;
    if c {
        let (b, c2) = k[1].overflowing_add(1);
        k[1] = b;
        if c2 {
            k[2] = k[2].wrapping_add(1);
        }
    }
}

fn sub_small(k: &mut [u64; 3], v: u64) {
    let (a, b) = k[0].overflowing_sub(v);
    k[0] = a;
    if b {
        let (x, b2) = k[1].overflowing_sub(1);
        k[1] = x;
        if b2 {
            k[2] = k[2].wrapping_sub(1);
        }
    }
}

/// Odd multiples P, 3P, …, (2^(w−1) − 1)P of a point and of λP, in affine form.
#[derive(Clone, Debug)]
pub(crate) struct Tables {
    w: u32,
    base: Vec<AffinePoint>,
    endo: Vec<AffinePoint>,
}

fn beta_map(a: &AffinePoint) -> Option<AffinePoint> {
    let e = a.to_sec1_point(false);
    let bytes = e.as_bytes();
    let x = U256::from_be_slice(bytes.get(1..33)?);
    let p = Option::<NonZero<U256>>::from(NonZero::new(P))?;
    let bx = x.mul_mod_vartime(&BETA, &p);
    let mut out = [0u8; 65];
    out[0] = 4;
    out.get_mut(1..33)?.copy_from_slice(&bx.to_be_bytes());
    out.get_mut(33..65)?.copy_from_slice(bytes.get(33..65)?);
    k256::PublicKey::from_sec1_bytes(&out)
        .ok()
        .map(|pk| *pk.as_affine())
}

impl Tables {
    /// Tables of window `w` (2^(w−2) entries each) for `p`; `None` for the identity.
    pub(crate) fn new(p: &ProjectivePoint, w: u32) -> Option<Self> {
        if bool::from(p.is_identity()) {
            return None;
        }
        let count = 1usize << (w - 2);
        let twice = p.double();
        let mut proj = Vec::with_capacity(count);
        proj.push(*p);
        for i in 1..count {
            let prev = *proj.get(i - 1)?;
            proj.push(prev + twice);
        }
        let base: Vec<AffinePoint> =
            <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&proj[..])
                .into_iter()
                .collect();
        let endo = base.iter().map(beta_map).collect::<Option<Vec<_>>>()?;
        Some(Self { w, base, endo })
    }
}

struct Term<'a> {
    digits: Vec<i32>,
    table: &'a [AffinePoint],
    neg: bool,
}

/// Σ sᵢ·Pᵢ over `(scalar, tables)` pairs; `None` when a decomposition does not fit (the caller
/// falls back).
pub(crate) fn lincomb(terms: &[(Scalar, &Tables)]) -> Option<ProjectivePoint> {
    let mut ts: Vec<Term<'_>> = Vec::with_capacity(terms.len() * 2);
    for (s, t) in terms {
        let (k1, k2) = decompose(s)?;
        ts.push(Term {
            digits: wnaf(&k1, t.w),
            table: &t.base,
            neg: k1.neg,
        });
        ts.push(Term {
            digits: wnaf(&k2, t.w),
            table: &t.endo,
            neg: k2.neg,
        });
    }
    let len = ts.iter().map(|t| t.digits.len()).max().unwrap_or(0);
    let mut acc = ProjectivePoint::IDENTITY;
    for i in (0..len).rev() {
        acc = acc.double();
        for t in &ts {
            let d = t.digits.get(i).copied().unwrap_or(0);
            if d != 0 {
                let p = t.table.get((d.unsigned_abs() as usize) / 2)?;
                acc = if (d < 0) != t.neg {
                    acc + (-*p)
                } else {
                    acc + p
                };
            }
        }
    }
    Some(acc)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use k256::elliptic_curve::ops::LinearCombination;

    #[test]
    fn constants_are_what_they_claim() {
        let n = NonZero::new(N).unwrap();
        let p = NonZero::new(P).unwrap();
        let l2 = LAMBDA.mul_mod_vartime(&LAMBDA, &n);
        assert_eq!(l2.mul_mod_vartime(&LAMBDA, &n), U256::ONE, "λ³ ≡ 1 (mod n)");
        let b2 = BETA.mul_mod_vartime(&BETA, &p);
        assert_eq!(b2.mul_mod_vartime(&BETA, &p), U256::ONE, "β³ ≡ 1 (mod p)");
        // a1 + b1·λ ≡ 0 with b1 = −MINUS_B1; a2 + b2·λ ≡ 0 with b2 = a1.
        assert_eq!(
            scalar(&A1) - scalar(&MINUS_B1) * scalar(&LAMBDA),
            Scalar::ZERO
        );
        assert_eq!(scalar(&A2) + scalar(&A1) * scalar(&LAMBDA), Scalar::ZERO);
        // λ·G = (β·x, y).
        let g = ProjectivePoint::GENERATOR;
        let lg = (g * scalar(&LAMBDA)).to_affine();
        assert_eq!(beta_map(&g.to_affine()).unwrap(), lg);
    }

    #[test]
    fn decomposition_and_lincomb_agree_with_k256() {
        let g = ProjectivePoint::GENERATOR;
        let p = g * Scalar::from(987_654_321u64);
        let tg = Tables::new(&g, 7).unwrap();
        let tp = Tables::new(&p, 5).unwrap();
        let mut x = Scalar::from(3u64);
        for i in 0..200u64 {
            x = x * x + Scalar::from(i);
            let y = -x * Scalar::from(7u64) + Scalar::from(i);
            let (k1, k2) = decompose(&x).unwrap();
            let back = |h: &Half| {
                let mut b = [0u8; 32];
                b[8..16].copy_from_slice(&h.mag[2].to_be_bytes());
                b[16..24].copy_from_slice(&h.mag[1].to_be_bytes());
                b[24..].copy_from_slice(&h.mag[0].to_be_bytes());
                let s = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(b));
                if h.neg { -s } else { s }
            };
            assert_eq!(back(&k1) + back(&k2) * scalar(&LAMBDA), x);
            let fast = lincomb(&[(x, &tg), (y, &tp)]).unwrap();
            let slow = ProjectivePoint::lincomb_vartime(&[(g, x), (p, y)]);
            assert_eq!(fast, slow, "case {i}");
        }
        assert_eq!(
            lincomb(&[(Scalar::ZERO, &tg)]).unwrap(),
            ProjectivePoint::IDENTITY
        );
    }
}
