//! One supplier's record: its tier (the sanction state machine), decaying statistics, counters,
//! and the score and hedge delay cached from them.

use core::time::Duration;

use crate::config::QosConfig;
use crate::outcome::{Failure, Outcome, RequestClass, Role};
use crate::sketch::{Ewma, LatencySketch, from_micros_f32, micros, narrow};

/// Where a supplier stands.
///
/// # Spec
/// `[QOS-TIER-1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Tier {
    /// Never observed: explored with the exploration share.
    Unexplored,
    /// Ranked by score.
    Active,
    /// Recovering after a sanction: at most the probation share of traffic until it has
    /// answered enough times in a row.
    Probation,
    /// No traffic until the sanction ends (mild sanctions allow last-resort attempts).
    Sanctioned,
}

/// The sanction state machine. `[QOS-SANCTION-1]` `[QOS-PROBATION-2]`
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Status {
    Unexplored,
    Active,
    Probation {
        streak: u32,
    },
    Sanctioned {
        until: Duration,
        failure: Failure,
        severe: bool,
    },
}

impl Status {
    pub(crate) fn tier(&self) -> Tier {
        match self {
            Self::Unexplored => Tier::Unexplored,
            Self::Active => Tier::Active,
            Self::Probation { .. } => Tier::Probation,
            Self::Sanctioned { .. } => Tier::Sanctioned,
        }
    }

    /// The status at `now`: an ended sanction has become probation.
    pub(crate) fn at(self, now: Duration) -> Self {
        match self {
            Self::Sanctioned { until, .. } if now >= until => Self::Probation { streak: 0 },
            s => s,
        }
    }
}

/// Settings derived once from the configuration, in the units the hot path uses.
#[derive(Clone, Debug)]
pub(crate) struct Params {
    pub(crate) availability_alpha: f32,
    pub(crate) initial_availability: f32,
    pub(crate) latency_memory: u32,
    pub(crate) latency_scale_us: f32,
    pub(crate) ttft_scale_us: f32,
    pub(crate) tpt_scale_us: f32,
    pub(crate) exponent: u8,
    /// Quantiles computed after each sample: median, 95th percentile (for the score) and the
    /// hedge quantile, ascending.
    pub(crate) quantiles: [f32; 3],
    /// Index of the hedge quantile in `quantiles`.
    pub(crate) hedge_q_index: usize,
}

impl Params {
    pub(crate) fn new(c: &QosConfig) -> Self {
        let us = |d: Duration| (micros(d).max(1)) as f32;
        let hq = narrow(c.hedge.quantile);
        let mut quantiles = [0.5f32, 0.95, hq];
        quantiles.sort_by(f32::total_cmp);
        let hedge_q_index = quantiles.iter().position(|&q| q == hq).unwrap_or(2);
        Self {
            availability_alpha: 1.0 / c.availability_memory.max(1) as f32,
            initial_availability: narrow(c.initial_availability),
            latency_memory: c.latency_memory,
            latency_scale_us: us(c.latency_scale),
            ttft_scale_us: us(c.ttft_scale),
            tpt_scale_us: us(c.time_per_token_scale),
            exponent: c.selection_exponent,
            quantiles,
            hedge_q_index,
        }
    }

    /// Indexes of the median and the 95th percentile in `quantiles`.
    fn p50_p95(&self) -> (usize, usize) {
        let find = |q: f32| {
            self.quantiles
                .iter()
                .position(|&x| x == q)
                .unwrap_or_default()
        };
        (find(0.5), find(0.95))
    }
}

/// The part of a record that planning reads, kept small and together.
#[derive(Clone, Debug)]
pub(crate) struct Hot {
    /// Which registration this record belongs to (0: none); unique in the process where 64-bit
    /// atomics exist, so a slot hint from another [`Qos`](crate::Qos) never matches.
    pub(crate) generation: u64,
    /// The plan that last listed this supplier (deduplication across sessions).
    pub(crate) stamp: u32,
    pub(crate) status: Status,
    /// Score per request class (availability × speed), cached on every observation.
    pub(crate) score: [f32; 2],
    /// score^exponent: the primary draw's weight.
    pub(crate) weight: [f32; 2],
    /// The hedge quantile per class, microseconds (0 when unknown).
    pub(crate) hedge_us: [f32; 2],
    /// Effective samples per class.
    pub(crate) samples: [f32; 2],
    /// Speed factor per class, in (0, 1]; negative when the class has no samples.
    pub(crate) speed: [f32; 2],
}

/// `Hot::speed` of a class without samples.
const UNKNOWN_SPEED: f32 = -1.0;

/// Counters of one supplier, since it was first seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Counts {
    /// Times planned as primary (all picks).
    pub primary_picks: u64,
    /// Of those, picks for exploration.
    pub exploration_picks: u64,
    /// Of those, picks with the probation share.
    pub probation_picks: u64,
    /// Hedges sent to it.
    pub hedges: u64,
    /// Hedges it answered first.
    pub hedge_wins: u64,
    /// Retries sent to it.
    pub retries: u64,
    /// Verified answers (watcher probes included).
    pub successes: u64,
    /// Failures by kind, in the order of [`Failure::ALL`].
    pub failures: [u64; 8],
    /// Attempts cancelled because another answered first.
    pub abandoned: u64,
    /// Sanctions imposed.
    pub sanctions: u64,
}

impl Counts {
    /// Failures of one kind.
    pub fn failures_of(&self, f: Failure) -> u64 {
        self.failures.get(f.index()).copied().unwrap_or(0)
    }

    /// All failures.
    pub fn errors(&self) -> u64 {
        self.failures.iter().sum()
    }
}

/// The rest of a record: statistics, escalation memory, counters.
#[derive(Clone, Debug)]
pub(crate) struct Cold {
    pub(crate) availability: Ewma,
    pub(crate) mild_run: u32,
    pub(crate) latency: LatencySketch,
    pub(crate) ttft: LatencySketch,
    pub(crate) tpt: Ewma,
    /// Sanctions not yet forgiven.
    pub(crate) offences: u32,
    /// End of the last sanction imposed.
    pub(crate) last_sanction_until: Option<Duration>,
    /// The failure behind the current or last sanction.
    pub(crate) last_sanction: Option<Failure>,
    pub(crate) last_seen: Duration,
    pub(crate) counts: Counts,
}

impl Hot {
    pub(crate) fn new(generation: u64) -> Self {
        Self {
            generation,
            stamp: 0,
            status: Status::Unexplored,
            score: [0.0; 2],
            weight: [0.0; 2],
            hedge_us: [0.0; 2],
            samples: [0.0; 2],
            speed: [UNKNOWN_SPEED; 2],
        }
    }
}

impl Cold {
    pub(crate) fn new(p: &Params, now: Duration) -> Self {
        Self {
            availability: Ewma::with_prior(p.initial_availability),
            mild_run: 0,
            latency: LatencySketch::new(p.latency_memory),
            ttft: LatencySketch::new(p.latency_memory),
            tpt: Ewma::empty(),
            offences: 0,
            last_sanction_until: None,
            last_sanction: None,
            last_seen: now,
            counts: Counts::default(),
        }
    }

    pub(crate) fn sketch(&self, class: RequestClass) -> &LatencySketch {
        match class {
            RequestClass::Unary => &self.latency,
            RequestClass::Stream => &self.ttft,
        }
    }
}

/// What an observation changed that the owner keeps totals of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effect {
    pub(crate) sanctioned: bool,
}

/// One outcome as the record sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Observed {
    /// The class of the request (unknown for out-of-band reports).
    pub(crate) class: Option<RequestClass>,
    /// The attempt's role (none for out-of-band reports).
    pub(crate) role: Option<Role>,
    pub(crate) outcome: Outcome,
    pub(crate) now: Duration,
}

/// Applies one outcome to a record. `[QOS-SANCTION-1]` `[QOS-SANCTION-2]` `[QOS-PROBATION-2]`
/// `[QOS-HEDGE-3]`
pub(crate) fn apply(
    hot: &mut Hot,
    cold: &mut Cold,
    cfg: &QosConfig,
    p: &Params,
    o: Observed,
) -> Effect {
    let Observed {
        class,
        role,
        outcome,
        now,
    } = o;
    let mut effect = Effect::default();
    let mut changed: Option<RequestClass> = None;
    cold.last_seen = now;
    hot.status = hot.status.at(now);
    match role {
        Some(Role::Retry) => cold.counts.retries += 1,
        Some(Role::Hedge) if matches!(outcome, Outcome::Success(_)) => {
            cold.counts.hedge_wins += 1;
        }
        _ => {}
    }
    match outcome {
        Outcome::Success(s) => {
            cold.counts.successes += 1;
            cold.availability.update(1.0, p.availability_alpha);
            cold.mild_run = 0;
            changed = Some(s.class());
            match s.first_token {
                Some(first) => {
                    cold.ttft.insert(first);
                    if let Some(t) = s.time_per_token() {
                        cold.tpt.update(micros(t) as f32, p.availability_alpha);
                    }
                }
                None => cold.latency.insert(s.latency),
            }
            hot.status = match hot.status {
                Status::Unexplored | Status::Active => Status::Active,
                Status::Probation { streak } => {
                    let streak = streak.saturating_add(1);
                    if streak >= cfg.sanctions.probation_successes {
                        Status::Active
                    } else {
                        Status::Probation { streak }
                    }
                }
                // A late answer (sent before the sanction) or a last-resort one: counted only.
                s @ Status::Sanctioned { .. } => s,
            };
        }
        Outcome::Failed(f) => {
            if let Some(c) = cold.counts.failures.get_mut(f.index()) {
                *c += 1;
            }
            cold.availability.update(0.0, p.availability_alpha);
            let sanction = if f.is_severe() {
                true
            } else {
                cold.mild_run = cold.mild_run.saturating_add(1);
                match hot.status {
                    // On probation one failure is enough.
                    Status::Probation { .. } => true,
                    // A late or last-resort failure does not extend a sanction.
                    Status::Sanctioned { .. } => false,
                    Status::Unexplored | Status::Active => {
                        cold.mild_run >= cfg.sanctions.mild_failures
                    }
                }
            };
            if sanction {
                sanction_now(hot, cold, cfg, f, now);
                effect.sanctioned = true;
            } else if hot.status == Status::Unexplored {
                hot.status = Status::Active;
            }
        }
        Outcome::Abandoned { elapsed } => {
            cold.counts.abandoned += 1;
            // Censored: a lower bound of the latency. Above the median it is evidence of
            // slowness; below, it says nothing.
            if let Some(class) = class {
                let sketch = match class {
                    RequestClass::Unary => &mut cold.latency,
                    RequestClass::Stream => &mut cold.ttft,
                };
                let median = sketch.quantile_us(0.5);
                if median.is_some_and(|m| micros(elapsed) as f32 > m) {
                    sketch.insert(elapsed);
                    changed = Some(class);
                }
            }
        }
    }
    if let Some(class) = changed {
        refresh_class(hot, cold, p, class);
    }
    refresh_scores(hot, cold, p);
    effect
}

/// Imposes a sanction for `f` at `now`, escalated for unforgiven earlier offences.
/// `[QOS-SANCTION-2]`
pub(crate) fn sanction_now(
    hot: &mut Hot,
    cold: &mut Cold,
    cfg: &QosConfig,
    f: Failure,
    now: Duration,
) {
    let s = &cfg.sanctions;
    if let Some(last) = cold.last_sanction_until
        && now >= last.saturating_add(s.forgive_after)
    {
        cold.offences = 0;
    }
    let factor = 1u32 << cold.offences.min(20);
    let dur = s
        .base_duration(f)
        .checked_mul(factor)
        .unwrap_or(s.max)
        .min(s.max);
    cold.offences = cold.offences.saturating_add(1);
    let mut until = now.saturating_add(dur);
    let mut severe = f.is_severe();
    let mut failure = f;
    if let Status::Sanctioned {
        until: u0,
        severe: s0,
        failure: f0,
    } = hot.status
    {
        // A sanction in force is never shortened nor made milder.
        if u0 > until {
            until = u0;
            failure = f0;
        }
        severe |= s0;
    }
    hot.status = Status::Sanctioned {
        until,
        failure,
        severe,
    };
    cold.last_sanction_until = Some(until);
    cold.last_sanction = Some(failure);
    cold.mild_run = 0;
    cold.counts.sanctions += 1;
}

/// Recomputes a class's cached latency figures (speed, hedge quantile, samples) from its
/// sketch. `[QOS-SCORE-1]`
pub(crate) fn refresh_class(hot: &mut Hot, cold: &Cold, p: &Params, class: RequestClass) {
    let c = class.index();
    let (i50, i95) = p.p50_p95();
    let mut q = [0.0f32; 3];
    let (speed, hedge, samples) = if cold.sketch(class).quantiles_us(&p.quantiles, &mut q) {
        // The latency figure: the mean of the median and the 95th percentile, so that both
        // typical speed and the tail count.
        let figure =
            (q.get(i50).copied().unwrap_or(0.0) + q.get(i95).copied().unwrap_or(0.0)) / 2.0;
        let speed = match class {
            RequestClass::Unary => 1.0 / (1.0 + figure / p.latency_scale_us),
            RequestClass::Stream => {
                let tpt = cold.tpt.get().map_or(0.0, |t| t / p.tpt_scale_us);
                1.0 / (1.0 + figure / p.ttft_scale_us + tpt)
            }
        };
        (
            speed,
            q.get(p.hedge_q_index).copied().unwrap_or(0.0),
            cold.sketch(class).samples(),
        )
    } else {
        (UNKNOWN_SPEED, 0.0, 0.0)
    };
    if let (Some(s), Some(h), Some(n)) = (
        hot.speed.get_mut(c),
        hot.hedge_us.get_mut(c),
        hot.samples.get_mut(c),
    ) {
        *s = speed;
        *h = hedge;
        *n = samples;
    }
}

/// Recomputes the cached scores and weights from the availability and the classes' speeds.
/// `[QOS-SCORE-1]`
pub(crate) fn refresh_scores(hot: &mut Hot, cold: &Cold, p: &Params) {
    let availability = cold.availability.get().unwrap_or(p.initial_availability);
    let known = |x: f32| (x >= 0.0).then_some(x);
    let [u, s] = hot.speed;
    let (u, s) = (known(u), known(s));
    // A class never observed borrows the other's speed; with neither, speed is 1.
    let speeds = [u.or(s).unwrap_or(1.0), s.or(u).unwrap_or(1.0)];
    for (c, speed) in speeds.into_iter().enumerate() {
        let score = (availability * speed).clamp(0.0, 1.0);
        let mut w = 1.0f32;
        for _ in 0..p.exponent {
            w *= score;
        }
        if let (Some(s), Some(wt)) = (hot.score.get_mut(c), hot.weight.get_mut(c)) {
            *s = score;
            *wt = w;
        }
    }
}

/// A supplier's hedge delay for `class`, if it has enough samples of its own.
pub(crate) fn own_hedge_delay(
    hot: &Hot,
    class: RequestClass,
    min_samples: u32,
) -> Option<Duration> {
    let c = class.index();
    let samples = hot.samples.get(c).copied().unwrap_or(0.0);
    (samples >= min_samples as f32 && samples > 0.0)
        .then(|| from_micros_f32(hot.hedge_us.get(c).copied().unwrap_or(0.0)))
}
