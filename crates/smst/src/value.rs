//! How a leaf's value is stored: the value mode and the stored form
//! `value (or its hash) ‖ weight ‖ count 1`. [SMST-VALUE-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use crate::hasher::TrieHasher;
use crate::node::read_u64;

/// How leaf values are stored. [SMST-VALUE-1]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ValueMode {
    /// The raw value is stored in the leaf (POKT: "nil value hasher"), so a proof reveals it.
    #[default]
    Raw,
    /// The value's hash is stored (the library's default).
    Hashed,
}

/// Writes the stored form of a leaf (value or its hash ‖ weight ‖ count 1) into `out`.
pub(crate) fn encode_stored<H: TrieHasher>(
    mode: ValueMode,
    value: &[u8],
    weight: u64,
    out: &mut Vec<u8>,
) {
    out.clear();
    match mode {
        ValueMode::Raw => out.extend_from_slice(value),
        ValueMode::Hashed => out.extend_from_slice(&H::digest(&[value])),
    }
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&1u64.to_be_bytes());
}

/// The weight of a stored leaf (the 8 bytes before its last 8).
pub(crate) fn stored_weight(stored: &[u8]) -> u64 {
    read_u64(stored.get(stored.len().saturating_sub(16)..).unwrap_or(&[]))
}

/// The value part of a stored leaf (raw value, or its hash in hashed mode).
pub(crate) fn stored_value(stored: &[u8]) -> &[u8] {
    stored.get(..stored.len().saturating_sub(16)).unwrap_or(&[])
}

/// Whether `stored` has the mode's shape: a value (any length in raw mode, 32 bytes in hashed
/// mode) ‖ weight ‖ count 1.
pub(crate) fn stored_is_well_formed(mode: ValueMode, stored: &[u8]) -> bool {
    let n = stored.len();
    let count = read_u64(stored.get(n.saturating_sub(8)..).unwrap_or(&[]));
    let value_ok = match mode {
        ValueMode::Raw => n >= 16,
        ValueMode::Hashed => n == 16 + 32,
    };
    value_ok && count == 1
}
