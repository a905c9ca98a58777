//! Protocol quantities: heights and block intervals, session numbers, compute units and uPOKT.
//!
//! Each is a newtype with a private field and checked arithmetic; nothing here wraps or panics.
//! [PRIM-UNITS-1]

use core::fmt;

macro_rules! quantity {
    ($(#[$meta:meta])* $name:ident($inner:ty), $unit:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        pub struct $name($inner);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// The largest representable value.
            pub const MAX: Self = Self(<$inner>::MAX);

            /// Wraps a raw value.
            pub const fn new(v: $inner) -> Self {
                Self(v)
            }

            /// The raw value.
            pub const fn get(self) -> $inner {
                self.0
            }
        }

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $inner {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!("{}", $unit), self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
    };
}

/// Checked addition and subtraction of two values of one quantity (amounts, interval lengths).
macro_rules! additive {
    ($name:ident) => {
        impl $name {
            /// Checked addition; `None` on overflow.
            pub const fn checked_add(self, rhs: Self) -> Option<Self> {
                match self.0.checked_add(rhs.0) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// Checked subtraction; `None` on overflow (or below zero for unsigned quantities).
            pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
                match self.0.checked_sub(rhs.0) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// Saturating subtraction.
            pub const fn saturating_sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }

            /// Checked multiplication by a count; `None` on overflow.
            pub const fn checked_mul(self, n: u64) -> Option<Self> {
                match self.0.checked_mul(n) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }
        }
    };
}

quantity!(
    /// A block height. Signed as on chain (Go `int64`): the session grid defines heights ≤ 0
    /// to belong to no session.
    ///
    /// Heights are points, not amounts: a height plus a [`BlockInterval`] is a height, and the
    /// difference of two heights is an interval (rust-bitcoin `units`). Every such operation is
    /// checked.
    ///
    /// ```
    /// use pokt_primitives::{BlockHeight, BlockInterval};
    /// let end = BlockHeight::new(20);
    /// let grace = BlockInterval::new(10);
    /// let last = end.checked_add(grace).unwrap();
    /// assert_eq!(last, BlockHeight::new(30));
    /// assert_eq!(last.checked_sub(end), Some(grace));
    /// assert_eq!(end.checked_sub(last), None); // heights do not go backwards
    /// ```
    BlockHeight(i64),
    ""
);

impl BlockHeight {
    /// The height `blocks` later; `None` above `i64::MAX`.
    pub const fn checked_add(self, blocks: BlockInterval) -> Option<Self> {
        if blocks.0 > i64::MAX as u64 {
            return None;
        }
        match self.0.checked_add(blocks.0 as i64) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The height `blocks` earlier; `None` below `i64::MIN`.
    pub const fn checked_sub_interval(self, blocks: BlockInterval) -> Option<Self> {
        if blocks.0 > i64::MAX as u64 {
            return None;
        }
        match self.0.checked_sub(blocks.0 as i64) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The interval from `earlier` to `self`; `None` when `earlier` is later than `self`.
    pub const fn checked_sub(self, earlier: Self) -> Option<BlockInterval> {
        match self.0.checked_sub(earlier.0) {
            Some(d) if d >= 0 => Some(BlockInterval(d as u64)),
            // i64::MAX − i64::MIN overflows i64 but fits u64.
            None if self.0 >= earlier.0 => Some(BlockInterval(
                (self.0 as u64).wrapping_sub(earlier.0 as u64),
            )),
            _ => None,
        }
    }

    /// The next height; `None` at `i64::MAX`.
    pub const fn checked_next(self) -> Option<Self> {
        self.checked_add(BlockInterval::ONE)
    }

    /// The previous height; `None` at `i64::MIN`.
    pub const fn checked_prev(self) -> Option<Self> {
        self.checked_sub_interval(BlockInterval::ONE)
    }
}

quantity!(
    /// A number of blocks: a session's length, a window offset, a grace period, the distance
    /// between two [`BlockHeight`]s. Unsigned, as the chain's offsets (Go `uint64`).
    BlockInterval(u64),
    ""
);

additive!(BlockInterval);

impl BlockInterval {
    /// One block.
    pub const ONE: Self = Self(1);

    /// How many whole intervals of `rhs` cover `self`, rounding up (⌈self / rhs⌉); `None` when
    /// `rhs` is zero.
    pub const fn checked_div_ceil(self, rhs: Self) -> Option<u64> {
        if rhs.0 == 0 {
            return None;
        }
        Some(self.0.div_ceil(rhs.0))
    }
}

quantity!(
    /// A session number on the session grid (Go `int64`; 0 for heights ≤ 0).
    SessionNumber(i64),
    ""
);

impl SessionNumber {
    /// The next session's number; `None` at `i64::MAX`.
    pub const fn checked_next(self) -> Option<Self> {
        match self.0.checked_add(1) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }
}

quantity!(
    /// Compute units: a relay's weight in the session tree, and a claim's sum.
    ComputeUnits(u64),
    " CU"
);

additive!(ComputeUnits);

quantity!(
    /// An amount of uPOKT (10⁻⁶ POKT), the chain's base denomination.
    Upokt(u64),
    " upokt"
);

additive!(Upokt);

impl Upokt {
    /// Checked integer division (truncating); `None` when dividing by zero.
    pub const fn checked_div(self, n: u64) -> Option<Self> {
        match self.0.checked_div(n) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked() {
        assert_eq!(Upokt::MAX.checked_add(Upokt::new(1)), None);
        assert_eq!(Upokt::ZERO.checked_sub(Upokt::new(1)), None);
        assert_eq!(Upokt::new(7).checked_div(0), None);
        assert_eq!(
            ComputeUnits::new(3).checked_mul(5),
            Some(ComputeUnits::new(15))
        );
        assert_eq!(format!("{}", Upokt::new(3)), "3 upokt");
        assert_eq!(format!("{:?}", BlockInterval::new(3)), "BlockInterval(3)");
    }

    #[test]
    fn heights_and_intervals() {
        let h = BlockHeight::new;
        let i = BlockInterval::new;
        assert_eq!(h(5).checked_add(i(3)), Some(h(8)));
        assert_eq!(h(-5).checked_add(i(3)), Some(h(-2)));
        assert_eq!(BlockHeight::MAX.checked_add(i(1)), None);
        assert_eq!(h(1).checked_add(BlockInterval::MAX), None);
        assert_eq!(h(i64::MIN).checked_add(i(i64::MAX as u64)), Some(h(-1)));
        assert_eq!(h(8).checked_sub_interval(i(3)), Some(h(5)));
        assert_eq!(h(i64::MIN).checked_sub_interval(i(1)), None);
        assert_eq!(h(8).checked_sub(h(5)), Some(i(3)));
        assert_eq!(h(5).checked_sub(h(8)), None);
        assert_eq!(h(5).checked_sub(h(5)), Some(BlockInterval::ZERO));
        assert_eq!(
            BlockHeight::MAX.checked_sub(h(i64::MIN)),
            Some(BlockInterval::MAX)
        );
        assert_eq!(h(3).checked_next(), Some(h(4)));
        assert_eq!(BlockHeight::MAX.checked_next(), None);
        assert_eq!(h(3).checked_prev(), Some(h(2)));
        assert_eq!(i(41).checked_div_ceil(i(20)), Some(3));
        assert_eq!(i(40).checked_div_ceil(i(20)), Some(2));
        assert_eq!(i(1).checked_div_ceil(BlockInterval::ZERO), None);
        assert_eq!(
            SessionNumber::new(4).checked_next(),
            Some(SessionNumber::new(5))
        );
        assert_eq!(SessionNumber::MAX.checked_next(), None);
    }
}
