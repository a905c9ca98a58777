//! Plans: for one request, the primary supplier, the ordered fallbacks and the hedge delay.
//!
//! # Spec
//! `[QOS-SELECT-1]`, `[QOS-SELECT-2]`, `[QOS-EXPLORE-1]`, `[QOS-PROBATION-1]`, `[QOS-HEDGE-1]`,
//! `[QOS-ROLL-2]`.

use alloc::vec::Vec;
use core::time::Duration;

use pokt_primitives::BlockHeight;
use rand_core::Rng;

use crate::outcome::RequestClass;
use crate::qos::{Qos, Slot};
use crate::routing::Routing;
use crate::supplier::{self, Status};

/// One attempt of a plan: a supplier and the session (by its start height) the relay is for.
/// Two attempts are equal when supplier, session and class are (the record hint is ignored).
#[derive(Clone, Debug)]
pub struct Attempt<K> {
    /// The supplier.
    pub supplier: K,
    /// Start height of the session the relay must be built for (look its tag up with
    /// [`Routing::session`]).
    pub session: BlockHeight,
    /// The request's class.
    pub class: RequestClass,
    pub(crate) slot: Slot,
}

impl<K> Attempt<K> {
    /// An attempt made outside a plan (a watcher probe sent to every supplier): observing it has
    /// the same effect as observing a plan's attempt to that supplier.
    pub fn outside_plan(supplier: K, session: BlockHeight, class: RequestClass) -> Self {
        Self {
            supplier,
            session,
            class,
            slot: Slot::NONE,
        }
    }
}

impl<K: PartialEq> PartialEq for Attempt<K> {
    fn eq(&self, other: &Self) -> bool {
        self.supplier == other.supplier
            && self.session == other.session
            && self.class == other.class
    }
}

impl<K: Eq> Eq for Attempt<K> {}

/// Why the primary was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Pick {
    /// Drawn among active suppliers with weight score^exponent.
    Ranked,
    /// A supplier never observed, with the exploration share.
    Exploration,
    /// A supplier on probation, with the probation share.
    Probation,
    /// No active or unexplored candidate: a probation supplier, or one under a mild sanction.
    LastResort,
}

/// The routing of one request: try `attempts[0]`; if it has not answered after `hedge_after`,
/// ask [`Qos::start_hedge`] and, if granted, start `attempts[1]` too (the first valid answer
/// wins); on a failure with nothing else in flight, start the next attempt not yet started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan<K> {
    attempts: Vec<Attempt<K>>,
    hedge_after: Option<Duration>,
    pick: Pick,
    class: RequestClass,
}

impl<K> Plan<K> {
    /// The attempts in order: the primary, then the fallbacks (the first of which is the hedge).
    /// Never empty; at most `max_attempts` long.
    pub fn attempts(&self) -> &[Attempt<K>] {
        &self.attempts
    }

    /// The primary attempt.
    pub fn primary(&self) -> &Attempt<K> {
        // Plans are built with at least one attempt.
        &self.attempts[0]
    }

    /// The attempt a hedge would go to, and after how long without an answer — `None` when
    /// hedging is off, there is no second candidate, or the budget is empty.
    pub fn hedge(&self) -> Option<(&Attempt<K>, Duration)> {
        Some((self.attempts.get(1)?, self.hedge_after?))
    }

    /// The hedge delay, if the plan has a hedge.
    pub fn hedge_after(&self) -> Option<Duration> {
        self.hedge_after
    }

    /// Why the primary was chosen.
    pub fn pick(&self) -> Pick {
        self.pick
    }

    /// The request's class.
    pub fn class(&self) -> RequestClass {
        self.class
    }
}

/// Why no plan could be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// No installed session is usable at this height: install the current session.
    #[error("no session is usable at height {height}")]
    NoSession {
        /// The height planned at.
        height: BlockHeight,
    },
    /// Every supplier of the usable sessions is under a sanction that bars traffic.
    #[error("every supplier of the usable sessions is sanctioned")]
    AllSanctioned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Active = 0,
    Unexplored = 1,
    Probation = 2,
    Mild = 3,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    index: u32,
    session: BlockHeight,
    kind: Kind,
    score: f32,
    weight: f32,
}

/// Candidates per kind, and the active ones' total weight.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    count: [usize; 4],
    active_weight: f32,
}

impl Tally {
    fn add(&mut self, kind: Kind, weight: f32) {
        if let Some(n) = self.count.get_mut(kind as usize) {
            *n += 1;
        }
        if kind == Kind::Active && weight > 0.0 {
            self.active_weight += weight;
        }
    }
}

/// A uniform draw in [0, 1).
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in [0, n) (`n > 0`), by multiply-shift (bias below 2^-58 for n ≤ 64).
fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    let x = u128::from(rng.next_u64()) * n as u128;
    usize::try_from(x >> 64).unwrap_or(0)
}

impl<K: Ord + Clone> Qos<K> {
    /// Plans one request of `class` at chain height `height` over the sessions of `routing`
    /// usable then (`[QOS-ROLL-1]`; a supplier in two of them is routed to the newer).
    ///
    /// The primary is, in this order of precedence: with the probation share, a supplier on
    /// probation; with the exploration share (or when no supplier is active), a supplier never
    /// observed; otherwise an active supplier drawn with weight score^exponent; failing all
    /// those, a supplier on probation or under a mild sanction. The fallbacks follow: active
    /// suppliers by score, then unexplored, then probation, then mildly sanctioned ones. The
    /// hedge delay is the primary's hedge quantile (the service's, for a primary with few
    /// samples or not ranked), clamped to the configured bounds; a plan carries a hedge only if
    /// the budget holds a token. Each plan earns the budget its share.
    pub fn plan<S, R: Rng + ?Sized>(
        &mut self,
        routing: &Routing<K, S>,
        height: BlockHeight,
        class: RequestClass,
        now: Duration,
        rng: &mut R,
    ) -> Result<Plan<K>, PlanError> {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Stamps of 2^32 plans ago could collide: clear them.
            for h in &mut self.hot {
                h.stamp = 0;
            }
            self.epoch = 1;
        }
        let stamp = self.epoch;
        let c = class.index();
        let margin = self.cfg.rollover.margin_blocks;
        let mild_last_resort = self.cfg.sanctions.mild_last_resort;
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.clear();
        let mut tally = Tally::default();
        let mut any_session = false;
        for session in routing.usable(height, margin) {
            any_session = true;
            let start = session.window().start();
            for m in &session.members {
                let index = match self.resolve(&m.key, m.slot) {
                    Some(i) => i,
                    None => self.register_protecting(&m.key, now, Some(stamp)).index,
                };
                let Some(h) = self.hot.get_mut(index as usize) else {
                    continue;
                };
                if h.stamp == stamp {
                    continue;
                }
                h.stamp = stamp;
                if let Status::Sanctioned { until, .. } = h.status
                    && now >= until
                {
                    h.status = h.status.at(now);
                }
                let kind = match h.status {
                    Status::Active => Kind::Active,
                    Status::Unexplored => Kind::Unexplored,
                    Status::Probation { .. } => Kind::Probation,
                    Status::Sanctioned { severe: false, .. } if mild_last_resort => Kind::Mild,
                    Status::Sanctioned { .. } => continue,
                };
                let weight = h.weight.get(c).copied().unwrap_or(0.0);
                tally.add(kind, weight);
                scratch.push(Candidate {
                    index,
                    session: start,
                    kind,
                    score: h.score.get(c).copied().unwrap_or(0.0),
                    weight,
                });
            }
        }
        let result = if !any_session {
            Err(PlanError::NoSession { height })
        } else if scratch.is_empty() {
            Err(PlanError::AllSanctioned)
        } else {
            Ok(self.choose(&scratch, &tally, class, rng))
        };
        self.scratch = scratch;
        result
    }

    fn choose<R: Rng + ?Sized>(
        &mut self,
        cands: &[Candidate],
        tally: &Tally,
        class: RequestClass,
        rng: &mut R,
    ) -> Plan<K> {
        let [n_active, n_unexplored, n_probation, _] = tally.count;
        let s = &self.cfg.sanctions;
        let (kind, pick) = if n_probation > 0 && unit(rng) < s.probation_share {
            (Kind::Probation, Pick::Probation)
        } else if n_unexplored > 0 && (n_active == 0 || unit(rng) < self.cfg.exploration_share) {
            (Kind::Unexplored, Pick::Exploration)
        } else if n_active > 0 {
            (Kind::Active, Pick::Ranked)
        } else if n_probation > 0 {
            (Kind::Probation, Pick::LastResort)
        } else {
            (Kind::Mild, Pick::LastResort)
        };
        let total = tally.active_weight;
        let primary = if kind == Kind::Active && total > 0.0 && total.is_finite() {
            // Weighted draw; rounding can leave the target past the last weight: keep the last.
            let mut target = crate::sketch::narrow(unit(rng)) * total;
            let mut chosen = None;
            for (i, x) in cands.iter().enumerate() {
                if x.kind != Kind::Active || x.weight <= 0.0 {
                    continue;
                }
                chosen = Some(i);
                if target < x.weight {
                    break;
                }
                target -= x.weight;
            }
            chosen
        } else {
            let count = tally.count.get(kind as usize).copied().unwrap_or(0);
            nth_of(cands, kind, below(rng, count.max(1)))
        }
        .unwrap_or(0);
        // Fallbacks in one pass: the best `max - 1` others, by kind, then score for active
        // ones, then listing order. `[QOS-SELECT-2]`
        let max = usize::from(self.cfg.max_attempts).clamp(1, cands.len());
        let mut best: [usize; 16] = [0; 16];
        let mut n_best = 0usize;
        let want = max - 1;
        let before = |a: &Candidate, b: &Candidate| {
            a.kind < b.kind
                || (a.kind == Kind::Active && b.kind == Kind::Active && a.score > b.score)
        };
        for (i, x) in cands.iter().enumerate() {
            if i == primary || want == 0 {
                continue;
            }
            // Position among the kept ones (after equals: listing order wins ties).
            let mut at = n_best;
            while at > 0
                && best
                    .get(at - 1)
                    .and_then(|&j| cands.get(j))
                    .is_some_and(|y| before(x, y))
            {
                at -= 1;
            }
            if at >= want {
                continue;
            }
            let end = n_best.min(want - 1);
            // Shift [at, end) right by one, dropping the last kept one if full.
            let mut k = end;
            while k > at {
                if let Some(&prev) = best.get(k - 1)
                    && let Some(slot) = best.get_mut(k)
                {
                    *slot = prev;
                }
                k -= 1;
            }
            if let Some(slot) = best.get_mut(at) {
                *slot = i;
            }
            n_best = (n_best + 1).min(want);
        }
        let order = core::iter::once(primary)
            .chain(best.iter().take(n_best).copied())
            .filter_map(|i| cands.get(i));
        self.totals.plans += 1;
        match pick {
            Pick::Exploration => self.totals.exploration_picks += 1,
            Pick::Probation => self.totals.probation_picks += 1,
            Pick::LastResort => self.totals.last_resort_picks += 1,
            Pick::Ranked => {}
        }
        let primary_index = cands.get(primary).map_or(0, |x| x.index);
        if let Some(cold) = self.cold.get_mut(primary_index as usize) {
            cold.counts.primary_picks += 1;
            match pick {
                Pick::Exploration => cold.counts.exploration_picks += 1,
                Pick::Probation => cold.counts.probation_picks += 1,
                _ => {}
            }
        }
        let mut attempts = Vec::with_capacity(1 + n_best);
        for x in order {
            let i = x.index as usize;
            if let (Some(Some(key)), Some(hot)) = (self.keys.get(i), self.hot.get(i)) {
                attempts.push(Attempt {
                    supplier: key.clone(),
                    session: x.session,
                    class,
                    slot: Slot {
                        index: x.index,
                        generation: hot.generation,
                    },
                });
            }
        }
        // The hedge. `[QOS-HEDGE-1]` `[QOS-HEDGE-2]`
        self.budget.on_plan();
        let h = &self.cfg.hedge;
        let hedge_after =
            (h.enabled && attempts.len() >= 2 && self.budget.can_spend()).then(|| {
                let own = if pick == Pick::Ranked {
                    self.hot
                        .get(primary_index as usize)
                        .and_then(|hot| supplier::own_hedge_delay(hot, class, h.min_samples))
                } else {
                    None
                };
                own.or_else(|| self.global_hedge_delay(class))
                    .unwrap_or(h.initial_delay)
                    .clamp(h.min_delay, h.max_delay)
            });
        Plan {
            attempts,
            hedge_after,
            pick,
            class,
        }
    }

    /// Asks to start the plan's hedge (its delay has passed without an answer). Spends one hedge
    /// token and counts the hedge if granted; false when the plan has no hedge or the budget is
    /// empty (the request then waits for the primary). `[QOS-HEDGE-2]`
    pub fn start_hedge(&mut self, plan: &Plan<K>) -> bool {
        let Some((attempt, _)) = plan.hedge() else {
            return false;
        };
        if !self.budget.try_spend() {
            self.totals.hedges_denied += 1;
            return false;
        }
        self.totals.hedges += 1;
        if let Some(i) = self.resolve(&attempt.supplier, attempt.slot)
            && let Some(c) = self.cold.get_mut(i as usize)
        {
            c.counts.hedges += 1;
        }
        true
    }
}

fn nth_of(cands: &[Candidate], kind: Kind, n: usize) -> Option<usize> {
    cands
        .iter()
        .enumerate()
        .filter(|(_, x)| x.kind == kind)
        .nth(n)
        .map(|(i, _)| i)
}
