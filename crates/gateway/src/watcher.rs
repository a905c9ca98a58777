//! The model-identity watcher: fixed prompts at temperature 0 sent to every supplier of the
//! current sessions, answers compared with reference answers the operator recorded from a
//! trusted run of the model; a supplier whose answer differs is flagged and sanctioned
//! (`ModelMismatch`). Probes are real relays, paid like any other. [GW-WATCH-1]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use pokt_chain::Chain;
use pokt_primitives::{Address, BlockHeight};
use pokt_qos::{Failure, Outcome, Success};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::gateway::Gateway;
use crate::openai::Endpoint;
use crate::relay::{Answer, Outgoing, Tried};
use crate::usage::completion_text;

/// A reference answer: what the trusted model answers to `prompt` at temperature 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The model (selects the service).
    pub model: String,
    /// The user message (a chat completion with this one message).
    pub prompt: String,
    /// `max_tokens` of the probe. Default 16.
    #[serde(default = "d_max")]
    pub max_tokens: u64,
    /// The trusted answer's text.
    pub answer: String,
}

fn d_max() -> u64 {
    16
}

/// What the watcher found about one supplier.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SupplierWatch {
    /// Probes sent.
    pub probes: u64,
    /// Answers equal to the reference.
    pub matches: u64,
    /// Answers that differ.
    pub mismatches: u64,
    /// Probes without a verified answer.
    pub failures: u64,
    /// Whether the supplier was ever caught answering unlike the reference.
    pub flagged: bool,
    /// The last differing answer: `(expected, got)`, each cut to 200 characters.
    pub last_mismatch: Option<(String, String)>,
}

/// One probe.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    /// The service.
    pub service: String,
    /// The supplier.
    pub supplier: String,
    /// The chain height.
    pub height: i64,
    /// `match`, `mismatch` or the failure.
    pub result: String,
    /// Milliseconds to the answer.
    pub latency_ms: f64,
}

/// The watcher's findings (bounded: one record per supplier seen, the last 256 probes).
#[derive(Debug, Default)]
pub(crate) struct WatcherState {
    suppliers: BTreeMap<(String, String), SupplierWatch>,
    recent: VecDeque<Probe>,
}

const RECENT: usize = 256;
const MAX_WATCHED: usize = 16_384;

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Answers compare equal when their whitespace-separated words are equal.
fn same_answer(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

impl<C: Chain> Gateway<C> {
    /// One round: every reference to every supplier of the current session of the first
    /// application of the reference's service. Returns the probes made.
    pub async fn probe_once(self: &Arc<Self>) -> Vec<Probe> {
        let mut made = Vec::new();
        let Ok(height) = self.current_height().await else {
            return made;
        };
        for r in self.cfg.references.clone() {
            let Some(svc) = self.service_of(&r.model) else {
                continue;
            };
            let Some(service) = self.services.get(svc) else {
                continue;
            };
            let Some((app, signer)) = self
                .apps
                .iter()
                .find(|(_, a)| a.services.contains(&service.id))
                .map(|(k, a)| (*k, a.signer.clone()))
            else {
                continue;
            };
            if self.ensure_session(svc, &app, height).await.is_err() {
                continue;
            }
            let session = {
                let q = service.lock();
                q.routes
                    .get(&app)
                    .and_then(|r| r.usable(height, self.cfg.qos.rollover.margin_blocks).next())
                    .map(|s| (s.window().start(), s.tag().clone()))
            };
            let Some((start, target)) = session else {
                continue;
            };
            let body = json!({"model": r.model, "messages": [{"role": "user", "content": r.prompt}],
                "temperature": 0, "max_tokens": r.max_tokens, "stream": false});
            let out = Arc::new(Outgoing {
                svc,
                path: Endpoint::Chat.path(),
                payload: Arc::new(body.to_string().into_bytes()),
                signer,
            });
            let mut suppliers: Vec<Address> = target.suppliers.keys().copied().collect();
            suppliers.sort();
            for supplier in suppliers {
                let t0 = Instant::now();
                let tried = self
                    .clone()
                    .attempt(target.clone(), supplier, out.clone())
                    .await;
                let latency = t0.elapsed();
                let result = self.judge_probe(svc, &supplier, &r, tried, latency);
                made.push(self.record_probe(svc, supplier, start, height, result, latency));
            }
        }
        made
    }

    fn judge_probe(
        &self,
        svc: usize,
        supplier: &Address,
        r: &Reference,
        tried: Tried,
        latency: Duration,
    ) -> Result<bool, (Failure, Option<String>)> {
        match tried {
            Tried::Answered(Answer::Unary { status, body }) if status < 300 => {
                let got = completion_text(&body);
                if same_answer(&got, &r.answer) {
                    self.report(svc, supplier, Outcome::Success(Success::unary(latency)));
                    Ok(true)
                } else {
                    let service = self.services.get(svc).map_or("", |s| s.id.as_str());
                    tracing::warn!(%supplier, service, "watcher: answer differs from the reference: supplier flagged and sanctioned");
                    self.metrics
                        .model_mismatches
                        .get_or_create(&vec![
                            ("service", service.to_string()),
                            ("supplier", supplier.to_string()),
                        ])
                        .inc();
                    self.report(svc, supplier, Outcome::Failed(Failure::ModelMismatch));
                    Err((Failure::ModelMismatch, Some(got)))
                }
            }
            Tried::Answered(Answer::Unary { .. }) => {
                self.report(svc, supplier, Outcome::Failed(Failure::Refused));
                Err((Failure::Refused, None))
            }
            Tried::Answered(Answer::Stream { .. }) => {
                self.report(svc, supplier, Outcome::Failed(Failure::InvalidAnswer));
                Err((Failure::InvalidAnswer, None))
            }
            Tried::Failed(f, _) => {
                self.report(svc, supplier, Outcome::Failed(f));
                Err((f, None))
            }
        }
    }

    fn record_probe(
        &self,
        svc: usize,
        supplier: Address,
        _start: BlockHeight,
        height: BlockHeight,
        result: Result<bool, (Failure, Option<String>)>,
        latency: Duration,
    ) -> Probe {
        let service = self
            .services
            .get(svc)
            .map_or_else(String::new, |s| s.id.as_str().to_string());
        let mut w = self.watcher.lock().unwrap_or_else(PoisonError::into_inner);
        if w.suppliers.len() >= MAX_WATCHED {
            // Keep the flagged ones: a cheater cannot be forgotten by flooding.
            w.suppliers.retain(|_, s| s.flagged);
        }
        let e = w
            .suppliers
            .entry((service.clone(), supplier.to_string()))
            .or_default();
        e.probes += 1;
        let label = match &result {
            Ok(_) => {
                e.matches += 1;
                "match".to_string()
            }
            Err((Failure::ModelMismatch, got)) => {
                e.mismatches += 1;
                e.flagged = true;
                let expected = self
                    .cfg
                    .references
                    .iter()
                    .find(|r| self.service_of(&r.model) == Some(svc))
                    .map(|r| cut(&r.answer))
                    .unwrap_or_default();
                e.last_mismatch = Some((expected, cut(got.as_deref().unwrap_or(""))));
                "mismatch".to_string()
            }
            Err((f, _)) => {
                e.failures += 1;
                f.as_str().to_string()
            }
        };
        let p = Probe {
            service,
            supplier: supplier.to_string(),
            height: height.get(),
            result: label,
            latency_ms: latency.as_secs_f64() * 1e3,
        };
        w.recent.push_back(p.clone());
        while w.recent.len() > RECENT {
            w.recent.pop_front();
        }
        p
    }

    /// Runs a round every `watcher.interval` while references are configured (and the watcher
    /// is not disabled).
    pub async fn run_watcher(self: Arc<Self>) {
        if self.cfg.references.is_empty() || self.cfg.watcher.enabled == Some(false) {
            return;
        }
        let mut tick = tokio::time::interval(self.cfg.watcher.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.probe_once().await;
        }
    }

    /// `GET /v1/watcher`: per supplier findings and the recent probes.
    pub fn watcher_summary(&self) -> Value {
        let w = self.watcher.lock().unwrap_or_else(PoisonError::into_inner);
        let mut services: BTreeMap<String, BTreeMap<String, SupplierWatch>> = BTreeMap::new();
        for ((svc, sup), s) in &w.suppliers {
            services
                .entry(svc.clone())
                .or_default()
                .insert(sup.clone(), s.clone());
        }
        json!({
            "references": self.cfg.references.len(),
            "services": services,
            "recent": w.recent.iter().rev().take(32).collect::<Vec<_>>(),
        })
    }

    /// Whether the watcher flagged `supplier` for `service`.
    pub fn flagged(&self, service: &str, supplier: &Address) -> bool {
        self.watcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .suppliers
            .get(&(service.to_string(), supplier.to_string()))
            .is_some_and(|s| s.flagged)
    }
}

/// Records reference answers from a trusted OpenAI-compatible server (`base_url`, e.g. the
/// operator's own run of the model): each prompt sent at temperature 0, the answer kept.
pub async fn record_references(
    base_url: &str,
    prompts: &[(String, String, u64)],
) -> Result<Vec<Reference>, String> {
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for (model, prompt, max_tokens) in prompts {
        let body = json!({"model": model, "messages": [{"role": "user", "content": prompt}],
            "temperature": 0, "max_tokens": max_tokens, "stream": false});
        let resp = http
            .post(format!(
                "{}/v1/chat/completions",
                base_url.trim_end_matches('/')
            ))
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{base_url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("{base_url} answered {}", resp.status()));
        }
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        out.push(Reference {
            model: model.clone(),
            prompt: prompt.clone(),
            max_tokens: *max_tokens,
            answer: completion_text(&bytes),
        });
    }
    Ok(out)
}
