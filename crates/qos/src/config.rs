//! The QoS settings, with documented defaults and a validity check.
//!
//! Every field has a default ([`QosConfig::default`]); with the `serde` feature the struct
//! deserializes from a partial table (missing fields take their defaults, unknown fields are
//! refused so a typo is not silently ignored), and durations are written as strings such as
//! `"250ms"`, `"30s"`, `"5m"` or `"2h"` (an integer is read as milliseconds).

use core::time::Duration;

use pokt_primitives::BlockInterval;

use crate::outcome::Failure;

/// Settings of a [`Qos`](crate::Qos) instance. Defaults are chosen for LLM inference services
/// (answers in seconds, streams whose first token arrives in a few hundred milliseconds).
///
/// # Spec
/// `[QOS-CFG-1]`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct QosConfig {
    /// Attempts a plan lists for one request, the primary included (the primary, then fallbacks
    /// for retries; the first fallback doubles as the hedge). Default 3; at least 1, at most 16.
    pub max_attempts: u8,
    /// Share of plans whose primary is a supplier never observed, when the request's candidates
    /// include one and a known supplier is available. Default 0.2. `[QOS-EXPLORE-1]`
    pub exploration_share: f64,
    /// Number of recent outcomes the availability estimate remembers (an exponentially weighted
    /// average with weight 1/memory per new outcome). Default 20. `[QOS-STAT-2]`
    pub availability_memory: u32,
    /// Availability assumed before the first outcome. Default 0.9.
    pub initial_availability: f64,
    /// Number of recent successes the latency estimates remember (decaying histograms).
    /// Default 200. `[QOS-STAT-1]`
    pub latency_memory: u32,
    /// The non-streamed latency at which the speed factor is ½. Default 2 s. `[QOS-SCORE-1]`
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub latency_scale: Duration,
    /// The time to first token at which a stream's first-token factor is ½. Default 500 ms.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub ttft_scale: Duration,
    /// The time per completion token at which a stream's per-token factor is ½. Default 50 ms.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub time_per_token_scale: Duration,
    /// How sharply traffic prefers better scores: a primary is drawn with probability
    /// proportional to score^exponent. Default 6 (a supplier at half the best score gets 1/64 of
    /// its traffic); at most 32. `[QOS-SELECT-1]`
    pub selection_exponent: u8,
    /// Hedged requests.
    pub hedge: HedgeConfig,
    /// Sanctions and probation.
    pub sanctions: SanctionConfig,
    /// Session rollover.
    pub rollover: RolloverConfig,
    /// Most suppliers whose statistics are kept; beyond it the least recently seen supplier that
    /// is not sanctioned is forgotten. Default 4096 (about 1.7 KiB each). `[QOS-MEM-1]`
    pub max_suppliers: u32,
}

impl Default for QosConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            exploration_share: 0.2,
            availability_memory: 20,
            initial_availability: 0.9,
            latency_memory: 200,
            latency_scale: Duration::from_secs(2),
            ttft_scale: Duration::from_millis(500),
            time_per_token_scale: Duration::from_millis(50),
            selection_exponent: 6,
            hedge: HedgeConfig::default(),
            sanctions: SanctionConfig::default(),
            rollover: RolloverConfig::default(),
            max_suppliers: 4096,
        }
    }
}

/// Hedged requests: a second supplier started when the primary has not answered after a delay
/// derived from observed latency; the extra relays are bounded by a budget.
///
/// # Spec
/// `[QOS-HEDGE-1]`, `[QOS-HEDGE-2]`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct HedgeConfig {
    /// Whether plans carry a hedge. Default true.
    pub enabled: bool,
    /// The latency quantile after which the hedge starts. Default 0.95.
    pub quantile: f64,
    /// Successes needed before a supplier's own quantile is used (before that, the quantile over
    /// all suppliers; before any, `initial_delay`). Default 8.
    pub min_samples: u32,
    /// Hedge delay when nothing has been observed yet. Default 2 s.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub initial_delay: Duration,
    /// Shortest hedge delay. Default 50 ms.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub min_delay: Duration,
    /// Longest hedge delay. Default 30 s.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub max_delay: Duration,
    /// Extra relays allowed per planned request: the budget earns this many hedge tokens per
    /// plan, and a hedge spends one. Default 0.1 (at most 10 % extra relays, plus the burst).
    pub budget_ratio: f64,
    /// Most hedge tokens saved up (and the budget at start). Default 10.
    pub burst: u32,
}

impl Default for HedgeConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            quantile: 0.95,
            min_samples: 8,
            initial_delay: Duration::from_secs(2),
            min_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(30),
            budget_ratio: 0.1,
            burst: 10,
        }
    }
}

/// Sanctions (no traffic for a while, longer for worse failures and for repeat offenders) and
/// probation (a bounded share of traffic until the supplier has proven itself again).
///
/// # Spec
/// `[QOS-SANCTION-1]`, `[QOS-SANCTION-2]`, `[QOS-PROBATION-1]`, `[QOS-PROBATION-2]`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct SanctionConfig {
    /// Mild failures in a row (timeouts, unreachable, 5xx, refusals) that sanction an active
    /// supplier. Default 3.
    pub mild_failures: u32,
    /// Sanction for mild failures. Default 30 s.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub mild: Duration,
    /// Sanction for an answer that does not decode or is for another session. Default 10 min.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub invalid_answer: Duration,
    /// Sanction for a bad supplier signature. Default 1 h.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub bad_signature: Duration,
    /// Sanction for signed usage above the gateway's recount. Default 1 h.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub usage_inflated: Duration,
    /// Sanction for answers that show another model than the one advertised. Default 6 h.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub model_mismatch: Duration,
    /// Longest sanction, repeat offences included. Default 24 h.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub max: Duration,
    /// A supplier sanctioned again within this time of its last sanction's end has its sanction
    /// doubled per earlier offence; after this long clean its record is forgiven. Default 1 h.
    #[cfg_attr(feature = "serde", serde(with = "crate::config::duration_str"))]
    pub forgive_after: Duration,
    /// Share of plans whose primary is a supplier on probation, when the request's candidates
    /// include one. Default 0.05.
    pub probation_share: f64,
    /// Successes in a row that end probation. Default 3.
    pub probation_successes: u32,
    /// Whether suppliers under a mild sanction may be tried when no other candidate is left
    /// (better a likely failure than a certain one). Suppliers under a severe sanction never are.
    /// Default true.
    pub mild_last_resort: bool,
}

impl Default for SanctionConfig {
    fn default() -> Self {
        Self {
            mild_failures: 3,
            mild: Duration::from_secs(30),
            invalid_answer: Duration::from_secs(600),
            bad_signature: Duration::from_secs(3600),
            usage_inflated: Duration::from_secs(3600),
            model_mismatch: Duration::from_secs(6 * 3600),
            max: Duration::from_secs(24 * 3600),
            forgive_after: Duration::from_secs(3600),
            probation_share: 0.05,
            probation_successes: 3,
            mild_last_resort: true,
        }
    }
}

impl SanctionConfig {
    /// The base sanction for a failure (before escalation for repeat offences).
    pub fn base_duration(&self, failure: Failure) -> Duration {
        match failure {
            Failure::Timeout | Failure::Unreachable | Failure::ServerError | Failure::Refused => {
                self.mild
            }
            Failure::InvalidAnswer => self.invalid_answer,
            Failure::BadSignature => self.bad_signature,
            Failure::UsageInflated => self.usage_inflated,
            Failure::ModelMismatch => self.model_mismatch,
        }
    }
}

/// Session rollover.
///
/// # Spec
/// `[QOS-ROLL-1]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct RolloverConfig {
    /// A session whose end has passed is used until `margin_blocks` before its grace period
    /// ends, so a relay still reaches a relay miner whose chain is a little ahead of the
    /// gateway's. Default 1; 0 uses it through the last block of the grace period.
    pub margin_blocks: BlockInterval,
}

impl Default for RolloverConfig {
    fn default() -> Self {
        Self {
            margin_blocks: BlockInterval::ONE,
        }
    }
}

/// Why a configuration is refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A share or quantile outside its range.
    #[error("{field} must be in {range}, got {got}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The allowed range.
        range: &'static str,
        /// The value given.
        got: f64,
    },
    /// A count outside its range.
    #[error("{field} must be in [{min}, {max}], got {got}")]
    Count {
        /// The field.
        field: &'static str,
        /// The least value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
        /// The value given.
        got: u64,
    },
    /// A duration that must be positive is zero, or bounds in the wrong order.
    #[error("{0}")]
    Duration(&'static str),
}

impl QosConfig {
    /// Checks every field's range: shares and quantiles in their intervals, counts positive,
    /// scales positive, hedge bounds ordered.
    pub fn validate(&self) -> Result<(), ConfigError> {
        share("exploration_share", self.exploration_share, false)?;
        share("initial_availability", self.initial_availability, false)?;
        share(
            "sanctions.probation_share",
            self.sanctions.probation_share,
            false,
        )?;
        share("hedge.quantile", self.hedge.quantile, true)?;
        if !(self.hedge.budget_ratio >= 0.0 && self.hedge.budget_ratio <= 1000.0) {
            return Err(ConfigError::OutOfRange {
                field: "hedge.budget_ratio",
                range: "[0, 1000]",
                got: self.hedge.budget_ratio,
            });
        }
        count("max_attempts", self.max_attempts.into(), 1, 16)?;
        count("selection_exponent", self.selection_exponent.into(), 0, 32)?;
        count(
            "availability_memory",
            self.availability_memory.into(),
            1,
            1 << 20,
        )?;
        count("latency_memory", self.latency_memory.into(), 1, 1 << 20)?;
        count("max_suppliers", self.max_suppliers.into(), 1, 1 << 24)?;
        count(
            "sanctions.mild_failures",
            self.sanctions.mild_failures.into(),
            1,
            u32::MAX.into(),
        )?;
        count(
            "sanctions.probation_successes",
            self.sanctions.probation_successes.into(),
            1,
            u32::MAX.into(),
        )?;
        count("hedge.burst", self.hedge.burst.into(), 0, 1 << 20)?;
        if self.latency_scale.is_zero()
            || self.ttft_scale.is_zero()
            || self.time_per_token_scale.is_zero()
        {
            return Err(ConfigError::Duration("latency scales must be positive"));
        }
        if self.hedge.min_delay > self.hedge.max_delay {
            return Err(ConfigError::Duration(
                "hedge.min_delay must not exceed hedge.max_delay",
            ));
        }
        Ok(())
    }
}

fn share(field: &'static str, v: f64, open: bool) -> Result<(), ConfigError> {
    let ok = if open {
        v > 0.0 && v < 1.0
    } else {
        (0.0..=1.0).contains(&v)
    };
    if ok {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            range: if open { "(0, 1)" } else { "[0, 1]" },
            got: v,
        })
    }
}

fn count(field: &'static str, v: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::Count {
            field,
            min,
            max,
            got: v,
        })
    }
}

/// Durations as human-readable strings in configuration files.
#[cfg(feature = "serde")]
pub(crate) mod duration_str {
    use alloc::format;
    use alloc::string::String;
    use core::time::Duration;

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes the shortest exact form: whole hours, minutes or seconds, else milliseconds, else
    /// microseconds, else nanoseconds.
    pub(crate) fn format(d: Duration) -> String {
        let ns = d.as_nanos();
        for (unit, per) in [
            ("h", 3_600_000_000_000u128),
            ("m", 60_000_000_000),
            ("s", 1_000_000_000),
            ("ms", 1_000_000),
            ("us", 1_000),
        ] {
            if ns != 0 && ns % per == 0 {
                return format!("{}{unit}", ns / per);
            }
        }
        format!("{ns}ns")
    }

    /// Reads `<number><unit>` with unit `ns`, `us`, `ms`, `s`, `m` or `h` and a decimal number;
    /// `None` for anything else, negative or too long.
    pub(crate) fn parse(s: &str) -> Option<Duration> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let secs_per: f64 = match unit.trim() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        if num.is_empty() {
            return None;
        }
        // Integers are exact; decimals go through f64 (sub-nanosecond rounding).
        if let Ok(n) = num.parse::<u64>() {
            let nanos_per: u64 = match unit.trim() {
                "ns" => 1,
                "us" | "µs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                _ => 3_600_000_000_000,
            };
            let total = u128::from(n) * u128::from(nanos_per);
            let secs = u64::try_from(total / 1_000_000_000).ok()?;
            let sub = u32::try_from(total % 1_000_000_000).ok()?;
            return Some(Duration::new(secs, sub));
        }
        let v: f64 = num.parse().ok()?;
        Duration::try_from_secs_f64(v * secs_per).ok()
    }

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a duration such as \"250ms\", \"30s\", \"5m\" or milliseconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse(v).ok_or_else(|| E::custom(format!("invalid duration {v:?}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration::from_millis(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v)
                    .map(Duration::from_millis)
                    .map_err(|_| E::custom("negative duration"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_each_check_bites() {
        assert_eq!(QosConfig::default().validate(), Ok(()));
        let bad: [fn(&mut QosConfig); 10] = [
            |c| c.exploration_share = 1.5,
            |c| c.sanctions.probation_share = -0.1,
            |c| c.hedge.quantile = 1.0,
            |c| c.hedge.budget_ratio = f64::NAN,
            |c| c.max_attempts = 0,
            |c| c.max_attempts = 17,
            |c| c.selection_exponent = 33,
            |c| c.latency_memory = 0,
            |c| c.ttft_scale = Duration::ZERO,
            |c| c.hedge.min_delay = Duration::from_secs(60),
        ];
        for (i, f) in bad.iter().enumerate() {
            let mut c = QosConfig::default();
            f(&mut c);
            assert!(c.validate().is_err(), "case {i} should be refused");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn durations_read_and_write_as_strings() {
        use duration_str::{format, parse};
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse("750us"), Some(Duration::from_micros(750)));
        for bad in ["", "s", "5", "-3s", "3 parsecs", "1e3s"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        for d in [
            Duration::from_millis(250),
            Duration::from_secs(30),
            Duration::from_secs(3600),
            Duration::from_nanos(7),
            Duration::from_micros(1500),
        ] {
            assert_eq!(parse(&format(d)), Some(d));
        }
        assert_eq!(format(Duration::from_secs(90)), "90s");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_partial_toml_table_takes_defaults_and_refuses_typos() {
        let c: QosConfig = toml::from_str(
            "max_attempts = 4\n[hedge]\nquantile = 0.9\nmin_delay = \"20ms\"\n[sanctions]\nbad_signature = \"2h\"\nmild = 15000\n",
        )
        .unwrap();
        assert_eq!(c.max_attempts, 4);
        assert_eq!(c.hedge.quantile, 0.9);
        assert_eq!(c.hedge.min_delay, Duration::from_millis(20));
        assert_eq!(c.hedge.max_delay, HedgeConfig::default().max_delay);
        assert_eq!(c.sanctions.bad_signature, Duration::from_secs(7200));
        assert_eq!(c.sanctions.mild, Duration::from_secs(15));
        assert!(toml::from_str::<QosConfig>("max_atempts = 4").is_err());
        assert!(toml::from_str::<QosConfig>("[hedge]\nmin_delay = \"fast\"").is_err());
        // Round trip through TOML.
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<QosConfig>(&text).unwrap(), c);
    }
}
