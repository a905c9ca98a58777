//! The hedge budget: a token bucket filled by planned requests and drained by hedges, in exact
//! integer arithmetic so its bound holds without rounding.
//!
//! # Spec
//! `[QOS-HEDGE-2]`.

/// One token, in the bucket's units.
const UNIT: u64 = 1_000_000;

/// A token bucket: each plan adds `ratio` tokens (up to `burst`), each hedge takes one. Starting
/// full, after `n` plans at most `burst + ratio × n` hedges have been allowed; over any run of
/// `n` consecutive plans, at most `burst + ratio × n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HedgeBudget {
    /// Tokens held, in millionths.
    tokens: u64,
    /// Tokens per plan, in millionths.
    per_plan: u64,
    /// Capacity, in millionths.
    cap: u64,
}

impl HedgeBudget {
    /// A full bucket: `ratio` tokens per plan (rounded down to a millionth), `burst` at most.
    pub fn new(ratio: f64, burst: u32) -> Self {
        let per_plan = if ratio.is_finite() && ratio > 0.0 {
            // Rounded down, so the bound stated with `ratio` holds.
            #[allow(clippy::cast_possible_truncation)]
            let v = (ratio * UNIT as f64) as u64;
            v
        } else {
            0
        };
        let cap = u64::from(burst) * UNIT;
        Self {
            tokens: cap,
            per_plan,
            cap,
        }
    }

    /// Earns the share of one planned request.
    pub fn on_plan(&mut self) {
        self.tokens = self.tokens.saturating_add(self.per_plan).min(self.cap);
    }

    /// Whether a hedge could be paid now.
    pub fn can_spend(&self) -> bool {
        self.tokens >= UNIT
    }

    /// Pays for one hedge; false (and nothing taken) if the bucket holds less than a token.
    pub fn try_spend(&mut self) -> bool {
        if self.tokens >= UNIT {
            self.tokens -= UNIT;
            true
        } else {
            false
        }
    }

    /// Tokens held.
    pub fn tokens(&self) -> f64 {
        self.tokens as f64 / UNIT as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    proptest! {
        /// Over any sequence of plans and hedge requests, and over every window of it, the hedges
        /// granted stay within burst + ratio × plans.
        #[test]
        fn hedges_stay_within_the_budget(
            ratio in 0.0f64..1.0,
            burst in 0u32..20,
            ops in proptest::collection::vec(any::<bool>(), 0..2000),
        ) {
            let mut b = HedgeBudget::new(ratio, burst);
            // (plans, hedges) after each op, for the window check.
            let mut hist = vec![(0u64, 0u64)];
            let (mut plans, mut hedges) = (0u64, 0u64);
            for op in ops {
                if op {
                    b.on_plan();
                    plans += 1;
                } else if b.try_spend() {
                    hedges += 1;
                }
                hist.push((plans, hedges));
            }
            prop_assert!(hedges as f64 <= burst as f64 + ratio * plans as f64 + 1e-9);
            // Every window: the bucket holds at most `burst` when it starts.
            for i in (0..hist.len()).step_by(97) {
                for j in (i..hist.len()).step_by(89) {
                    let dp = hist[j].0 - hist[i].0;
                    let dh = hist[j].1 - hist[i].1;
                    prop_assert!(dh as f64 <= burst as f64 + ratio * dp as f64 + 1e-9);
                }
            }
        }
    }

    #[test]
    fn a_tenth_per_plan_allows_one_hedge_per_ten_plans_after_the_burst() {
        let mut b = HedgeBudget::new(0.1, 2);
        assert!(b.try_spend() && b.try_spend() && !b.try_spend());
        let mut granted = 0;
        for _ in 0..1000 {
            b.on_plan();
            if b.try_spend() {
                granted += 1;
            }
        }
        assert_eq!(granted, 100);
        let mut none = HedgeBudget::new(0.0, 0);
        none.on_plan();
        assert!(!none.can_spend() && !none.try_spend());
    }
}
