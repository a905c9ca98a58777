//! Quality of service at the gateway: a score per supplier from what the gateway observes —
//! latency (time to first token for streams, and time per token), errors, and bad or missing
//! signatures — and the order in which suppliers are tried.

use std::collections::BTreeMap;

use pokt_primitives::Address;

/// What one relay attempt showed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Observation {
    /// Answered and verified: total latency, time to first token (streams) and completion tokens.
    Success {
        /// Milliseconds until the whole answer (non-stream) or the first verified batch (stream).
        latency_ms: f64,
        /// Milliseconds per completion token after the first batch (streams).
        ms_per_token: Option<f64>,
    },
    /// No usable answer (connection failure, timeout, an error status from the relay miner).
    Error,
    /// An answer whose signature, payload hash or session did not verify.
    BadSignature,
}

/// One supplier's record.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SupplierQos {
    /// Verified answers.
    pub successes: u64,
    /// Failed attempts.
    pub errors: u64,
    /// Answers that failed verification.
    pub bad_signatures: u64,
    /// Exponentially weighted latency (ms), time to first token for streams.
    pub latency_ms: Option<f64>,
    /// Exponentially weighted time per token of streams (ms).
    pub ms_per_token: Option<f64>,
    /// The current score (higher is better).
    pub score: f64,
}

/// Weight of a new latency sample.
const ALPHA: f64 = 0.3;

impl SupplierQos {
    /// The score: smoothed success rate × 1000 / (1000 + latency) × ½ per bad signature. An
    /// untried supplier scores 1 (so each is tried before the fastest takes the traffic).
    fn rescore(&mut self) {
        let tries = self.successes + self.errors + self.bad_signatures;
        if tries == 0 {
            self.score = 1.0;
            return;
        }
        let rate = (self.successes as f64 + 1.0) / (tries as f64 + 2.0);
        let lat = self.latency_ms.unwrap_or(0.0);
        let penalty = 0.5f64.powi(i32::try_from(self.bad_signatures.min(30)).unwrap_or(30));
        self.score = rate * 1000.0 / (1000.0 + lat) * penalty;
    }

    fn observe(&mut self, o: Observation) {
        let ewma =
            |old: Option<f64>, new: f64| Some(old.map_or(new, |v| v * (1.0 - ALPHA) + new * ALPHA));
        match o {
            Observation::Success {
                latency_ms,
                ms_per_token,
            } => {
                self.successes += 1;
                self.latency_ms = ewma(self.latency_ms, latency_ms);
                if let Some(t) = ms_per_token {
                    self.ms_per_token = ewma(self.ms_per_token, t);
                }
            }
            Observation::Error => self.errors += 1,
            Observation::BadSignature => self.bad_signatures += 1,
        }
        self.rescore();
    }
}

/// Scores by supplier.
#[derive(Clone, Debug, Default)]
pub struct Qos {
    suppliers: BTreeMap<Address, SupplierQos>,
}

impl Qos {
    /// Records an observation.
    pub fn observe(&mut self, supplier: Address, o: Observation) {
        self.suppliers
            .entry(supplier)
            .or_insert_with(|| {
                let mut s = SupplierQos::default();
                s.rescore();
                s
            })
            .observe(o);
    }

    /// A supplier's record (an untried one scores 1).
    pub fn get(&self, supplier: &Address) -> SupplierQos {
        self.suppliers.get(supplier).cloned().unwrap_or_else(|| {
            let mut s = SupplierQos::default();
            s.rescore();
            s
        })
    }

    /// The order to try `candidates` in: best score first, ties by address.
    pub fn rank(&self, candidates: &[Address]) -> Vec<Address> {
        let mut v: Vec<(f64, Address)> =
            candidates.iter().map(|a| (self.get(a).score, *a)).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|(_, a)| a).collect()
    }

    /// Every record, by address.
    pub fn all(&self) -> &BTreeMap<Address, SupplierQos> {
        &self.suppliers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(b: u8) -> Address {
        Address::from_bytes([b; 20])
    }

    #[test]
    fn untried_first_then_fast_and_honest() {
        let mut q = Qos::default();
        let c = [a(1), a(2), a(3)];
        q.observe(
            a(1),
            Observation::Success {
                latency_ms: 50.0,
                ms_per_token: None,
            },
        );
        // Untried suppliers come before a tried one.
        assert_eq!(q.rank(&c)[2], a(1));
        q.observe(
            a(2),
            Observation::Success {
                latency_ms: 500.0,
                ms_per_token: None,
            },
        );
        q.observe(
            a(3),
            Observation::Success {
                latency_ms: 10.0,
                ms_per_token: None,
            },
        );
        assert_eq!(q.rank(&c), vec![a(3), a(1), a(2)]);
        // A bad signature halves the fastest supplier's score; errors sink it further.
        q.observe(a(3), Observation::BadSignature);
        q.observe(a(3), Observation::Error);
        assert_eq!(q.rank(&c)[0], a(1));
        assert_eq!(q.get(&a(3)).bad_signatures, 1);
        assert!(q.get(&a(3)).score < q.get(&a(2)).score);
    }
}
