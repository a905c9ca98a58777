//! Constant-time multiplication of one fixed point by secret scalars: a prepared signer's nonce
//! times its hash-to-curve point. The scalar is recoded into 65 signed radix-16 digits
//! d_i ∈ [−8, 8] without branches; row i of the table holds 1·16^i·P … 8·16^i·P, each digit's
//! entry is picked by scanning its whole row with constant-time selection, negated by a
//! constant-time select, and added with k256's complete formulas — 65 additions, no doublings,
//! and the same instructions and memory accesses whatever the scalar. [CRYPTO-RING-1]

use alloc::vec::Vec;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::subtle::{ConditionallySelectable, ConstantTimeEq};
use k256::{AffinePoint, ProjectivePoint, Scalar};

/// Digits of a scalar below 2^256 in radix 16, signed: 64 nibbles and a final carry.
const DIGITS: usize = 65;

/// `rows[i][k] = (k + 1)·16^i·P`.
#[derive(Clone, Debug)]
pub(super) struct Comb {
    rows: Vec<[AffinePoint; 8]>,
}

impl Comb {
    pub(super) fn new(p: &ProjectivePoint) -> Self {
        let mut proj = Vec::with_capacity(DIGITS * 8);
        let mut base = *p;
        for _ in 0..DIGITS {
            let mut acc = base;
            for _ in 0..8 {
                proj.push(acc);
                acc += base;
            }
            base = base.double().double().double().double();
        }
        let affine: Vec<AffinePoint> =
            <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&proj[..]);
        let rows = affine
            .chunks_exact(8)
            .map(|c| {
                let mut row = [AffinePoint::IDENTITY; 8];
                row.copy_from_slice(c);
                row
            })
            .collect();
        Self { rows }
    }

    /// k·P in constant time.
    pub(super) fn mul(&self, k: &Scalar) -> ProjectivePoint {
        let digits = recode(k);
        let mut acc = ProjectivePoint::IDENTITY;
        for (row, d) in self.rows.iter().zip(digits) {
            // |d| and its sign without branches.
            let neg = (d >> 7) & 1; // 1 when d < 0
            let mask = 0i8.wrapping_sub(neg);
            let abs = (d ^ mask).wrapping_sub(mask) as u8;
            let mut sel = AffinePoint::IDENTITY;
            for (k, entry) in (1u8..).zip(row.iter()) {
                sel.conditional_assign(entry, abs.ct_eq(&k));
            }
            let negated = -sel;
            sel.conditional_assign(&negated, (neg as u8).into());
            acc += sel;
        }
        acc
    }
}

/// u·G in constant time: the process-wide comb of G with `std` (built once, 46 KiB), k256's own
/// generator multiplication without it.
pub(super) fn mul_generator(u: &Scalar) -> ProjectivePoint {
    #[cfg(feature = "std")]
    {
        static G: std::sync::OnceLock<Comb> = std::sync::OnceLock::new();
        G.get_or_init(|| Comb::new(&ProjectivePoint::GENERATOR))
            .mul(u)
    }
    #[cfg(not(feature = "std"))]
    {
        ProjectivePoint::mul_by_generator(u)
    }
}

/// The signed radix-16 digits of k, least significant first: k = Σ d_i·16^i with d_i in [−8, 7]
/// for i < 64 and d_64 in {0, 1}. Arithmetic only, no branch on k.
fn recode(k: &Scalar) -> [i8; DIGITS] {
    let bytes: [u8; 32] = k.to_bytes().into();
    let mut out = [0i8; DIGITS];
    let mut carry = 0i8;
    for (i, d) in out.iter_mut().take(64).enumerate() {
        let byte = bytes.get(31 - i / 2).copied().unwrap_or(0);
        let nibble = ((byte >> (4 * (i % 2))) & 15) as i8;
        let v = nibble + carry; // 0..=16
        carry = (v + 8) >> 4; // 1 when v ≥ 8
        *d = v - (carry << 4);
    }
    if let Some(last) = out.last_mut() {
        *last = carry;
    }
    out
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use k256::elliptic_curve::Field;

    #[test]
    fn comb_agrees_with_k256() {
        let p = ProjectivePoint::GENERATOR * Scalar::from(424_242u64);
        let comb = Comb::new(&p);
        let mut rng =
            <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([9; 32]);
        let mut cases: Vec<Scalar> = (0..40).map(|_| Scalar::random(&mut rng)).collect();
        cases.extend([Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(8u64)]);
        for k in cases {
            assert_eq!(comb.mul(&k), p * k);
            assert_eq!(mul_generator(&k), ProjectivePoint::GENERATOR * k);
            let d = recode(&k);
            let mut v = Scalar::ZERO;
            for digit in d.iter().rev() {
                assert!((-8..=8).contains(digit));
                v = v * Scalar::from(16u64)
                    + Scalar::from(digit.unsigned_abs() as u64)
                        * if *digit < 0 {
                            -Scalar::ONE
                        } else {
                            Scalar::ONE
                        };
            }
            assert_eq!(v, k);
        }
    }
}
