//! ring-go's byte layout of a ring signature. [CRYPTO-RING-2]

use alloc::vec::Vec;

use super::{HEADER, MAX_RING_SIZE, MEMBER, PreparedRing, RingSignature, decode_point};
use crate::point::Affine;
use crate::secp256k1::{CryptoError, VerifyingKey};

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
        image: impl Fn(&[u8; 33]) -> Result<Affine, CryptoError>,
        member: impl Fn(&[u8; 33]) -> Result<(VerifyingKey, Affine), CryptoError>,
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

    /// The chain's ring rule: **every** key of the signature's ring is in `expected` (order-free,
    /// duplicates allowed). [CRYPTO-RING-4]
    pub fn keys_subset_of(&self, expected: &[VerifyingKey]) -> bool {
        self.members.iter().all(|(_, p)| expected.contains(p))
    }
}
