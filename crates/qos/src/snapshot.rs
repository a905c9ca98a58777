//! Observability as data: what a gateway exports to Prometheus and `GET /v1/qos`.
//!
//! # Spec
//! `[QOS-OBSV-1]`.

use alloc::vec::Vec;

use crate::outcome::Failure;
use crate::supplier::{Counts, Tier};

/// Latency estimates from a decaying histogram, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LatencyEstimate {
    /// Effective number of samples behind the estimates (recent ones weigh more).
    pub samples: f64,
    /// Median.
    pub p50_ms: Option<f64>,
    /// 90th percentile.
    pub p90_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
}

/// A sanction in force.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SanctionInfo {
    /// The failure that caused it.
    pub reason: Failure,
    /// Whether it bars all traffic (severe) or allows last-resort attempts (mild).
    pub severe: bool,
    /// Milliseconds until it ends.
    pub remaining_ms: f64,
}

/// One supplier's state.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SupplierSnapshot<K> {
    /// The supplier.
    pub supplier: K,
    /// Its tier now.
    pub tier: Tier,
    /// The sanction in force, if any.
    pub sanction: Option<SanctionInfo>,
    /// Score for unary requests, in [0, 1] (availability × speed).
    pub score: f64,
    /// Score for streamed requests, in [0, 1].
    pub stream_score: f64,
    /// Estimated share of attempts that succeed (decaying).
    pub availability: f64,
    /// Whole-answer latency of unary requests.
    pub latency: LatencyEstimate,
    /// Time to the first verified batch of streams.
    pub ttft: LatencyEstimate,
    /// Time per completion token of streams (decaying average), milliseconds.
    pub ms_per_token: Option<f64>,
    /// Sanctions not yet forgiven (each doubles the next).
    pub offences: u32,
    /// Counters since first seen.
    pub counts: Counts,
}

/// Counters over all suppliers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Totals {
    /// Plans made (requests routed).
    pub plans: u64,
    /// Primaries picked for exploration.
    pub exploration_picks: u64,
    /// Primaries picked with the probation share.
    pub probation_picks: u64,
    /// Primaries picked because no better candidate was left.
    pub last_resort_picks: u64,
    /// Hedges started.
    pub hedges: u64,
    /// Hedges wanted but refused by the budget.
    pub hedges_denied: u64,
    /// Hedges that answered first.
    pub hedge_wins: u64,
    /// Retries observed.
    pub retries: u64,
    /// Successes observed.
    pub successes: u64,
    /// Failures observed.
    pub failures: u64,
    /// Sanctions imposed.
    pub sanctions: u64,
    /// Supplier records dropped to stay within `max_suppliers`, or as idle.
    pub evictions: u64,
}

/// Everything at once.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QosSnapshot<K> {
    /// Counters over all suppliers.
    pub totals: Totals,
    /// Hedge tokens in the budget now.
    pub hedge_tokens: f64,
    /// Every supplier with a record, in key order.
    pub suppliers: Vec<SupplierSnapshot<K>>,
}
