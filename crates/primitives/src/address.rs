//! Account addresses: bech32 (BIP-173) with HRP `pokt` over RIPEMD160(SHA256(compressed key)).

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use bech32::{Bech32, Hrp};
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

/// The human-readable part of every POKT account address.
pub const ADDRESS_HRP: &str = "pokt";

/// A POKT account address: 20 bytes, written as bech32 with HRP `pokt`.
///
/// Addresses are compared and sorted **as their bech32 strings**, as the chain does (ring order,
/// supplier tie-breaks, map keys). Because every address has the same HRP and length, the string
/// order is a fixed function of the bytes, but it is not the byte order, so `Ord` is implemented on
/// the string form.
///
/// # Spec
/// `[PRIM-ADDR-1]` address derivation, `[PRIM-ADDR-2]` string order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address {
    bytes: [u8; 20],
    /// The bech32 string, kept so that ordering and display never re-encode.
    text: [u8; Address::TEXT_LEN],
}

/// Why a string or byte slice is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The string is not valid bech32 (BIP-173).
    #[error("invalid bech32 address")]
    Bech32,
    /// The human-readable part is not `pokt`.
    #[error("address prefix is not pokt")]
    Prefix,
    /// The payload is not 20 bytes.
    #[error("address payload is {got} bytes, expected 20")]
    Length {
        /// The payload length found.
        got: usize,
    },
    /// The public key is not 33 bytes.
    #[error("public key is {got} bytes, expected 33")]
    PublicKeyLength {
        /// The key length found.
        got: usize,
    },
}

impl Address {
    /// Length of the bech32 form: `pokt` + `1` + 32 data characters + 6 checksum characters.
    pub const TEXT_LEN: usize = 43;

    /// The address of 20 raw bytes.
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        let mut text = [0u8; Self::TEXT_LEN];
        // The HRP is a valid constant and 20 bytes always fit in a bech32 string of 43 chars.
        let s = bech32::encode::<Bech32>(pokt_hrp(), &bytes).unwrap_or_default();
        let src = s.as_bytes();
        let n = src.len().min(Self::TEXT_LEN);
        text[..n].copy_from_slice(&src[..n]);
        Self { bytes, text }
    }

    /// The address of a 33-byte compressed secp256k1 public key: RIPEMD160(SHA256(key)).
    ///
    /// The key's curve membership is not checked here (that is `pokt-crypto`'s job); the
    /// derivation is defined for any 33 bytes.
    pub fn from_public_key(key: &[u8; 33]) -> Self {
        let sha = Sha256::digest(key);
        let rip = Ripemd160::digest(sha);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&rip);
        Self::from_bytes(bytes)
    }

    /// Like [`Address::from_public_key`] for a slice, checking its length.
    pub fn from_public_key_slice(key: &[u8]) -> Result<Self, AddressError> {
        let key: &[u8; 33] = key
            .try_into()
            .map_err(|_| AddressError::PublicKeyLength { got: key.len() })?;
        Ok(Self::from_public_key(key))
    }

    /// The 20 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.bytes
    }

    /// The bech32 string (`pokt1…`).
    pub fn as_str(&self) -> &str {
        // Built from bech32's ASCII output in `from_bytes`.
        core::str::from_utf8(&self.text).unwrap_or("")
    }

    /// The bech32 string's ASCII bytes (what the chain hashes and sorts), without re-checking
    /// them as UTF-8.
    pub fn as_bech32_bytes(&self) -> &[u8] {
        &self.text
    }

    /// The bech32 string as an owned `String`.
    pub fn to_bech32(&self) -> String {
        String::from(self.as_str())
    }
}

fn pokt_hrp() -> Hrp {
    Hrp::parse_unchecked(ADDRESS_HRP)
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (hrp, data) = bech32::decode(s).map_err(|_| AddressError::Bech32)?;
        if hrp != pokt_hrp() {
            return Err(AddressError::Prefix);
        }
        // bech32::decode accepts bech32m too; the chain only produces bech32 (BIP-173), and an
        // address re-encodes to the same string only if it was bech32, so compare.
        let bytes: [u8; 20] = data
            .as_slice()
            .try_into()
            .map_err(|_| AddressError::Length { got: data.len() })?;
        let addr = Self::from_bytes(bytes);
        if !addr.as_str().eq_ignore_ascii_case(s) || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(AddressError::Bech32);
        }
        Ok(addr)
    }
}

impl TryFrom<&str> for Address {
    type Error = AddressError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Address {
    /// Orders by the bech32 string, as Go's `slices.Sort` over address strings does.
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_prefixes() {
        let a = Address::from_bytes([7u8; 20]);
        let s = a.to_bech32();
        assert!(s.starts_with("pokt1"));
        assert_eq!(s.len(), Address::TEXT_LEN);
        assert_eq!(s.parse::<Address>(), Ok(a));
        let cosmos = bech32::encode::<Bech32>(Hrp::parse_unchecked("cosmos"), &[7u8; 20]).unwrap();
        assert_eq!(cosmos.parse::<Address>(), Err(AddressError::Prefix));
        assert_eq!(
            s.to_uppercase().parse::<Address>(),
            Err(AddressError::Bech32)
        );
        let mut bad = s.clone();
        bad.pop();
        bad.push(if s.ends_with('q') { 'p' } else { 'q' });
        assert_eq!(bad.parse::<Address>(), Err(AddressError::Bech32));
    }

    #[test]
    fn orders_by_string() {
        let mut v: alloc::vec::Vec<Address> = (0u8..50)
            .map(|i| Address::from_bytes([i.wrapping_mul(37); 20]))
            .collect();
        v.sort();
        let strings: alloc::vec::Vec<String> = v.iter().map(Address::to_bech32).collect();
        let mut sorted = strings.clone();
        sorted.sort();
        assert_eq!(strings, sorted);
    }
}
