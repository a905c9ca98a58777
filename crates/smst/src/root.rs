//! The trie's root: digest ‖ sum ‖ count. [SMST-ROOT-1]

use crate::node::{Digest48, PLACEHOLDER, read_u64};

/// The 48-byte root: digest ‖ sum ‖ count. [SMST-ROOT-1]
///
/// `Debug` and `Display` print the 48 bytes as lowercase hex.
///
/// ```
/// use pokt_smst::Root;
/// let mut bytes = [0u8; 48];
/// bytes[39] = 20; // sum
/// bytes[47] = 2; // count
/// let root = Root::from_bytes(bytes);
/// assert_eq!((root.sum(), root.count()), (20, 2));
/// assert_eq!(root.to_bytes(), bytes);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Root(Digest48);

impl Root {
    /// The root of an empty trie (48 zero bytes). [SMST-ROOT-2]
    pub const EMPTY: Self = Self(PLACEHOLDER);

    /// The root with these 48 bytes (a claim's `root_hash`, say). Any bytes are a root: a forged
    /// one simply verifies no proof.
    pub const fn from_bytes(bytes: [u8; 48]) -> Self {
        Self(bytes)
    }

    /// The 32-byte node hash.
    pub fn digest(&self) -> &[u8] {
        self.0.get(..32).unwrap_or(&[])
    }

    /// The total weight (wrapped mod 2⁶⁴ as Go wraps it).
    pub fn sum(&self) -> u64 {
        read_u64(self.0.get(32..).unwrap_or(&[]))
    }

    /// The number of leaves.
    pub fn count(&self) -> u64 {
        read_u64(self.0.get(40..).unwrap_or(&[]))
    }

    /// The 48 bytes.
    pub fn as_bytes(&self) -> &[u8; 48] {
        &self.0
    }

    /// The 48 bytes, by value.
    pub const fn to_bytes(self) -> [u8; 48] {
        self.0
    }
}

impl From<[u8; 48]> for Root {
    fn from(bytes: [u8; 48]) -> Self {
        Self(bytes)
    }
}

impl From<Root> for [u8; 48] {
    fn from(root: Root) -> Self {
        root.0
    }
}

impl AsRef<[u8]> for Root {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Display for Root {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl core::fmt::Debug for Root {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Root({self})")
    }
}
