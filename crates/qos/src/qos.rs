//! The QoS state of one service: a record per supplier, the hedge budget, service-wide latency,
//! counters.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;

use crate::budget::HedgeBudget;
use crate::config::{ConfigError, QosConfig};
use crate::outcome::{Outcome, RequestClass, Role};
use crate::plan::{Attempt, Candidate};
use crate::sketch::{LatencySketch, from_micros_f32};
use crate::snapshot::{LatencyEstimate, QosSnapshot, SanctionInfo, SupplierSnapshot, Totals};
use crate::supplier::{self, Cold, Hot, Observed, Params, Status, Tier};

/// Where a supplier's record lives: an index and the generation of the record there (a hint that
/// is checked against the key on use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) index: u32,
    pub(crate) generation: u64,
}

impl Slot {
    /// A hint that matches no record.
    pub(crate) const NONE: Self = Self {
        index: u32::MAX,
        generation: 0,
    };
}

/// The service-wide hedge quantile is recomputed every this many successes of a class.
const GLOBAL_REFRESH: u32 = 16;

/// Whether generations are unique in the process (then a hint is checked by generation alone).
const UNIQUE_GENERATIONS: bool = cfg!(target_has_atomic = "64");

/// A generation for a new record: from a process-wide counter where 64-bit atomics exist (so
/// hints from another instance never match), else from the instance's own counter (and hints are
/// also checked against the key).
fn fresh_generation(local: &mut u64) -> u64 {
    #[cfg(target_has_atomic = "64")]
    {
        use core::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let _ = local;
        NEXT.fetch_add(1, Ordering::Relaxed)
    }
    #[cfg(not(target_has_atomic = "64"))]
    {
        *local += 1;
        *local
    }
}

/// Supplier scoring and routing policy for one service, as pure code: time (`now`, a
/// [`Duration`] since an epoch the caller picks) and randomness (an RNG) are arguments, nothing
/// is read from a clock or the environment. A gateway keeps one per service behind a lock; a
/// simulator drives it with simulated time.
///
/// `K` identifies a supplier (`pokt_primitives::Address` in a gateway, anything ordered in a
/// simulation).
///
/// # Spec
/// `[QOS-PURE-1]`, `[QOS-MEM-1]`.
#[derive(Clone, Debug)]
pub struct Qos<K> {
    pub(crate) cfg: QosConfig,
    pub(crate) params: Params,
    pub(crate) keys: Vec<Option<K>>,
    pub(crate) hot: Vec<Hot>,
    pub(crate) cold: Vec<Cold>,
    free: Vec<u32>,
    index: BTreeMap<K, u32>,
    local_generation: u64,
    pub(crate) budget: HedgeBudget,
    /// Service-wide latency per class (every supplier's successes), for hedge delays of
    /// suppliers with few samples of their own.
    global: [LatencySketch; 2],
    pub(crate) global_hedge_us: [f32; 2],
    /// Successes recorded per class into `global` (its hedge quantile is refreshed every
    /// [`GLOBAL_REFRESH`] of them).
    global_inserts: [u32; 2],
    pub(crate) totals: Totals,
    pub(crate) epoch: u32,
    pub(crate) scratch: Vec<Candidate>,
}

impl<K: Ord + Clone> Qos<K> {
    /// A QoS state with `config` (validated).
    pub fn new(config: QosConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let params = Params::new(&config);
        Ok(Self {
            budget: HedgeBudget::new(config.hedge.budget_ratio, config.hedge.burst),
            global: [
                LatencySketch::new(config.latency_memory),
                LatencySketch::new(config.latency_memory),
            ],
            global_hedge_us: [0.0; 2],
            global_inserts: [0; 2],
            params,
            cfg: config,
            keys: Vec::new(),
            hot: Vec::new(),
            cold: Vec::new(),
            free: Vec::new(),
            index: BTreeMap::new(),
            local_generation: 0,
            totals: Totals::default(),
            epoch: 0,
            scratch: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &QosConfig {
        &self.cfg
    }

    /// Number of suppliers with a record.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no supplier has a record.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The record of `key`, created (unexplored) if absent. When the records are at
    /// `max_suppliers`, the least recently seen supplier that is not sanctioned is forgotten
    /// first (a sanctioned one only if all are, the one whose sanction ends first).
    pub(crate) fn register(&mut self, key: &K, now: Duration) -> Slot {
        self.register_protecting(key, now, None)
    }

    /// As [`Qos::register`], never evicting a record stamped with `protect` (candidates of the
    /// plan being made).
    pub(crate) fn register_protecting(
        &mut self,
        key: &K,
        now: Duration,
        protect: Option<u32>,
    ) -> Slot {
        if let Some(&i) = self.index.get(key) {
            return self.slot(i);
        }
        let cap = usize::try_from(self.cfg.max_suppliers).unwrap_or(usize::MAX);
        if self.index.len() >= cap {
            self.evict_one(now, protect);
        }
        let generation = fresh_generation(&mut self.local_generation);
        let hot = Hot::new(generation);
        let mut cold = Cold::new(&self.params, now);
        cold.last_seen = now;
        let index = match self.free.pop() {
            Some(i) => {
                let u = i as usize;
                if let (Some(k), Some(h), Some(c)) = (
                    self.keys.get_mut(u),
                    self.hot.get_mut(u),
                    self.cold.get_mut(u),
                ) {
                    *k = Some(key.clone());
                    *h = hot;
                    *c = cold;
                }
                i
            }
            None => {
                let i = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
                self.keys.push(Some(key.clone()));
                self.hot.push(hot);
                self.cold.push(cold);
                i
            }
        };
        if let (Some(h), Some(c)) = (
            self.hot.get_mut(index as usize),
            self.cold.get(index as usize),
        ) {
            supplier::refresh_scores(h, c, &self.params);
        }
        self.index.insert(key.clone(), index);
        Slot { index, generation }
    }

    fn slot(&self, index: u32) -> Slot {
        Slot {
            index,
            generation: self.hot.get(index as usize).map_or(0, |h| h.generation),
        }
    }

    /// The index of `key`'s record, trying the hint first.
    pub(crate) fn resolve(&self, key: &K, hint: Slot) -> Option<u32> {
        let i = hint.index as usize;
        if self
            .hot
            .get(i)
            .is_some_and(|h| h.generation == hint.generation && hint.generation != 0)
            && (UNIQUE_GENERATIONS || self.keys.get(i).and_then(Option::as_ref) == Some(key))
        {
            return Some(hint.index);
        }
        self.index.get(key).copied()
    }

    fn evict_one(&mut self, now: Duration, protect: Option<u32>) {
        let mut best: Option<(bool, Duration, u32)> = None;
        for (&_, &i) in &self.index {
            let (Some(h), Some(c)) = (self.hot.get(i as usize), self.cold.get(i as usize)) else {
                continue;
            };
            if protect.is_some_and(|s| h.stamp == s) {
                continue;
            }
            // Sort key: sanctioned last; among sanctioned, the earliest end first; else the
            // least recently seen first.
            let (sanctioned, t) = match h.status.at(now) {
                Status::Sanctioned { until, .. } => (true, until),
                _ => (false, c.last_seen),
            };
            if best.is_none_or(|b| (sanctioned, t) < (b.0, b.1)) {
                best = Some((sanctioned, t, i));
            }
        }
        if let Some((_, _, i)) = best {
            self.remove_index(i);
        }
    }

    fn remove_index(&mut self, i: u32) {
        if let Some(k) = self.keys.get_mut(i as usize).and_then(Option::take) {
            self.index.remove(&k);
            if let Some(h) = self.hot.get_mut(i as usize) {
                // Invalidate hints pointing here.
                h.generation = 0;
                h.stamp = 0;
            }
            self.free.push(i);
            self.totals.evictions += 1;
        }
    }

    /// Forgets suppliers not seen (observed or registered) for `idle` and not under a sanction at
    /// `now`; returns how many. A long-running gateway calls it now and then so that suppliers
    /// that left the network do not keep memory.
    pub fn forget_idle(&mut self, now: Duration, idle: Duration) -> usize {
        let victims: Vec<u32> = self
            .index
            .values()
            .copied()
            .filter(|&i| {
                let (Some(h), Some(c)) = (self.hot.get(i as usize), self.cold.get(i as usize))
                else {
                    return false;
                };
                !matches!(h.status.at(now), Status::Sanctioned { .. })
                    && now.saturating_sub(c.last_seen) >= idle
            })
            .collect();
        for &i in &victims {
            self.remove_index(i);
        }
        victims.len()
    }

    /// Records the outcome of an attempt of a plan. Every attempt started must be observed
    /// once: answered, failed, or [`Outcome::Abandoned`] when cancelled because another won.
    /// `[QOS-OBS-1]`
    pub fn observe(&mut self, attempt: &Attempt<K>, role: Role, outcome: Outcome, now: Duration) {
        let i = match self.resolve(&attempt.supplier, attempt.slot) {
            Some(i) => i,
            None => self.register(&attempt.supplier, now).index,
        };
        if role == Role::Retry {
            self.totals.retries += 1;
        }
        if role == Role::Hedge && matches!(outcome, Outcome::Success(_)) {
            self.totals.hedge_wins += 1;
        }
        self.apply(i, Some(attempt.class), Some(role), outcome, now);
    }

    /// Records an outcome learnt outside a plan: a watcher probe's answer or model check, a
    /// usage recount that found inflated usage after the answer was delivered. `[QOS-OBS-1]`
    pub fn report(&mut self, supplier: &K, outcome: Outcome, now: Duration) {
        let i = self.register(supplier, now).index;
        self.apply(i, None, None, outcome, now);
    }

    fn apply(
        &mut self,
        i: u32,
        class: Option<RequestClass>,
        role: Option<Role>,
        outcome: Outcome,
        now: Duration,
    ) {
        let (Some(h), Some(c)) = (self.hot.get_mut(i as usize), self.cold.get_mut(i as usize))
        else {
            return;
        };
        let effect = supplier::apply(
            h,
            c,
            &self.cfg,
            &self.params,
            Observed {
                class,
                role,
                outcome,
                now,
            },
        );
        match outcome {
            Outcome::Success(s) => {
                self.totals.successes += 1;
                let k = s.class().index();
                if let (Some(g), Some(n)) = (self.global.get_mut(k), self.global_inserts.get_mut(k))
                {
                    g.insert(s.answered_after());
                    *n = n.wrapping_add(1);
                    // The service-wide quantile moves slowly: refreshed every few successes.
                    if *n % GLOBAL_REFRESH == 1
                        && let (Some(v), Some(slot)) = (
                            g.quantile_us(crate::sketch::narrow(self.cfg.hedge.quantile)),
                            self.global_hedge_us.get_mut(k),
                        )
                    {
                        *slot = v;
                    }
                }
            }
            Outcome::Failed(_) => self.totals.failures += 1,
            Outcome::Abandoned { .. } => {}
        }
        if effect.sanctioned {
            self.totals.sanctions += 1;
        }
    }

    /// The service-wide hedge delay for `class`, if enough successes were seen.
    pub(crate) fn global_hedge_delay(&self, class: RequestClass) -> Option<Duration> {
        let k = class.index();
        let g = self.global.get(k)?;
        (g.samples() >= self.cfg.hedge.min_samples as f32 && !g.is_empty())
            .then(|| from_micros_f32(self.global_hedge_us.get(k).copied().unwrap_or(0.0)))
    }

    /// A supplier's tier at `now` (`None` without a record).
    pub fn tier(&self, supplier: &K, now: Duration) -> Option<Tier> {
        let i = *self.index.get(supplier)?;
        Some(self.hot.get(i as usize)?.status.at(now).tier())
    }

    /// One supplier's state at `now`.
    pub fn supplier(&self, supplier: &K, now: Duration) -> Option<SupplierSnapshot<K>> {
        let i = *self.index.get(supplier)?;
        self.snapshot_of(supplier, i, now)
    }

    fn snapshot_of(&self, key: &K, i: u32, now: Duration) -> Option<SupplierSnapshot<K>> {
        let h = self.hot.get(i as usize)?;
        let c = self.cold.get(i as usize)?;
        let status = h.status.at(now);
        let estimate = |s: &LatencySketch| {
            let mut q = [0.0f32; 3];
            let ok = s.quantiles_us(&[0.5, 0.9, 0.99], &mut q);
            let ms = |x: f32| ok.then_some(f64::from(x) / 1e3);
            LatencyEstimate {
                samples: f64::from(s.samples()),
                p50_ms: ms(q[0]),
                p90_ms: ms(q[1]),
                p99_ms: ms(q[2]),
            }
        };
        Some(SupplierSnapshot {
            supplier: key.clone(),
            tier: status.tier(),
            sanction: match status {
                Status::Sanctioned {
                    until,
                    failure,
                    severe,
                } => Some(SanctionInfo {
                    reason: failure,
                    severe,
                    remaining_ms: until.saturating_sub(now).as_secs_f64() * 1e3,
                }),
                _ => None,
            },
            score: f64::from(h.score[0]),
            stream_score: f64::from(h.score[1]),
            availability: f64::from(
                c.availability
                    .get()
                    .unwrap_or(self.params.initial_availability),
            ),
            latency: estimate(&c.latency),
            ttft: estimate(&c.ttft),
            ms_per_token: c.tpt.get().map(|us| f64::from(us) / 1e3),
            offences: c.offences,
            counts: c.counts.clone(),
        })
    }

    /// Every supplier's state at `now`, with the totals and the hedge budget. `[QOS-OBSV-1]`
    pub fn snapshot(&self, now: Duration) -> QosSnapshot<K> {
        QosSnapshot {
            totals: self.totals.clone(),
            hedge_tokens: self.budget.tokens(),
            suppliers: self
                .index
                .iter()
                .filter_map(|(k, &i)| self.snapshot_of(k, i, now))
                .collect(),
        }
    }

    /// The counters over all suppliers.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }
}
