//! What the gateway tells the QoS about a request: its class, an attempt's role, and the
//! attempt's outcome.

use core::time::Duration;

/// The kind of request a plan is for. It chooses the latency the scores and the hedge delay use:
/// the whole answer for unary requests, the first verified batch for streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum RequestClass {
    /// One answer, read whole.
    Unary,
    /// A streamed answer: it has been answered when its first verified batch arrives.
    Stream,
}

impl RequestClass {
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Unary => 0,
            Self::Stream => 1,
        }
    }
}

/// Why an attempt was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Role {
    /// The plan's first attempt.
    Primary,
    /// The plan's second attempt, started early because the primary was slow.
    Hedge,
    /// A later attempt, started because the earlier ones failed.
    Retry,
}

/// Why an attempt failed. The first four are **mild** (a supplier can be slow or down for a
/// while); the others are **severe** (a supplier that signs wrongly, over-reports usage or
/// serves another model is not to be trusted for a while).
///
/// # Spec
/// `[QOS-OBS-1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Failure {
    /// No answer (or no first batch) in time.
    Timeout,
    /// The relay miner could not be reached (connection refused or reset, DNS).
    Unreachable,
    /// The relay miner or its backend answered with a server error (5xx).
    ServerError,
    /// The relay miner refused the relay (4xx: over-serviced, session not accepted).
    Refused,
    /// An answer that does not decode, has no payload or is for another session.
    InvalidAnswer,
    /// An answer (or a stream batch) whose supplier signature does not verify.
    BadSignature,
    /// The usage the supplier signed exceeds the gateway's recount beyond its tolerance.
    UsageInflated,
    /// The watcher's probes show a different model than the one advertised.
    ModelMismatch,
}

impl Failure {
    /// Every failure kind, mild ones first.
    pub const ALL: [Self; 8] = [
        Self::Timeout,
        Self::Unreachable,
        Self::ServerError,
        Self::Refused,
        Self::InvalidAnswer,
        Self::BadSignature,
        Self::UsageInflated,
        Self::ModelMismatch,
    ];

    /// Whether one such failure sanctions the supplier at once and bars it from all traffic
    /// until the sanction ends. `[QOS-SANCTION-1]`
    pub const fn is_severe(self) -> bool {
        matches!(
            self,
            Self::InvalidAnswer | Self::BadSignature | Self::UsageInflated | Self::ModelMismatch
        )
    }

    /// A stable lower-case name (for metrics labels and logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::ServerError => "server_error",
            Self::Refused => "refused",
            Self::InvalidAnswer => "invalid_answer",
            Self::BadSignature => "bad_signature",
            Self::UsageInflated => "usage_inflated",
            Self::ModelMismatch => "model_mismatch",
        }
    }

    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Timeout => 0,
            Self::Unreachable => 1,
            Self::ServerError => 2,
            Self::Refused => 3,
            Self::InvalidAnswer => 4,
            Self::BadSignature => 5,
            Self::UsageInflated => 6,
            Self::ModelMismatch => 7,
        }
    }
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified answer and how fast it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Success {
    /// From sending the relay to the end of the answer (the last verified batch of a stream).
    pub latency: Duration,
    /// For streams: from sending the relay to the first verified batch.
    pub first_token: Option<Duration>,
    /// Completion tokens of the answer, when known (its usage, or the gateway's recount).
    pub completion_tokens: u32,
}

impl Success {
    /// A unary answer that took `latency`.
    pub const fn unary(latency: Duration) -> Self {
        Self {
            latency,
            first_token: None,
            completion_tokens: 0,
        }
    }

    /// A stream whose first verified batch came after `first_token` and whose end after
    /// `latency`, with `completion_tokens` tokens.
    pub const fn stream(first_token: Duration, latency: Duration, completion_tokens: u32) -> Self {
        Self {
            latency,
            first_token: Some(first_token),
            completion_tokens,
        }
    }

    /// The class of request this answer is evidence about.
    pub const fn class(&self) -> RequestClass {
        if self.first_token.is_some() {
            RequestClass::Stream
        } else {
            RequestClass::Unary
        }
    }

    /// The time by which the answer counts as arrived (the race a hedge runs is decided here):
    /// the first token of a stream, the whole answer otherwise.
    pub fn answered_after(&self) -> Duration {
        self.first_token.unwrap_or(self.latency)
    }

    /// Time per completion token after the first batch (streams with a token count).
    pub fn time_per_token(&self) -> Option<Duration> {
        let first = self.first_token?;
        if self.completion_tokens == 0 {
            return None;
        }
        Some(self.latency.saturating_sub(first) / self.completion_tokens)
    }
}

/// What one attempt gave.
///
/// # Spec
/// `[QOS-OBS-1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A verified answer.
    Success(Success),
    /// A failure, by cause.
    Failed(Failure),
    /// Cancelled after `elapsed` because another attempt of the same request answered first.
    /// Neither success nor failure; when `elapsed` is above the supplier's median latency it is
    /// evidence of slowness and is recorded as a latency sample (a lower bound of the truth).
    /// `[QOS-HEDGE-3]`
    Abandoned {
        /// Time from sending the attempt to cancelling it.
        elapsed: Duration,
    },
}
