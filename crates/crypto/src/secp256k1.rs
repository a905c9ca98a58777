//! secp256k1 keys and signatures with Cosmos semantics, as POKT suppliers sign relay responses.

use core::fmt;

use crypto_bigint::U256;
use k256::ecdsa::signature::hazmat::PrehashSigner;
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, Scalar};
use pokt_primitives::Address;
use sha2::{Digest, Sha256};

use crate::glv;
use crate::point::{Affine, fe, fe_eq};

/// A secp256k1 signing key. The secret is zeroized on drop and never printed. [CRYPTO-SECP-1]
#[derive(Clone)]
pub struct SigningKey(k256::ecdsa::SigningKey);

/// A secp256k1 public key, held as its 33-byte compressed SEC1 form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VerifyingKey([u8; 33]);

/// A 64-byte `R ‖ S` ECDSA signature (big-endian halves).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

/// Why a key or signature was refused. Deliberately opaque: a verifier learns nothing about which
/// check failed. [CRYPTO-SECP-2]
///
/// `#[non_exhaustive]`: outside this crate it is made with [`CryptoError::new`] (or `default()`),
/// so a reason can be added later without breaking callers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid key or signature")]
#[non_exhaustive]
pub struct CryptoError;

impl CryptoError {
    /// The opaque error, for hosts whose own checks on keys or signatures fail (a missing key,
    /// a missing signature) and who report it as this crate would.
    pub const fn new() -> Self {
        Self
    }
}

impl SigningKey {
    /// A key from its 32-byte big-endian secret scalar (must be in 1..n).
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, CryptoError> {
        k256::ecdsa::SigningKey::from_slice(secret)
            .map(Self)
            .map_err(|_| CryptoError)
    }

    /// The 32-byte secret. Handle with care; zeroize the copy when done.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.0.to_bytes());
        out
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        let p = self.0.verifying_key().to_sec1_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(p.as_bytes());
        VerifyingKey(out)
    }

    /// The account address of the public key.
    pub fn address(&self) -> Address {
        self.verifying_key().address()
    }

    /// Cosmos `PrivKey.Sign(msg)`: deterministic RFC 6979 ECDSA over SHA-256(msg), low S, as 64
    /// bytes `R ‖ S`. Byte-identical to decred's `SignCompact(priv, SHA-256(msg))[1:]`. [CRYPTO-SECP-1]
    pub fn sign(&self, msg: &[u8]) -> Signature {
        let digest = Sha256::digest(msg);
        // RFC 6979 signing over a 32-byte prehash cannot fail for a valid key.
        match PrehashSigner::<k256::ecdsa::Signature>::sign_prehash(&self.0, &digest) {
            Ok(sig) => {
                let sig = sig.normalize_s();
                let mut out = [0u8; 64];
                out.copy_from_slice(&sig.to_bytes());
                Signature(out)
            }
            Err(_) => Signature([0; 64]),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.address())
    }
}

impl VerifyingKey {
    /// A key from its 33-byte compressed SEC1 encoding; off-curve points and other lengths are
    /// refused.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 33] = bytes.try_into().map_err(|_| CryptoError)?;
        Affine::decompress(&arr).ok_or(CryptoError)?;
        Ok(Self(arr))
    }

    /// Wraps bytes already known to be a valid compressed point.
    pub(crate) fn from_valid(bytes: [u8; 33]) -> Self {
        Self(bytes)
    }

    /// The 33 compressed bytes.
    pub fn to_bytes(&self) -> [u8; 33] {
        self.0
    }

    /// The 33 compressed bytes.
    pub fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }

    /// The bech32 `pokt1…` address: RIPEMD160(SHA-256(key)).
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.0)
    }

    /// Cosmos `PubKey.VerifySignature(msg, sig)`: a 64-byte `R ‖ S` signature over SHA-256(msg),
    /// **high S rejected**. [CRYPTO-SECP-2]
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig: &[u8; 64] = sig.try_into().map_err(|_| CryptoError)?;
        let digest: [u8; 32] = Sha256::digest(msg).into();
        if verify_prehash(&self.0, &digest, sig) {
            Ok(())
        } else {
            Err(CryptoError)
        }
    }
}

/// ECDSA verification of `sig` = r ‖ s over a 32-byte digest, on the crate's variable-time
/// arithmetic (everything here is public): r and s in 1..n, s in the lower half, the key a curve
/// point, and x(u1·G + u2·Q) ≡ r (mod n) with u1 = z/s and u2 = r/s. The same verdicts as k256's
/// `verify_prehash` after its low-S check (tests compare the two). [CRYPTO-SECP-2] [CRYPTO-PERF-1]
fn verify_prehash(key: &[u8; 33], digest: &[u8; 32], sig: &[u8; 64]) -> bool {
    let (r_bytes, s_bytes) = sig.split_at(32);
    let canonical = |b: &[u8]| -> Option<Scalar> {
        let s: Scalar = Option::from(Scalar::from_repr(FieldBytes::try_from(b).ok()?))?;
        (!bool::from(s.is_zero())).then_some(s)
    };
    let (Some(r), Some(s)) = (canonical(r_bytes), canonical(s_bytes)) else {
        return false;
    };
    if bool::from(s.is_high()) {
        return false;
    }
    let Some(q) = Affine::decompress(key) else {
        return false;
    };
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*digest));
    let w = crate::inverse::invert_scalar(&s);
    let point = glv::lincomb(
        &[(z * w, &glv::generator())],
        Some((r * w, &glv::SharedZ::new(&q, KEY_WINDOW))),
    );
    let Some((x, _, zc)) = point.coordinates() else {
        return false;
    };
    // x(R) = X/Z² is below p; it reduces to r mod n iff it is r, or r + n when that is below p.
    // Compare X with r·Z² (and (r + n)·Z²) instead of inverting Z.
    let zz = zc.square();
    let r_u = U256::from_be_slice(r_bytes);
    let matches = |v: &U256| {
        let b: [u8; 32] = v.to_be_bytes().into();
        fe(&b).is_some_and(|v| fe_eq(&(v * &zz), &x))
    };
    matches(&r_u) || (r_u < P_MINUS_N && matches(&r_u.wrapping_add(&N)))
}

/// Window of a key's tables in a single verification (8 odd multiples per table).
const KEY_WINDOW: u32 = 5;
/// The group order n and p − n.
const N: U256 =
    U256::from_be_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
const P_MINUS_N: U256 =
    U256::from_be_hex("000000000000000000000000000000014551231950B75FC4402DA1722FC9BAEE");

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Signature {
    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    /// Wraps 64 bytes (no check: verification checks).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use k256::ProjectivePoint;
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    use k256::elliptic_curve::Field;
    use k256::elliptic_curve::sec1::ToSec1Point;
    use proptest::prelude::*;

    /// k256's verdict with the Cosmos low-S rule in front: what `verify` used to call.
    fn k256_verdict(key: &[u8; 33], digest: &[u8; 32], sig: &[u8; 64]) -> bool {
        let Ok(sig) = k256::ecdsa::Signature::from_slice(sig) else {
            return false;
        };
        if sig.normalize_s() != sig {
            return false;
        }
        let Ok(key) = k256::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
            return false;
        };
        key.verify_prehash(digest, &sig).is_ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Signatures verify; every single-bit change of signature or digest gets k256's verdict.
        #[test]
        fn same_verdicts_as_k256(secret in any::<[u8; 32]>(), msg in any::<[u8; 32]>(), bit in 0usize..768) {
            prop_assume!(SigningKey::from_bytes(&secret).is_ok());
            let key = SigningKey::from_bytes(&secret).unwrap();
            let vk = key.verifying_key();
            let sig = key.sign(&msg).to_bytes();
            let digest: [u8; 32] = Sha256::digest(msg).into();
            prop_assert!(verify_prehash(vk.as_bytes(), &digest, &sig));
            prop_assert!(k256_verdict(vk.as_bytes(), &digest, &sig));
            let (mut s2, mut d2) = (sig, digest);
            if bit < 512 {
                s2[bit / 8] ^= 1 << (bit % 8);
            } else {
                d2[(bit - 512) / 8] ^= 1 << (bit % 8);
            }
            prop_assert_eq!(verify_prehash(vk.as_bytes(), &d2, &s2), k256_verdict(vk.as_bytes(), &d2, &s2));
            prop_assert!(!verify_prehash(vk.as_bytes(), &d2, &s2));
        }
    }

    /// Signatures whose nonce point has x ≥ n (so r = x − n), made without a secret key: pick R
    /// with such an x, random a and b, and the key Q = (R − a·G)/b; then (r, s = r/b) signs the
    /// digest z = a·s. Exercises the r + n comparison that random signatures never reach.
    #[test]
    fn nonce_points_with_x_above_the_order() {
        let mut rng =
            <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([1; 32]);
        let mut found = 0;
        for lo in 0u8..=255 {
            // x = n + (lo + 1)·2^64 + 0x50 lies in [n, p) (p − n ≈ 2^128).
            let x = N
                .wrapping_add(&U256::from_u64(u64::from(lo) + 1).shl_vartime(64))
                .wrapping_add(&U256::from_u64(0x50));
            let xb: [u8; 32] = x.to_be_bytes().into();
            let Some(r_point) = fe(&xb).and_then(|x| Affine::from_x(&x, lo % 2 == 1)) else {
                continue;
            };
            found += 1;
            let (a, b) = (Scalar::random(&mut rng), Scalar::random(&mut rng));
            let rp = r_point.to_k256();
            let q = (rp - ProjectivePoint::GENERATOR * a) * b.invert().unwrap();
            let key: [u8; 33] = q
                .to_affine()
                .to_sec1_point(true)
                .as_bytes()
                .try_into()
                .unwrap();
            let r = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(xb));
            let mut s = r * b.invert().unwrap();
            let z = a * s;
            if bool::from(s.is_high()) {
                // −s negates u1 and u2 together: the nonce point becomes −R, same x.
                s = -s;
            }
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r.to_bytes());
            sig[32..].copy_from_slice(&s.to_bytes());
            let digest: [u8; 32] = z.to_bytes().into();
            assert!(verify_prehash(&key, &digest, &sig), "lo {lo}");
            assert!(k256_verdict(&key, &digest, &sig), "lo {lo}");
            // r itself would have to be x, which is not a canonical scalar.
            let mut wrong = sig;
            wrong[..32].copy_from_slice(&xb);
            assert!(!verify_prehash(&key, &digest, &wrong));
        }
        assert!(found > 50);
    }

    #[test]
    fn degenerate_signatures_are_refused() {
        let key = SigningKey::from_bytes(&[9; 32]).unwrap().verifying_key();
        let digest = [7u8; 32];
        let n: [u8; 32] = N.to_be_bytes().into();
        let one = {
            let mut b = [0u8; 32];
            b[31] = 1;
            b
        };
        for (r, s) in [
            ([0u8; 32], one),
            (one, [0u8; 32]),
            (n, one),
            (one, n),
            ([0xff; 32], one),
        ] {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r);
            sig[32..].copy_from_slice(&s);
            assert!(!verify_prehash(key.as_bytes(), &digest, &sig));
            assert!(!k256_verdict(key.as_bytes(), &digest, &sig));
        }
        assert!(key.verify(b"m", &[0u8; 63]).is_err());
        assert!(key.verify(b"m", &[0u8; 65]).is_err());
    }
}
