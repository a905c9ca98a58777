//! Running a plan in simulated time: the reference driver of a plan (primary, hedge, retries,
//! first valid answer wins), for simulators and tests. A gateway runs the same steps with real
//! timers and sockets.
//!
//! # Spec
//! `[QOS-DRIVE-1]`.

use core::time::Duration;

use crate::outcome::{Failure, Outcome, Role, Success};
use crate::plan::{Attempt, Plan};
use crate::qos::Qos;

/// What a simulated supplier does with one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simulated {
    /// It answers; the race is decided at [`Success::answered_after`].
    Answers(Success),
    /// It fails after `after`.
    Fails {
        /// The failure.
        failure: Failure,
        /// Time from sending to the failure being known (a timeout's length, a refusal's round
        /// trip).
        after: Duration,
    },
}

impl Simulated {
    fn decided_after(&self) -> Duration {
        match self {
            Self::Answers(s) => s.answered_after(),
            Self::Fails { after, .. } => *after,
        }
    }
}

/// How a plan ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution<K> {
    /// The attempt whose answer was used, if any.
    pub winner: Option<Attempt<K>>,
    /// Time from the request to its answer (first token for streams) or, failing, to the last
    /// failure.
    pub latency: Duration,
    /// Time from the request to the end of the winning answer.
    pub completed: Option<Duration>,
    /// Relays sent (1 + hedge + retries).
    pub relays: u32,
    /// Whether a hedge was started.
    pub hedged: bool,
    /// Retries started.
    pub retries: u32,
}

#[derive(Clone, Copy)]
struct InFlight {
    attempt: usize,
    role: Role,
    started: Duration,
    result: Simulated,
}

impl InFlight {
    fn decided_at(&self) -> Duration {
        self.started.saturating_add(self.result.decided_after())
    }
}

impl<K: Ord + Clone> Qos<K> {
    /// Runs `plan` in simulated time starting at `now`: `attempt` says what each supplier does
    /// (called once per attempt started, in start order). Every attempt is observed at the
    /// simulated time its outcome is known; losers of a race are observed as
    /// [`Outcome::Abandoned`] when the winner answers.
    ///
    /// The steps, as a gateway runs them: start the primary; if it is undecided at the hedge
    /// delay and [`Qos::start_hedge`] grants it, start the second attempt as a hedge; the first
    /// answer wins; a failure with another attempt in flight waits for that one; a failure with
    /// nothing in flight starts the next attempt (a retry) at once, cancelling a hedge not yet
    /// started; when none is left, the request fails.
    pub fn execute(
        &mut self,
        plan: &Plan<K>,
        now: Duration,
        mut attempt: impl FnMut(&Attempt<K>) -> Simulated,
    ) -> Execution<K> {
        let attempts = plan.attempts();
        let mut flight: [Option<InFlight>; 2] = [None, None];
        let mut next = 0usize;
        let mut relays = 0u32;
        let mut retries = 0u32;
        let mut hedged = false;
        let mut hedge_at = plan.hedge_after().map(|d| now.saturating_add(d));
        let mut start = |flight: &mut [Option<InFlight>; 2], next: &mut usize, role, at| {
            let Some(a) = attempts.get(*next) else {
                return false;
            };
            let result = attempt(a);
            let f = InFlight {
                attempt: *next,
                role,
                started: at,
                result,
            };
            if let Some(slot) = flight.iter_mut().find(|s| s.is_none()) {
                *slot = Some(f);
            }
            *next += 1;
            true
        };
        start(&mut flight, &mut next, Role::Primary, now);
        relays += 1;
        let mut clock = now;
        loop {
            // The earliest pending event: an attempt decided, or the hedge timer.
            let decided = flight
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.map(|f| (i, f.decided_at())))
                .min_by_key(|&(_, t)| t);
            let Some((slot, t)) = decided else {
                // Nothing in flight and nothing left to start.
                return Execution {
                    winner: None,
                    latency: clock.saturating_sub(now),
                    completed: None,
                    relays,
                    hedged,
                    retries,
                };
            };
            if let Some(h) = hedge_at
                && h < t
            {
                hedge_at = None;
                clock = h;
                if next == 1
                    && self.start_hedge(plan)
                    && start(&mut flight, &mut next, Role::Hedge, h)
                {
                    relays += 1;
                    hedged = true;
                }
                continue;
            }
            clock = t;
            let Some(done) = flight.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            let Some(a) = attempts.get(done.attempt) else {
                continue;
            };
            match done.result {
                Simulated::Answers(s) => {
                    self.observe(
                        a,
                        done.role,
                        Outcome::Success(s),
                        done.started.saturating_add(s.latency),
                    );
                    for other in flight.iter_mut().filter_map(Option::take) {
                        if let Some(oa) = attempts.get(other.attempt) {
                            self.observe(
                                oa,
                                other.role,
                                Outcome::Abandoned {
                                    elapsed: t.saturating_sub(other.started),
                                },
                                t,
                            );
                        }
                    }
                    return Execution {
                        winner: Some(a.clone()),
                        latency: t.saturating_sub(now),
                        completed: Some(done.started.saturating_add(s.latency).saturating_sub(now)),
                        relays,
                        hedged,
                        retries,
                    };
                }
                Simulated::Fails { failure, .. } => {
                    self.observe(a, done.role, Outcome::Failed(failure), t);
                    if flight.iter().all(Option::is_none) {
                        hedge_at = None;
                        if start(&mut flight, &mut next, Role::Retry, t) {
                            relays += 1;
                            retries += 1;
                        }
                    }
                }
            }
        }
    }
}
