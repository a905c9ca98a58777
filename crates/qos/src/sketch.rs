//! Decaying latency statistics in fixed memory: a log-linear histogram whose old samples fade
//! geometrically, and an exponentially weighted average.
//!
//! # Spec
//! `[QOS-STAT-1]`, `[QOS-STAT-2]`.

use core::time::Duration;

/// Sub-buckets per octave: 2^3 = 8, so a bucket spans at most 1/8 of its lower bound.
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Values below 2^4 µs (16 µs) share the first bucket.
const MIN_OCTAVE: u32 = 4;
/// Values from 2^28 µs (about 268 s) share the last bucket.
const MAX_OCTAVE: u32 = 28;
/// Number of buckets: one below the range, 8 per octave, one above.
pub(crate) const BUCKETS: usize = 2 + (MAX_OCTAVE - MIN_OCTAVE) as usize * SUB;
/// When the next sample's weight passes this, every weight is divided by it (the ratios, hence
/// the quantiles, do not change).
const RESCALE_AT: f32 = 1e20;

/// The bucket of a latency of `us` microseconds.
fn bucket_of(us: u64) -> usize {
    if us < 1 << MIN_OCTAVE {
        return 0;
    }
    let octave = 63 - us.leading_zeros();
    if octave >= MAX_OCTAVE {
        return BUCKETS - 1;
    }
    // The three bits below the leading one.
    let sub = usize::try_from((us >> (octave - SUB_BITS)) & (SUB as u64 - 1)).unwrap_or(0);
    1 + (octave - MIN_OCTAVE) as usize * SUB + sub
}

/// The bounds `[lo, hi)` of bucket `i`, in microseconds (the last bucket is reported at its
/// lower bound).
fn bucket_bounds(i: usize) -> (f32, f32) {
    if i == 0 {
        return (0.0, (1u32 << MIN_OCTAVE) as f32);
    }
    if i >= BUCKETS - 1 {
        let top = (1u64 << MAX_OCTAVE) as f32;
        return (top, top);
    }
    let j = i - 1;
    let octave = MIN_OCTAVE + u32::try_from(j / SUB).unwrap_or(MAX_OCTAVE);
    let sub = (j % SUB) as u64;
    let width = 1u64 << (octave - SUB_BITS);
    let lo = (SUB as u64 + sub) * width;
    (lo as f32, (lo + width) as f32)
}

/// `x` as an `f32` (the nearest; out-of-range values become infinite, which callers never pass:
/// shares, quantiles and random fractions in [0, 1]).
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn narrow(x: f64) -> f32 {
    x as f32
}

/// Microseconds of a duration, saturating.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A duration of `us` microseconds (negative or not a number: zero).
pub(crate) fn from_micros_f32(us: f32) -> Duration {
    Duration::try_from_secs_f64(f64::from(us) * 1e-6).unwrap_or(Duration::ZERO)
}

/// Number of bucket groups: the bucket below the range, one per octave, the bucket above.
const GROUPS: usize = 2 + (MAX_OCTAVE - MIN_OCTAVE) as usize;

/// The group of bucket `i`.
fn group_of(i: usize) -> usize {
    if i == 0 {
        0
    } else if i >= BUCKETS - 1 {
        GROUPS - 1
    } else {
        1 + (i - 1) / SUB
    }
}

/// The buckets of group `g`.
fn group_buckets(g: usize) -> core::ops::Range<usize> {
    if g == 0 {
        0..1
    } else if g >= GROUPS - 1 {
        BUCKETS - 1..BUCKETS
    } else {
        1 + (g - 1) * SUB..1 + g * SUB
    }
}

/// A latency histogram with log-linear buckets (8 per octave, 16 µs to 268 s, relative error of
/// a quantile at most 1/16 after interpolation within the bucket) whose samples fade: each new
/// sample weighs `1/(1 - alpha)` times the one before, so a sample `n` samples old counts
/// `(1 - alpha)^n` of a new one and the histogram remembers about `1/alpha` samples. Memory is
/// fixed (under 900 bytes); an insertion is O(1), a quantile a pass over the octaves and the
/// buckets of one octave.
#[derive(Clone, Debug)]
pub struct LatencySketch {
    weights: [f32; BUCKETS],
    /// Sum of each octave's buckets (the quantile search's first level).
    groups: [f32; GROUPS],
    total: f32,
    /// The weight the next sample gets.
    next: f32,
    /// `1 / (1 - alpha)`.
    growth: f32,
}

impl LatencySketch {
    /// An empty sketch remembering about `memory` samples (`alpha = 1/memory`; 1 keeps only the
    /// last sample).
    pub fn new(memory: u32) -> Self {
        let alpha = 1.0 / memory.max(1) as f32;
        // memory = 1 → alpha = 1: each sample replaces the ones before (growth = ∞ is avoided
        // by a very large factor, and the rescale keeps numbers finite).
        let growth = if alpha >= 1.0 {
            1e10
        } else {
            1.0 / (1.0 - alpha)
        };
        Self {
            weights: [0.0; BUCKETS],
            groups: [0.0; GROUPS],
            total: 0.0,
            next: 1.0,
            growth,
        }
    }

    /// Records a latency.
    pub fn insert(&mut self, d: Duration) {
        let i = bucket_of(micros(d));
        if let Some(w) = self.weights.get_mut(i) {
            *w += self.next;
        }
        if let Some(g) = self.groups.get_mut(group_of(i)) {
            *g += self.next;
        }
        self.total += self.next;
        self.next *= self.growth;
        if self.next > RESCALE_AT {
            let f = 1.0 / self.next;
            for w in self.weights.iter_mut().chain(self.groups.iter_mut()) {
                *w *= f;
            }
            self.total *= f;
            self.next = 1.0;
        }
    }

    /// The number of samples the sketch's weight amounts to, counted in units of the newest
    /// sample: about the number inserted while that is well below the memory, then the memory.
    pub fn samples(&self) -> f32 {
        if self.total == 0.0 {
            return 0.0;
        }
        // The newest sample weighs next / growth.
        self.total * self.growth / self.next
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0.0
    }

    /// The `q` quantile in microseconds (`q` in [0, 1]), `None` when empty.
    pub fn quantile_us(&self, q: f32) -> Option<f32> {
        let mut out = [0.0f32; 1];
        self.quantiles_us(&[q], &mut out).then_some(out[0])
    }

    /// The `q` quantile as a duration, `None` when empty.
    pub fn quantile(&self, q: f32) -> Option<Duration> {
        self.quantile_us(q).map(from_micros_f32)
    }

    /// Several quantiles in one pass: `qs` ascending, results written to `out` (same length) in
    /// microseconds. Returns false (and leaves `out` alone) when the sketch is empty.
    pub fn quantiles_us(&self, qs: &[f32], out: &mut [f32]) -> bool {
        if self.total <= 0.0 {
            return false;
        }
        // Cumulative weight before group `g`.
        let mut g = 0usize;
        let mut before = 0.0f32;
        let mut last_hi = 0.0f32;
        for (&q, slot) in qs.iter().zip(out.iter_mut()) {
            let target = q.clamp(0.0, 1.0) * self.total;
            // First level: the group holding the target (rounding may leave it past the end).
            while let Some(&gw) = self.groups.get(g) {
                if gw > 0.0 && before + gw >= target {
                    break;
                }
                before += gw;
                g += 1;
            }
            if g >= GROUPS {
                // Past the end by rounding: the top of the highest non-empty bucket.
                *slot = self
                    .weights
                    .iter()
                    .rposition(|&w| w > 0.0)
                    .map_or(last_hi, |i| bucket_bounds(i).1);
                continue;
            }
            // Second level: the bucket within it.
            let mut cum = before;
            let mut found = None;
            let mut last = None;
            for i in group_buckets(g) {
                let w = self.weights.get(i).copied().unwrap_or(0.0);
                if w <= 0.0 {
                    continue;
                }
                last = Some(i);
                if cum + w >= target {
                    let frac = ((target - cum) / w).clamp(0.0, 1.0);
                    let (lo, hi) = bucket_bounds(i);
                    found = Some(lo + frac * (hi - lo));
                    break;
                }
                cum += w;
            }
            if let Some(i) = last {
                last_hi = bucket_bounds(i).1;
            }
            *slot = found.unwrap_or(last_hi);
        }
        true
    }
}

/// An exponentially weighted average: each new value weighs `alpha`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Ewma {
    value: f32,
    seen: bool,
}

impl Ewma {
    /// An average starting at `value` (a prior that the first samples pull away from).
    pub(crate) const fn with_prior(value: f32) -> Self {
        Self { value, seen: true }
    }

    /// An average with no value yet (the first sample sets it).
    pub(crate) const fn empty() -> Self {
        Self {
            value: 0.0,
            seen: false,
        }
    }

    pub(crate) fn update(&mut self, x: f32, alpha: f32) {
        if self.seen {
            self.value += alpha * (x - self.value);
        } else {
            self.value = x;
            self.seen = true;
        }
    }

    pub(crate) fn get(&self) -> Option<f32> {
        self.seen.then_some(self.value)
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn buckets_tile_the_range() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(15), 0);
        assert_eq!(bucket_of(16), 1);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_of((1 << MAX_OCTAVE) - 1), BUCKETS - 2);
        // Every value of the range lies within its bucket's bounds, and buckets are contiguous.
        for i in 1..BUCKETS - 1 {
            let (lo, hi) = bucket_bounds(i);
            assert_eq!(bucket_of(lo as u64), i);
            assert_eq!(bucket_of(hi as u64 - 1), i);
            assert_eq!(bucket_of(hi as u64), i + 1);
        }
    }

    #[test]
    fn groups_partition_the_buckets() {
        let mut next = 0;
        for g in 0..GROUPS {
            let r = group_buckets(g);
            assert_eq!(r.start, next);
            for i in r.clone() {
                assert_eq!(group_of(i), g);
            }
            next = r.end;
        }
        assert_eq!(next, BUCKETS);
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let mut s = LatencySketch::new(1_000_000);
        for ms in 1..=1000u64 {
            s.insert(Duration::from_millis(ms));
        }
        for (q, want) in [(0.5f32, 500.0f32), (0.9, 900.0), (0.99, 990.0)] {
            let got = s.quantile_us(q).unwrap() / 1000.0;
            assert!(
                (got - want).abs() / want < 1.0 / 16.0,
                "q{q}: {got} vs {want}"
            );
        }
        assert!((s.samples() - 1000.0).abs() < 1.0, "{}", s.samples());
    }

    #[test]
    fn old_samples_fade() {
        let mut s = LatencySketch::new(50);
        for _ in 0..1000 {
            s.insert(Duration::from_millis(100));
        }
        assert!((s.samples() - 50.0).abs() < 1.0, "{}", s.samples());
        // 200 samples at 1 s (four memories): the median moves to 1 s, weight of the old ~2 %.
        for _ in 0..200 {
            s.insert(Duration::from_secs(1));
        }
        let p50 = s.quantile(0.5).unwrap();
        assert!(p50 > Duration::from_millis(900), "{p50:?}");
        let p01 = s.quantile(0.01).unwrap();
        assert!(
            p01 < Duration::from_millis(110),
            "old samples still weigh a little: {p01:?}"
        );
    }

    #[test]
    fn memory_one_keeps_the_last_sample() {
        let mut s = LatencySketch::new(1);
        for ms in [5u64, 700, 30] {
            s.insert(Duration::from_millis(ms));
        }
        let p = s.quantile(0.99).unwrap().as_secs_f64() * 1e3;
        assert!((28.0..=32.0).contains(&p), "{p}");
    }

    #[test]
    fn extreme_quantiles_stay_in_range() {
        let mut s = LatencySketch::new(100);
        for ms in [3u64, 40, 500] {
            s.insert(Duration::from_millis(ms));
        }
        let mut out = [0.0f32; 3];
        assert!(s.quantiles_us(&[0.0, 1.0, 1.0], &mut out));
        assert!(out[0] >= 2_816.0 && out[0] <= 3_000.0, "{out:?}");
        assert!(out[1] >= 500_000.0 && out[1] <= 540_000.0, "{out:?}");
        assert_eq!(out[1], out[2]);
    }

    #[test]
    fn empty_sketch_has_no_quantile() {
        let s = LatencySketch::new(10);
        assert!(s.is_empty());
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.samples(), 0.0);
    }

    proptest! {
        /// Against a sorted model (no decay): every quantile lies within a bucket's relative width
        /// of the exact order statistic's neighbourhood, and quantiles are monotone.
        #[test]
        fn quantiles_match_sorted_samples(mut xs in proptest::collection::vec(20u64..200_000_000, 1..400), q in 0.01f32..0.99) {
            let mut s = LatencySketch::new(u32::MAX);
            for &x in &xs {
                s.insert(Duration::from_micros(x));
            }
            xs.sort_unstable();
            let n = xs.len();
            let got = s.quantile_us(q).unwrap();
            // The estimate lies between the order statistics around q·n, widened by one bucket.
            let lo_rank = ((q * n as f32).floor() as usize).saturating_sub(1).min(n - 1);
            let hi_rank = ((q * n as f32).ceil() as usize).min(n - 1);
            let lo = xs[lo_rank] as f32 * (1.0 - 1.0 / 8.0) - 1.0;
            let hi = xs[hi_rank] as f32 * (1.0 + 1.0 / 8.0) + 1.0;
            prop_assert!(got >= lo && got <= hi, "q={} got={} range=[{}, {}]", q, got, lo, hi);
            let mut out = [0.0f32; 3];
            prop_assert!(s.quantiles_us(&[q * 0.5, q, (q + 1.0) / 2.0], &mut out));
            prop_assert!(out[0] <= out[1] && out[1] <= out[2]);
            prop_assert!((out[1] - got).abs() <= got * 1e-5 + 1e-3);
        }

        /// Decay never produces non-finite numbers however many samples go in.
        #[test]
        fn weights_stay_finite(memory in 1u32..1000, n in 1usize..5000) {
            let mut s = LatencySketch::new(memory);
            for i in 0..n {
                s.insert(Duration::from_micros((i as u64 * 7919) % 1_000_000));
            }
            prop_assert!(s.total.is_finite() && s.next.is_finite());
            let group_sum: f32 = s.groups.iter().sum();
            prop_assert!((group_sum - s.total).abs() <= s.total * 1e-3);
            prop_assert!(s.samples() <= memory as f32 * 1.01 + 1.0);
            prop_assert!(s.quantile_us(0.5).is_some());
        }
    }
}
