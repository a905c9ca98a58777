//! The stand-in's configuration: its model name and the scripted behaviours a test turns on.

use std::time::Duration;

/// The stand-in's model name.
pub const STAND_IN_MODEL: &str = "stand-in-1";

/// How the stand-in behaves. Every scripted behaviour is off by default
/// (`StandIn::default()` is an honest, fast backend); turn them on to test how a relay miner or a
/// gateway copes with a slow, failing, over-charging or substituted model.
///
/// Random draws (latency, errors) come from one seeded generator per server, three draws per
/// completion request in arrival order, so a given [`seed`](Self::seed) and request order give
/// the same behaviour every run.
#[derive(Clone, Debug, PartialEq)]
pub struct StandIn {
    /// Delay between streamed chunks.
    pub chunk_delay: Duration,
    /// The model name `GET /v1/models` lists (answers echo the request's `model`).
    pub model: String,
    /// Added latency per completion request: the median when
    /// [`latency_p99`](Self::latency_p99) is set, else a fixed delay. Zero: none.
    pub latency: Duration,
    /// If set, the added latency is drawn log-normally with median [`latency`](Self::latency)
    /// and this 99th percentile (draws are capped at ten times this value). Must be at least
    /// `latency`, and `latency` must then be non-zero.
    pub latency_p99: Option<Duration>,
    /// Every `slow_every`-th completion request (counted per server from the first, invalid
    /// requests not counted) takes [`slow`](Self::slow) more. Zero: never.
    pub slow_every: u64,
    /// The extra delay of every `slow_every`-th request.
    pub slow: Duration,
    /// The share of completion requests (0 to 1) answered `500` with an OpenAI error object
    /// (`type` `server_error`, `code` `stand_in_scripted_error`), after the added latency.
    pub error_rate: f64,
    /// Delay before a stream's first chunk (a slow first token; after the response headers).
    /// Unary answers are not affected.
    pub first_token: Duration,
    /// Reported `completion_tokens` (and `total_tokens` with them) are the true count multiplied
    /// by this factor, rounded to the nearest integer. `1.0`: honest.
    pub inflate_usage: f64,
    /// Answer as the model of this name would ([`answer_as`](crate::answer_as)); `None`: as
    /// [`model`](Self::model). A stand-in advertising `model` but answering from another name
    /// gives different deterministic answers at temperature 0 — a substituted model.
    pub answers_from: Option<String>,
    /// Seed of every random draw; `None`: a fresh random seed per server.
    pub seed: Option<u64>,
}

impl Default for StandIn {
    /// 2 ms between streamed chunks; model [`STAND_IN_MODEL`]; no scripted behaviour.
    fn default() -> Self {
        Self {
            chunk_delay: Duration::from_millis(2),
            model: STAND_IN_MODEL.to_string(),
            latency: Duration::ZERO,
            latency_p99: None,
            slow_every: 0,
            slow: Duration::ZERO,
            error_rate: 0.0,
            first_token: Duration::ZERO,
            inflate_usage: 1.0,
            answers_from: None,
            seed: None,
        }
    }
}

/// A [`StandIn`] configuration that cannot be served; the message names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidStandIn {
    /// The field at fault (`error_rate`, `latency_p99`, …).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for InvalidStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InvalidStandIn {}

impl StandIn {
    /// Checks the configuration: `error_rate` in 0..=1, `inflate_usage` finite and ≥ 0,
    /// `latency_p99` ≥ a non-zero `latency`, a non-empty `model`.
    pub fn validate(&self) -> Result<(), InvalidStandIn> {
        let bad = |field, message: String| Err(InvalidStandIn { field, message });
        if self.model.is_empty() {
            return bad("model", "must not be empty".into());
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            return bad(
                "error_rate",
                format!("{} is not a share between 0 and 1", self.error_rate),
            );
        }
        if !self.inflate_usage.is_finite() || self.inflate_usage < 0.0 {
            return bad(
                "inflate_usage",
                format!("{} is not a finite factor ≥ 0", self.inflate_usage),
            );
        }
        if let Some(p99) = self.latency_p99 {
            if self.latency.is_zero() {
                return bad(
                    "latency_p99",
                    "needs a non-zero median latency (`latency`)".into(),
                );
            }
            if p99 < self.latency {
                return bad(
                    "latency_p99",
                    format!("{p99:?} is below the median latency {:?}", self.latency),
                );
            }
        }
        if self.answers_from.as_deref() == Some("") {
            return bad("answers_from", "must not be empty".into());
        }
        Ok(())
    }

    /// The name the stand-in answers as: [`answers_from`](Self::answers_from) or else
    /// [`model`](Self::model).
    pub fn answering_model(&self) -> &str {
        self.answers_from.as_deref().unwrap_or(&self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let f = |s: StandIn| s.validate().map_err(|e| e.field);
        assert_eq!(f(StandIn::default()), Ok(()));
        assert_eq!(
            f(StandIn {
                error_rate: 1.5,
                ..StandIn::default()
            }),
            Err("error_rate")
        );
        assert_eq!(
            f(StandIn {
                error_rate: f64::NAN,
                ..StandIn::default()
            }),
            Err("error_rate")
        );
        assert_eq!(
            f(StandIn {
                inflate_usage: -1.0,
                ..StandIn::default()
            }),
            Err("inflate_usage")
        );
        assert_eq!(
            f(StandIn {
                latency_p99: Some(Duration::from_millis(5)),
                ..StandIn::default()
            }),
            Err("latency_p99")
        );
        assert_eq!(
            f(StandIn {
                latency: Duration::from_millis(10),
                latency_p99: Some(Duration::from_millis(5)),
                ..StandIn::default()
            }),
            Err("latency_p99")
        );
        assert_eq!(
            f(StandIn {
                model: String::new(),
                ..StandIn::default()
            }),
            Err("model")
        );
        assert_eq!(
            f(StandIn {
                answers_from: Some(String::new()),
                ..StandIn::default()
            }),
            Err("answers_from")
        );
    }
}
