//! The simulator's deterministic randomness: xoshiro256** seeded by SplitMix64, and an exact
//! binomial sampler.

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. Deterministic across platforms.
#[derive(Clone, Debug)]
pub struct SimRng {
    s: [u64; 4],
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SimRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        Self {
            s: [
                splitmix(&mut x),
                splitmix(&mut x),
                splitmix(&mut x),
                splitmix(&mut x),
            ],
        }
    }

    /// An independent generator for a sub-stream (e.g. one session), derived from `seed` and keys.
    pub fn derive(seed: u64, keys: &[u64]) -> Self {
        let mut x = seed;
        for k in keys {
            x = splitmix(&mut x) ^ k.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        }
        Self::new(x)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next_u64() >> 11) as f64;
        v * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform float in (0, 1].
    fn next_f64_open0(&mut self) -> f64 {
        1.0 - self.next_f64()
    }

    /// An exact draw from Binomial(n, p): direct Bernoulli trials for small n, geometric skipping
    /// for small means, and Hörmann's BTRS transformed rejection (exact) otherwise.
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        #[allow(clippy::cast_precision_loss)]
        let nf = n as f64;
        if n <= 16 {
            return (0..n).filter(|_| self.next_f64() < p).count() as u64;
        }
        if nf * p < 10.0 {
            // Count successes by jumping over geometric gaps of failures.
            let lq = (1.0 - p).ln();
            let mut pos: f64 = 0.0;
            let mut k = 0u64;
            loop {
                let gap = (self.next_f64_open0().ln() / lq).floor();
                pos += gap + 1.0;
                if pos > nf {
                    return k;
                }
                k += 1;
            }
        }
        self.btrs(n, p)
    }

    fn btrs(&mut self, n: u64, p: f64) -> u64 {
        #[allow(clippy::cast_precision_loss)]
        let nf = n as f64;
        let q = 1.0 - p;
        let spq = (nf * p * q).sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = nf * p + 0.5;
        let vr = 0.92 - 4.2 / b;
        let alpha = (2.83 + 5.1 / b) * spq;
        let lpq = (p / q).ln();
        let m = ((nf + 1.0) * p).floor();
        let h = ln_factorial(m) + ln_factorial(nf - m);
        loop {
            let u = self.next_f64() - 0.5;
            let v = self.next_f64();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if k < 0.0 || k > nf {
                continue;
            }
            if us >= 0.07 && v <= vr {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return k as u64;
            }
            let v = (v * alpha / (a / (us * us) + b)).ln();
            if v <= h - ln_factorial(k) - ln_factorial(nf - k) + (k - m) * lpq {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return k as u64;
            }
        }
    }
}

/// ln(k!) for a non-negative integer-valued `k`: a table below 16, Stirling's series above
/// (absolute error below 1e-12 there).
fn ln_factorial(k: f64) -> f64 {
    const TABLE: [f64; 16] = [
        0.0,
        0.0,
        core::f64::consts::LN_2,
        1.791_759_469_228_055,
        3.178_053_830_347_945_8,
        4.787_491_742_782_046,
        6.579_251_212_010_101,
        8.525_161_361_065_415,
        10.604_602_902_745_25,
        12.801_827_480_081_469,
        15.104_412_573_075_516,
        17.502_307_845_873_887,
        19.987_214_495_661_885,
        22.552_163_853_123_42,
        25.191_221_182_738_683,
        27.899_271_383_840_894,
    ];
    if k < 16.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return TABLE.get(k as usize).copied().unwrap_or(0.0);
    }
    let k2 = k * k;
    (k + 0.5) * k.ln() - k
        + 0.918_938_533_204_672_8
        + (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k2) / k2) / k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_factorial_matches_products() {
        let mut acc = 0.0f64;
        for k in 1..40u32 {
            acc += f64::from(k).ln();
            assert!((ln_factorial(f64::from(k)) - acc).abs() < 1e-9, "k={k}");
        }
    }

    /// Mean and variance of each sampler regime agree with n·p and n·p·q within 5 standard errors.
    #[test]
    fn binomial_moments() {
        let mut r = SimRng::new(7);
        for &(n, p) in &[
            (10u64, 0.3),
            (1000, 0.002),
            (1000, 0.3),
            (1_000_000, 0.01),
            (5000, 0.9),
        ] {
            let draws = 20_000;
            let xs: Vec<f64> = (0..draws).map(|_| r.binomial(n, p) as f64).collect();
            let mean = xs.iter().sum::<f64>() / draws as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (draws as f64 - 1.0);
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            let se_mean = (v / draws as f64).sqrt();
            assert!(
                (mean - m).abs() < 5.0 * se_mean,
                "n={n} p={p} mean {mean} vs {m}"
            );
            assert!((var / v - 1.0).abs() < 0.1, "n={n} p={p} var {var} vs {v}");
        }
    }

    #[test]
    fn deterministic() {
        let (mut a, mut b) = (SimRng::derive(1, &[2, 3]), SimRng::derive(1, &[2, 3]));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(
            SimRng::derive(1, &[2, 3]).next_u64(),
            SimRng::derive(1, &[3, 2]).next_u64()
        );
    }
}
