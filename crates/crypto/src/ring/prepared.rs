//! Prepared rings and signers: points and multiplication tables worked out once, for the many
//! signatures of a session. [CRYPTO-RING-5]

use alloc::borrow::Cow;
use alloc::sync::Arc;
use alloc::vec::Vec;

use k256::Scalar;
use rand_core::CryptoRng;

use super::comb::Comb;
use super::{MAX_RING_SIZE, RingSignature, decode_point, decode_scalar, hp, sign_ring};
use crate::glv::{self, Tables};
use crate::point::Affine;
use crate::secp256k1::{CryptoError, SigningKey, VerifyingKey};

/// Window of each ring member's tables (2^(w−2) odd multiples of its key and of its
/// hash-to-curve point, and of their endomorphism images; 80 bytes each): 10 (80 KiB a member)
/// for the rings the chain makes — an application and its gateways —, smaller for large rings
/// so that memory stays bounded (1024 members: 5 MiB).
fn member_window(members: usize) -> u32 {
    match members {
        0..=16 => 10,
        17..=128 => 8,
        _ => 6,
    }
}

/// Window of a key image's tables (40 KiB), built once per image a ring or signer meets.
const IMAGE_WINDOW: u32 = 10;

/// A ring with its curve points worked out once: each key decompressed and hashed to the curve.
/// A relay miner verifies many requests against the same application ring in a session; verifying
/// against a prepared ring skips two point decompressions and a hash-to-curve per member, and
/// applies the chain's subset rule at the same time ([`RingSignature::verify_prepared`]).
#[derive(Debug)]
pub struct PreparedRing {
    pub(super) keys: Vec<VerifyingKey>,
    pub(super) points: Vec<(Affine, Affine)>,
    /// Precomputed multiples (with the endomorphism) of G — the process-wide tables with `std` —
    /// and of each key and hash-to-curve point, for the fast double multiplications of
    /// [`RingSignature::verify_prepared`] and [`sign_prepared`].
    pub(super) g: Cow<'static, Tables>,
    pub(super) tables: Vec<(Tables, Tables)>,
    /// Key images seen with this ring (a session's relays are signed by a few keys): the
    /// decompressed point and its tables, so neither is recomputed per relay (`std` only).
    #[cfg(feature = "std")]
    images: std::sync::RwLock<Vec<CachedImage>>,
}

/// A key image's bytes, point and multiplication tables.
#[cfg(feature = "std")]
type CachedImage = ([u8; 33], Affine, Arc<Tables>);

/// How many key images a prepared ring remembers.
#[cfg(feature = "std")]
const IMAGE_CACHE: usize = 16;

impl Clone for PreparedRing {
    fn clone(&self) -> Self {
        Self {
            keys: self.keys.clone(),
            points: self.points.clone(),
            g: self.g.clone(),
            tables: self.tables.clone(),
            #[cfg(feature = "std")]
            images: std::sync::RwLock::new(Vec::new()),
        }
    }
}

impl PreparedRing {
    /// Prepares `keys` (any order; duplicates are kept once).
    pub fn new(keys: &[VerifyingKey]) -> Result<Self, CryptoError> {
        let mut unique: Vec<VerifyingKey> = Vec::with_capacity(keys.len());
        let mut points = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.contains(k) {
                points.push((decode_point(k.as_bytes())?, hp(k)));
                unique.push(*k);
            }
        }
        // Every member's tables with one inversion.
        let w = member_window(points.len());
        let wanted: Vec<(Affine, u32)> = points
            .iter()
            .flat_map(|(p, h)| [(*p, w), (*h, w)])
            .collect();
        let mut tables = Tables::batch(&wanted, 2).into_iter();
        let mut pairs = Vec::with_capacity(points.len());
        while let (Some(tp), Some(th)) = (tables.next(), tables.next()) {
            pairs.push((tp, th));
        }
        Ok(Self {
            keys: unique,
            points,
            g: glv::generator(),
            tables: pairs,
            #[cfg(feature = "std")]
            images: std::sync::RwLock::new(Vec::new()),
        })
    }

    /// The ring's keys, in the order given (without duplicates).
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// A key image's point and tables: remembered from an earlier signature when possible.
    pub(super) fn image(&self, bytes: &[u8; 33]) -> Result<(Affine, Arc<Tables>), CryptoError> {
        #[cfg(feature = "std")]
        if let Ok(cache) = self.images.read() {
            if let Some((_, p, t)) = cache.iter().find(|(b, _, _)| b == bytes) {
                return Ok((*p, t.clone()));
            }
        }
        let p = decode_point(bytes)?;
        let t = Arc::new(Tables::leveled(&p, IMAGE_WINDOW));
        #[cfg(feature = "std")]
        if let Ok(mut cache) = self.images.write() {
            if cache.len() >= IMAGE_CACHE {
                cache.remove(0);
            }
            cache.push((*bytes, p, t.clone()));
        }
        Ok((p, t))
    }

    pub(super) fn index_of(&self, k: &VerifyingKey) -> Option<usize> {
        self.keys.iter().position(|x| x == k)
    }
}

/// A signer ready for many signatures over prepared rings: its secret scalar, its hash-to-curve
/// point with constant-time multiplication tables for the nonce, and its key image with the
/// image's tables, computed once (the key image depends on the key only, not on the ring). The
/// secret zeroizes on drop and never prints.
pub struct PreparedSigner {
    secret: Scalar,
    public: VerifyingKey,
    hp: Comb,
    image: Affine,
    image_tables: Tables,
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
        let hp = hp(&public).to_k256();
        // Constant time: the key image is the secret times the hash-to-curve point.
        let image = hp * secret;
        // Never the identity: the secret is in 1..n and the point has order n.
        let image = Affine::from_k256(&image).unwrap_or_else(Affine::generator);
        Self {
            secret,
            public,
            hp: Comb::new(&hp),
            image,
            image_tables: Tables::leveled(&image, IMAGE_WINDOW),
        }
    }

    /// The signer's public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public
    }

    /// The key image every signature by this key carries.
    pub fn key_image(&self) -> [u8; 33] {
        self.image.compress()
    }
}

/// [`sign`](super::sign) over a prepared ring (its keys in the order given to
/// [`PreparedRing::new`]) with a prepared signer: the same signature `sign` makes from the same
/// randomness, faster — the other members' terms use the precomputed tables, and the nonce is
/// multiplied by the signer's constant-time tables. [CRYPTO-RING-1]
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
    sign_ring(
        m,
        &ring.keys,
        ring.points.iter().map(|(p, _)| *p).collect(),
        j,
        &signer.secret,
        (signer.image, &signer.image_tables),
        |u| signer.hp.mul(u),
        |i| {
            let (tp, th) = ring.tables.get(i)?;
            Some((&*ring.g, tp, th))
        },
        rng,
    )
}
