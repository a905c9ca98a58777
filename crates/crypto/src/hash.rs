//! ring-go's hash-to-scalar and hash-to-curve on secp256k1 (go-dleq decred backend).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crypto_bigint::{NonZero, U256, U512};
use k256::elliptic_curve::ops::Reduce;
use k256::{FieldBytes, Scalar, WideBytes};
use sha3::{Digest, Sha3_256, Sha3_512};

use crate::point::{Affine, fe};

/// The group order n of secp256k1, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// The field prime p of secp256k1, big-endian.
const PRIME: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f,
];

/// `x mod m` for a big-endian byte string of at most 64 bytes and a 32-byte modulus.
fn reduce(x: &[u8], m: &[u8; 32]) -> [u8; 32] {
    let mut wide = [0u8; 64];
    let start = 64usize.saturating_sub(x.len());
    if let Some(dst) = wide.get_mut(start..) {
        dst.copy_from_slice(x.get(..64).unwrap_or(x));
    }
    let xw = U512::from_be_slice(&wide);
    let mut mw = [0u8; 64];
    if let Some(dst) = mw.get_mut(32..) {
        dst.copy_from_slice(m);
    }
    let m = U512::from_be_slice(&mw);
    let r = match Option::<NonZero<U512>>::from(NonZero::new(m)) {
        Some(nz) => xw.div_rem_vartime(&nz).1,
        None => U512::ZERO,
    };
    let bytes = r.to_be_bytes();
    let mut out = [0u8; 32];
    if let Some(src) = bytes.as_ref().get(32..64) {
        out.copy_from_slice(src);
    }
    out
}

/// go-dleq's `HashToScalar` on the decred backend: SHA3-512(input) mod n, then — the quirk — the
/// **minimal** big-endian bytes of that value copied into a 32-byte buffer **left-aligned**
/// (`copy(s[:], b)`), so a value with k leading zero bytes comes out multiplied by 256^k (mod n as
/// decred's `SetBytes` then reduces it). About 1 in 256 inputs is affected; ring-go's challenges
/// use this function, so signatures must reproduce it. Returns the 32-byte scalar. [CRYPTO-H2S-1]
pub fn hash_to_scalar(input: &[u8]) -> [u8; 32] {
    hash_to_scalar_k256(input).to_bytes().into()
}

/// [`hash_to_scalar`] as a k256 scalar (the wide reduction mod n is k256's, not a division).
pub(crate) fn hash_to_scalar_k256(input: &[u8]) -> Scalar {
    let digest: [u8; 64] = Sha3_512::digest(input).into();
    let r: [u8; 32] = <Scalar as Reduce<WideBytes>>::reduce(&WideBytes::from(digest))
        .to_bytes()
        .into();
    let lead = r.iter().take_while(|b| **b == 0).count();
    let mut out = [0u8; 32];
    if let (Some(dst), Some(src)) = (out.get_mut(..32usize.saturating_sub(lead)), r.get(lead..)) {
        dst.copy_from_slice(src);
    }
    // The left-aligned value may exceed n; the scalar type reduces it.
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(out))
}

/// `SHA3-512(input) mod n` without the quirk (for comparison and tests).
pub fn hash_to_scalar_plain(input: &[u8]) -> [u8; 32] {
    reduce(&Sha3_512::digest(input), &ORDER)
}

/// ring-go's `hashToCurve` for secp256k1: h = SHA3-256(compressed point); while the x-coordinate
/// h mod p has no point with even y, h = SHA3-256(h). Returns the compressed point and the number
/// of re-hashes. [CRYPTO-H2C-1]
pub fn hash_to_curve(point: &[u8; 33]) -> ([u8; 33], u32) {
    let (_, x, rehashes) = hash_to_curve_point(point);
    let mut enc = [0u8; 33];
    enc[0] = 0x02;
    if let Some(dst) = enc.get_mut(1..) {
        dst.copy_from_slice(&x);
    }
    (enc, rehashes)
}

/// [`hash_to_curve`] as a curve point (decompressed once), with its x-coordinate and the number of
/// re-hashes.
pub(crate) fn hash_to_curve_point(point: &[u8; 33]) -> (Affine, [u8; 32], u32) {
    let mut h: [u8; 32] = Sha3_256::digest(point).into();
    let mut rehashes = 0u32;
    loop {
        // h < 2^256 < 2p: one conditional subtraction reduces it.
        let hu = U256::from_be_slice(&h);
        let pu = U256::from_be_slice(&PRIME);
        let x: [u8; 32] = if hu >= pu { hu.wrapping_sub(&pu) } else { hu }
            .to_be_bytes()
            .into();
        if let Some(p) = fe(&x).and_then(|x| Affine::from_x(&x, false)) {
            return (p, x, rehashes);
        }
        h = Sha3_256::digest(h).into();
        rehashes = rehashes.saturating_add(1);
    }
}

/// The secp256k1 order as an integer (used by the placeholder key derivation).
pub(crate) fn order() -> U256 {
    U256::from_be_slice(&ORDER)
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

    /// The quirk as first written here: integer division for both reductions.
    fn by_division(input: &[u8]) -> [u8; 32] {
        let r = reduce(&Sha3_512::digest(input), &ORDER);
        let lead = r.iter().take_while(|b| **b == 0).count();
        let mut out = [0u8; 32];
        out[..32 - lead].copy_from_slice(&r[lead..]);
        reduce(&out, &ORDER)
    }

    proptest! {
        /// k256's wide reduction gives what the division gave, quirk included.
        #[test]
        fn wide_reduction_matches_division(input in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(hash_to_scalar(&input), by_division(&input));
        }
    }

    #[test]
    fn quirk_inputs_match_division() {
        // Inputs whose reduced digest has a leading zero byte (about 1 in 256).
        let mut found = 0;
        for i in 0u32..4000 {
            let input = i.to_be_bytes();
            let r = reduce(&Sha3_512::digest(input), &ORDER);
            if r[0] == 0 {
                found += 1;
                assert_eq!(hash_to_scalar(&input), by_division(&input));
                assert_ne!(hash_to_scalar(&input), r);
            }
        }
        assert!(found > 3);
    }
}
