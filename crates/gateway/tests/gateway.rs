//! The gateway over real sockets against the in-process devnet node and scripted relay miners.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pokt_qos::{Failure, Tier};
use serde_json::{Value, json};
use support::*;

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_api_in_both_modes_with_access_control() {
    let net = Net::start("api", 3).await;
    let (_gw, url, _stop) = net.gateway(net.config("")).await;
    let http = reqwest::Client::new();

    // Delegated application: a unary chat answer relayed, verified and passed on.
    let (s, _, b) = post(
        &http,
        &url,
        Some("sk-alice-0123456789"),
        &chat("hello", false),
    )
    .await;
    assert_eq!(s, 200, "{}", text(&b));
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        answer("hello", 8, false).concat()
    );

    // Held application: the gateway signs with the application's own key.
    let (s, _, b) = post(
        &http,
        &url,
        Some("sk-held-0123456789"),
        &chat("hello", false),
    )
    .await;
    assert_eq!(s, 200, "{}", text(&b));

    // /v1/completions.
    let r = http
        .post(format!("{url}/v1/completions"))
        .bearer_auth("sk-alice-0123456789")
        .json(&json!({"model": MODEL, "prompt": "once", "max_tokens": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["choices"][0]["text"], answer("once", 4, false).concat());

    // A stream: every batch verified and forwarded, usage in the last event.
    let (s, h, b) = post(
        &http,
        &url,
        Some("sk-alice-0123456789"),
        &chat("stream me", true),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(h[reqwest::header::CONTENT_TYPE], "text/event-stream");
    let body = text(&b);
    assert_eq!(
        pokt_gateway::usage::completion_text(body.as_bytes()),
        answer("stream me", 8, false).concat()
    );
    assert!(body.contains("\"usage\""), "{body}");
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");

    // /v1/models lists the key's models; without a key it is 401.
    let r = http
        .get(format!("{url}/v1/models"))
        .bearer_auth("sk-alice-0123456789")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"][0]["id"], MODEL);
    let r = http.get(format!("{url}/v1/models")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // 401: no key, unknown key; OpenAI's error object.
    let (s, _, b) = post(&http, &url, None, &chat("x", false)).await;
    assert_eq!(s, 401);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["error"]["code"], "invalid_api_key");
    let (s, _, _) = post(&http, &url, Some("sk-nobody-0123456789"), &chat("x", false)).await;
    assert_eq!(s, 401);

    // 404 for a model no service serves; 400 naming the field.
    let (s, _, b) = post(
        &http,
        &url,
        Some("sk-alice-0123456789"),
        &json!({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        serde_json::from_slice::<Value>(&b).unwrap()["error"]["code"],
        "model_not_found"
    );
    let (s, _, b) = post(
        &http,
        &url,
        Some("sk-alice-0123456789"),
        &json!({"model": MODEL}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&b).unwrap()["error"]["param"],
        "messages"
    );

    // 429 with Retry-After once the key's 3 requests per minute are spent.
    let mut codes = Vec::new();
    let mut retry = None;
    for _ in 0..4 {
        let (s, h, b) = post(
            &http,
            &url,
            Some("sk-limited-0123456789"),
            &chat("x", false),
        )
        .await;
        codes.push(s);
        if s == 429 {
            retry = h
                .get(reqwest::header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().to_string());
            let v: Value = serde_json::from_slice(&b).unwrap();
            assert_eq!(v["error"]["code"], "rate_limit_exceeded");
            assert_eq!(v["error"]["type"], "requests");
        }
    }
    assert_eq!(codes, [200, 200, 200, 429]);
    let retry: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");

    // Metrics name keys by their label, never by the key.
    let m = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("pokt_gateway_requests_total"), "{m}");
    assert!(m.contains("key=\"limited\""));
    assert!(m.contains("pokt_gateway_relay_seconds_bucket"));
    assert!(m.contains("pokt_gateway_ttft_seconds_bucket"));
    assert!(m.contains("pokt_gateway_tokens_total"));
    assert!(!m.contains("sk-"), "a key leaked into the metrics");
}

/// p99 of `n` requests, `conc` in flight.
async fn run_load(url: &str, n: usize, conc: usize) -> (Vec<Duration>, usize) {
    let http = reqwest::Client::new();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(conc));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, url, sem) = (http.clone(), url.to_string(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.unwrap();
            let t0 = Instant::now();
            let (s, _, _) = post(
                &http,
                &url,
                Some("sk-alice-0123456789"),
                &chat(&format!("q{i}"), false),
            )
            .await;
            (t0.elapsed(), s)
        }));
    }
    let mut lat = Vec::new();
    let mut bad = 0;
    for t in tasks {
        let (d, s) = t.await.unwrap();
        if s != 200 {
            bad += 1;
        }
        lat.push(d);
    }
    lat.sort();
    (lat, bad)
}

fn p99(l: &[Duration]) -> Duration {
    l[(l.len() * 99 / 100).min(l.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedging_lowers_the_p99_within_the_budget() {
    let net = Net::start("hedge", 4).await;
    for m in &net.miners {
        *m.behaviour.lock().unwrap() = Behaviour {
            delay: Duration::from_millis(10),
            slow_every: 25,
            slow: Duration::from_millis(1500),
            ..Behaviour::default()
        };
    }
    let n = 240;
    let relays = |net: &Net| {
        net.miners
            .iter()
            .map(|m| m.relays.load(Ordering::SeqCst))
            .sum::<u64>()
    };

    let (gw0, url0, _s0) = net
        .gateway(net.config("[qos]\nhedge.enabled = false\nexploration_share = 0.0"))
        .await;
    let before = relays(&net);
    let (plain, bad) = run_load(&url0, n, 8).await;
    assert_eq!(bad, 0);
    let plain_relays = relays(&net) - before;
    assert_eq!(gw0.qos_snapshot()["llm"].totals.hedges, 0);

    let (gw1, url1, _s1) = net
        .gateway(net.config("[qos]\nexploration_share = 0.0\nhedge.budget_ratio = 0.2\nhedge.burst = 10\nhedge.min_samples = 4\nhedge.initial_delay = \"100ms\""))
        .await;
    let before = relays(&net);
    let (hedged, bad) = run_load(&url1, n, 8).await;
    assert_eq!(bad, 0);
    let hedged_relays = relays(&net) - before;
    let totals = gw1.qos_snapshot()["llm"].totals.clone();
    eprintln!(
        "p99 without hedging {:?}, with {:?}; relays {plain_relays} vs {hedged_relays}; hedges {} (denied {}), wins {}",
        p99(&plain),
        p99(&hedged),
        totals.hedges,
        totals.hedges_denied,
        totals.hedge_wins
    );
    assert!(
        p99(&plain) >= Duration::from_millis(1400),
        "{:?}",
        p99(&plain)
    );
    assert!(
        p99(&hedged) < Duration::from_millis(1000),
        "{:?}",
        p99(&hedged)
    );
    assert!(totals.hedge_wins > 0);
    // The extra relays are hedges (no failures here; a hedge whose primary answered before it
    // was sent never arrives), within the budget: burst + ratio × n.
    assert!(hedged_relays > n as u64 && hedged_relays <= n as u64 + totals.hedges);
    assert!(
        totals.hedges as f64 <= 10.0 + 0.2 * n as f64,
        "{}",
        totals.hedges
    );
    assert_eq!(plain_relays, n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inflated_usage_and_another_model_are_flagged_and_sanctioned() {
    let net = Net::start("cheat", 3).await;
    let inflater = net.miners[1].address;
    let substitute = net.miners[2].address;
    net.miners[1].behaviour.lock().unwrap().inflate = 3;
    net.miners[2].behaviour.lock().unwrap().other_model = true;
    let refs = net.references(&["Who are you?", "Count to three."]);
    let (gw, url, _stop) = net
        .gateway(net.config(&format!(
            "[watcher]\nreferences = \"{}\"\nenabled = false",
            refs.display()
        )))
        .await;

    // The watcher's probes: the substitute's answers differ from the references.
    let probes = gw.probe_once().await;
    assert_eq!(probes.len(), 6, "{probes:?}");
    assert!(gw.flagged("llm", &substitute));
    assert!(!gw.flagged("llm", &inflater));
    assert!(!gw.flagged("llm", &net.miners[0].address));
    let snap = gw.qos_snapshot();
    let sup = |a| {
        snap["llm"]
            .suppliers
            .iter()
            .find(|s| s.supplier == a)
            .unwrap()
            .clone()
    };
    assert_eq!(sup(substitute).tier, Tier::Sanctioned);
    assert_eq!(
        sup(substitute).counts.failures_of(Failure::ModelMismatch),
        2
    );
    let w: Value = reqwest::get(format!("{url}/v1/watcher"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        w["services"]["llm"][substitute.to_string()]["flagged"],
        true
    );

    // Requests until the inflater has answered one: its signed usage exceeds the recount.
    let http = reqwest::Client::new();
    for i in 0..60 {
        let (s, _, _) = post(
            &http,
            &url,
            Some("sk-alice-0123456789"),
            &chat(&format!("u{i}"), i % 2 == 0),
        )
        .await;
        assert_eq!(s, 200);
        if gw.qos_snapshot()["llm"]
            .suppliers
            .iter()
            .any(|s| s.supplier == inflater && s.tier == Tier::Sanctioned)
        {
            break;
        }
    }
    let snap = gw.qos_snapshot();
    let s = snap["llm"]
        .suppliers
        .iter()
        .find(|s| s.supplier == inflater)
        .unwrap();
    assert_eq!(s.tier, Tier::Sanctioned, "{s:?}");
    assert!(s.counts.failures_of(Failure::UsageInflated) >= 1);
    let honest = snap["llm"]
        .suppliers
        .iter()
        .find(|s| s.supplier == net.miners[0].address)
        .unwrap();
    assert_eq!(honest.counts.failures_of(Failure::UsageInflated), 0);
    let m = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("pokt_gateway_usage_inflated_total"), "{m}");
    assert!(m.contains("pokt_gateway_model_mismatches_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_and_bad_signatures_sanctioned() {
    let net = Net::start("retry", 3).await;
    net.miners[0].behaviour.lock().unwrap().fail_every = 1;
    net.miners[1].behaviour.lock().unwrap().wrong_key = true;
    let (gw, url, _stop) = net
        .gateway(net.config("[qos]\nhedge.enabled = false"))
        .await;
    let http = reqwest::Client::new();
    for i in 0..30 {
        let (s, _, b) = post(
            &http,
            &url,
            Some("sk-alice-0123456789"),
            &chat(&format!("r{i}"), i % 3 == 0),
        )
        .await;
        assert_eq!(s, 200, "{}", text(&b));
    }
    let snap = gw.qos_snapshot();
    let sup = |a| {
        snap["llm"]
            .suppliers
            .iter()
            .find(|s| s.supplier == a)
            .unwrap()
            .clone()
    };
    let forger = sup(net.miners[1].address);
    assert_eq!(forger.tier, Tier::Sanctioned);
    assert_eq!(
        forger.counts.failures_of(Failure::BadSignature),
        1,
        "sanctioned at once"
    );
    assert!(
        sup(net.miners[0].address)
            .counts
            .failures_of(Failure::ServerError)
            >= 1
    );
    assert!(snap["llm"].totals.retries >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_boundaries_under_steady_load_give_no_errors() {
    let net = Net::start("roll", 3).await;
    let (gw, url, _stop) = net.gateway(net.config("")).await;
    let chain = net.chain.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    // A block every 150 ms: a 4-block session every 600 ms.
    let blocks = tokio::spawn(async move {
        let mut made = 0u32;
        while !s2.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(150)).await;
            chain.make_block().unwrap();
            made += 1;
        }
        made
    });
    let h0 = pokt_chain::Chain::latest_block(&net.chain)
        .await
        .unwrap()
        .height
        .get();
    // Load in rounds until at least two boundaries (8 blocks) have passed under it, however fast
    // this machine answers (bounded: 100 rounds of 30 requests).
    let (mut lat, mut bad) = (Vec::new(), 0);
    for _ in 0..100 {
        let (l, b) = run_load(&url, 30, 4).await;
        lat.extend(l);
        bad += b;
        let h = pokt_chain::Chain::latest_block(&net.chain)
            .await
            .unwrap()
            .height
            .get();
        if h - h0 >= 9 {
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    let made = blocks.await.unwrap();
    let h1 = pokt_chain::Chain::latest_block(&net.chain)
        .await
        .unwrap()
        .height
        .get();
    eprintln!("{made} blocks ({h0} → {h1}), p99 {:?}", p99(&lat));
    assert!(
        h1 - h0 >= 8,
        "at least two session boundaries crossed ({h0} → {h1})"
    );
    assert_eq!(bad, 0, "no request failed across the boundaries");
    assert!(gw.qos_snapshot()["llm"].totals.failures == 0);
}
