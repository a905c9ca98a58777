//! Ring signatures compatible with ring-go v0.2.0 on go-dleq's decred secp256k1 backend
//! (LSAG, Monero style), as applications and gateways sign relay requests.
// Untrusted bytes: no indexing panics. (Scalar and point arithmetic is modular, so
// `arithmetic_side_effects`, which targets integer overflow, does not apply here.)
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::ops::{LinearCombination, Reduce};
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar, WideBytes};
use rand_core::CryptoRng;

use crate::hash::{hash_to_curve_point, hash_to_scalar};
use crate::secp256k1::{CryptoError, SigningKey, VerifyingKey};

/// Bytes before the first (s, P) pair: BE32 size ‖ c0 ‖ key image.
const HEADER: usize = 4 + 32 + 33;
/// Bytes per ring member: s_i ‖ P_i.
const MEMBER: usize = 32 + 33;
/// The largest ring a decoder accepts (the chain's rings are an application and its gateways;
/// this bound keeps hostile size fields from driving work).
pub const MAX_RING_SIZE: usize = 1024;

/// A decoded ring signature: `c0`, the key image `I`, and one response `s_i` per ring key `P_i`.
#[derive(Clone, Debug)]
pub struct RingSignature {
    c0: [u8; 32],
    key_image: [u8; 33],
    members: Vec<([u8; 32], VerifyingKey)>,
    /// The key image and the ring keys as points, decompressed once when decoding (or signing).
    image: ProjectivePoint,
    points: Vec<ProjectivePoint>,
}

impl PartialEq for RingSignature {
    fn eq(&self, other: &Self) -> bool {
        // The points are functions of the bytes.
        (self.c0, self.key_image, &self.members) == (other.c0, other.key_image, &other.members)
    }
}

impl Eq for RingSignature {}

fn encode_point(p: &ProjectivePoint) -> [u8; 33] {
    encode_affine(&p.to_affine())
}

fn encode_affine(p: &AffinePoint) -> [u8; 33] {
    let e = p.to_sec1_point(true);
    let mut out = [0u8; 33];
    if let Some(src) = e.as_bytes().get(..33) {
        out.copy_from_slice(src);
    }
    out
}

fn decode_point(b: &[u8; 33]) -> Result<ProjectivePoint, CryptoError> {
    k256::PublicKey::from_sec1_bytes(b)
        .map(|p| p.to_projective())
        .map_err(|_| CryptoError)
}

/// go-dleq `DecodeToScalar`: 32 big-endian bytes, silently reduced mod n (Go accepts
/// non-canonical scalars, so this verifier does too). [CRYPTO-RING-3]
fn decode_scalar(b: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*b))
}

fn encode_scalar(s: &Scalar) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&s.to_bytes());
    out
}

fn random_scalar(rng: &mut impl CryptoRng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    <Scalar as Reduce<WideBytes>>::reduce(&WideBytes::from(wide))
}

fn hp(p: &VerifyingKey) -> ProjectivePoint {
    ProjectivePoint::from(hash_to_curve_point(p.as_bytes()).0)
}

/// ring-go's challenge: HashToScalar(m ‖ L ‖ R) over the 98-byte concatenation. [CRYPTO-RING-1]
/// L and R are brought to affine form together (one field inversion for both).
fn challenge(m: &[u8; 32], l: &ProjectivePoint, r: &ProjectivePoint) -> Scalar {
    let [la, ra] = ProjectivePoint::batch_normalize(&[*l, *r]);
    let mut buf = [0u8; 98];
    if let Some(d) = buf.get_mut(..32) {
        d.copy_from_slice(m);
    }
    if let Some(d) = buf.get_mut(32..65) {
        d.copy_from_slice(&encode_affine(&la));
    }
    if let Some(d) = buf.get_mut(65..98) {
        d.copy_from_slice(&encode_affine(&ra));
    }
    decode_scalar(&hash_to_scalar(&buf))
}

/// A ring with its curve points worked out once: each key decompressed and hashed to the curve.
/// A relay miner verifies many requests against the same application ring in a session; verifying
/// against a prepared ring skips two point decompressions and a hash-to-curve per member, and
/// applies the chain's subset rule at the same time ([`RingSignature::verify_prepared`]).
#[derive(Debug)]
pub struct PreparedRing {
    keys: Vec<VerifyingKey>,
    points: Vec<(ProjectivePoint, ProjectivePoint)>,
    /// Precomputed multiples (with the endomorphism) of G and of each key and hash-to-curve point,
    /// for the fast double multiplications of [`RingSignature::verify_prepared`].
    g_tables: Option<crate::glv::Tables>,
    tables: Vec<Option<(crate::glv::Tables, crate::glv::Tables)>>,
    /// Key images seen with this ring (a session's relays are signed by a few keys): the
    /// decompressed point and its tables, so neither is recomputed per relay (`std` only).
    #[cfg(feature = "std")]
    images: std::sync::RwLock<Vec<CachedImage>>,
}

/// A key image's bytes, point and multiplication tables.
#[cfg(feature = "std")]
type CachedImage = (
    [u8; 33],
    ProjectivePoint,
    Option<alloc::sync::Arc<crate::glv::Tables>>,
);

/// How many key images a prepared ring remembers.
#[cfg(feature = "std")]
const IMAGE_CACHE: usize = 16;

impl Clone for PreparedRing {
    fn clone(&self) -> Self {
        Self {
            keys: self.keys.clone(),
            points: self.points.clone(),
            g_tables: self.g_tables.clone(),
            tables: self.tables.clone(),
            #[cfg(feature = "std")]
            images: std::sync::RwLock::new(Vec::new()),
        }
    }
}

/// Window of the generator's tables (64 odd multiples) and of each ring member's (16).
const G_WINDOW: u32 = 8;
const MEMBER_WINDOW: u32 = 6;
/// Window of the key image's tables, built once per verification.
const IMAGE_WINDOW: u32 = 5;

impl PreparedRing {
    /// Prepares `keys` (any order; duplicates are kept once).
    pub fn new(keys: &[VerifyingKey]) -> Result<Self, CryptoError> {
        let mut out = Self {
            keys: Vec::with_capacity(keys.len()),
            points: Vec::with_capacity(keys.len()),
            g_tables: crate::glv::Tables::new(&ProjectivePoint::GENERATOR, G_WINDOW),
            tables: Vec::with_capacity(keys.len()),
            #[cfg(feature = "std")]
            images: std::sync::RwLock::new(Vec::new()),
        };
        for k in keys {
            if !out.keys.contains(k) {
                let (p, h) = (decode_point(k.as_bytes())?, hp(k));
                out.tables.push(
                    crate::glv::Tables::new(&p, MEMBER_WINDOW)
                        .zip(crate::glv::Tables::new(&h, MEMBER_WINDOW)),
                );
                out.points.push((p, h));
                out.keys.push(*k);
            }
        }
        Ok(out)
    }

    /// The ring's keys, in the order given (without duplicates).
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// A key image's point and tables: remembered from an earlier signature when possible.
    fn image(
        &self,
        bytes: &[u8; 33],
    ) -> Result<
        (
            ProjectivePoint,
            Option<alloc::sync::Arc<crate::glv::Tables>>,
        ),
        CryptoError,
    > {
        #[cfg(feature = "std")]
        if let Ok(cache) = self.images.read() {
            if let Some((_, p, t)) = cache.iter().find(|(b, _, _)| b == bytes) {
                return Ok((*p, t.clone()));
            }
        }
        let p = decode_point(bytes)?;
        let t = crate::glv::Tables::new(&p, IMAGE_WINDOW).map(alloc::sync::Arc::new);
        #[cfg(feature = "std")]
        if let Ok(mut cache) = self.images.write() {
            if cache.len() >= IMAGE_CACHE {
                cache.remove(0);
            }
            cache.push((*bytes, p, t.clone()));
        }
        Ok((p, t))
    }

    fn index_of(&self, k: &VerifyingKey) -> Option<usize> {
        self.keys.iter().position(|x| x == k)
    }
}

/// The key image `I = x · H_p(xG)` of a signing key: the same for every signature by that key.
pub fn key_image(key: &SigningKey) -> Result<[u8; 33], CryptoError> {
    let x = decode_scalar(&key.to_bytes());
    Ok(encode_point(&(hp(&key.verifying_key()) * x)))
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
    let points: Vec<(ProjectivePoint, ProjectivePoint)> = ring
        .iter()
        .map(|p| Ok((decode_point(p.as_bytes())?, hp(p))))
        .collect::<Result<_, CryptoError>>()?;
    let hj = points.get(signer).ok_or(CryptoError)?.1;
    sign_ring(m, ring, &points, None, signer, &x, &hj, hj * x, rng)
}

/// A signer ready for many signatures over prepared rings: its secret scalar, its hash-to-curve
/// point, and its key image with the image's multiplication tables, computed once (the key image
/// depends on the key only, not on the ring). The secret zeroizes on drop and never prints.
pub struct PreparedSigner {
    secret: Scalar,
    public: VerifyingKey,
    hp: ProjectivePoint,
    image: ProjectivePoint,
    image_tables: Option<crate::glv::Tables>,
}

impl core::fmt::Debug for PreparedSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PreparedSigner({:?}, <secret>)", self.public)
    }
}

impl Drop for PreparedSigner {
    fn drop(&mut self) {
        self.secret = Scalar::ZERO;
        // Keep the write from being optimised away.
        core::hint::black_box(&self.secret);
    }
}

impl PreparedSigner {
    /// Prepares `key`.
    pub fn new(key: &SigningKey) -> Self {
        let secret = decode_scalar(&key.to_bytes());
        let public = key.verifying_key();
        let hp = hp(&public);
        let image = hp * secret;
        Self {
            secret,
            public,
            hp,
            image,
            image_tables: crate::glv::Tables::new(&image, IMAGE_WINDOW),
        }
    }

    /// The signer's public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public
    }

    /// The key image every signature by this key carries.
    pub fn key_image(&self) -> [u8; 33] {
        encode_point(&self.image)
    }
}

/// [`sign`] over a prepared ring (its keys in the order given to [`PreparedRing::new`]) with a
/// prepared signer: the same signature `sign` makes from the same randomness, faster — the other
/// members' terms use the precomputed tables; the nonce and the secret are only multiplied in
/// constant time, as in `sign`. [CRYPTO-RING-1]
pub fn sign_prepared(
    m: &[u8; 32],
    ring: &PreparedRing,
    signer: &PreparedSigner,
    rng: &mut impl CryptoRng,
) -> Result<RingSignature, CryptoError> {
    let n = ring.keys.len();
    let j = ring.index_of(&signer.public).ok_or(CryptoError)?;
    if !(2..=MAX_RING_SIZE).contains(&n) {
        return Err(CryptoError);
    }
    let tables = ring
        .g_tables
        .as_ref()
        .zip(signer.image_tables.as_ref())
        .map(|(g, im)| (g, ring.tables.as_slice(), im));
    sign_ring(
        m,
        &ring.keys,
        &ring.points,
        tables,
        j,
        &signer.secret,
        &signer.hp,
        signer.image,
        rng,
    )
}

/// Per-member multiplication tables of a prepared ring: (G's, each member's, the image's).
type SignTables<'a> = (
    &'a crate::glv::Tables,
    &'a [Option<(crate::glv::Tables, crate::glv::Tables)>],
    &'a crate::glv::Tables,
);

/// The signing loop shared by [`sign`] and [`sign_prepared`]: member `j` signs with secret `x`,
/// hash-to-curve point `hj` and key image `image`. The nonce and the secret are multiplied only
/// in constant time; the other members' terms are public (s_i is random and published, c_i and
/// the points are public), so they use variable-time multiplication — the GLV tables when the
/// ring is prepared.
#[allow(clippy::too_many_arguments)]
fn sign_ring(
    m: &[u8; 32],
    keys: &[VerifyingKey],
    points: &[(ProjectivePoint, ProjectivePoint)],
    tables: Option<SignTables<'_>>,
    j: usize,
    x: &Scalar,
    hj: &ProjectivePoint,
    image: ProjectivePoint,
    rng: &mut impl CryptoRng,
) -> Result<RingSignature, CryptoError> {
    let n = keys.len();
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
    *c.get_mut(i).ok_or(CryptoError)? =
        challenge(m, &ProjectivePoint::mul_by_generator(&u), &(*hj * u));
    while i != j {
        let si = random_scalar(rng);
        let ci = *c.get(i).ok_or(CryptoError)?;
        let (pp, hpp) = *points.get(i).ok_or(CryptoError)?;
        let glv = tables.and_then(|(tg, members, ti)| {
            let (tp, th) = members.get(i)?.as_ref()?;
            crate::glv::lincomb(&[(si, tg), (ci, tp)])
                .zip(crate::glv::lincomb(&[(si, th), (ci, ti)]))
        });
        let (l, r) = glv.unwrap_or_else(|| {
            (
                ProjectivePoint::lincomb_vartime(&[(ProjectivePoint::GENERATOR, si), (pp, ci)]),
                ProjectivePoint::lincomb_vartime(&[(hpp, si), (image, ci)]),
            )
        });
        *s.get_mut(i).ok_or(CryptoError)? = si;
        let k = next(i);
        *c.get_mut(k).ok_or(CryptoError)? = challenge(m, &l, &r);
        i = k;
    }
    *s.get_mut(j).ok_or(CryptoError)? = u - *c.get(j).ok_or(CryptoError)? * *x;
    Ok(RingSignature {
        c0: encode_scalar(c.first().ok_or(CryptoError)?),
        key_image: encode_point(&image),
        image,
        points: points.iter().map(|(p, _)| *p).collect(),
        members: s
            .iter()
            .map(encode_scalar)
            .zip(keys.iter().copied())
            .collect(),
    })
}

impl RingSignature {
    /// Decodes ring-go's serialization `BE32(n) ‖ c0 ‖ I ‖ (s_i ‖ P_i)…`. The size field is checked
    /// against the actual length **before** anything is allocated, so hostile sizes cost nothing;
    /// trailing bytes are refused. [CRYPTO-RING-2]
    pub fn decode(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::decode_with(bytes, decode_point, |key| {
            Ok((VerifyingKey::from_valid(*key), decode_point(key)?))
        })
    }

    /// [`decode`](Self::decode) for a signature expected over `ring`: every member key must be one
    /// of the ring's (compared as bytes), and its point is taken from the prepared ring instead of
    /// being decompressed again. Fails (without saying which) when the bytes are malformed or a
    /// key is not in the ring; [`decode`](Self::decode) tells the two apart.
    pub fn decode_prepared(bytes: &[u8], ring: &PreparedRing) -> Result<Self, CryptoError> {
        Self::decode_with(
            bytes,
            |image| ring.image(image).map(|(p, _)| p),
            |key| {
                let i = ring
                    .keys
                    .iter()
                    .position(|k| k.as_bytes() == key)
                    .ok_or(CryptoError)?;
                let (k, (p, _)) = ring
                    .keys
                    .get(i)
                    .zip(ring.points.get(i))
                    .ok_or(CryptoError)?;
                Ok((*k, *p))
            },
        )
    }

    /// The framing shared by both decoders; `image` and `member` turn the 33-byte points into
    /// curve points (decompressing them, or looking them up).
    fn decode_with(
        bytes: &[u8],
        image: impl Fn(&[u8; 33]) -> Result<ProjectivePoint, CryptoError>,
        member: impl Fn(&[u8; 33]) -> Result<(VerifyingKey, ProjectivePoint), CryptoError>,
    ) -> Result<Self, CryptoError> {
        let size_bytes: [u8; 4] = bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError)?;
        let n = usize::try_from(u32::from_be_bytes(size_bytes)).map_err(|_| CryptoError)?;
        if n > MAX_RING_SIZE
            || n.checked_mul(MEMBER).and_then(|x| x.checked_add(HEADER)) != Some(bytes.len())
        {
            return Err(CryptoError);
        }
        let c0: [u8; 32] = bytes
            .get(4..36)
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError)?;
        let key_image: [u8; 33] = bytes
            .get(36..HEADER)
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError)?;
        let image = image(&key_image)?;
        let mut members = Vec::with_capacity(n);
        let mut points = Vec::with_capacity(n);
        for chunk in bytes.get(HEADER..).unwrap_or(&[]).chunks_exact(MEMBER) {
            let s: [u8; 32] = chunk
                .get(..32)
                .and_then(|b| b.try_into().ok())
                .ok_or(CryptoError)?;
            let key: [u8; 33] = chunk
                .get(32..)
                .and_then(|b| b.try_into().ok())
                .ok_or(CryptoError)?;
            let (k, p) = member(&key)?;
            points.push(p);
            members.push((s, k));
        }
        Ok(Self {
            c0,
            key_image,
            members,
            image,
            points,
        })
    }

    /// The serialization ring-go produces (length 69 + 65·n).
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(HEADER.saturating_add(self.members.len().saturating_mul(MEMBER)));
        out.extend_from_slice(
            &u32::try_from(self.members.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&self.c0);
        out.extend_from_slice(&self.key_image);
        for (s, p) in &self.members {
            out.extend_from_slice(s);
            out.extend_from_slice(p.as_bytes());
        }
        out
    }

    /// The ring's keys, in signature order.
    pub fn ring(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.members.iter().map(|(_, p)| p)
    }

    /// The key image.
    pub fn key_image(&self) -> &[u8; 33] {
        &self.key_image
    }

    /// Verifies the signature on the 32-byte message: recompute every challenge around the ring
    /// and require the last to equal `c0`. Scalars ≥ n are reduced as Go reduces them.
    /// [CRYPTO-RING-1]
    pub fn verify(&self, m: &[u8; 32]) -> Result<(), CryptoError> {
        self.verify_with(m, None, |i, p| {
            Ok((*self.points.get(i).ok_or(CryptoError)?, hp(p), None))
        })
    }

    /// Verifies the signature and the chain's ring rule together: every key of the signature must
    /// be in `ring`, whose points were worked out beforehand. Same verdict as
    /// [`keys_subset_of`](Self::keys_subset_of) followed by [`verify`](Self::verify), faster.
    /// [CRYPTO-RING-1] [CRYPTO-RING-4]
    pub fn verify_prepared(&self, m: &[u8; 32], ring: &PreparedRing) -> Result<(), CryptoError> {
        let image_tables = ring.image(&self.key_image).ok().and_then(|(_, t)| t);
        let fast = ring.g_tables.as_ref().zip(image_tables.as_deref());
        self.verify_with(m, fast, |_, p| {
            let i = ring.index_of(p).ok_or(CryptoError)?;
            let (pp, hpp) = *ring.points.get(i).ok_or(CryptoError)?;
            let tables = ring.tables.get(i).and_then(Option::as_ref);
            Ok((pp, hpp, tables))
        })
    }

    /// The verification loop. `points` gives each member's key point, hash-to-curve point and (if
    /// prepared) their tables; with `fast` = (G's tables, the image's tables) and a member's
    /// tables, both double multiplications take the GLV path, otherwise k256's. Everything here
    /// is public, so variable time is safe.
    fn verify_with<'t>(
        &self,
        m: &[u8; 32],
        fast: Option<(&'t crate::glv::Tables, &'t crate::glv::Tables)>,
        points: impl Fn(
            usize,
            &VerifyingKey,
        ) -> Result<
            (
                ProjectivePoint,
                ProjectivePoint,
                Option<&'t (crate::glv::Tables, crate::glv::Tables)>,
            ),
            CryptoError,
        >,
    ) -> Result<(), CryptoError> {
        if self.members.len() < 2 {
            return Err(CryptoError);
        }
        let image = self.image;
        let c0 = decode_scalar(&self.c0);
        let mut c = c0;
        for (i, (s, p)) in self.members.iter().enumerate() {
            let s = decode_scalar(s);
            let (pp, hpp, tables) = points(i, p)?;
            let glv = match (fast, tables) {
                (Some((tg, ti)), Some((tp, th))) => crate::glv::lincomb(&[(s, tg), (c, tp)])
                    .zip(crate::glv::lincomb(&[(s, th), (c, ti)])),
                _ => None,
            };
            let (l, r) = glv.unwrap_or_else(|| {
                (
                    ProjectivePoint::lincomb_vartime(&[(ProjectivePoint::GENERATOR, s), (pp, c)]),
                    ProjectivePoint::lincomb_vartime(&[(hpp, s), (image, c)]),
                )
            });
            c = challenge(m, &l, &r);
        }
        if c == c0 { Ok(()) } else { Err(CryptoError) }
    }

    /// The chain's ring rule: **every** key of the signature's ring is in `expected` (order-free,
    /// duplicates allowed). [CRYPTO-RING-4]
    pub fn keys_subset_of(&self, expected: &[VerifyingKey]) -> bool {
        self.members.iter().all(|(_, p)| expected.contains(p))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Any ring of 2–8 keys and any signer: the signature verifies, survives encoding, and a
        /// changed message or a flipped response byte does not verify.
        #[test]
        fn sign_verify(n in 2usize..=8, signer in 0usize..8, seed in any::<[u8; 32]>(), m in any::<[u8; 32]>(), flip in 0usize..1000) {
            let signer = signer % n;
            let keys: Vec<SigningKey> = (0..n)
                .map(|i| { let mut b = seed; b[0] = u8::try_from(i).unwrap() + 1; b[31] |= 1; SigningKey::from_bytes(&b).unwrap() })
                .collect();
            let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
            let sig = sign(&m, &ring, signer, &keys[signer], &mut rng).unwrap();
            prop_assert!(sig.verify(&m).is_ok());
            let bytes = sig.encode();
            prop_assert_eq!(bytes.len(), 69 + 65 * n);
            prop_assert_eq!(RingSignature::decode(&bytes).unwrap(), sig.clone());
            let mut other = m;
            other[31] ^= 1;
            prop_assert!(sig.verify(&other).is_err());
            let mut bad = bytes.clone();
            let idx = HEADER + (flip % n) * MEMBER + (flip % 32);
            bad[idx] ^= 1;
            prop_assert!(RingSignature::decode(&bad).map_or(true, |s| s.verify(&m).is_err()));
            prop_assert!(sign(&m, &ring, (signer + 1) % n, &keys[signer], &mut rng).is_err());
            // The prepared verifier agrees: accepts over the whole ring (in any order), refuses a
            // ring missing one of the signature's keys, and refuses what `verify` refuses.
            let mut shuffled = ring.clone();
            shuffled.rotate_left(flip % n);
            prop_assert!(sig.verify_prepared(&m, &PreparedRing::new(&shuffled).unwrap()).is_ok());
            let short = PreparedRing::new(&ring[1..]).unwrap();
            let full = PreparedRing::new(&shuffled).unwrap();
            prop_assert_eq!(RingSignature::decode_prepared(&bytes, &full).unwrap(), sig.clone());
            prop_assert!(RingSignature::decode_prepared(&bytes, &short).is_err());
            prop_assert!(RingSignature::decode_prepared(&bytes[..bytes.len() - 1], &full).is_err());
            // The prepared signer makes the same signature from the same randomness.
            let prepared_ring = PreparedRing::new(&ring).unwrap();
            let signer_p = PreparedSigner::new(&keys[signer]);
            let mut r1 = rand_chacha::ChaCha20Rng::from_seed(m);
            let mut r2 = rand_chacha::ChaCha20Rng::from_seed(m);
            let a = sign(&m, &ring, signer, &keys[signer], &mut r1).unwrap();
            let b = sign_prepared(&m, &prepared_ring, &signer_p, &mut r2).unwrap();
            prop_assert_eq!(a.encode(), b.encode());
            prop_assert!(b.verify_prepared(&m, &prepared_ring).is_ok());
            prop_assert_eq!(signer_p.key_image(), key_image(&keys[signer]).unwrap());
            prop_assert!(sig.verify_prepared(&m, &short).is_err());
            prop_assert!(sig.verify_prepared(&other, &PreparedRing::new(&ring).unwrap()).is_err());
        }
    }

    /// One prepared ring across many signatures: cached key images (hits, and evictions past
    /// the cache size) never change a verdict.
    #[test]
    fn image_cache_keeps_verdicts() {
        let keys: Vec<SigningKey> = (1u8..=20)
            .map(|i| SigningKey::from_bytes(&[i; 32]).unwrap())
            .collect();
        let ring: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
        let prepared = PreparedRing::new(&ring).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
        for round in 0..2 {
            for (j, k) in keys.iter().enumerate() {
                let m = [u8::try_from(j + round).unwrap(); 32];
                let sig = sign(&m, &ring, j, k, &mut rng).unwrap();
                let bytes = sig.encode();
                let decoded = RingSignature::decode_prepared(&bytes, &prepared).unwrap();
                assert!(decoded.verify_prepared(&m, &prepared).is_ok(), "signer {j}");
                let mut other = m;
                other[0] ^= 1;
                assert!(decoded.verify_prepared(&other, &prepared).is_err());
            }
        }
    }

    #[test]
    fn hostile_sizes_are_refused_without_allocating() {
        let mut b = vec![0xffu8, 0xff, 0xff, 0xff];
        b.extend_from_slice(&[0u8; 200]);
        assert!(RingSignature::decode(&b).is_err());
        assert!(RingSignature::decode(&[]).is_err());
        assert!(RingSignature::decode(&[0, 0, 0, 0]).is_err());
    }
}
