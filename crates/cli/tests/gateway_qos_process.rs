//! The gateway's quality of service with every host a separate process on loopback: `pokt devnet`,
//! one `pokt relayminer` per supplier (staked at its own endpoint) in front of its own scripted
//! `pokt backend`, and `pokt gateway`s configured from the files `pokt localnet init` writes.
//! Hedging lowers the p99 while its extra relays stay within the budget; a failing supplier is
//! sanctioned and then gets at most its probation share; the usage-inflating and the
//! model-substituting suppliers are flagged and the honest one is not; keys are refused (401) and
//! limited (429) before any relay is paid; a session boundary is crossed under steady load
//! without a 5xx. Timing is compared (hedging on against off), never asserted as an absolute.
//! Every child is killed when its guard drops, every load is bounded in count and time.
#![cfg(feature = "hosts")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

mod process;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use process::net::{self, eventually, get_text, metric};
use process::network::{Backend, KEY, MODEL, Net, chat, delta, load, p50, p99};
use serde_json::{Value, json};

/// The tests of this file run one at a time: each starts eight or more processes, and one of
/// them compares latencies.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Every supplier's backend makes every 25th request 2 s slower. The same 200 requests (8 in
/// flight) through a gateway without hedging and one with it: the hedged p99 is less than half
/// the plain one, the plain gateway sends exactly one relay per request, and the hedged one's
/// extra relays are its counted hedges, within `burst + budget_ratio × plans`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn hedging_lowers_the_p99_within_the_bound() {
    let _one = SERIAL.lock().await;
    let slow: &[&str] = &["--slow-every", "25", "--slow-ms", "2000"];
    let net = Net::start(
        "gw-hedge",
        &[
            Backend::Standin(slow),
            Backend::Standin(slow),
            Backend::Standin(slow),
        ],
    )
    .await;
    let (_plain, plain_url) = net
        .gateway("gateway-plain.toml", &[], "[qos]\nhedge.enabled = false\n")
        .await;
    let (burst, ratio) = (10u64, 0.2);
    let (_hedged, hedged_url) = net
        .gateway(
            "gateway-hedged.toml",
            &[],
            &format!(
                "[qos]\nhedge.quantile = 0.9\nhedge.min_samples = 4\n\
                 hedge.initial_delay = \"300ms\"\nhedge.budget_ratio = {ratio}\nhedge.burst = {burst}\n"
            ),
        )
        .await;
    let n = 200;
    let r0 = net.relays().await;
    let (plain, plain_codes) = load(&net.http, &plain_url, "plain", n, 8).await;
    let r1 = net.relays().await;
    let (hedged, hedged_codes) = load(&net.http, &hedged_url, "hedged", n, 8).await;
    let r2 = net.relays().await;
    let q = net.qos(&hedged_url).await;
    let t = &q["totals"];
    let (hedges, wins, denied, plans) = (
        t["hedges"].as_u64().unwrap(),
        t["hedge_wins"].as_u64().unwrap(),
        t["hedges_denied"].as_u64().unwrap(),
        t["plans"].as_u64().unwrap(),
    );
    let m = get_text(&net.http, &format!("{hedged_url}/metrics")).await;
    let plain_relays: u64 = delta(&r1, &r0).iter().sum();
    let hedged_relays: u64 = delta(&r2, &r1).iter().sum();
    eprintln!(
        "hedging: p50 {:?} → {:?}, p99 {:?} → {:?}; relays {plain_relays} → {hedged_relays} \
         (per miner {:?} → {:?}); hedges {hedges} (wins {wins}, denied {denied}) over {plans} plans",
        p50(&plain),
        p50(&hedged),
        p99(&plain),
        p99(&hedged),
        delta(&r1, &r0),
        delta(&r2, &r1),
    );
    assert_eq!(plain_codes, BTreeMap::from([(200, n)]));
    assert_eq!(hedged_codes, BTreeMap::from([(200, n)]));
    // The scenario: slow answers are in the plain p99 (each backend slows every 25th request).
    assert!(p99(&plain) >= Duration::from_millis(2000), "{plain:?}");
    assert_eq!(
        plain_relays, n as u64,
        "without hedging: one relay per request"
    );
    assert_eq!(
        net.qos(&plain_url).await["totals"]["hedges"].as_u64(),
        Some(0)
    );
    // Hedging cuts the tail.
    assert!(
        p99(&hedged) * 2 < p99(&plain),
        "p99 with hedging {:?} vs {:?} without",
        p99(&hedged),
        p99(&plain)
    );
    assert!(wins > 0, "no hedge answered first");
    // The extra relays are hedges, within the budget.
    assert!(hedged_relays > n as u64 && hedged_relays <= n as u64 + hedges);
    assert!(
        hedges as f64 <= burst as f64 + ratio * plans as f64,
        "{hedges} hedges over {plans} plans"
    );
    assert_eq!(
        metric(&m, "pokt_gateway_hedges_total", &[("service", "llm")]) as u64,
        hedges,
        "metrics and /v1/qos agree"
    );
}

/// One supplier's backend is down: its relay miner answers 502 and the gateway sanctions it.
/// Sanctions are short (200 ms), so it keeps coming back on probation; over the next ≥ 150
/// requests it is tried at most its probation share of plans (a 4σ binomial bound), no request
/// fails, and the honest suppliers are never sanctioned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sanctioned_supplier_gets_at_most_its_probation_share() {
    let _one = SERIAL.lock().await;
    let net = Net::start(
        "gw-probation",
        &[Backend::Standin(&[]), Backend::Standin(&[]), Backend::Down],
    )
    .await;
    let bad = net.suppliers[2].clone();
    let share = 0.1;
    let (_gw, url) = net
        .gateway(
            "gateway-probation.toml",
            &[],
            &format!(
                "[qos]\nhedge.enabled = false\n\
                 sanctions.mild_failures = 1\nsanctions.mild = \"200ms\"\nsanctions.max = \"200ms\"\nsanctions.probation_share = {share}\n"
            ),
        )
        .await;
    let counts = |q: &Value, who: &str| q["suppliers"][who]["counts"].clone();
    let attempts = |c: &Value| {
        ["primary_picks", "retries", "hedges"]
            .iter()
            .map(|k| c[k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    // Until its first sanction (at its first failure), each answered by a retry elsewhere.
    let mut sanctioned = false;
    for i in 0..100 {
        let (s, _, b) = chat(&net.http, &url, Some(KEY), &format!("warm {i}"), 8).await;
        assert_eq!(s, 200, "{b}");
        if counts(&net.qos(&url).await, &bad)["sanctions"].as_u64() >= Some(1) {
            sanctioned = true;
            break;
        }
    }
    assert!(sanctioned, "never sanctioned: {}", net.qos(&url).await);
    let (q0, r0) = (net.qos(&url).await, net.relays().await);
    // Steady load for at least 2 s (ten sanction lengths) and 150 requests.
    let t0 = Instant::now();
    let mut codes = BTreeMap::new();
    let mut sent = 0;
    while sent < 150 || (t0.elapsed() < Duration::from_secs(2) && sent < 600) {
        let (_, c) = load(&net.http, &url, &format!("steady {sent}"), 50, 4).await;
        for (k, v) in c {
            *codes.entry(k).or_insert(0) += v;
        }
        sent += 50;
    }
    let (q1, r1) = (net.qos(&url).await, net.relays().await);
    let plans = q1["totals"]["plans"].as_u64().unwrap() - q0["totals"]["plans"].as_u64().unwrap();
    let tried = attempts(&counts(&q1, &bad)) - attempts(&counts(&q0, &bad));
    let probation = counts(&q1, &bad)["probation_picks"].as_u64().unwrap()
        - counts(&q0, &bad)["probation_picks"].as_u64().unwrap();
    let received = delta(&r1, &r0);
    let expected = share * plans as f64;
    let bound = expected + 4.0 * expected.sqrt() + 1.0;
    eprintln!(
        "probation: {sent} requests in {:?}, {plans} plans; the sanctioned supplier tried {tried} \
         times ({probation} probation picks; bound {bound:.1}), relays per miner {received:?}; \
         its sanctions {}",
        t0.elapsed(),
        counts(&q1, &bad)["sanctions"]
    );
    assert_eq!(
        codes,
        BTreeMap::from([(200, sent)]),
        "every request answered"
    );
    assert!(
        (tried as f64) <= bound,
        "tried {tried} times in {plans} plans (share {share})"
    );
    assert_eq!(
        received[2], tried,
        "its relay miner saw exactly those relays"
    );
    assert!(probation >= 1, "its sanctions expired into probation");
    for honest in &net.suppliers[..2] {
        assert_eq!(counts(&q1, honest)["sanctions"].as_u64(), Some(0));
    }
    let m = get_text(&net.http, &format!("{url}/metrics")).await;
    assert!(
        metric(
            &m,
            "pokt_gateway_supplier_sanctions",
            &[("supplier", bad.as_str())]
        ) >= 2.0
    );
}

/// `401` without a key or with an unknown one on every endpoint, `429` with `Retry-After` once a
/// key's requests or tokens per minute are spent — and none of the refused requests reaches a
/// relay miner (a refused request costs the application nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_refused_and_limited_before_any_relay() {
    let _one = SERIAL.lock().await;
    let net = Net::start("gw-access", &[Backend::Standin(&[]), Backend::Standin(&[])]).await;
    let app = net.ln.address("application", 0);
    let (_gw, url) = net
        .gateway(
            "gateway-access.toml",
            &[],
            &format!(
                "[[api_keys]]\nname = \"rpm\"\nkey = \"sk-rpm-0123456789\"\napplication = \"{app}\"\nrequests_per_minute = 3\n\n\
                 [[api_keys]]\nname = \"tpm\"\nkey = \"sk-tpm-0123456789\"\napplication = \"{app}\"\ntokens_per_minute = 10\n"
            ),
        )
        .await;
    let r0 = net.relays().await;
    for key in [None, Some("sk-nobody-0123456789")] {
        let (s, _, b) = chat(&net.http, &url, key, "who?", 8).await;
        assert_eq!((s, &b["error"]["code"]), (401, &json!("invalid_api_key")));
        let mut r = net
            .http
            .post(format!("{url}/v1/completions"))
            .json(&json!({"model": MODEL, "prompt": "x", "stream": true}));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        assert_eq!(r.send().await.unwrap().status(), 401);
        let mut r = net.http.get(format!("{url}/v1/models"));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        assert_eq!(r.send().await.unwrap().status(), 401);
    }
    assert_eq!(net.relays().await, r0, "a refused request is never relayed");

    // Requests per minute: three answered by suppliers, the fourth refused.
    let mut codes = Vec::new();
    for i in 0..4 {
        let (s, h, b) = chat(
            &net.http,
            &url,
            Some("sk-rpm-0123456789"),
            &format!("r{i}"),
            8,
        )
        .await;
        codes.push(s);
        if s == 429 {
            assert_eq!(b["error"]["code"], "rate_limit_exceeded", "{b}");
            assert_eq!(b["error"]["type"], "requests", "{b}");
            let ra: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&ra), "{ra}");
        } else {
            assert!(b["choices"][0]["message"]["content"].is_string(), "{b}");
        }
    }
    assert_eq!(codes, [200, 200, 200, 429]);
    // Tokens per minute: one answer of 16 tokens spends the 10, the next is refused.
    let (s, _, b) = chat(&net.http, &url, Some("sk-tpm-0123456789"), "long", 16).await;
    assert_eq!(s, 200, "{b}");
    let (s, h, b) = chat(&net.http, &url, Some("sk-tpm-0123456789"), "more", 16).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["type"], "tokens", "{b}");
    assert!(h.contains_key("retry-after"));
    let relayed: u64 = delta(&net.relays().await, &r0).iter().sum();
    assert_eq!(relayed, 4, "only the answered requests were relayed");
    let m = get_text(&net.http, &format!("{url}/metrics")).await;
    assert_eq!(
        metric(
            &m,
            "pokt_gateway_requests_total",
            &[("key", "rpm"), ("status", "429")]
        ),
        1.0,
        "{}",
        m.lines()
            .filter(|l| l.starts_with("pokt_gateway_requests_total"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!m.contains("sk-"), "a key leaked into the metrics");
}

/// A block every 250 ms (4-block sessions) while requests run 4 at a time: at least two session
/// boundaries pass under the load and no request gets a 5xx (or any other error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_boundary_under_steady_load_gives_no_5xx() {
    let _one = SERIAL.lock().await;
    let net = Net::start(
        "gw-rollover",
        &[
            Backend::Standin(&[]),
            Backend::Standin(&[]),
            Backend::Standin(&[]),
        ],
    )
    .await;
    let (_gw, url) = net.gateway("gateway-roll.toml", &[], "").await;
    let h0 = net.devnet.height().await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (rpc, http, s2) = (net.devnet.rpc.clone(), net.http.clone(), stop.clone());
    let blocks = tokio::spawn(async move {
        while !s2.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let _ = http
                .post(&rpc)
                .body(r#"{"jsonrpc":"2.0","id":1,"method":"devnet_mine","params":{}}"#)
                .send()
                .await;
        }
    });
    let (mut codes, mut lat) = (BTreeMap::new(), Vec::new());
    let t0 = Instant::now();
    let mut h1 = h0;
    // Rounds until 9 blocks have passed (two boundaries of 4-block sessions), at most 60 s.
    while h1 < h0 + 9 && t0.elapsed() < Duration::from_secs(60) {
        let (l, c) = load(&net.http, &url, &format!("roll {h1}"), 20, 4).await;
        lat.extend(l);
        for (k, v) in c {
            *codes.entry(k).or_insert(0) += v;
        }
        h1 = net.devnet.height().await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    blocks.await.unwrap();
    lat.sort();
    let boundaries = ((h0 + 1)..=h1).filter(|h| (h - 1) % 4 == 0).count();
    eprintln!(
        "rollover: heights {h0} → {h1} ({boundaries} session starts) in {:?}; {codes:?}; p50 {:?}, p99 {:?}",
        t0.elapsed(),
        p50(&lat),
        p99(&lat)
    );
    assert!(boundaries >= 2, "{h0} → {h1}");
    let total: usize = codes.values().sum();
    assert_eq!(
        codes.get(&200),
        Some(&total),
        "no error across the boundaries: {codes:?}"
    );
    let q = net.qos(&url).await;
    assert_eq!(q["totals"]["failures"].as_u64(), Some(0), "{}", q["totals"]);
}

/// The stand-in's own `tokenizer.json` (counts exactly what an honest stand-in reports).
fn tokenizer() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../standin/tokenizer.json")
}

/// Index of a failure kind in a supplier's `counts.failures` (pokt-qos's `Failure::ALL` order).
const USAGE_INFLATED: usize = 6;
const MODEL_MISMATCH: usize = 7;

/// Three suppliers: an honest one, one whose backend signs three times the completion tokens it
/// produced (`--inflate-usage 3`), one that advertises the model but answers as another
/// (`--answers-from other`). The gateway recounts usage with the stand-in's tokenizer and its
/// watcher probes with references recorded from an honest backend: the substitute is flagged by
/// the watcher, the inflater by the recount, both sanctioned, the honest supplier neither — as
/// `/v1/watcher`, `/v1/qos` and `/metrics` all say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn usage_inflating_and_model_substituting_suppliers_are_flagged() {
    let _one = SERIAL.lock().await;
    let net = Net::start(
        "gw-cheats",
        &[
            Backend::Standin(&[]),
            Backend::Standin(&["--inflate-usage", "3"]),
            Backend::Standin(&["--answers-from", "other"]),
        ],
    )
    .await;
    let (honest, inflater, substitute) = (
        net.suppliers[0].clone(),
        net.suppliers[1].clone(),
        net.suppliers[2].clone(),
    );
    // References recorded from a trusted run: the honest supplier's backend, called directly.
    let (prompts, refs) = (
        net.ln.home().join("prompts.txt"),
        net.ln.home().join("references.json"),
    );
    std::fs::write(&prompts, "Who are you?\nCount to three.\n").unwrap();
    let out = net::pokt()
        .args([
            "gateway",
            "record-references",
            "--from",
            &net.backend_urls[0],
        ])
        .args(["--model", MODEL, "--max-tokens", "12", "--prompts"])
        .arg(&prompts)
        .arg("--out")
        .arg(&refs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "record-references: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tok = tokenizer();
    assert!(tok.is_file(), "{} is missing", tok.display());
    let models = format!("models = [\"{MODEL}\"]\n");
    let (_gw, url) = net
        .gateway(
            "gateway-cheats.toml",
            &[(
                &models,
                &format!(
                    "{models}tokenizer = \"{}\"\nusage_tolerance = 0.05\nusage_slack_tokens = 1\n",
                    tok.display()
                ),
            )],
            &format!(
                "[watcher]\nreferences = \"{}\"\ninterval = \"500ms\"\n",
                refs.display()
            ),
        )
        .await;

    // The watcher's rounds: the substitute's answers differ from the references.
    let watcher = || async {
        let v: Value =
            serde_json::from_str(&get_text(&net.http, &format!("{url}/v1/watcher")).await).unwrap();
        v["services"]["llm"].clone()
    };
    let probed = eventually(Duration::from_secs(30), || async {
        let w = watcher().await;
        w[&substitute]["flagged"] == true
            && w[&honest]["matches"].as_u64() >= Some(2)
            && w[&inflater]["matches"].as_u64() >= Some(2)
    })
    .await;
    let w = watcher().await;
    assert!(probed, "{w}");
    assert_eq!(w[&honest]["flagged"], false, "{w}");
    assert_eq!(w[&inflater]["flagged"], false, "{w}");

    // Requests (unary and streamed) until the inflater has answered one: its signed usage
    // exceeds the recount.
    let sanctioned = |q: &Value, who: &str| q["suppliers"][who]["tier"] == "sanctioned";
    let mut sent = 0;
    for i in 0..80 {
        let stream = i % 2 == 1;
        let body = json!({"model": MODEL, "messages": [{"role": "user", "content": format!("usage {i}")}], "max_tokens": 12, "stream": stream});
        let r = net
            .http
            .post(format!("{url}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.bytes().await.unwrap();
        sent += 1;
        if sanctioned(&net.qos(&url).await, &inflater) {
            break;
        }
    }
    let q = net.qos(&url).await;
    let failures = |who: &str, i: usize| q["suppliers"][who]["counts"]["failures"][i].as_u64();
    eprintln!(
        "cheats: inflater sanctioned after {sent} requests; failures honest {} inflater {} substitute {}",
        q["suppliers"][&honest]["counts"]["failures"],
        q["suppliers"][&inflater]["counts"]["failures"],
        q["suppliers"][&substitute]["counts"]["failures"]
    );
    assert!(sanctioned(&q, &inflater), "{q}");
    assert_eq!(
        q["suppliers"][&inflater]["sanction"]["reason"],
        "usage_inflated"
    );
    assert!(failures(&inflater, USAGE_INFLATED) >= Some(1));
    assert!(sanctioned(&q, &substitute), "{q}");
    assert_eq!(
        q["suppliers"][&substitute]["sanction"]["reason"],
        "model_mismatch"
    );
    assert!(failures(&substitute, MODEL_MISMATCH) >= Some(1));
    assert_ne!(q["suppliers"][&honest]["tier"], "sanctioned", "{q}");
    assert_eq!(failures(&honest, USAGE_INFLATED), Some(0));
    assert_eq!(failures(&honest, MODEL_MISMATCH), Some(0));
    assert_eq!(failures(&inflater, MODEL_MISMATCH), Some(0));
    let m = get_text(&net.http, &format!("{url}/metrics")).await;
    let of = |name: &str, who: &str| metric(&m, name, &[("supplier", who)]);
    assert!(
        of("pokt_gateway_usage_inflated_total", &inflater) >= 1.0,
        "{m}"
    );
    assert!(
        of("pokt_gateway_model_mismatches_total", &substitute) >= 1.0,
        "{m}"
    );
    assert_eq!(of("pokt_gateway_usage_inflated_total", &honest), 0.0);
    assert_eq!(of("pokt_gateway_model_mismatches_total", &honest), 0.0);
}
