//! Prometheus metrics per API key, application, service and supplier. [GW-OPS-1]

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// A label set.
pub(crate) type Labels = Vec<(&'static str, String)>;

type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The gateway's metrics (`GET /metrics`, Prometheus text format).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests by key, application, service and HTTP status.
    pub(crate) requests: Family<Labels, Counter>,
    /// Request durations (to the full answer, or a stream's first token) by key, application,
    /// service.
    pub(crate) request_seconds: HistogramFamily,
    /// Relays by service, supplier, role and outcome.
    pub(crate) relays: Family<Labels, Counter>,
    /// Verified answers' latency by service and supplier.
    pub(crate) relay_seconds: HistogramFamily,
    /// Streams' time to first verified batch by service and supplier.
    pub(crate) ttft_seconds: HistogramFamily,
    /// Hedges started by service.
    pub(crate) hedges: Family<Labels, Counter>,
    /// Retries started by service.
    pub(crate) retries: Family<Labels, Counter>,
    /// Tokens by key, application, service and kind (prompt, completion).
    pub(crate) tokens: Family<Labels, Counter>,
    /// Answers whose signed usage exceeded the recount, by service and supplier.
    pub(crate) usage_inflated: Family<Labels, Counter>,
    /// Watcher probes whose answer differed from the reference, by service and supplier.
    pub(crate) model_mismatches: Family<Labels, Counter>,
    /// QoS score (unary) by service and supplier, refreshed at each scrape.
    pub(crate) score: Family<Labels, Gauge<f64, AtomicU64>>,
    /// 1 for the supplier's tier (label `tier`), refreshed at each scrape.
    pub(crate) tier: Family<Labels, Gauge>,
    /// Sanctions imposed on a supplier since first seen, refreshed at each scrape.
    pub(crate) sanctions: Family<Labels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `pokt_gateway` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("pokt_gateway");
        let requests = Family::default();
        let request_seconds = HistogramFamily::new_with_constructor(latency_histogram);
        let relays = Family::default();
        let relay_seconds = HistogramFamily::new_with_constructor(latency_histogram);
        let ttft_seconds = HistogramFamily::new_with_constructor(latency_histogram);
        let hedges = Family::default();
        let retries = Family::default();
        let tokens = Family::default();
        let usage_inflated = Family::default();
        let model_mismatches = Family::default();
        let score = Family::default();
        let tier = Family::default();
        let sanctions = Family::default();
        registry.register(
            "requests",
            "API requests by key, application, service and status",
            requests.clone(),
        );
        registry.register(
            "request_seconds",
            "API request duration (a stream's: to its first token)",
            request_seconds.clone(),
        );
        registry.register(
            "relays",
            "Relays by service, supplier, role and outcome",
            relays.clone(),
        );
        registry.register(
            "relay_seconds",
            "Latency of verified answers by service and supplier",
            relay_seconds.clone(),
        );
        registry.register(
            "ttft_seconds",
            "Time to a stream's first verified batch by service and supplier",
            ttft_seconds.clone(),
        );
        registry.register("hedges", "Hedged relays started", hedges.clone());
        registry.register("retries", "Retried relays started", retries.clone());
        registry.register(
            "tokens",
            "Tokens by key, application, service and kind",
            tokens.clone(),
        );
        registry.register(
            "usage_inflated",
            "Answers whose signed usage exceeded the recount",
            usage_inflated.clone(),
        );
        registry.register(
            "model_mismatches",
            "Watcher probes answered unlike the reference",
            model_mismatches.clone(),
        );
        registry.register(
            "supplier_score",
            "QoS score of a supplier (unary)",
            score.clone(),
        );
        registry.register("supplier_tier", "QoS tier of a supplier", tier.clone());
        registry.register(
            "supplier_sanctions",
            "Sanctions imposed on a supplier",
            sanctions.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            relays,
            relay_seconds,
            ttft_seconds,
            hedges,
            retries,
            tokens,
            usage_inflated,
            model_mismatches,
            score,
            tier,
            sanctions,
        }
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
