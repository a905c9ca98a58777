//! Fast variable-time multi-scalar multiplication on secp256k1 for public values: the GLV
//! endomorphism (λ·(x, y) = (β·x, y)) splits each 256-bit scalar into two of about 128 bits, and
//! interleaved w-NAF over affine tables of odd multiples (Strauss–Shamir) shares the doublings
//! between all terms; the point arithmetic is [`crate::point`]'s Jacobian formulas. Only public
//! values go through here. [CRYPTO-RING-5] [CRYPTO-PERF-1]
//!
//! The constants are the standard secp256k1 GLV parameters (the cube roots of unity λ mod n and
//! β mod p, a reduced basis of the lattice {(a, b) : a + b·λ ≡ 0 mod n}, and the rounded
//! fractions g = round(2^384·b/n) that replace the divisions by n); the unit tests derive or
//! check every one of them.
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, Scalar};

use crate::point::{Affine, Fe, Jacobian};
pub(crate) use crate::tables::{SharedZ, Tables, generator};

/// λ: a cube root of unity mod n with λ·(x, y) = (β·x, y).
const LAMBDA: [u8; 32] = be("5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72");
/// β: a cube root of unity mod p.
pub(crate) const BETA: [u8; 32] =
    be("7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE");
/// Lattice basis: a1 + b1·λ ≡ 0 and a2 + b2·λ ≡ 0 (mod n), with b1 = −MINUS_B1 and b2 = A1.
const A1: u128 = 0x3086_D221_A7D4_6BCD_E86C_90E4_9284_EB15;
const MINUS_B1: u128 = 0xE443_7ED6_010E_8828_6F54_7FA9_0ABF_E4C3;
/// round(2^384·A1/n) and round(2^384·MINUS_B1/n), little-endian limbs.
const G1: [u64; 4] = limbs(be(
    "3086D221A7D46BCDE86C90E49284EB153DAA8A1471E8CA7FE893209A45DBB031",
));
const G2: [u64; 4] = limbs(be(
    "E4437ED6010E88286F547FA90ABFE4C4221208AC9DF506C61571B4AE8AC47F71",
));

/// 64 hex digits as 32 big-endian bytes (compile time: a bad index fails the build).
#[allow(clippy::indexing_slicing)]
pub(crate) const fn be(hex: &str) -> [u8; 32] {
    let h = hex.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 64 {
        out[i / 2] = (hex_digit(h[i]) << 4) | hex_digit(h[i + 1]);
        i += 2;
    }
    out
}

const fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Big-endian bytes as little-endian 64-bit limbs.
#[allow(clippy::indexing_slicing)]
const fn limbs(b: [u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut i = 0;
    while i < 32 {
        out[3 - i / 8] |= (b[i] as u64) << (8 * (7 - i % 8));
        i += 1;
    }
    out
}

fn scalar_limbs(s: &Scalar) -> [u64; 4] {
    let b: [u8; 32] = s.to_bytes().into();
    limbs(b)
}

/// round(k·g / 2^384) for k < 2^256 and g < 2^256 (below 2^128 for our g's).
#[allow(clippy::cast_possible_truncation)] // limbs: the low 64 bits on purpose
fn mul_shift_384(k: &[u64; 4], g: &[u64; 4]) -> u128 {
    let mut prod = [0u64; 8];
    for (i, ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, gj) in g.iter().enumerate() {
            if let Some(slot) = prod.get_mut(i + j) {
                let t = u128::from(*ki) * u128::from(*gj) + u128::from(*slot) + carry;
                *slot = t as u64;
                carry = t >> 64;
            }
        }
        if let Some(slot) = prod.get_mut(i + 4) {
            *slot = carry as u64;
        }
    }
    let [.., p5, p6, p7] = prod;
    ((u128::from(p7) << 64) | u128::from(p6)).wrapping_add(u128::from(p5 >> 63))
}

/// A scalar as sign and magnitude (little-endian limbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Half {
    mag: [u64; 4],
    neg: bool,
}

fn half(s: &Scalar) -> Half {
    let neg = bool::from(s.is_high());
    let v = if neg { -*s } else { *s };
    Half {
        mag: scalar_limbs(&v),
        neg,
    }
}

/// k = k1 + k2·λ (mod n), with |k1| and |k2| below 2^129.
fn decompose(k: &Scalar) -> (Half, Half) {
    let kl = scalar_limbs(k);
    let c1 = Scalar::from(mul_shift_384(&kl, &G1));
    let c2 = Scalar::from(mul_shift_384(&kl, &G2));
    // k2 = −c1·b1 − c2·b2 = c1·MINUS_B1 − c2·A1;  k1 = k − k2·λ.
    let k2 = c1 * Scalar::from(MINUS_B1) - c2 * Scalar::from(A1);
    let k1 = *k - k2 * lambda();
    (half(&k1), half(&k2))
}

fn lambda() -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(LAMBDA))
}

/// Room for the w-NAF of any 256-bit magnitude (a carry may add up to w positions).
const WNAF_MAX: usize = 256 + 17;

/// w-NAF digits, least significant first: odd digits below 2^(w−1) in absolute value, any two
/// non-zero digits at least w positions apart.
struct Wnaf {
    digits: [i16; WNAF_MAX],
    len: usize,
}

fn wnaf(mag: &[u64; 4], w: u32) -> Wnaf {
    let bits = |pos: usize, count: u32| -> u64 {
        let (limb, off) = (pos / 64, pos % 64);
        let lo = mag.get(limb).map_or(0, |l| l >> off);
        let hi = match (off, mag.get(limb + 1)) {
            (1.., Some(h)) => h << (64 - off),
            _ => 0,
        };
        (lo | hi) & ((1u64 << count) - 1)
    };
    let mut out = Wnaf {
        digits: [0; WNAF_MAX],
        len: 0,
    };
    let mut carry = 0u64;
    let mut pos = 0usize;
    while pos < WNAF_MAX {
        // A bit equal to the carry gives a zero digit (0 + 0, or 1 + 1 carrying on).
        if bits(pos, 1) == carry {
            pos += 1;
            continue;
        }
        let word = bits(pos, w) + carry; // odd, below 2^w
        carry = (word >> (w - 1)) & 1;
        let digit = word as i64 - ((carry << w) as i64);
        if let Some(d) = out.digits.get_mut(pos) {
            *d = i16::try_from(digit).unwrap_or(0);
        }
        out.len = pos + 1;
        pos += w as usize;
    }
    out
}

/// Σ sᵢ·Pᵢ over `(scalar, tables of Pᵢ)` pairs, plus s·Q for `shared` = (s, Q's shared-Z
/// tables) if given: the sum then runs on Q's isomorphic curve (the affine entries of the other
/// tables are added with one more multiplication each) and comes back at the end. Each half of
/// a split scalar is cut further at multiples of [`LEVEL_BITS`] when its tables hold the shifted
/// points 2^(64j)·P, so that the doublings are shared over 64 bits instead of 128.
pub(crate) fn lincomb(terms: &[(Scalar, &Tables)], shared: Option<(Scalar, &SharedZ)>) -> Jacobian {
    let z = shared.map(|(_, t)| *t.z());
    let mut ts: Vec<(Wnaf, &[Affine], bool, Option<&Fe>)> = Vec::with_capacity(terms.len() * 4 + 4);
    let all = terms
        .iter()
        .map(|(s, t)| (s, *t, z.as_ref()))
        .chain(shared.iter().map(|(s, t)| (s, t.tables(), None)));
    // Splitting helps only when every term can: one term of 128-bit parts sets the number of
    // doublings for all, and the extra parts would only add w-NAF edges.
    let depth = terms
        .iter()
        .map(|(_, t)| t.levels().len())
        .chain(shared.map(|_| 1))
        .min()
        .unwrap_or(1);
    for (s, t, zs) in all {
        let (k1, k2) = decompose(s);
        let levels = t.levels().get(..depth).unwrap_or(t.levels());
        for (j, (base, endo)) in levels.iter().enumerate() {
            let last = j + 1 == levels.len();
            ts.push((wnaf(&part(&k1.mag, j, last), t.w()), base, k1.neg, zs));
            ts.push((wnaf(&part(&k2.mag, j, last), t.w()), endo, k2.neg, zs));
        }
    }
    let len = ts.iter().map(|t| t.0.len).max().unwrap_or(0);
    let mut acc = Jacobian::INFINITY;
    for i in (0..len).rev() {
        acc.double_assign();
        for (digits, table, neg, zs) in &ts {
            let d = digits.digits.get(i).copied().unwrap_or(0);
            if d == 0 {
                continue;
            }
            if let Some(p) = table.get(usize::from(d.unsigned_abs() / 2)) {
                if (d < 0) != *neg {
                    acc.add_assign_xy(&p.x, &p.y.negate(1), *zs);
                } else {
                    acc.add_assign_xy(&p.x, &p.y, *zs);
                }
            }
        }
    }
    if let Some(z) = z {
        acc.scale_z(&z);
    }
    acc
}

/// Bits per table level: level j of a [`Tables`] holds the multiples of 2^(64j)·P.
pub(crate) const LEVEL_BITS: usize = 64;

/// Bits [64j, 64j + 64) of a magnitude, or all bits from 64j up for the last level.
fn part(mag: &[u64; 4], j: usize, last: bool) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (o, limb) in out.iter_mut().zip(mag.iter().skip(j)) {
        *o = *limb;
    }
    if !last {
        out = [out[0], 0, 0, 0];
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crypto_bigint::{NonZero, U256, U512};
    use k256::ProjectivePoint;
    use k256::elliptic_curve::Field;
    use k256::elliptic_curve::ops::LinearCombination;

    const N: U256 =
        U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    const P: U256 =
        U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    const A2: [u8; 32] = be("0000000000000000000000000000000114CA50F7A8E2F3F657C1108D9D44CFD8");

    fn u(b: [u8; 32]) -> U256 {
        U256::from_be_slice(&b)
    }

    fn to_k256(j: &Jacobian) -> ProjectivePoint {
        j.to_affine()
            .map_or(ProjectivePoint::IDENTITY, Affine::to_k256)
    }

    #[test]
    fn constants_are_what_they_claim() {
        let n = NonZero::new(N).unwrap();
        let p = NonZero::new(P).unwrap();
        let (l, b) = (u(LAMBDA), u(BETA));
        assert_eq!(
            l.mul_mod_vartime(&l, &n).mul_mod_vartime(&l, &n),
            U256::ONE,
            "λ³ ≡ 1 (mod n)"
        );
        assert_eq!(
            b.mul_mod_vartime(&b, &p).mul_mod_vartime(&b, &p),
            U256::ONE,
            "β³ ≡ 1 (mod p)"
        );
        // a1 + b1·λ ≡ 0 with b1 = −MINUS_B1; a2 + b2·λ ≡ 0 with b2 = a1.
        let s = |x: u128| Scalar::from(x);
        assert_eq!(s(A1) - s(MINUS_B1) * lambda(), Scalar::ZERO);
        let a2 = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(A2));
        assert_eq!(a2 + s(A1) * lambda(), Scalar::ZERO);
        // g = round(2^384·b / n).
        for (b, g) in [(A1, G1), (MINUS_B1, G2)] {
            let num = U512::from_u128(b)
                .shl_vartime(384)
                .wrapping_add(&N.shr_vartime(1).resize());
            let q = num
                .div_rem_vartime(&NonZero::new(N.resize::<8>()).unwrap())
                .0;
            assert_eq!(q.resize::<4>(), U256::from_words(g));
        }
        // λ·G = (β·x, y).
        let g = ProjectivePoint::GENERATOR;
        let lg = Affine::from_k256(&(g * lambda())).unwrap();
        let t = Tables::new(&Affine::generator(), 4);
        assert_eq!(t.levels()[0].1[0].compress(), lg.compress());
    }

    #[test]
    fn decomposition_and_wnaf() {
        let mut rng =
            <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([3; 32]);
        let back = |h: &Half| {
            let mut b = [0u8; 32];
            for (i, l) in h.mag.iter().enumerate() {
                b[24 - 8 * i..32 - 8 * i].copy_from_slice(&l.to_be_bytes());
            }
            let s = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(b));
            if h.neg { -s } else { s }
        };
        let mut cases: Vec<Scalar> = (0..500).map(|_| Scalar::random(&mut rng)).collect();
        cases.extend([Scalar::ZERO, Scalar::ONE, -Scalar::ONE, lambda(), -lambda()]);
        for k in cases {
            let (k1, k2) = decompose(&k);
            assert_eq!(back(&k1) + back(&k2) * lambda(), k);
            for h in [k1, k2] {
                assert_eq!(h.mag[2] | h.mag[3], 0, "halves below 2^128");
                for w in [4, 5, 8, 14, 16] {
                    let d = wnaf(&h.mag, w);
                    let mut v = Scalar::ZERO;
                    let mut last: Option<usize> = None;
                    for (i, digit) in d.digits.iter().enumerate().rev() {
                        v = v + v;
                        if *digit != 0 {
                            assert!(digit % 2 != 0 && digit.unsigned_abs() < 1 << (w - 1));
                            if let Some(l) = last {
                                assert!(l - i >= w as usize);
                            }
                            last = Some(i);
                            let m = Scalar::from(u64::from(digit.unsigned_abs()));
                            v = if *digit < 0 { v - m } else { v + m };
                        }
                    }
                    assert_eq!(v, back(&Half { neg: false, ..h }));
                }
            }
        }
        // Any 256-bit magnitude (not only halves) has a w-NAF that fits.
        let d = wnaf(&[u64::MAX; 4], 16);
        assert!(d.len <= WNAF_MAX);
    }

    #[test]
    fn lincomb_agrees_with_k256() {
        let g = ProjectivePoint::GENERATOR;
        let mut rng =
            <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([5; 32]);
        let p = g * Scalar::from(987_654_321u64);
        let tg = generator();
        let tp = Tables::new(&Affine::from_k256(&p).unwrap(), 5);
        let t6 = Tables::batch(&[(Affine::from_k256(&p).unwrap(), 6)], 1)
            .pop()
            .unwrap();
        let t2 = Tables::leveled(&Affine::from_k256(&p).unwrap(), 7);
        let tz = SharedZ::new(&Affine::from_k256(&p).unwrap(), 5);
        for i in 0..100u64 {
            let x = Scalar::random(&mut rng);
            let y = if i % 10 == 0 {
                -x * Scalar::from(987_654_321u64).invert().unwrap()
            } else {
                Scalar::random(&mut rng)
            };
            let slow = ProjectivePoint::lincomb_vartime(&[(g, x), (p, y)]);
            assert_eq!(
                to_k256(&lincomb(&[(x, &tg), (y, &tp)], None)),
                slow,
                "case {i}"
            );
            assert_eq!(
                to_k256(&lincomb(&[(x, &tg), (y, &t6)], None)),
                slow,
                "case {i}"
            );
            assert_eq!(
                to_k256(&lincomb(&[(x, &tg)], Some((y, &tz)))),
                slow,
                "case {i}"
            );
            assert_eq!(to_k256(&lincomb(&[], Some((y, &tz)))), p * y, "case {i}");
            assert_eq!(
                to_k256(&lincomb(&[(x, &tg), (y, &t2)], None)),
                slow,
                "case {i}"
            );
            let both = lincomb(&[(x, &tp), (y, &t2)], None);
            assert_eq!(to_k256(&both), p * (x + y), "case {i}");
        }
        assert!(lincomb(&[(Scalar::ZERO, &tg)], None).is_infinity());
        assert_eq!(to_k256(&lincomb(&[(Scalar::ONE, &tg)], None)), g);
        assert_eq!(to_k256(&lincomb(&[(-Scalar::ONE, &tp)], None)), -p);
    }
}
