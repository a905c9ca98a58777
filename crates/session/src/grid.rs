//! The session grid: which session a block height belongs to.
//!
//! Heights are Go `int64` on chain; the grid functions take `i64` so that the chain's edge cases
//! (height ≤ 0 gives 0, an anchor above the query height falls back to the genesis grid) are
//! reproduced exactly. [SESSION-GRID-1]

use pokt_primitives::{BlockHeight, SessionNumber};

/// The anchored session grid in force at some height: `num_blocks_per_session` (N) and the anchor
/// the chain records when N changes (`session_grid_anchor_height`, `session_number_at_anchor`).
///
/// ```
/// use pokt_session::SessionGrid;
/// let grid = SessionGrid::genesis(10);
/// assert_eq!(grid.start(25), 21);
/// assert_eq!(grid.end(25), 30);
/// assert_eq!(grid.number(25), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionGrid {
    num_blocks_per_session: u64,
    anchor_height: i64,
    number_at_anchor: i64,
}

impl SessionGrid {
    /// A grid anchored at `anchor_height` whose session there has number `number_at_anchor`.
    ///
    /// Returns `None` when `num_blocks_per_session` is 0 or does not fit an `i64` (the chain's
    /// param validation forbids both).
    pub fn new(
        num_blocks_per_session: u64,
        anchor_height: i64,
        number_at_anchor: i64,
    ) -> Option<Self> {
        if num_blocks_per_session == 0 || i64::try_from(num_blocks_per_session).is_err() {
            return None;
        }
        Some(Self {
            num_blocks_per_session,
            anchor_height,
            number_at_anchor,
        })
    }

    /// The legacy grid that starts at block 1 with session number 1 (a chain whose N never
    /// changed). `num_blocks_per_session` of 0 is treated as 1.
    pub fn genesis(num_blocks_per_session: u64) -> Self {
        let n = num_blocks_per_session.clamp(1, i64::MAX.unsigned_abs());
        Self {
            num_blocks_per_session: n,
            anchor_height: 1,
            number_at_anchor: 1,
        }
    }

    /// N, the number of blocks in a session.
    pub fn num_blocks_per_session(&self) -> u64 {
        self.num_blocks_per_session
    }

    /// The recorded anchor height.
    pub fn anchor_height(&self) -> i64 {
        self.anchor_height
    }

    /// The recorded session number at the anchor.
    pub fn number_at_anchor(&self) -> i64 {
        self.number_at_anchor
    }

    /// The anchor actually used at `height`: `(1, 1)` when the anchor is ≤ 0 or above `height`;
    /// a number at anchor ≤ 0 is read as 1. [SESSION-GRID-2]
    fn effective_anchor(&self, height: i64) -> (i64, i64) {
        if self.anchor_height <= 0 || self.anchor_height > height {
            return (1, 1);
        }
        let number = if self.number_at_anchor <= 0 {
            1
        } else {
            self.number_at_anchor
        };
        (self.anchor_height, number)
    }

    fn n(&self) -> i64 {
        // Checked in the constructors: N fits an i64 and is at least 1.
        i64::try_from(self.num_blocks_per_session).unwrap_or(i64::MAX)
    }

    /// First block of the session containing `height`; 0 when `height ≤ 0`. Go's truncating
    /// division is used, as the chain does. [SESSION-GRID-1]
    pub fn start(&self, height: i64) -> i64 {
        if height <= 0 {
            return 0;
        }
        let (anchor, _) = self.effective_anchor(height);
        let n = self.n();
        let offset = height.wrapping_sub(anchor).wrapping_div(n).wrapping_mul(n);
        anchor.wrapping_add(offset)
    }

    /// Last block (inclusive) of the session containing `height`; 0 when `height ≤ 0`.
    pub fn end(&self, height: i64) -> i64 {
        if height <= 0 {
            return 0;
        }
        self.start(height).wrapping_add(self.n()).wrapping_sub(1)
    }

    /// The session number of `height`; 0 when `height ≤ 0`.
    pub fn number(&self, height: i64) -> i64 {
        if height <= 0 {
            return 0;
        }
        let (anchor, number) = self.effective_anchor(height);
        number.wrapping_add(height.wrapping_sub(anchor).wrapping_div(self.n()))
    }

    /// [`start`](Self::start) over the typed height.
    pub fn start_of(&self, height: BlockHeight) -> BlockHeight {
        BlockHeight::new(self.start(height.get()))
    }

    /// [`end`](Self::end) over the typed height.
    pub fn end_of(&self, height: BlockHeight) -> BlockHeight {
        BlockHeight::new(self.end(height.get()))
    }

    /// [`number`](Self::number) over the typed height.
    pub fn number_of(&self, height: BlockHeight) -> SessionNumber {
        SessionNumber::new(self.number(height.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges() {
        let g = SessionGrid::genesis(4);
        assert_eq!((g.start(0), g.end(0), g.number(0)), (0, 0, 0));
        assert_eq!((g.start(-7), g.end(-7), g.number(-7)), (0, 0, 0));
        assert_eq!((g.start(1), g.end(1), g.number(1)), (1, 4, 1));
        assert_eq!((g.start(4), g.end(4), g.number(4)), (1, 4, 1));
        assert_eq!((g.start(5), g.end(5), g.number(5)), (5, 8, 2));
        // An anchor above the query height falls back to the genesis grid.
        let a = SessionGrid::new(10, 100, 20).unwrap();
        assert_eq!(a.start(50), 41);
        assert_eq!(a.start(105), 100);
        assert_eq!(a.number(105), 20);
        assert_eq!(SessionGrid::new(0, 1, 1), None);
    }

    proptest! {
        #[test]
        fn height_lies_in_its_session(n in 1u64..500, anchor in -5i64..10_000, at in -3i64..100, h in 1i64..1_000_000) {
            let g = SessionGrid::new(n, anchor, at).unwrap();
            let (s, e) = (g.start(h), g.end(h));
            prop_assert!(s <= h && h <= e);
            prop_assert_eq!(e - s + 1, n as i64);
            // Consecutive sessions have consecutive numbers once past the anchor.
            if g.start(h) >= anchor.max(1) && anchor > 0 {
                prop_assert_eq!(g.number(e + 1), g.number(h) + 1);
                prop_assert_eq!(g.start(e + 1), e + 1);
            }
        }
    }
}
