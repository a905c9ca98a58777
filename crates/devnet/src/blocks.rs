//! Blocks: the current height and each block's hash, SHA-256("pokt-devnet block" ‖ seed ‖
//! previous hash ‖ height BE), so two devnets with one seed are the same chain. [DEVNET-1]

use pokt_primitives::{BlockHash, BlockHeight};
use sha2::{Digest, Sha256};

use crate::DevnetError;

/// The blocks made so far.
#[derive(Clone, Debug)]
pub(crate) struct Blocks {
    seed: [u8; 32],
    height: BlockHeight,
    /// The hash of block `h` at index `h − 1`.
    hashes: Vec<BlockHash>,
}

impl Blocks {
    /// No block yet (height 0).
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        Self {
            seed,
            height: BlockHeight::ZERO,
            hashes: Vec::new(),
        }
    }

    /// The last block made.
    pub(crate) fn height(&self) -> BlockHeight {
        self.height
    }

    /// Makes the next block; returns its height.
    pub(crate) fn make(&mut self) -> Result<BlockHeight, DevnetError> {
        let height = self
            .height
            .checked_next()
            .ok_or(DevnetError::HeightOverflow)?;
        let prev = self.hashes.last().map_or([0u8; 32], |h| h.to_bytes());
        let hash: [u8; 32] = Sha256::new()
            .chain_update(b"pokt-devnet block")
            .chain_update(self.seed)
            .chain_update(prev)
            .chain_update(height.get().to_be_bytes())
            .finalize()
            .into();
        self.hashes.push(BlockHash::from_bytes(hash));
        self.height = height;
        Ok(height)
    }

    /// The hash of block `height`, if made.
    pub(crate) fn hash(&self, height: BlockHeight) -> Option<BlockHash> {
        let i = usize::try_from(height.get().checked_sub(1)?).ok()?;
        self.hashes.get(i).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_start_at_one_and_hashes_chain() {
        let mut b = Blocks::new([1; 32]);
        assert_eq!(b.hash(BlockHeight::new(1)), None);
        assert_eq!(b.make(), Ok(BlockHeight::new(1)));
        assert_eq!(b.make(), Ok(BlockHeight::new(2)));
        assert_eq!(b.height(), BlockHeight::new(2));
        assert!(b.hash(BlockHeight::new(1)).is_some());
        assert_ne!(b.hash(BlockHeight::new(1)), b.hash(BlockHeight::new(2)));
        assert_eq!(b.hash(BlockHeight::new(0)), None);
        assert_eq!(b.hash(BlockHeight::new(-1)), None);
        assert_eq!(b.hash(BlockHeight::new(3)), None);
    }

    #[test]
    fn the_last_height_is_refused_not_wrapped() {
        let mut b = Blocks::new([1; 32]);
        b.height = BlockHeight::MAX;
        assert_eq!(b.make(), Err(DevnetError::HeightOverflow));
        assert_eq!(b.height(), BlockHeight::MAX);
    }
}
