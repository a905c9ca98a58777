//! The watcher: probes every supplier of the current session with a fixed prompt, records
//! availability and latency, and feeds the QoS scores.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::IntoResponse;
use pokt_primitives::Address;
use pokt_qos::{Failure, Outcome, RequestClass, Role};
use serde_json::{Value, json};

use crate::llm::openai::Endpoint;

use super::{Attempt, Gateway};

/// One watcher probe.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Probe {
    /// The supplier probed.
    pub supplier: String,
    /// The chain height when probed.
    pub height: i64,
    /// Whether a verified answer came back.
    pub ok: bool,
    /// Milliseconds to the answer.
    pub latency_ms: f64,
    /// Why it failed.
    pub error: Option<String>,
}

impl Gateway {
    /// The watcher: one probe prompt to every supplier of the current session, recorded and fed
    /// to the QoS scores. Probes are real relays (mined and paid for like any other).
    pub async fn probe_once(self: &Arc<Self>) -> Vec<Probe> {
        let Ok(height) = self.routed_height() else {
            return Vec::new();
        };
        let target = self.qos.lock().ok().and_then(|q| {
            let s = q.routing.current(height)?;
            let members: Vec<Address> = s.suppliers().copied().collect();
            Some((s.window().start(), s.tag().clone(), members))
        });
        let Some((session, t, _)) = target else {
            return Vec::new();
        };
        let probe = json!({"model": self.cfg.models.first().cloned().unwrap_or_default(),
            "messages": [{"role": "user", "content": "watcher probe: reply with one word"}],
            "max_tokens": 4});
        let mut out = Vec::new();
        for (supplier, url, key) in t.suppliers.clone() {
            let started = Instant::now();
            // A probe is a relay like any other; its outcome counts for the supplier.
            let attempt = pokt_qos::Attempt::outside_plan(supplier, session, RequestClass::Unary);
            let result = match self.relay_bytes(
                &t,
                &supplier,
                Endpoint::Chat.path(),
                probe.to_string().into_bytes(),
            ) {
                Ok(bytes) => {
                    self.clone()
                        .attempt(&t, &attempt, Role::Primary, &url, key, bytes)
                        .await
                }
                Err(e) => Attempt::Failed(Failure::Unreachable, e.message),
            };
            let (ok, error) = match result {
                Attempt::Done(r) if r.status().is_success() => (true, None),
                Attempt::Done(r) => (false, Some(format!("status {}", r.status()))),
                Attempt::Failed(f, why) => {
                    self.report(&supplier, Outcome::Failed(f));
                    (false, Some(why))
                }
            };
            out.push(Probe {
                supplier: supplier.to_string(),
                height: height.get(),
                ok,
                latency_ms: started.elapsed().as_secs_f64() * 1e3,
                error,
            });
        }
        if let Ok(mut p) = self.probes.lock() {
            p.extend(out.iter().cloned());
            let n = p.len();
            if n > 1000 {
                p.drain(..n - 1000);
            }
        }
        out
    }

    /// Runs the watcher every `every` until the runtime stops.
    pub fn spawn_watcher(self: &Arc<Self>, every: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                me.probe_once().await;
            }
        });
    }

    /// Each probed supplier's availability (share of probes answered) and mean latency.
    pub fn watcher_summary(&self) -> Value {
        let probes = self.probes.lock().map(|p| p.clone()).unwrap_or_default();
        let mut by: BTreeMap<String, (u64, u64, f64)> = BTreeMap::new();
        for p in &probes {
            let e = by.entry(p.supplier.clone()).or_default();
            e.0 += 1;
            if p.ok {
                e.1 += 1;
                e.2 += p.latency_ms;
            }
        }
        let suppliers: Value = by
            .into_iter()
            .map(|(s, (n, ok, lat))| {
                (
                    s,
                    json!({"probes": n, "answered": ok, "availability": ok as f64 / n.max(1) as f64,
                        "mean_latency_ms": if ok > 0 { lat / ok as f64 } else { 0.0 }}),
                )
            })
            .collect::<serde_json::Map<String, Value>>()
            .into();
        json!({"suppliers": suppliers, "recent": probes.iter().rev().take(20).collect::<Vec<_>>()})
    }
}

pub(super) async fn watcher(State(g): State<Arc<Gateway>>) -> impl IntoResponse {
    axum::Json(g.watcher_summary())
}
