//! Go's `math/rand` Go-1 source and the proof-requirement draw built on it.
//!
//! poktroll draws the proof-requirement sample with `rand.New(rand.NewSource(seed)).Float64()`,
//! the seed being Go's `binary.Varint` of a SHA-256 digest. Both are reproduced bit for bit here.
//! [MINING-RAND-1] [MINING-RAND-2]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use sha2::{Digest, Sha256};

use crate::rng_cooked::RNG_COOKED;

const RNG_LEN: usize = 607;
const RNG_TAP: usize = 273;
const INT32_MAX: i64 = (1 << 31) - 1;

/// Go's `math/rand` Go-1 additive lagged Fibonacci source (`rngSource`), seeded as
/// `rand.NewSource(seed)` seeds it. [MINING-RAND-1]
///
/// ```
/// use pokt_mining::GoRand;
/// let mut r = GoRand::new(1);
/// assert_eq!(r.int63(), 5577006791947779410);
/// ```
#[derive(Clone)]
pub struct GoRand {
    tap: usize,
    feed: usize,
    vec: [i64; RNG_LEN],
}

impl core::fmt::Debug for GoRand {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GoRand")
            .field("tap", &self.tap)
            .field("feed", &self.feed)
            .finish_non_exhaustive()
    }
}

/// Go's `seedrand`: x[n+1] = 48271 · x[n] mod (2³¹ − 1), by Schrage's method.
fn seedrand(x: i32) -> i32 {
    const A: i32 = 48271;
    const Q: i32 = 44488;
    const R: i32 = 3399;
    let hi = x.wrapping_div(Q);
    let lo = x.wrapping_rem(Q);
    let mut x = A.wrapping_mul(lo).wrapping_sub(R.wrapping_mul(hi));
    if x < 0 {
        x = x.wrapping_add(i32::MAX);
    }
    x
}

impl GoRand {
    /// A source seeded with `seed` (Go: `seed % (2³¹−1)`, negative remainders lifted, 0 replaced by
    /// 89482311).
    pub fn new(seed: i64) -> Self {
        let mut seed = seed.wrapping_rem(INT32_MAX);
        if seed < 0 {
            seed = seed.wrapping_add(INT32_MAX);
        }
        if seed == 0 {
            seed = 89_482_311;
        }
        // 0 < seed < 2^31 - 1, so it fits.
        let mut x = i32::try_from(seed).unwrap_or(89_482_311);
        let mut vec = [0i64; RNG_LEN];
        // Twenty warm-up rounds, then fill the state.
        for _ in 0..20 {
            x = seedrand(x);
        }
        for (slot, cooked) in vec.iter_mut().zip(RNG_COOKED.iter()) {
            x = seedrand(x);
            let mut u = i64::from(x) << 40;
            x = seedrand(x);
            u ^= i64::from(x) << 20;
            x = seedrand(x);
            u ^= i64::from(x);
            u ^= *cooked;
            *slot = u;
        }
        Self {
            tap: 0,
            feed: RNG_LEN - RNG_TAP,
            vec,
        }
    }

    /// The next 64 raw bits (Go's `Uint64`).
    pub fn uint64(&mut self) -> u64 {
        self.tap = if self.tap == 0 {
            RNG_LEN - 1
        } else {
            self.tap.saturating_sub(1)
        };
        self.feed = if self.feed == 0 {
            RNG_LEN - 1
        } else {
            self.feed.saturating_sub(1)
        };
        // tap and feed are always < RNG_LEN.
        let a = self.vec.get(self.feed).copied().unwrap_or(0);
        let b = self.vec.get(self.tap).copied().unwrap_or(0);
        let x = a.wrapping_add(b);
        if let Some(slot) = self.vec.get_mut(self.feed) {
            *slot = x;
        }
        u64::from_ne_bytes(x.to_ne_bytes())
    }

    /// A non-negative 63-bit integer (Go's `Int63`).
    pub fn int63(&mut self) -> i64 {
        i64::from_ne_bytes((self.uint64() & (u64::MAX >> 1)).to_ne_bytes())
    }

    /// A float in [0, 1) (Go's `Float64`: `Int63 / 2⁶³`, redrawn when it rounds to 1).
    pub fn float64(&mut self) -> f64 {
        loop {
            // Go converts the int63 to float64 (round to nearest even) and divides by 2^63 exactly.
            #[allow(clippy::cast_precision_loss)]
            let f = self.int63() as f64 / 9_223_372_036_854_775_808.0;
            if f != 1.0 {
                return f;
            }
        }
    }
}

/// Go's `binary.Varint`: a zig-zag LEB128 signed varint from the start of `buf`. Returns the
/// value and the bytes read; like Go, an unterminated or overflowing varint gives 0 (with a
/// non-positive count). [MINING-RAND-2]
pub fn go_varint(buf: &[u8]) -> (i64, isize) {
    let mut x: u64 = 0;
    let mut shift: u32 = 0;
    for (i, &b) in buf.iter().enumerate() {
        let n = isize::try_from(i).unwrap_or(isize::MAX);
        if i == 10 {
            return (0, n.wrapping_add(1).wrapping_neg()); // overflow
        }
        if b < 0x80 {
            if i == 9 && b > 1 {
                return (0, n.wrapping_add(1).wrapping_neg()); // overflow
            }
            let ux = x | (u64::from(b) << shift);
            let half = i64::from_ne_bytes((ux >> 1).to_ne_bytes());
            let v = if ux & 1 == 0 { half } else { !half };
            return (v, n.wrapping_add(1));
        }
        x |= u64::from(b & 0x7f) << shift;
        shift = shift.wrapping_add(7);
    }
    (0, 0)
}

/// poktroll's `SeededFloat64(a, b)`: seed = `binary.Varint(SHA-256(a ‖ b))`, then the first
/// `Float64` of a Go source with that seed. Returns `(seed, float)`. [MINING-RAND-2]
///
/// ```
/// let (seed, f) = pokt_mining::seeded_float(b"", b"");
/// assert_eq!(seed, -69766194);
/// assert_eq!(f, 0.25352049889175265);
/// ```
pub fn seeded_float(a: &[u8], b: &[u8]) -> (i64, f64) {
    let digest = Sha256::new().chain_update(a).chain_update(b).finalize();
    let (seed, _) = go_varint(&digest);
    (seed, GoRand::new(seed).float64())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn varint_edges() {
        assert_eq!(go_varint(&[0x00]), (0, 1));
        assert_eq!(go_varint(&[0x01]), (-1, 1));
        assert_eq!(go_varint(&[0x02]), (1, 1));
        assert_eq!(go_varint(&[0x80, 0x01]), (64, 2));
        assert_eq!(go_varint(&[0xff; 32]).0, 0);
        assert!(go_varint(&[0xff; 32]).1 < 0);
        assert_eq!(go_varint(&[0x80]), (0, 0));
    }

    #[test]
    fn seed_zero_is_the_replacement_seed() {
        let (mut a, mut b) = (GoRand::new(0), GoRand::new(89_482_311));
        for _ in 0..700 {
            assert_eq!(a.int63(), b.int63());
        }
    }
}
