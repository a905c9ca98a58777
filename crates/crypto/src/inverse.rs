//! Variable-time modular inversion for public values (challenge points, the ECDSA s): the
//! binary-GCD "divsteps" of Bernstein and Yang, 62 at a time on the low bits with a transition
//! matrix, then the matrix applied to the full numbers — a few thousand instructions where
//! Fermat's little theorem costs 255 squarings. Nothing secret may go through here: the work
//! depends on the value. [CRYPTO-PERF-1]
//!
//! Invariants (M odd, x the input): f ≡ d·x and g ≡ e·x (mod M), starting from f = M, d = 0,
//! g = x, e = 1. Each divstep keeps them (the same matrix acts on (f, g) and (d, e), the
//! division by 2^62 made exact on (d, e) by adding a multiple of M); when g reaches 0, f = ±1
//! (gcd(M, x) = 1 for x ≠ 0 mod M), so ±d is 1/x.
#![allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]

/// Numbers as 5 limbs of 62 bits (little-endian), limbs 0–3 in [0, 2^62), the top one signed.
type S62 = [i64; 5];

const M62: u64 = (1 << 62) - 1;

/// 4 little-endian 64-bit words as 62-bit limbs.
pub(crate) fn from_words(w: &[u64; 4]) -> S62 {
    [
        (w[0] & M62) as i64,
        ((w[0] >> 62 | w[1] << 2) & M62) as i64,
        ((w[1] >> 60 | w[2] << 4) & M62) as i64,
        ((w[2] >> 58 | w[3] << 6) & M62) as i64,
        (w[3] >> 56) as i64,
    ]
}

/// The words of a value in [0, 2^256) held as 62-bit limbs.
pub(crate) fn to_words(s: &S62) -> [u64; 4] {
    let l = s.map(|x| x as u64);
    [
        l[0] | l[1] << 62,
        l[1] >> 2 | l[2] << 60,
        l[2] >> 4 | l[3] << 58,
        l[3] >> 6 | l[4] << 56,
    ]
}

/// Up to 62 divsteps on the low bits of f (odd) and g. Returns the new δ and the matrix
/// (u, v, q, r) with 2^62·f' = u·f + v·g and 2^62·g' = q·f + r·g.
fn divsteps(mut delta: i64, f0: u64, g0: u64) -> (i64, [i64; 4]) {
    let (mut f, mut g) = (f0, g0);
    let (mut u, mut v, mut q, mut r) = (1i64, 0i64, 0i64, 1i64);
    let mut left = 62u32;
    loop {
        // A run of zeros at the bottom of g: g/2 that many times.
        let z = g.trailing_zeros().min(left);
        g >>= z;
        u <<= z;
        v <<= z;
        delta += i64::from(z);
        left -= z;
        if left == 0 {
            break;
        }
        // g is odd.
        if delta > 0 {
            // (f, g) ← (g, (g − f)/2)
            delta = 1 - delta;
            let (nf, ng) = (g, g.wrapping_sub(f) >> 1);
            let (nu, nv, nq, nr) = (q << 1, r << 1, q - u, r - v);
            (f, g, u, v, q, r) = (nf, ng, nu, nv, nq, nr);
        } else {
            // (f, g) ← (f, (g + f)/2)
            delta += 1;
            g = g.wrapping_add(f) >> 1;
            (q, r) = (q + u, r + v);
            u <<= 1;
            v <<= 1;
        }
        left -= 1;
    }
    (delta, [u, v, q, r])
}

/// (u·a + v·b)/2^62 for numbers whose combination is divisible by 2^62.
fn combine(a: &S62, b: &S62, u: i64, v: i64) -> S62 {
    let (u, v) = (i128::from(u), i128::from(v));
    let mut acc = u * i128::from(a[0]) + v * i128::from(b[0]);
    acc >>= 62;
    let mut out = [0i64; 5];
    for i in 1..5 {
        acc += u * i128::from(a[i]) + v * i128::from(b[i]);
        out[i - 1] = (acc as u64 & M62) as i64;
        acc >>= 62;
    }
    out[4] = acc as i64;
    out
}

/// (u·a + v·b + k·M)/2^62 with k chosen to make it exact (M odd, `minv` = 1/M mod 2^62).
fn combine_mod(a: &S62, b: &S62, u: i64, v: i64, m: &S62, minv: u64) -> S62 {
    let (u, v) = (i128::from(u), i128::from(v));
    let low = (u * i128::from(a[0]) + v * i128::from(b[0])) as u64;
    let k = i128::from((low.wrapping_mul(minv).wrapping_neg() & M62) as i64);
    let mut acc = u * i128::from(a[0]) + v * i128::from(b[0]) + k * i128::from(m[0]);
    acc >>= 62;
    let mut out = [0i64; 5];
    for i in 1..5 {
        acc += u * i128::from(a[i]) + v * i128::from(b[i]) + k * i128::from(m[i]);
        out[i - 1] = (acc as u64 & M62) as i64;
        acc >>= 62;
    }
    out[4] = acc as i64;
    out
}

fn is_zero(a: &S62) -> bool {
    a.iter().all(|l| *l == 0)
}

fn is_negative(a: &S62) -> bool {
    a[4] < 0
}

/// a + s·M for s = ±1, limbs carried back to canonical form.
fn add_multiple(a: &S62, m: &S62, s: i64) -> S62 {
    let mut out = [0i64; 5];
    let mut acc = 0i128;
    for i in 0..5 {
        acc += i128::from(a[i]) + i128::from(s) * i128::from(m[i]);
        if i < 4 {
            out[i] = (acc as u64 & M62) as i64;
            acc >>= 62;
        } else {
            out[i] = acc as i64;
        }
    }
    out
}

/// Whether a ≥ M (a non-negative).
fn at_least(a: &S62, m: &S62) -> bool {
    for i in (0..5).rev() {
        if a[i] != m[i] {
            return a[i] > m[i];
        }
    }
    true
}

/// Keeps d in (−M, M): it comes out of an update in (−2M, 2M).
fn reduce_once(d: &S62, m: &S62) -> S62 {
    if is_negative(d) {
        let up = add_multiple(d, m, 1);
        if is_negative(&up) { up } else { *d }
    } else if at_least(d, m) {
        add_multiple(d, m, -1)
    } else {
        *d
    }
}

/// 1/x mod M for an odd modulus M below 2^256 and x in [0, M) given as words; 0 for 0.
pub(crate) fn invert(x: &[u64; 4], m_words: &[u64; 4]) -> [u64; 4] {
    let m = from_words(m_words);
    // 1/M mod 2^64 by Newton's iteration (each step doubles the correct bits).
    let m0 = m_words[0];
    let mut minv = m0;
    for _ in 0..5 {
        minv = minv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(minv)));
    }
    let (mut f, mut g) = (m, from_words(x));
    let (mut d, mut e): (S62, S62) = ([0; 5], [1, 0, 0, 0, 0]);
    let mut delta = 1i64;
    // At most 741 divsteps for 256-bit inputs; bound the loop anyway.
    for _ in 0..24 {
        if is_zero(&g) {
            break;
        }
        let (nd, [u, v, q, r]) = divsteps(delta, f[0] as u64, g[0] as u64);
        delta = nd;
        (f, g) = (combine(&f, &g, u, v), combine(&f, &g, q, r));
        let nd = reduce_once(&combine_mod(&d, &e, u, v, &m, minv), &m);
        let ne = reduce_once(&combine_mod(&d, &e, q, r, &m, minv), &m);
        (d, e) = (nd, ne);
    }
    // f = ±1: the inverse is ±d, brought into [0, M).
    let mut r = if is_negative(&f) {
        add_multiple(&[0; 5], &d, -1)
    } else {
        d
    };
    // r = ±d with |d| < M: one addition of M makes it non-negative.
    if is_negative(&r) {
        r = add_multiple(&r, &m, 1);
    }
    if at_least(&r, &m) {
        r = add_multiple(&r, &m, -1);
    }
    to_words(&r)
}

/// Big-endian bytes as little-endian words, and back.
pub(crate) fn words_of(b: &[u8; 32]) -> [u64; 4] {
    core::array::from_fn(|i| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[24 - 8 * i..32 - 8 * i]);
        u64::from_be_bytes(w)
    })
}

pub(crate) fn bytes_of(w: &[u64; 4]) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, x) in w.iter().enumerate() {
        b[24 - 8 * i..32 - 8 * i].copy_from_slice(&x.to_be_bytes());
    }
    b
}

/// The group order n as little-endian words.
const N_WORDS: [u64; 4] = [
    0xBFD2_5E8C_D036_4141,
    0xBAAE_DCE6_AF48_A03B,
    0xFFFF_FFFF_FFFF_FFFE,
    u64::MAX,
];

/// 1/s mod n for a public scalar (0 for 0).
pub(crate) fn invert_scalar(s: &k256::Scalar) -> k256::Scalar {
    use k256::elliptic_curve::ff::PrimeField;
    let inv = invert(&words_of(&s.to_bytes().into()), &N_WORDS);
    Option::from(k256::Scalar::from_repr(bytes_of(&inv).into())).unwrap_or(k256::Scalar::ZERO)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crypto_bigint::{NonZero, U256};
    use proptest::prelude::*;

    const P: U256 =
        U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    const N: U256 =
        U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

    fn words(x: &U256) -> [u64; 4] {
        let b: [u8; 32] = x.to_be_bytes().into();
        core::array::from_fn(|i| u64::from_be_bytes(b[24 - 8 * i..32 - 8 * i].try_into().unwrap()))
    }

    fn check(x: &U256, m: &U256) {
        let inv = invert(&words(x), &words(m));
        let inv = U256::from_words(inv);
        assert!(inv < *m);
        let prod = x.mul_mod_vartime(&inv, &NonZero::new(*m).unwrap());
        if *x == U256::ZERO {
            assert_eq!(inv, U256::ZERO);
        } else {
            assert_eq!(prod, U256::ONE, "x = {x}");
        }
    }

    #[test]
    fn scalar_inverse_agrees_with_k256() {
        use k256::elliptic_curve::Field;
        let mut rng =
            <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([2; 32]);
        for _ in 0..200 {
            let s = k256::Scalar::random(&mut rng);
            assert_eq!(invert_scalar(&s), s.invert_vartime().unwrap());
        }
        assert_eq!(words(&N), N_WORDS);
        assert_eq!(invert_scalar(&k256::Scalar::ZERO), k256::Scalar::ZERO);
    }

    proptest! {
        #[test]
        fn inverts_mod_p_and_n(b in any::<[u8; 32]>()) {
            let x = U256::from_be_slice(&b);
            for m in [P, N] {
                let x = x.rem_vartime(&NonZero::new(m).unwrap());
                check(&x, &m);
            }
        }
    }

    #[test]
    fn edges() {
        for m in [P, N] {
            for x in [
                U256::ZERO,
                U256::ONE,
                U256::from_u64(2),
                m.wrapping_sub(&U256::ONE),
                m.wrapping_sub(&U256::from_u64(2)),
                U256::ONE.shl_vartime(255),
                U256::ONE.shl_vartime(128),
                U256::from_u64(u64::MAX),
            ] {
                check(&x.rem_vartime(&NonZero::new(m).unwrap()), &m);
            }
        }
    }
}
