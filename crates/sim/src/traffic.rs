//! Traffic models: relays per block for a service. The Relay Mining paper's four events (steady,
//! soft surge, step drop, step surge) and replayable traces.

use serde::Deserialize;

use crate::error::SimError;

/// How many relays a service receives at each block.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Traffic {
    /// A constant rate.
    Steady {
        /// Relays per block.
        rate: f64,
    },
    /// A smooth rise from `base` to `peak` over `ramp_blocks` starting at `start`, then a smooth
    /// return over as many blocks.
    SoftSurge {
        /// Relays per block before and after.
        base: f64,
        /// Relays per block at the peak.
        peak: f64,
        /// First block of the rise.
        start: u64,
        /// Blocks of the rise (and of the fall).
        ramp_blocks: u64,
        /// Blocks held at the peak.
        #[serde(default)]
        hold_blocks: u64,
    },
    /// An instant drop from `base` to `base · factor` at block `at`.
    StepDrop {
        /// Relays per block before.
        base: f64,
        /// Multiplier after the drop (< 1).
        factor: f64,
        /// Block of the drop.
        at: u64,
    },
    /// An instant surge from `base` to `base · factor` at block `at`.
    StepSurge {
        /// Relays per block before.
        base: f64,
        /// Multiplier after the surge (> 1).
        factor: f64,
        /// Block of the surge.
        at: u64,
    },
    /// A replayed trace: relays per block, repeated when the run is longer.
    Trace {
        /// The per-block counts (from a CSV column, see [`Traffic::from_csv`]).
        relays: Vec<f64>,
    },
    /// A sequence of models, each for a number of blocks (the last one continues).
    Sequence {
        /// (blocks, model) phases; block numbers inside a phase restart at 0.
        phases: Vec<Phase>,
    },
}

/// One phase of a [`Traffic::Sequence`].
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Phase {
    /// How long the phase lasts.
    pub blocks: u64,
    /// The model in force.
    pub traffic: Traffic,
}

impl Traffic {
    /// Relays per block at `block` (0-based from the run's start); never negative.
    pub fn rate(&self, block: u64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let r = match self {
            Self::Steady { rate } => *rate,
            Self::SoftSurge {
                base,
                peak,
                start,
                ramp_blocks,
                hold_blocks,
            } => {
                let ramp = (*ramp_blocks).max(1) as f64;
                let t = block as f64 - *start as f64;
                let up = t / ramp;
                let down = (t - ramp - *hold_blocks as f64) / ramp;
                let shape = if t < 0.0 {
                    0.0
                } else if up < 1.0 {
                    0.5 - 0.5 * (core::f64::consts::PI * up).cos()
                } else if down < 0.0 {
                    1.0
                } else if down < 1.0 {
                    0.5 + 0.5 * (core::f64::consts::PI * down).cos()
                } else {
                    0.0
                };
                base + (peak - base) * shape
            }
            Self::StepDrop { base, factor, at } | Self::StepSurge { base, factor, at } => {
                if block < *at { *base } else { base * factor }
            }
            Self::Trace { relays } => {
                if relays.is_empty() {
                    0.0
                } else {
                    let i = usize::try_from(block).unwrap_or(usize::MAX) % relays.len();
                    relays.get(i).copied().unwrap_or(0.0)
                }
            }
            Self::Sequence { phases } => {
                let mut b = block;
                let mut last = None;
                for ph in phases {
                    last = Some(ph);
                    if b < ph.blocks {
                        return ph.traffic.rate(b).max(0.0);
                    }
                    b -= ph.blocks;
                }
                last.map_or(0.0, |ph| ph.traffic.rate(b.saturating_add(ph.blocks)))
            }
        };
        r.max(0.0)
    }

    /// A trace from CSV text: one count per line, or the last column of `block,relays` rows; a
    /// header line that does not parse is skipped.
    pub fn from_csv(text: &str) -> Result<Self, SimError> {
        let mut relays = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let field = line.rsplit(',').next().unwrap_or(line).trim();
            match field.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => relays.push(v),
                _ if i == 0 => {}
                _ => return Err(SimError::Trace { line: i + 1 }),
            }
        }
        Ok(Self::Trace { relays })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let s = Traffic::SoftSurge {
            base: 10.0,
            peak: 30.0,
            start: 100,
            ramp_blocks: 10,
            hold_blocks: 5,
        };
        assert_eq!(s.rate(0), 10.0);
        assert!((s.rate(105) - 20.0).abs() < 1e-9);
        assert_eq!(s.rate(112), 30.0);
        assert_eq!(s.rate(200), 10.0);
        let d = Traffic::StepDrop {
            base: 10.0,
            factor: 0.1,
            at: 5,
        };
        assert_eq!((d.rate(4), d.rate(5)), (10.0, 1.0));
        let t = Traffic::from_csv("block,relays\n0,5\n1,7\n").unwrap();
        assert_eq!((t.rate(0), t.rate(1), t.rate(2)), (5.0, 7.0, 5.0));
        assert!(Traffic::from_csv("1\nx\n").is_err());
        let seq = Traffic::Sequence {
            phases: vec![
                Phase {
                    blocks: 3,
                    traffic: Traffic::Steady { rate: 1.0 },
                },
                Phase {
                    blocks: 3,
                    traffic: Traffic::Steady { rate: 2.0 },
                },
            ],
        };
        assert_eq!((seq.rate(2), seq.rate(3), seq.rate(100)), (1.0, 2.0, 2.0));
    }
}
