//! A compact snapshot of a trie (postcard): format version, value mode, leaves in path order.
//! It reloads lazily, like a store. [SMST-STORE-1]

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::hasher::TrieHasher;
use crate::store::StoreError;
use crate::trie::Smst;
use crate::value::ValueMode;

/// The snapshot's wire form (postcard): format version, value mode, leaves in path order.
#[derive(Serialize, Deserialize)]
struct SnapshotV1 {
    version: u8,
    hashed: bool,
    leaves: Vec<([u8; 32], Vec<u8>)>,
}

const SNAPSHOT_VERSION: u8 = 1;

impl<H: TrieHasher> Smst<H> {
    /// The trie as compact bytes (postcard): version, mode, leaves. About 32 + value + 18 bytes
    /// per leaf. [SMST-STORE-1]
    pub fn to_snapshot(&self) -> Vec<u8> {
        let s = SnapshotV1 {
            version: SNAPSHOT_VERSION,
            hashed: self.mode() == ValueMode::Hashed,
            leaves: self.leaves().map(|(p, v)| (*p, v.to_vec())).collect(),
        };
        postcard::to_allocvec(&s).unwrap_or_default()
    }

    /// Reloads a trie from [`to_snapshot`](Self::to_snapshot) bytes; the hashed form is rebuilt
    /// lazily. Untrusted bytes are refused with an error: lengths are bounded by the input (no
    /// allocation beyond what the bytes can fill), leaves are checked, trailing bytes refused.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, StoreError> {
        let (s, rest): (SnapshotV1, &[u8]) =
            postcard::take_from_bytes(bytes).map_err(|_| StoreError::Snapshot)?;
        if !rest.is_empty() {
            return Err(StoreError::Snapshot);
        }
        if s.version != SNAPSHOT_VERSION {
            return Err(StoreError::Version { got: s.version });
        }
        // One canonical form: leaves in strictly increasing path order, as written.
        if s.leaves
            .windows(2)
            .any(|w| w.first().map(|a| a.0) >= w.get(1).map(|b| b.0))
        {
            return Err(StoreError::Order);
        }
        let mode = if s.hashed {
            ValueMode::Hashed
        } else {
            ValueMode::Raw
        };
        Self::from_leaves(mode, s.leaves)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::PoktSmst;

    #[test]
    fn hostile_snapshots_are_refused() {
        let mut t = PoktSmst::new(ValueMode::Raw);
        t.update(b"a", b"value", 3);
        let good = t.to_snapshot();
        assert!(PoktSmst::from_snapshot(&good).is_ok());
        for cut in 0..good.len() {
            assert!(PoktSmst::from_snapshot(&good[..cut]).is_err(), "cut {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            PoktSmst::from_snapshot(&trailing).err(),
            Some(StoreError::Snapshot)
        );
        let mut version = good.clone();
        version[0] = 9;
        assert_eq!(
            PoktSmst::from_snapshot(&version).err(),
            Some(StoreError::Version { got: 9 })
        );
        // A leaf count field other than 1, and a huge claimed length: errors, no allocation.
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 1] = 2;
        assert!(matches!(
            PoktSmst::from_snapshot(&bad).err(),
            Some(StoreError::Leaf { .. })
        ));
        assert!(PoktSmst::from_snapshot(&[1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        // Two leaves out of order, or the same path twice: refused (one canonical form).
        let leaf = |b: u8| {
            (
                [b; 32],
                alloc::vec![1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
            )
        };
        for leaves in [alloc::vec![leaf(2), leaf(1)], alloc::vec![leaf(1), leaf(1)]] {
            let bytes = postcard::to_allocvec(&SnapshotV1 {
                version: 1,
                hashed: false,
                leaves,
            })
            .unwrap();
            assert_eq!(
                PoktSmst::from_snapshot(&bytes).err(),
                Some(StoreError::Order)
            );
        }
    }

    /// The fuzz target `smst_snapshot_decode` starts from these snapshots (deterministic);
    /// `POKT_REGEN_CORPUS=1` rewrites them.
    #[cfg(feature = "std")]
    #[test]
    fn fuzz_seeds_are_current() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/smst_snapshot_decode"
        );
        for (name, mode, n) in [
            ("raw8", ValueMode::Raw, 8u8),
            ("hashed3", ValueMode::Hashed, 3),
        ] {
            let mut t = PoktSmst::new(mode);
            for i in 0..n {
                t.update(&[i], &[i; 5], u64::from(i) + 1);
            }
            let path = alloc::format!("{dir}/{name}");
            if std::env::var_os("POKT_REGEN_CORPUS").is_some() {
                std::fs::write(&path, t.to_snapshot()).unwrap();
            }
            assert_eq!(std::fs::read(&path).unwrap(), t.to_snapshot(), "{name}");
        }
    }
}
