//! Prometheus metrics at `GET /metrics` (prometheus-client, text format). [RM-OPS-1]
//!
//! | series | type | labels |
//! |---|---|---|
//! | `relayminer_relays_accepted_total` | counter | `service` |
//! | `relayminer_relays_refused_total` | counter | `reason` (the refusal's code) |
//! | `relayminer_relays_mined_total` | counter | `service` |
//! | `relayminer_backend_latency_seconds` | histogram | |
//! | `relayminer_claims_submitted_total`, `relayminer_claims_failed_total`, `relayminer_claims_skipped_total` | counter | |
//! | `relayminer_proofs_submitted_total`, `relayminer_proofs_failed_total`, `relayminer_proofs_not_required_total` | counter | |
//! | `relayminer_store_size_bytes` | gauge | |
//! | `relayminer_store_commits_total` | gauge | |
//! | `relayminer_sessions_open` | gauge | |
//! | `relayminer_block_height` | gauge | |

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// The relay miner's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    accepted: Family<Labels, Counter>,
    refused: Family<Labels, Counter>,
    mined: Family<Labels, Counter>,
    /// Backend latency (time to the answer's first byte).
    pub backend_latency: Histogram,
    /// Claims the chain accepted.
    pub claims_submitted: Counter,
    /// Claims that failed for good.
    pub claims_failed: Counter,
    /// Claims skipped (fee above value).
    pub claims_skipped: Counter,
    /// Proofs the chain accepted.
    pub proofs_submitted: Counter,
    /// Proofs that failed for good.
    pub proofs_failed: Counter,
    /// Claims whose proof the chain does not require.
    pub proofs_not_required: Counter,
    /// Store file size.
    pub store_size: Gauge<u64, AtomicU64>,
    /// Store commits.
    pub store_commits: Gauge<u64, AtomicU64>,
    /// (session, supplier) pairs held.
    pub sessions_open: Gauge,
    /// Last block height seen.
    pub height: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let m = Self {
            accepted: Family::default(),
            refused: Family::default(),
            mined: Family::default(),
            backend_latency: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            claims_submitted: Counter::default(),
            claims_failed: Counter::default(),
            claims_skipped: Counter::default(),
            proofs_submitted: Counter::default(),
            proofs_failed: Counter::default(),
            proofs_not_required: Counter::default(),
            store_size: Gauge::default(),
            store_commits: Gauge::default(),
            sessions_open: Gauge::default(),
            height: Gauge::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "relayminer_relays_accepted",
            "Relays accepted",
            m.accepted.clone(),
        );
        r.register(
            "relayminer_relays_refused",
            "Relays refused, by reason",
            m.refused.clone(),
        );
        r.register(
            "relayminer_relays_mined",
            "Relays mined into a session tree",
            m.mined.clone(),
        );
        r.register(
            "relayminer_backend_latency_seconds",
            "Backend time to answer",
            m.backend_latency.clone(),
        );
        r.register(
            "relayminer_claims_submitted",
            "Claims included on chain",
            m.claims_submitted.clone(),
        );
        r.register(
            "relayminer_claims_failed",
            "Claims that failed for good",
            m.claims_failed.clone(),
        );
        r.register(
            "relayminer_claims_skipped",
            "Claims skipped because their fee exceeds their value",
            m.claims_skipped.clone(),
        );
        r.register(
            "relayminer_proofs_submitted",
            "Proofs included on chain",
            m.proofs_submitted.clone(),
        );
        r.register(
            "relayminer_proofs_failed",
            "Proofs that failed for good",
            m.proofs_failed.clone(),
        );
        r.register(
            "relayminer_proofs_not_required",
            "Claims whose proof the chain does not require",
            m.proofs_not_required.clone(),
        );
        r.register(
            "relayminer_store_size_bytes",
            "Store file size",
            m.store_size.clone(),
        );
        r.register(
            "relayminer_store_commits",
            "Store commits since start",
            m.store_commits.clone(),
        );
        r.register(
            "relayminer_sessions_open",
            "Sessions (per supplier) held",
            m.sessions_open.clone(),
        );
        r.register(
            "relayminer_block_height",
            "Last block height seen",
            m.height.clone(),
        );
        Self { registry, ..m }
    }

    /// Counts an accepted relay.
    pub fn accepted(&self, service: &str) {
        self.accepted
            .get_or_create(&vec![("service", service.to_string())])
            .inc();
    }

    /// Counts a refusal by its code.
    pub fn refused(&self, reason: &str) {
        self.refused
            .get_or_create(&vec![("reason", reason.to_string())])
            .inc();
    }

    /// Counts a mined relay.
    pub fn mined(&self, service: &str) {
        self.mined
            .get_or_create(&vec![("service", service.to_string())])
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut s = String::new();
        let _ = encode(&mut s, &self.registry);
        s
    }
}
