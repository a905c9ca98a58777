//! Protocol quantities: heights, session numbers, compute units and uPOKT.
//!
//! Each is a newtype with a private field and checked arithmetic; nothing here wraps or panics.

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

quantity!(
    /// A block height. Signed as on chain (Go `int64`): the session grid defines heights ≤ 0
    /// to belong to no session.
    BlockHeight(i64),
    ""
);

impl BlockHeight {
    /// Adds a non-negative block offset; `None` on overflow.
    pub const fn checked_add_blocks(self, blocks: u64) -> Option<Self> {
        if blocks > i64::MAX as u64 {
            return None;
        }
        match self.0.checked_add(blocks as i64) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The number of blocks from `earlier` to `self`, or `None` if `earlier` is later.
    pub const fn blocks_since(self, earlier: Self) -> Option<u64> {
        match self.0.checked_sub(earlier.0) {
            Some(d) if d >= 0 => Some(d as u64),
            _ => None,
        }
    }
}

quantity!(
    /// A session number on the session grid (Go `int64`; 0 for heights ≤ 0).
    SessionNumber(i64),
    ""
);

quantity!(
    /// Compute units: a relay's weight in the session tree, and a claim's sum.
    ComputeUnits(u64),
    " CU"
);

impl ComputeUnits {
    /// Checked multiplication by a count (e.g. relays × compute units per relay).
    pub const fn checked_mul(self, n: u64) -> Option<Self> {
        match self.0.checked_mul(n) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }
}

quantity!(
    /// An amount of uPOKT (10⁻⁶ POKT), the chain's base denomination.
    Upokt(u64),
    " upokt"
);

impl Upokt {
    /// Checked multiplication by an integer.
    pub const fn checked_mul(self, n: u64) -> Option<Self> {
        match self.0.checked_mul(n) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

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
            BlockHeight::new(5).checked_add_blocks(3),
            Some(BlockHeight::new(8))
        );
        assert_eq!(BlockHeight::MAX.checked_add_blocks(1), None);
        assert_eq!(BlockHeight::new(1).checked_add_blocks(u64::MAX), None);
        assert_eq!(
            BlockHeight::new(8).blocks_since(BlockHeight::new(5)),
            Some(3)
        );
        assert_eq!(BlockHeight::new(5).blocks_since(BlockHeight::new(8)), None);
        assert_eq!(
            ComputeUnits::new(3).checked_mul(5),
            Some(ComputeUnits::new(15))
        );
        assert_eq!(format!("{}", Upokt::new(3)), "3 upokt");
    }
}
