//! Ring signatures compatible with ring-go v0.2.0 on go-dleq's decred secp256k1 backend
//! (LSAG, Monero style), as applications and gateways sign relay requests.
//!
//! Signing multiplies the nonce and the secret only in constant time (k256's complete formulas);
//! everything else — the other members' terms while signing, and all of verification — works on
//! public values with the crate's variable-time arithmetic. [CRYPTO-RING-1] [CRYPTO-PERF-1]
// Untrusted bytes: no indexing panics. (Scalar and point arithmetic is modular, so
// `arithmetic_side_effects`, which targets integer overflow, does not apply here.)
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::{FieldBytes, ProjectivePoint, Scalar, WideBytes};
use rand_core::CryptoRng;

use crate::glv::{self, Tables};
use crate::hash::{hash_to_curve_point, hash_to_scalar_k256};
use crate::point::{Affine, Jacobian, encode, normalize_all};
use crate::secp256k1::{CryptoError, SigningKey, VerifyingKey};

mod codec;
mod comb;
mod prepared;
#[cfg(test)]
mod tests;
mod verify;

pub use prepared::{PreparedRing, PreparedSigner, sign_prepared};

/// Bytes before the first (s, P) pair: BE32 size ‖ c0 ‖ key image.
const HEADER: usize = 4 + 32 + 33;
/// Bytes per ring member: s_i ‖ P_i.
const MEMBER: usize = 32 + 33;
/// The largest ring a decoder accepts (the chain's rings are an application and its gateways;
/// this bound keeps hostile size fields from driving work).
pub const MAX_RING_SIZE: usize = 1024;
/// Window of the tables built for one signature (8 odd multiples each): member keys,
/// hash-to-curve points and the key image when nothing was prepared.
const CALL_WINDOW: u32 = 5;

/// A decoded ring signature: `c0`, the key image `I`, and one response `s_i` per ring key `P_i`.
#[derive(Clone, Debug)]
pub struct RingSignature {
    c0: [u8; 32],
    key_image: [u8; 33],
    members: Vec<([u8; 32], VerifyingKey)>,
    /// The key image and the ring keys as points, decompressed once when decoding (or signing).
    image: Affine,
    points: Vec<Affine>,
}

impl PartialEq for RingSignature {
    fn eq(&self, other: &Self) -> bool {
        // The points are functions of the bytes.
        (self.c0, self.key_image, &self.members) == (other.c0, other.key_image, &other.members)
    }
}

impl Eq for RingSignature {}

fn decode_point(b: &[u8; 33]) -> Result<Affine, CryptoError> {
    Affine::decompress(b).ok_or(CryptoError)
}

/// The 33-byte encoding of a k256 point (33 zero bytes for the identity, as [`encode`]).
fn encode_k256(p: &k256::AffinePoint) -> [u8; 33] {
    let e = p.to_sec1_point(true);
    let mut out = [0u8; 33];
    if let Some(src) = e.as_bytes().get(..33) {
        out.copy_from_slice(src);
    }
    out
}

/// go-dleq `DecodeToScalar`: 32 big-endian bytes, silently reduced mod n (Go accepts
/// non-canonical scalars, so this verifier does too). [CRYPTO-RING-3]
fn decode_scalar(b: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*b))
}

fn encode_scalar(s: &Scalar) -> [u8; 32] {
    s.to_bytes().into()
}

fn random_scalar(rng: &mut impl CryptoRng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    <Scalar as Reduce<WideBytes>>::reduce(&WideBytes::from(wide))
}

fn hp(p: &VerifyingKey) -> Affine {
    hash_to_curve_point(p.as_bytes()).0
}

/// ring-go's challenge: HashToScalar(m ‖ L ‖ R) over the 98-byte concatenation. [CRYPTO-RING-1]
fn challenge_bytes(m: &[u8; 32], l: &[u8; 33], r: &[u8; 33]) -> Scalar {
    let mut buf = [0u8; 98];
    for (range, src) in [(0..32, &m[..]), (32..65, &l[..]), (65..98, &r[..])] {
        if let Some(d) = buf.get_mut(range) {
            d.copy_from_slice(src);
        }
    }
    hash_to_scalar_k256(&buf)
}

/// The challenge of L and R, brought to affine form together (one inversion for both).
fn challenge(m: &[u8; 32], l: &Jacobian, r: &Jacobian) -> Scalar {
    let [la, ra] = <[Option<Affine>; 2]>::try_from(normalize_all(&[*l, *r])).unwrap_or_default();
    challenge_bytes(m, &encode(la.as_ref()), &encode(ra.as_ref()))
}

/// The challenge of the signer's own L and R (k256 points from constant-time multiplications).
fn challenge_k256(m: &[u8; 32], l: &ProjectivePoint, r: &ProjectivePoint) -> Scalar {
    let [la, ra] = ProjectivePoint::batch_normalize(&[*l, *r]);
    challenge_bytes(m, &encode_k256(&la), &encode_k256(&ra))
}

/// The key image `I = x · H_p(xG)` of a signing key: the same for every signature by that key.
pub fn key_image(key: &SigningKey) -> Result<[u8; 33], CryptoError> {
    let x = decode_scalar(&key.to_bytes());
    Ok(encode_k256(
        &(hp(&key.verifying_key()).to_k256() * x).to_affine(),
    ))
}

/// Signs the 32-byte message `m` with `key`, which must be `ring[signer]`; randomness comes from
/// `rng`. Rings have at least 2 keys. [CRYPTO-RING-1]
pub fn sign(
    m: &[u8; 32],
    ring: &[VerifyingKey],
    signer: usize,
    key: &SigningKey,
    rng: &mut impl CryptoRng,
) -> Result<RingSignature, CryptoError> {
    let n = ring.len();
    if !(2..=MAX_RING_SIZE).contains(&n) || ring.get(signer) != Some(&key.verifying_key()) {
        return Err(CryptoError);
    }
    let x = decode_scalar(&key.to_bytes());
    let points: Vec<(Affine, Affine)> = ring
        .iter()
        .map(|p| Ok((decode_point(p.as_bytes())?, hp(p))))
        .collect::<Result<_, CryptoError>>()?;
    let hj = points.get(signer).ok_or(CryptoError)?.1.to_k256();
    // Constant time: the key image is the secret times the signer's hash-to-curve point.
    let image = hj * x;
    let image_affine = Affine::from_k256(&image).ok_or(CryptoError)?;
    // The other members' terms are public: tables for their points and for the image, one
    // inversion for all of them.
    let mut wanted = Vec::with_capacity(2 * n + 1);
    for (p, h) in &points {
        wanted.push((*p, CALL_WINDOW));
        wanted.push((*h, CALL_WINDOW));
    }
    wanted.push((image_affine, CALL_WINDOW));
    let tables = Tables::batch(&wanted, 1);
    let (image_tables, member_tables) = tables.split_last().ok_or(CryptoError)?;
    let g = glv::generator();
    sign_ring(
        m,
        ring,
        points.iter().map(|(p, _)| *p).collect(),
        signer,
        &x,
        (image_affine, image_tables),
        |u| hj * u,
        |i| {
            let t = member_tables.get(2 * i..2 * i + 2)?;
            Some((&*g, t.first()?, t.get(1)?))
        },
        rng,
    )
}

/// The signing loop shared by [`sign`] and [`sign_prepared`]: member `j` signs with secret `x`
/// and key image `image` (its point and tables). The nonce u is multiplied only in constant time
/// (`u·G` by a comb of G, `u·H_p(P_j)` by `nonce_hp`); the other members' terms are
/// public (s_i is random and published, c_i and the points are public), so `tables(i)` gives
/// (G's, P_i's, H_p(P_i)'s) tables for the variable-time multiplications. Randomness is drawn in
/// the same order whichever way the tables were made, so both signers agree byte for byte.
#[allow(clippy::too_many_arguments)]
fn sign_ring<'t>(
    m: &[u8; 32],
    keys: &[VerifyingKey],
    points: Vec<Affine>,
    j: usize,
    x: &Scalar,
    image: (Affine, &Tables),
    nonce_hp: impl FnOnce(&Scalar) -> ProjectivePoint,
    tables: impl Fn(usize) -> Option<(&'t Tables, &'t Tables, &'t Tables)>,
    rng: &mut impl CryptoRng,
) -> Result<RingSignature, CryptoError> {
    let n = keys.len();
    let (image, image_tables) = image;
    let u = random_scalar(rng);
    let mut c = alloc::vec![Scalar::ZERO; n];
    let mut s = alloc::vec![Scalar::ZERO; n];
    let next = |i: usize| {
        if i.saturating_add(1) == n {
            0
        } else {
            i.saturating_add(1)
        }
    };
    let mut i = next(j);
    *c.get_mut(i).ok_or(CryptoError)? = challenge_k256(m, &comb::mul_generator(&u), &nonce_hp(&u));
    while i != j {
        let si = random_scalar(rng);
        let ci = *c.get(i).ok_or(CryptoError)?;
        let (tg, tp, th) = tables(i).ok_or(CryptoError)?;
        let l = glv::lincomb(&[(si, tg), (ci, tp)], None);
        let r = glv::lincomb(&[(si, th), (ci, image_tables)], None);
        *s.get_mut(i).ok_or(CryptoError)? = si;
        let k = next(i);
        *c.get_mut(k).ok_or(CryptoError)? = challenge(m, &l, &r);
        i = k;
    }
    *s.get_mut(j).ok_or(CryptoError)? = u - *c.get(j).ok_or(CryptoError)? * *x;
    Ok(RingSignature {
        c0: encode_scalar(c.first().ok_or(CryptoError)?),
        key_image: image.compress(),
        image,
        points,
        members: s
            .iter()
            .map(encode_scalar)
            .zip(keys.iter().copied())
            .collect(),
    })
}
