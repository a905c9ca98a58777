//! Ring-signature verification, with the ring's tables worked out per call or beforehand.

use alloc::vec::Vec;

use super::{CALL_WINDOW, PreparedRing, RingSignature, challenge, decode_scalar, hp};
use crate::glv::{self, Tables};
use crate::point::Affine;
use crate::secp256k1::CryptoError;

impl RingSignature {
    /// Verifies the signature on the 32-byte message: recompute every challenge around the ring
    /// and require the last to equal `c0`. Scalars ≥ n are reduced as Go reduces them. The tables
    /// of every member's key and hash-to-curve point and of the key image are built for this
    /// call, with one inversion for all of them. [CRYPTO-RING-1]
    pub fn verify(&self, m: &[u8; 32]) -> Result<(), CryptoError> {
        if self.members.len() < 2 {
            return Err(CryptoError);
        }
        let mut wanted: Vec<(Affine, u32)> = Vec::with_capacity(2 * self.points.len() + 1);
        for (p, (_, key)) in self.points.iter().zip(&self.members) {
            wanted.push((*p, CALL_WINDOW));
            wanted.push((hp(key), CALL_WINDOW));
        }
        wanted.push((self.image, CALL_WINDOW));
        let tables = Tables::batch(&wanted, 1);
        let (image, members) = tables.split_last().ok_or(CryptoError)?;
        self.verify_with(m, &glv::generator(), image, |i| {
            let t = members.get(2 * i..2 * i + 2)?;
            Some((t.first()?, t.get(1)?))
        })
    }

    /// Verifies the signature and the chain's ring rule together: every key of the signature must
    /// be in `ring`, whose points and tables were worked out beforehand. Same verdict as
    /// [`keys_subset_of`](Self::keys_subset_of) followed by [`verify`](Self::verify), faster.
    /// [CRYPTO-RING-1] [CRYPTO-RING-4]
    pub fn verify_prepared(&self, m: &[u8; 32], ring: &PreparedRing) -> Result<(), CryptoError> {
        let (_, image) = ring.image(&self.key_image)?;
        self.verify_with(m, &ring.g, &image, |i| {
            let (_, key) = self.members.get(i)?;
            let (tp, th) = ring.tables.get(ring.index_of(key)?)?;
            Some((tp, th))
        })
    }

    /// The verification loop over G's tables, the key image's, and `member(i)` = the tables of
    /// member i's key and hash-to-curve point. Everything here is public, so variable time is
    /// safe.
    fn verify_with<'t>(
        &self,
        m: &[u8; 32],
        g: &Tables,
        image: &Tables,
        member: impl Fn(usize) -> Option<(&'t Tables, &'t Tables)>,
    ) -> Result<(), CryptoError> {
        if self.members.len() < 2 {
            return Err(CryptoError);
        }
        let c0 = decode_scalar(&self.c0);
        let mut c = c0;
        for (i, (s, _)) in self.members.iter().enumerate() {
            let s = decode_scalar(s);
            let (tp, th) = member(i).ok_or(CryptoError)?;
            let l = glv::lincomb(&[(s, g), (c, tp)], None);
            let r = glv::lincomb(&[(s, th), (c, image)], None);
            c = challenge(m, &l, &r);
        }
        if c == c0 { Ok(()) } else { Err(CryptoError) }
    }
}
