//! 32-byte hash newtypes, one per meaning.
//!
//! Only the module that defines a hash's preimage computes it; these types just carry the bytes
//! and print them as lowercase hex. [PRIM-HASH-1]

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

/// Why a hex string or byte slice is not a 32-byte hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The input has the wrong length.
    #[error("hash is {got} bytes, expected 32")]
    Length {
        /// The length found, in bytes (or hex characters / 2, rounded down).
        got: usize,
    },
    /// The string is not lowercase or uppercase hex.
    #[error("hash is not hex")]
    Hex,
    /// A session id string is not lowercase hex (the chain compares it as a string).
    #[error("session id is not lowercase hex")]
    NotLowercase,
}

macro_rules! hash_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name([u8; 32]);

        impl $name {
            /// Wraps 32 bytes.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// Wraps a 32-byte slice, checking its length.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, HashError> {
                let b: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| HashError::Length { got: bytes.len() })?;
                Ok(Self(b))
            }

            /// The 32 bytes.
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// The 32 bytes, by value.
            pub const fn to_bytes(self) -> [u8; 32] {
                self.0
            }

            /// Lowercase hex, 64 characters.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses 64 hex characters.
            pub fn from_hex(s: &str) -> Result<Self, HashError> {
                if s.len() != 64 {
                    return Err(HashError::Length { got: s.len() / 2 });
                }
                let mut b = [0u8; 32];
                hex::decode_to_slice(s, &mut b).map_err(|_| HashError::Hex)?;
                Ok(Self(b))
            }
        }

        impl FromStr for $name {
            type Err = HashError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<[u8; 32]> for $name {
            fn from(b: [u8; 32]) -> Self {
                Self(b)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::from_hex(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

hash_newtype!(
    /// The CometBFT header hash of a block (the block id hash), 32 bytes.
    ///
    /// The chain stores one per height; heights ≤ 0 have the empty hash, which callers model as
    /// `Option<BlockHash>` or an empty slice.
    BlockHash
);

hash_newtype!(
    /// SHA-256 of a relay's canonical bytes with the response payload cleared: the session tree
    /// key and the value compared with the difficulty target.
    ///
    /// # Spec
    /// `[ENC-HASH-RELAY]`
    RelayHash
);

hash_newtype!(
    /// A relay-mining difficulty target: a relay is volume-applicable when its [`RelayHash`] is
    /// strictly below the target as a 256-bit big-endian integer. `Ord` is that integer order.
    TargetHash
);

impl TargetHash {
    /// The base (easiest) target, 32 bytes of `0xff`: every relay is applicable except the one
    /// whose hash is all ones.
    pub const BASE: Self = Self([0xff; 32]);

    /// Whether a relay hash is below this target (strictly), the chain's applicability rule.
    pub fn is_met_by(&self, relay_hash: &RelayHash) -> bool {
        relay_hash.as_bytes() < self.as_bytes()
    }
}

hash_newtype!(
    /// A session id: the SHA3-256 digest of the session preimage. Its wire and on-chain form is
    /// the 64-character lowercase hex string ([`SessionId::to_hex`]), which is what headers carry
    /// and what the proof path hashes.
    SessionId
);

impl SessionId {
    /// Parses the wire form, which must be exactly 64 lowercase hex characters.
    pub fn from_wire(s: &str) -> Result<Self, HashError> {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(HashError::NotLowercase);
        }
        Self::from_hex(s)
    }
}

hash_newtype!(
    /// The claim hash: SHA-256 of a stored claim's canonical bytes, computed only by
    /// [`Claim::hash`](crate::Claim::hash). It seeds the proof-requirement draw.
    ///
    /// # Spec
    /// `[ENC-HASH-4]`
    ClaimHash
);

hash_newtype!(
    /// The path a claim's closest proof must open: SHA-256 of the proof seed block hash and the
    /// session id, computed by `pokt_mining::proof_path`. It is a key in the session tree's key
    /// space, not a relay hash.
    ///
    /// # Spec
    /// `[MINING-PATH-1]`
    ProofPath
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_order() {
        let a = RelayHash::from_bytes([1; 32]);
        assert_eq!(a.to_hex().parse::<RelayHash>(), Ok(a));
        assert_eq!(format!("{a}"), "01".repeat(32));
        assert!(TargetHash::BASE.is_met_by(&a));
        assert!(!TargetHash::BASE.is_met_by(&RelayHash::from_bytes([0xff; 32])));
        let t = TargetHash::from_bytes([1; 32]);
        assert!(!t.is_met_by(&a));
        assert_eq!(BlockHash::from_hex("zz"), Err(HashError::Length { got: 1 }));
        assert_eq!(
            SessionId::from_wire(&"AB".repeat(32)),
            Err(HashError::NotLowercase)
        );
        assert!(SessionId::from_wire(&"ab".repeat(32)).is_ok());
    }
}
