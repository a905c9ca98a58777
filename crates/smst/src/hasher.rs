//! The hash function a trie is built over.

/// A 32-byte hash function for paths, node digests and (in hashed-value mode) values.
/// [SMST-HASH-1]
pub trait TrieHasher: Clone + Default {
    /// The digest of the concatenation of `parts`.
    fn digest(parts: &[&[u8]]) -> [u8; 32];
}

/// SHA-256: POKT's trie (SHA-NI is used at run time when the CPU has it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sha256Hasher;

impl TrieHasher for Sha256Hasher {
    fn digest(parts: &[&[u8]]) -> [u8; 32] {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

/// BLAKE3: a second instance, for research on hashing cost (not POKT-compatible).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake3Hasher;

impl TrieHasher for Blake3Hasher {
    fn digest(parts: &[&[u8]]) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}
