//! Variable-time secp256k1 point arithmetic for **public** data (verification, and the public
//! terms of ring signing): Jacobian coordinates with formulas specialised to the curve's a = 0,
//! mixed additions of affine table entries, and batched inversions. Nothing secret may go
//! through here: the code branches on the points. [CRYPTO-PERF-1]
//!
//! The field arithmetic is [`crate::field`]'s (lazily reduced limbs). Every operation here
//! returns coordinates of magnitude 1, so the inputs of each multiplication stay far below the
//! limit of 8.
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use k256::elliptic_curve::sec1::ToSec1Point;

pub(crate) use crate::field::Fe;

/// The curve constant b of y² = x³ + 7.
const B: Fe = Fe::from_u64(7);

/// A field element from 32 big-endian bytes; `None` unless below p.
pub(crate) fn fe(bytes: &[u8; 32]) -> Option<Fe> {
    Fe::from_bytes(bytes)
}

/// Whether two field elements of any magnitude are equal mod p.
pub(crate) fn fe_eq(a: &Fe, b: &Fe) -> bool {
    (a.normalize_weak() + &b.normalize_weak().negate(1)).normalizes_to_zero()
}

/// A curve point other than the identity, in affine coordinates of magnitude 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

impl Affine {
    /// The generator G.
    pub(crate) fn generator() -> Self {
        let e = k256::AffinePoint::GENERATOR.to_sec1_point(false);
        Self::from_uncompressed(e.as_bytes()).unwrap_or(Self {
            x: Fe::ZERO,
            y: Fe::ZERO,
        })
    }

    /// The point with abscissa `x` and the given parity of y, if x³ + 7 is a square.
    pub(crate) fn from_x(x: &Fe, odd: bool) -> Option<Self> {
        let x = x.normalize();
        let y2 = x.square() * &x + &B;
        let y = y2.sqrt()?.normalize();
        let y = if y.is_odd() == odd {
            y
        } else {
            y.negate(1).normalize()
        };
        Some(Self { x, y })
    }

    /// Decodes a 33-byte compressed SEC1 point: tag 2 or 3, x below p, on the curve — exactly
    /// what decred's `ParsePubKey` accepts at this length (k256's SEC1 decoder also took tag 5,
    /// the "compact" form, which Go refuses).
    pub(crate) fn decompress(bytes: &[u8; 33]) -> Option<Self> {
        let (tag, x) = bytes.split_first()?;
        let odd = match tag {
            2 => false,
            3 => true,
            _ => return None,
        };
        Self::from_x(&fe(x.try_into().ok()?)?, odd)
    }

    /// Decodes 65 uncompressed SEC1 bytes of a point known to be on the curve (k256's own
    /// encodings); `None` for anything else.
    pub(crate) fn from_uncompressed(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 65 || bytes.first() != Some(&4) {
            return None;
        }
        let x = fe(bytes.get(1..33)?.try_into().ok()?)?;
        let y = fe(bytes.get(33..65)?.try_into().ok()?)?;
        // Check the curve equation anyway: a wrong point here would be a silent miscomputation.
        fe_eq(&y.square(), &(x.square() * &x + &B)).then_some(Self { x, y })
    }

    /// The 33-byte compressed SEC1 encoding.
    pub(crate) fn compress(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        let (tag, x) = out.split_at_mut(1);
        if let Some(t) = tag.first_mut() {
            *t = if self.y.is_odd() { 3 } else { 2 };
        }
        x.copy_from_slice(&self.x.to_bytes());
        out
    }

    /// The same point as k256's type (for constant-time multiplications by secrets).
    pub(crate) fn to_k256(self) -> k256::ProjectivePoint {
        let mut b = [4u8; 65];
        if let Some(x) = b.get_mut(1..33) {
            x.copy_from_slice(&self.x.to_bytes());
        }
        if let Some(y) = b.get_mut(33..65) {
            y.copy_from_slice(&self.y.to_bytes());
        }
        k256::PublicKey::from_sec1_bytes(&b)
            .map(|p| p.to_projective())
            .unwrap_or(k256::ProjectivePoint::IDENTITY)
    }

    /// Our form of a k256 point; `None` for the identity.
    pub(crate) fn from_k256(p: &k256::ProjectivePoint) -> Option<Self> {
        Self::from_uncompressed(p.to_affine().to_sec1_point(false).as_bytes())
    }
}

/// A point in Jacobian coordinates: (X/Z², Y/Z³), or the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
    infinity: bool,
}

impl Jacobian {
    /// The identity.
    pub(crate) const INFINITY: Self = Self {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
        infinity: true,
    };

    pub(crate) fn from_affine(a: &Affine) -> Self {
        Self {
            x: a.x,
            y: a.y,
            z: Fe::ONE,
            infinity: false,
        }
    }

    /// A point from coordinates within the magnitude bounds of the type (X ≤ 6, Y ≤ 3, Z ≤ 2).
    pub(crate) fn from_coordinates(x: Fe, y: Fe, z: Fe) -> Self {
        Self {
            x,
            y,
            z,
            infinity: false,
        }
    }

    #[cfg(test)]
    pub(crate) fn is_infinity(&self) -> bool {
        self.infinity
    }

    /// The coordinates (X, Y, Z) of a point other than the identity.
    pub(crate) fn coordinates(&self) -> Option<(Fe, Fe, Fe)> {
        (!self.infinity).then_some((self.x, self.y, self.z))
    }

    /// Multiplies Z by `k`: the point on the curve y² = x³ + 7k⁶ becomes the same coordinates'
    /// point on y² = x³ + 7 (see [`crate::glv`]'s shared-Z tables).
    pub(crate) fn scale_z(&mut self, k: &Fe) {
        self.z = self.z * k;
    }

    /// 2·P.
    pub(crate) fn double(&self) -> Self {
        let mut p = *self;
        p.double_assign();
        p
    }

    /// P ← 2·P: 2 multiplications and 5 squarings (a = 0; secp256k1 has no point of order 2).
    /// Magnitudes in: X ≤ 6, Y ≤ 3, Z ≤ 2; out: X ≤ 4, Y ≤ 1, Z ≤ 2.
    pub(crate) fn double_assign(&mut self) {
        if self.infinity {
            return;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        // D = 2·((X + B)² − A − C) = 4·X·Y².
        let d = ((self.x + &b).square() + &a.negate(1) + &c.negate(1))
            .double()
            .normalize_weak();
        let e = a.mul_small(3);
        let x3 = e.square() + &d.double().negate(2);
        let y3 = (e * &(d + &x3.negate(4)) + &c.mul_small(8).negate(8)).normalize_weak();
        self.z = (self.y * &self.z).double();
        self.x = x3;
        self.y = y3;
    }

    /// P ← P + (x2, y2) for an affine point with coordinates of magnitude ≤ 2: 8 multiplications
    /// and 3 squarings. With `zs` = Some(z), P lies on the curve y² = x³ + 7z⁶ (coordinates
    /// shared with a table of Z = z) while (x2, y2) is on secp256k1; one more multiplication.
    /// Magnitudes out: X ≤ 6, Y ≤ 3, Z ≤ 1. Returns the ratio h = Z3/Z1 (when P was finite and
    /// no special case arose).
    pub(crate) fn add_assign_xy(&mut self, x2: &Fe, y2: &Fe, zs: Option<&Fe>) -> Option<Fe> {
        if self.infinity {
            *self = match zs {
                None => Self::from_coordinates(*x2, *y2, Fe::ONE),
                Some(z) => {
                    let z2 = z.square();
                    Self::from_coordinates(*x2 * &z2, *y2 * &(z2 * z), Fe::ONE)
                }
            };
            return None;
        }
        let az = match zs {
            None => self.z,
            Some(z) => self.z * z,
        };
        let z1z1 = az.square();
        let u2 = *x2 * &z1z1;
        let s2 = *y2 * &(z1z1 * &az);
        let h = u2 + &self.x.negate(6);
        let r = s2 + &self.y.negate(3);
        if h.normalizes_to_zero() {
            *self = if r.normalizes_to_zero() {
                self.double()
            } else {
                Self::INFINITY
            };
            return None;
        }
        let hh = h.square();
        let hhh = h * &hh;
        let v = self.x * &hh;
        let x3 = r.square() + &hhh.negate(1) + &v.double().negate(2);
        let y3 = r * &(v + &x3.negate(6)) + &(self.y * &hhh).negate(1);
        self.z = self.z * &h;
        self.x = x3;
        self.y = y3;
        Some(h)
    }

    /// P + A.
    #[cfg(test)]
    pub(crate) fn add_affine(&self, a: &Affine) -> Self {
        let mut p = *self;
        p.add_assign_xy(&a.x, &a.y, None);
        p
    }

    /// P − A.
    #[cfg(test)]
    pub(crate) fn sub_affine(&self, a: &Affine) -> Self {
        let mut p = *self;
        p.add_assign_xy(&a.x, &a.y.negate(1), None);
        p
    }

    /// The affine point, `None` for the identity (one inversion).
    #[cfg(test)]
    pub(crate) fn to_affine(self) -> Option<Affine> {
        normalize_all(&[self]).pop().flatten()
    }
}

/// Affine forms of many points with a single inversion (Montgomery's trick); `None` for the
/// identity.
pub(crate) fn normalize_all(points: &[Jacobian]) -> Vec<Option<Affine>> {
    // prefix[i] = product of the Z's of the finite points among points[..=i].
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        if !p.infinity {
            acc = acc * &p.z;
        }
        prefix.push(acc);
    }
    let mut inv = acc.invert();
    let mut out = alloc::vec![None; points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        if p.infinity {
            continue;
        }
        // 1/Z_i = (1/prefix[i]) · prefix[i−1].
        let before = i
            .checked_sub(1)
            .and_then(|j| prefix.get(j))
            .copied()
            .unwrap_or(Fe::ONE);
        let zinv = inv * &before;
        inv = inv * &p.z;
        let zinv2 = zinv.square();
        let x = p.x * &zinv2;
        let y = p.y * &(zinv2 * &zinv);
        if let Some(o) = out.get_mut(i) {
            *o = Some(Affine { x, y });
        }
    }
    out
}

/// The 33-byte encoding ring-go's challenges hash; the identity encodes as 33 zero bytes, as it
/// always has here.
pub(crate) fn encode(p: Option<&Affine>) -> [u8; 33] {
    p.map_or([0u8; 33], Affine::compress)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use k256::elliptic_curve::Field;
    use k256::{ProjectivePoint, Scalar};

    fn k(p: &Jacobian) -> ProjectivePoint {
        p.to_affine()
            .map_or(ProjectivePoint::IDENTITY, Affine::to_k256)
    }

    #[test]
    fn formulas_agree_with_k256() {
        let g = ProjectivePoint::GENERATOR;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        use rand_chacha::rand_core::SeedableRng;
        for _ in 0..50 {
            let a = Scalar::random(&mut rng);
            let b = Scalar::random(&mut rng);
            let (pa, pb) = (g * a, g * b);
            let (aa, ab) = (
                Affine::from_k256(&pa).unwrap(),
                Affine::from_k256(&pb).unwrap(),
            );
            let ja = Jacobian::from_affine(&aa).double().add_affine(&ab);
            assert_eq!(k(&ja), pa.double() + pb);
            assert_eq!(k(&ja.sub_affine(&ab)), pa.double());
            // Special cases: P + P, P − P, identity on either side.
            let p = Jacobian::from_affine(&aa);
            assert_eq!(k(&p.add_affine(&aa)), pa.double());
            assert!(p.sub_affine(&aa).is_infinity());
            assert_eq!(k(&p.double().add_affine(&aa).sub_affine(&aa)), pa.double());
            assert_eq!(k(&Jacobian::INFINITY.add_affine(&aa)), pa);
            assert!(Jacobian::INFINITY.double().is_infinity());
            // Encodings agree with k256's.
            let c = aa.compress();
            assert_eq!(&c[..], pa.to_affine().to_sec1_point(true).as_bytes());
            assert_eq!(Affine::decompress(&c).unwrap().compress(), c);
        }
        assert!(fe_eq(&Fe::ZERO.invert(), &Fe::ZERO));
        let x = Fe::from_u64(123_456_789);
        assert!(fe_eq(&(x.invert() * &x), &Fe::ONE));
        assert!(fe_eq(&x.invert(), &x.invert_fermat()));
        assert!(fe_eq(&x.square().sqrt().unwrap().square(), &x.square()));
    }

    /// What decred's `ParsePubKey` accepts at 33 bytes: tags 2 and 3 only. (k256's SEC1 decoder
    /// also takes tag 5, a "compact" point, which Go refuses.)
    #[test]
    fn decompression_accepts_what_go_accepts() {
        let g = Affine::generator().compress();
        for tag in 0u8..=255 {
            let mut b = g;
            b[0] = tag;
            let k256_ok = k256::PublicKey::from_sec1_bytes(&b).is_ok();
            assert_eq!(
                Affine::decompress(&b).is_some(),
                k256_ok && tag != 5,
                "tag {tag}"
            );
        }
        // x ≥ p, and x values with and without a point.
        let mut b = [0xffu8; 33];
        b[0] = 2;
        assert!(Affine::decompress(&b).is_none());
        for i in 0u8..64 {
            let mut b = [0u8; 33];
            b[0] = 2 + (i & 1);
            b[32] = i;
            b[5] = i.wrapping_mul(37);
            assert_eq!(
                Affine::decompress(&b).is_some(),
                k256::PublicKey::from_sec1_bytes(&b).is_ok()
            );
        }
    }
}
