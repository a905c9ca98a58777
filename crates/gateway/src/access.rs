//! Access: API keys (kept as their SHA-256) mapped to applications and allowed models, and the
//! per-key limits on requests and tokens per minute. [GW-ACCESS-1] [GW-ACCESS-2]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{ApiKey, key_digest};
use crate::openai::ApiError;

/// A token bucket refilled continuously at `per_minute / 60` per second, holding at most
/// `per_minute`. It may go into debt (tokens are charged after a request, when its usage is
/// known); while in debt nothing is admitted.
#[derive(Debug)]
struct Bucket {
    per_minute: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    fn new(per_minute: f64, now: Instant) -> Self {
        Self {
            per_minute,
            level: per_minute,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.level = (self.level + dt * self.per_minute / 60.0).min(self.per_minute);
    }

    /// Time until the level reaches `need`.
    fn wait_for(&self, need: f64) -> Duration {
        let missing = (need - self.level).max(0.0);
        Duration::from_secs_f64(missing * 60.0 / self.per_minute)
    }
}

/// A key's limits and usage.
#[derive(Debug)]
struct KeyState {
    key: ApiKey,
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
}

/// The access table: which key is whose, and what it has left.
#[derive(Debug)]
pub struct Access {
    keys: HashMap<[u8; 32], Mutex<KeyState>>,
}

/// A request admitted for a key.
#[derive(Clone, Debug)]
pub struct Admitted {
    /// The key's grants.
    pub key: ApiKey,
}

/// Whole seconds to wait, at least 1 (`Retry-After`).
fn retry_after(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Access {
    /// The table for `keys`.
    pub fn new(keys: &[ApiKey]) -> Self {
        let now = Instant::now();
        Self {
            keys: keys
                .iter()
                .map(|k| {
                    (
                        k.digest,
                        Mutex::new(KeyState {
                            key: k.clone(),
                            requests: k
                                .requests_per_minute
                                .map(|n| Bucket::new(f64::from(n), now)),
                            #[allow(clippy::cast_precision_loss)]
                            tokens: k.tokens_per_minute.map(|n| Bucket::new(n as f64, now)),
                        }),
                    )
                })
                .collect(),
        }
    }

    /// Reads the key of an `Authorization: Bearer KEY` header value (or a bare `x-api-key`).
    pub fn bearer(header: Option<&str>) -> Option<&str> {
        let h = header?.trim();
        let key = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))?;
        let key = key.trim();
        (!key.is_empty()).then_some(key)
    }

    /// The grants of a presented key if it is known, without admitting anything (to label a
    /// refused request's metrics with the key's name; the key itself is never a label).
    pub fn known(&self, key: Option<&str>) -> Option<ApiKey> {
        let state = self.keys.get(&key_digest(key?))?;
        let s = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(s.key.clone())
    }

    /// Admits one request of `key` at `now`: `401` for a missing or unknown key, `429` with
    /// `Retry-After` when its requests-per-minute are spent or its tokens-per-minute are in
    /// debt. [GW-ACCESS-1] [GW-ACCESS-2]
    pub fn admit(&self, key: Option<&str>, now: Instant) -> Result<Admitted, ApiError> {
        let Some(key) = key else {
            return Err(ApiError::unauthorized(
                "You didn't provide an API key. Provide it as `Authorization: Bearer KEY`.",
            ));
        };
        let Some(state) = self.keys.get(&key_digest(key)) else {
            return Err(ApiError::unauthorized("Incorrect API key provided."));
        };
        let mut s = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = &mut s.tokens {
            t.refill(now);
            if t.level <= 0.0 {
                let wait = t.wait_for(f64::MIN_POSITIVE);
                return Err(ApiError::rate_limited(
                    "tokens",
                    format!(
                        "Rate limit reached for key `{}` on tokens per minute: limit {}.",
                        s.key.name,
                        s.key.tokens_per_minute.unwrap_or(0)
                    ),
                    retry_after(wait),
                ));
            }
        }
        if let Some(r) = &mut s.requests {
            r.refill(now);
            if r.level < 1.0 {
                let wait = r.wait_for(1.0);
                return Err(ApiError::rate_limited(
                    "requests",
                    format!(
                        "Rate limit reached for key `{}` on requests per minute: limit {}.",
                        s.key.name,
                        s.key.requests_per_minute.unwrap_or(0)
                    ),
                    retry_after(wait),
                ));
            }
            r.level -= 1.0;
        }
        Ok(Admitted { key: s.key.clone() })
    }

    /// Charges `tokens` (prompt + completion) to the key with `digest`.
    pub fn charge(&self, digest: &[u8; 32], tokens: u64, now: Instant) {
        if let Some(state) = self.keys.get(digest) {
            let mut s = state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(t) = &mut s.tokens {
                t.refill(now);
                #[allow(clippy::cast_precision_loss)]
                {
                    t.level -= tokens as f64;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use pokt_crypto::SigningKey;

    fn key(name: &str, rpm: Option<u32>, tpm: Option<u64>) -> ApiKey {
        ApiKey {
            name: name.into(),
            digest: key_digest(&format!("sk-{name}-secret")),
            application: SigningKey::from_bytes(&[1; 32]).unwrap().address(),
            models: vec![],
            requests_per_minute: rpm,
            tokens_per_minute: tpm,
        }
    }

    #[test]
    fn unknown_and_missing_keys_are_401() {
        let a = Access::new(&[key("a", None, None)]);
        let now = Instant::now();
        let e = a.admit(None, now).unwrap_err();
        assert_eq!((e.status, e.code), (401, Some("invalid_api_key")));
        let e = a.admit(Some("sk-b-secret"), now).unwrap_err();
        assert_eq!(e.status, 401);
        assert!(a.admit(Some("sk-a-secret"), now).is_ok());
        // A known key's name (for the metrics of its refusals); nothing for others.
        assert_eq!(
            a.known(Some("sk-a-secret")).map(|k| k.name),
            Some("a".into())
        );
        assert!(a.known(Some("sk-b-secret")).is_none() && a.known(None).is_none());
        assert_eq!(Access::bearer(Some("Bearer sk-x")), Some("sk-x"));
        assert_eq!(Access::bearer(Some("Basic sk-x")), None);
        assert_eq!(Access::bearer(Some("Bearer ")), None);
    }

    #[test]
    fn requests_per_minute_refill_continuously() {
        let a = Access::new(&[key("a", Some(3), None)]);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(a.admit(Some("sk-a-secret"), t0).is_ok());
        }
        let e = a.admit(Some("sk-a-secret"), t0).unwrap_err();
        assert_eq!(
            (e.status, e.kind, e.retry_after),
            (429, "requests", Some(20))
        );
        assert_eq!(e.body()["error"]["code"], "rate_limit_exceeded");
        // One request comes back every 20 s.
        assert!(
            a.admit(Some("sk-a-secret"), t0 + Duration::from_secs(19))
                .is_err()
        );
        assert!(
            a.admit(Some("sk-a-secret"), t0 + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            a.admit(Some("sk-a-secret"), t0 + Duration::from_secs(21))
                .is_err()
        );
    }

    #[test]
    fn tokens_in_debt_block_until_repaid() {
        let a = Access::new(&[key("a", None, Some(600))]);
        let d = key_digest("sk-a-secret");
        let t0 = Instant::now();
        assert!(a.admit(Some("sk-a-secret"), t0).is_ok());
        a.charge(&d, 900, t0); // 300 in debt: 30 s at 10 tokens/s
        let e = a.admit(Some("sk-a-secret"), t0).unwrap_err();
        assert_eq!((e.status, e.kind, e.retry_after), (429, "tokens", Some(30)));
        assert!(
            a.admit(Some("sk-a-secret"), t0 + Duration::from_secs(29))
                .is_err()
        );
        assert!(
            a.admit(Some("sk-a-secret"), t0 + Duration::from_secs(31))
                .is_ok()
        );
    }

    #[test]
    fn keys_are_limited_separately() {
        let a = Access::new(&[key("a", Some(1), None), key("b", Some(1), None)]);
        let t0 = Instant::now();
        assert!(a.admit(Some("sk-a-secret"), t0).is_ok());
        assert!(a.admit(Some("sk-a-secret"), t0).is_err());
        assert!(a.admit(Some("sk-b-secret"), t0).is_ok());
    }
}
