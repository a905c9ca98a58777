//! The load generator (OpenAI chat completions over HTTP/1.1 keep-alive, a fixed number in
//! flight, bounded by a count and a duration), the statistics of its samples, and CPU time read
//! from `/proc/<pid>/stat`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

/// One request's outcome.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sample {
    /// 200 with a complete answer.
    pub(crate) ok: bool,
    /// HTTP status (0: no answer: connection error or timeout).
    pub(crate) status: u16,
    /// Until the whole answer was read.
    pub(crate) latency: Duration,
    /// Streams: until the first chunk carrying a token.
    pub(crate) ttft: Option<Duration>,
    /// Completion tokens the answer reports (`usage.completion_tokens`), when read.
    pub(crate) tokens: u64,
}

/// What to send and how much.
#[derive(Clone, Debug)]
pub(crate) struct Load {
    /// Base URL (`http://127.0.0.1:PORT`); requests go to `/v1/chat/completions`.
    pub(crate) url: String,
    /// Bearer key (the gateway's), or none (a stand-in called directly).
    pub(crate) key: Option<String>,
    /// Streamed requests.
    pub(crate) stream: bool,
    /// Requests in flight.
    pub(crate) concurrency: usize,
    /// Most requests sent.
    pub(crate) requests: u64,
    /// Longest run; requests in flight at the end are awaited.
    pub(crate) duration: Duration,
    /// `max_tokens` of each request.
    pub(crate) max_tokens: u64,
    /// Read `usage.completion_tokens` of non-streamed answers (streams always are).
    pub(crate) parse_usage: bool,
}

/// The result of one [`drive`].
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// Every request sent, in completion order.
    pub(crate) samples: Vec<Sample>,
    /// From the first request sent to the last answer.
    pub(crate) wall: Duration,
}

impl Run {
    /// Requests sent.
    pub(crate) fn requests(&self) -> usize {
        self.samples.len()
    }

    /// Requests answered with a complete 200.
    pub(crate) fn ok(&self) -> usize {
        self.samples.iter().filter(|s| s.ok).count()
    }

    /// Share answered (0 when nothing was sent).
    pub(crate) fn success_rate(&self) -> f64 {
        if self.samples.is_empty() {
            0.0
        } else {
            self.ok() as f64 / self.samples.len() as f64
        }
    }

    /// Answered requests per second of wall time.
    pub(crate) fn rate(&self) -> f64 {
        self.ok() as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Latencies of the answered requests, in ms.
    pub(crate) fn latencies_ms(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.ok)
            .map(|s| s.latency.as_secs_f64() * 1e3)
            .collect()
    }

    /// Times to first token of the answered streams, in ms.
    pub(crate) fn ttfts_ms(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.ok)
            .filter_map(|s| s.ttft.map(|t| t.as_secs_f64() * 1e3))
            .collect()
    }

    /// Decoding speed of each answered stream: completion tokens over the time from the first
    /// token to the end, per second.
    pub(crate) fn tokens_per_s(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.ok && s.tokens > 1)
            .filter_map(|s| {
                let t = s.latency.checked_sub(s.ttft?)?.as_secs_f64();
                (t > 0.0).then(|| s.tokens as f64 / t)
            })
            .collect()
    }

    /// Status code → count, for the errors.
    pub(crate) fn errors(&self) -> Vec<(u16, usize)> {
        let mut m = std::collections::BTreeMap::new();
        for s in self.samples.iter().filter(|s| !s.ok) {
            *m.entry(s.status).or_insert(0usize) += 1;
        }
        m.into_iter().collect()
    }
}

/// The `q` quantile (0..=1, nearest rank) of `xs`; NaN when empty.
pub(crate) fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    // The rank is in 0..=len (q in 0..=1), far below 2^52: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let rank = (q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize;
    let i = rank.saturating_sub(1).min(v.len() - 1);
    v.get(i).copied().unwrap_or(f64::NAN)
}

/// An HTTP client for `concurrency` requests in flight to one host.
pub(crate) fn client(concurrency: usize, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency.max(1))
        .timeout(timeout)
        .tcp_nodelay(true)
        .build()
        .context("HTTP client")
}

/// Sends `load` with `client`: `concurrency` workers take request numbers until the count or the
/// duration is reached.
pub(crate) async fn drive(client: &reqwest::Client, load: &Load) -> Run {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + load.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.concurrency.max(1) {
        let (client, load, next) = (client.clone(), load.clone(), next.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= load.requests || Instant::now() >= deadline {
                    break;
                }
                out.push(one(&client, &load, i).await);
            }
            out
        });
    }
    let mut samples = Vec::new();
    while let Some(r) = tasks.join_next().await {
        if let Ok(mut v) = r {
            samples.append(&mut v);
        }
    }
    Run {
        samples,
        wall: start.elapsed(),
    }
}

/// One chat completion; request `i` gets its own prompt.
async fn one(client: &reqwest::Client, load: &Load, i: u64) -> Sample {
    let body = json!({
        "model": pokt_standin::STAND_IN_MODEL,
        "messages": [{"role": "user", "content": format!("load request {i}: say something")}],
        "max_tokens": load.max_tokens,
        "stream": load.stream,
    });
    let t0 = Instant::now();
    let mut req = client
        .post(format!("{}/v1/chat/completions", load.url))
        .json(&body);
    if let Some(k) = &load.key {
        req = req.bearer_auth(k);
    }
    let mut s = Sample::default();
    let mut resp = match req.send().await {
        Ok(r) => r,
        Err(_) => {
            s.latency = t0.elapsed();
            return s;
        }
    };
    s.status = resp.status().as_u16();
    let status_ok = resp.status().is_success();
    if !load.stream {
        let bytes = resp.bytes().await;
        s.latency = t0.elapsed();
        s.ok = status_ok && bytes.is_ok();
        if let (true, Ok(b)) = (load.parse_usage, &bytes) {
            s.tokens = completion_tokens(&String::from_utf8_lossy(b)).unwrap_or(0);
        }
        return s;
    }
    // A stream: the first chunk that carries a token (`"content"` or `"text"` of a choice) is the
    // first token; the usage event at the end gives the completion tokens; `[DONE]` ends it.
    let mut text = String::new();
    let mut done = false;
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                text.push_str(&String::from_utf8_lossy(&c));
                if s.ttft.is_none() && (text.contains("\"content\"") || text.contains("\"text\"")) {
                    s.ttft = Some(t0.elapsed());
                }
                if text.contains("[DONE]") {
                    done = true;
                }
            }
            Ok(None) => break,
            Err(_) => {
                done = false;
                break;
            }
        }
    }
    s.latency = t0.elapsed();
    s.ok = status_ok && done && s.ttft.is_some();
    s.tokens = completion_tokens(&text).unwrap_or(0);
    s
}

/// The last `"completion_tokens":N` in `text`.
fn completion_tokens(text: &str) -> Option<u64> {
    let at = text.rfind("\"completion_tokens\"")?;
    let rest = text.get(at + "\"completion_tokens\"".len()..)?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest.get(..end)?.parse().ok()
}

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`.
pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces, so split after its closing ')'):
    // state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// `sysconf(_SC_CLK_TCK)` as `getconf CLK_TCK` reports it; 100 (Linux's USER_HZ) otherwise.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|&t| t > 0.0)
            .unwrap_or(100.0)
    })
}

/// Waits (≤ `limit`) until the gateway answers a chat completion with 200: its session with the
/// suppliers is ready (suppliers staked at genesis serve from the second session on).
pub(crate) async fn wait_ready(
    client: &reqwest::Client,
    gateway: &str,
    limit: Duration,
) -> anyhow::Result<Duration> {
    let t0 = Instant::now();
    let load = Load {
        url: gateway.to_string(),
        key: Some(super::net::API_KEY.to_string()),
        stream: false,
        concurrency: 1,
        requests: 1,
        duration: limit,
        max_tokens: 4,
        parse_usage: false,
    };
    let mut last = 0;
    while t0.elapsed() < limit {
        let s = one(client, &load, 0).await;
        if s.ok {
            return Ok(t0.elapsed());
        }
        last = s.status;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "the gateway did not answer 200 within {} s (last status {last})",
        limit.as_secs()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.5), 50.0);
        assert_eq!(quantile(&xs, 0.99), 99.0);
        assert_eq!(quantile(&xs, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn completion_tokens_from_json_and_sse() {
        assert_eq!(
            completion_tokens(r#"{"usage":{"prompt_tokens":3,"completion_tokens":12}}"#),
            Some(12)
        );
        assert_eq!(
            completion_tokens(
                "data: {\"usage\": {\"completion_tokens\": 7, \"x\":1}}\n\ndata: [DONE]"
            ),
            Some(7)
        );
        assert_eq!(completion_tokens("no usage"), None);
    }

    #[test]
    fn own_cpu_time_is_readable() {
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        let t = cpu_seconds(std::process::id()).unwrap();
        assert!(t >= 0.0);
    }
}
