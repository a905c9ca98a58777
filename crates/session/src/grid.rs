//! The session grid: which session a block height belongs to.
//!
//! Heights are Go `int64` on chain; the grid's arithmetic is done on the raw values with Go's
//! truncating division so that the chain's edge cases (height ≤ 0 gives 0, an anchor above the
//! query height falls back to the genesis grid) are reproduced exactly. [SESSION-GRID-1]

use pokt_primitives::{BlockHeight, BlockInterval, SessionNumber, SharedParams};

/// The anchored session grid in force at some height: `num_blocks_per_session` (N) and the anchor
/// the chain records when N changes (`session_grid_anchor_height`, `session_number_at_anchor`).
///
/// ```
/// use pokt_primitives::{BlockHeight, BlockInterval, SessionNumber};
/// use pokt_session::SessionGrid;
/// let grid = SessionGrid::genesis(BlockInterval::new(10));
/// let h = BlockHeight::new(25);
/// assert_eq!(grid.start(h), BlockHeight::new(21));
/// assert_eq!(grid.end(h), BlockHeight::new(30));
/// assert_eq!(grid.number(h), SessionNumber::new(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionGrid {
    /// N, at least 1 and at most `i64::MAX` (checked by the constructors).
    n: i64,
    anchor_height: BlockHeight,
    number_at_anchor: SessionNumber,
}

impl SessionGrid {
    /// A grid anchored at `anchor_height` whose session there has number `number_at_anchor`.
    ///
    /// Returns `None` when `num_blocks_per_session` is 0 or does not fit an `i64` (the chain's
    /// param validation forbids both).
    pub fn new(
        num_blocks_per_session: BlockInterval,
        anchor_height: BlockHeight,
        number_at_anchor: SessionNumber,
    ) -> Option<Self> {
        let n = i64::try_from(num_blocks_per_session.get()).ok()?;
        if n == 0 {
            return None;
        }
        Some(Self {
            n,
            anchor_height,
            number_at_anchor,
        })
    }

    /// The grid the shared params describe (`num_blocks_per_session` and the recorded anchor);
    /// `None` when N is 0 or above `i64::MAX`.
    pub fn from_shared(params: &SharedParams) -> Option<Self> {
        Self::new(
            params.num_blocks_per_session,
            params.session_grid_anchor_height,
            params.session_number_at_anchor,
        )
    }

    /// The legacy grid that starts at block 1 with session number 1 (a chain whose N never
    /// changed). `num_blocks_per_session` of 0 is treated as 1, above `i64::MAX` as `i64::MAX`.
    pub fn genesis(num_blocks_per_session: BlockInterval) -> Self {
        let n = i64::try_from(num_blocks_per_session.get())
            .unwrap_or(i64::MAX)
            .max(1);
        Self {
            n,
            anchor_height: BlockHeight::new(1),
            number_at_anchor: SessionNumber::new(1),
        }
    }

    /// N, the number of blocks in a session.
    pub fn num_blocks_per_session(&self) -> BlockInterval {
        BlockInterval::new(self.n.unsigned_abs())
    }

    /// The recorded anchor height.
    pub fn anchor_height(&self) -> BlockHeight {
        self.anchor_height
    }

    /// The recorded session number at the anchor.
    pub fn number_at_anchor(&self) -> SessionNumber {
        self.number_at_anchor
    }

    /// The anchor actually used at `height`: `(1, 1)` when the anchor is ≤ 0 or above `height`;
    /// a number at anchor ≤ 0 is read as 1. [SESSION-GRID-2]
    fn effective_anchor(&self, height: i64) -> (i64, i64) {
        let anchor = self.anchor_height.get();
        if anchor <= 0 || anchor > height {
            return (1, 1);
        }
        let number = self.number_at_anchor.get();
        (anchor, if number <= 0 { 1 } else { number })
    }

    /// First block of the session containing `height`; 0 when `height ≤ 0`. Go's truncating
    /// division is used, as the chain does. [SESSION-GRID-1]
    pub fn start(&self, height: BlockHeight) -> BlockHeight {
        BlockHeight::new(self.start_raw(height.get()))
    }

    fn start_raw(&self, height: i64) -> i64 {
        if height <= 0 {
            return 0;
        }
        let (anchor, _) = self.effective_anchor(height);
        let offset = height
            .wrapping_sub(anchor)
            .wrapping_div(self.n)
            .wrapping_mul(self.n);
        anchor.wrapping_add(offset)
    }

    /// Last block (inclusive) of the session containing `height`; 0 when `height ≤ 0`.
    /// [SESSION-GRID-1]
    pub fn end(&self, height: BlockHeight) -> BlockHeight {
        let h = height.get();
        if h <= 0 {
            return BlockHeight::ZERO;
        }
        BlockHeight::new(self.start_raw(h).wrapping_add(self.n).wrapping_sub(1))
    }

    /// The session number of `height`; 0 when `height ≤ 0`. [SESSION-GRID-1]
    pub fn number(&self, height: BlockHeight) -> SessionNumber {
        let h = height.get();
        if h <= 0 {
            return SessionNumber::ZERO;
        }
        let (anchor, number) = self.effective_anchor(h);
        SessionNumber::new(number.wrapping_add(h.wrapping_sub(anchor).wrapping_div(self.n)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(g: &SessionGrid, h: i64) -> (i64, i64, i64) {
        let h = BlockHeight::new(h);
        (g.start(h).get(), g.end(h).get(), g.number(h).get())
    }

    fn grid(n: u64, anchor: i64, number: i64) -> Option<SessionGrid> {
        SessionGrid::new(
            BlockInterval::new(n),
            BlockHeight::new(anchor),
            SessionNumber::new(number),
        )
    }

    #[test]
    fn edges() {
        let g = SessionGrid::genesis(BlockInterval::new(4));
        assert_eq!(at(&g, 0), (0, 0, 0));
        assert_eq!(at(&g, -7), (0, 0, 0));
        assert_eq!(at(&g, 1), (1, 4, 1));
        assert_eq!(at(&g, 4), (1, 4, 1));
        assert_eq!(at(&g, 5), (5, 8, 2));
        // An anchor above the query height falls back to the genesis grid.
        let a = grid(10, 100, 20).unwrap();
        assert_eq!(at(&a, 50).0, 41);
        assert_eq!(at(&a, 105).0, 100);
        assert_eq!(at(&a, 105).2, 20);
        assert_eq!(grid(0, 1, 1), None);
        assert_eq!(grid(u64::MAX, 1, 1), None);
        assert_eq!(
            SessionGrid::genesis(BlockInterval::ZERO).num_blocks_per_session(),
            BlockInterval::new(1)
        );
        assert_eq!(
            SessionGrid::from_shared(&SharedParams::mainnet()),
            grid(20, 0, 0)
        );
    }

    proptest! {
        #[test]
        fn height_lies_in_its_session(n in 1u64..500, anchor in -5i64..10_000, k in -3i64..100, h in 1i64..1_000_000) {
            let g = grid(n, anchor, k).unwrap();
            let (s, e, number) = at(&g, h);
            prop_assert!(s <= h && h <= e);
            prop_assert_eq!(e - s + 1, n as i64);
            // Consecutive sessions have consecutive numbers once past the anchor.
            if s >= anchor.max(1) && anchor > 0 {
                prop_assert_eq!(at(&g, e + 1).2, number + 1);
                prop_assert_eq!(at(&g, e + 1).0, e + 1);
            }
        }
    }
}
