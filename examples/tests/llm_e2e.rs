//! LLM inference end to end on loopback, with real sockets and real HTTP: an application's
//! requests (chat, completions, streamed chat, watcher probes) go app → gateway → relay miner →
//! stand-in backend; bad input is refused with JSON errors and never mined; the relay miners claim
//! and prove on the devnet; the devnet settles; every actor's balance is checked — the model's
//! source owner's share included. Run once with POKT's fixed compute units and once with the
//! token-metered extension.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use pokt_crypto::SigningKey;
use pokt_devnet::DevnetEvent;
use pokt_examples::llm::backend::{self, STAND_IN_MODEL};
use pokt_examples::llm::network::{Network, NetworkConfig};
use pokt_examples::llm::openai::count_tokens;
use pokt_primitives::{Address, BlockHeight, ComputeUnits, Message};
use pokt_relay::llm::{TokenPricing, Usage, usage_from_body};
use pokt_relay::{new_request, sign_request};
use pokt_tokenomics::Outcome;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{Value, json};

const PRICING: TokenPricing = TokenPricing {
    base_compute_units: ComputeUnits::new(10),
    per_prompt_token: ComputeUnits::new(1),
    per_completion_token: ComputeUnits::new(2),
};
const CUPR: u64 = 100;

fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}

async fn net(metered: bool) -> Network {
    net_with(metered, false).await
}

/// The network with 1.5 s backend timeouts (room for a loaded CI machine; a stalled backend still
/// fails fast); with `impostor`, the second relay miner signs with a wrong key.
async fn net_with(metered: bool, impostor: bool) -> Network {
    let mut cfg = NetworkConfig::standard().unwrap();
    cfg.compute_units_per_relay = CUPR;
    cfg.token_pricing = metered.then_some(PRICING);
    cfg.backend_timeout = Duration::from_millis(1500);
    cfg.relay_timeout = Duration::from_secs(5);
    cfg.impostor = impostor;
    Network::start(cfg).await.unwrap()
}

fn price(metered: bool, u: Usage) -> u64 {
    if metered {
        PRICING.compute_units(Some(u)).unwrap().get()
    } else {
        CUPR
    }
}

async fn post(url: &str, body: Value) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, r.text().await.unwrap())
}

async fn run(metered: bool) {
    let n = net(metered).await;
    let g = &n.gateway_url;
    let mut expected_cu = 0u64;
    let mut served = 0u64;

    // Chat and completions, answered whole.
    for i in 0..4 {
        let (status, _, body) = post(
            &format!("{g}/v1/chat/completions"),
            json!({"model": STAND_IN_MODEL, "messages": [{"role": "user", "content": format!("question number {i}?")}]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(
            !v["choices"][0]["message"]["content"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let u: Usage = serde_json::from_value(v["usage"].clone()).unwrap();
        assert_eq!(
            u.prompt_tokens,
            count_tokens(&format!("question number {i}?"))
        );
        expected_cu += price(metered, u);
        served += 1;
    }
    for i in 0..2 {
        let (status, _, body) = post(
            &format!("{g}/v1/completions"),
            json!({"model": STAND_IN_MODEL, "prompt": format!("complete this {i}"), "max_tokens": 5}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let u: Usage = serde_json::from_value(v["usage"].clone()).unwrap();
        assert_eq!(u.completion_tokens, 5, "exactly max_tokens tokens");
        expected_cu += price(metered, u);
        served += 1;
    }
    // Streamed chat: server-sent events, every batch verified by the gateway.
    for i in 0..2 {
        let (status, ct, body) = post(
            &format!("{g}/v1/chat/completions"),
            json!({"model": STAND_IN_MODEL, "stream": true, "max_tokens": 20,
                   "messages": [{"role": "user", "content": format!("stream please {i}")}]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ct, "text/event-stream");
        assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
        // 20 tokens: 19 words, the last one carrying the full stop.
        assert_eq!(body.matches("\"delta\":{\"content\"").count(), 19);
        let u = usage_from_body(body.as_bytes()).expect("usage chunk");
        assert_eq!(u.completion_tokens, 20, "exactly max_tokens tokens");
        expected_cu += price(metered, u);
        served += 1;
    }

    // Bad input: a clear JSON error, nothing relayed.
    let (status, _, body) = post(
        &format!("{g}/v1/chat/completions"),
        json!({"model": STAND_IN_MODEL}),
    )
    .await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["param"], "messages");
    let models: Value = reqwest::get(format!("{g}/v1/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], STAND_IN_MODEL);
    // A backend that times out or answers garbage: every supplier tried, the app gets a 502 and
    // nothing is mined.
    for hook in ["#stand-in:timeout", "#stand-in:garbage"] {
        let (status, _, body) = post(
            &format!("{g}/v1/chat/completions"),
            json!({"model": STAND_IN_MODEL, "messages": [{"role": "user", "content": hook}]}),
        )
        .await;
        assert_eq!(status, 502, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["type"], "relay_error");
        assert!(body.contains("not mined"), "{body}");
    }

    // Relays sent straight to a relay miner: unsigned, or for a session the chain did not derive.
    let (header, first_supplier) = {
        let c = n.chain.lock().unwrap();
        let s = c.session(&n.app.address(), &n.service, c.height()).unwrap();
        (s.header.to_wire(), s.suppliers[0])
    };
    let miner_url = n
        .miners
        .iter()
        .find(|(m, _)| m.suppliers().contains(&first_supplier))
        .unwrap()
        .1
        .clone();
    let http = reqwest::Client::new();
    let send = |bytes: Vec<u8>| {
        let http = http.clone();
        let url = format!("{miner_url}/v1/relay");
        async move {
            let r = http.post(url).body(bytes).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap())
        }
    };
    let unsigned = new_request(&header, &first_supplier, b"{}".to_vec());
    let (s, v) = send(unsigned.encode()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("bad_signature"))
    );
    let mut other = header.clone();
    other.session_id = "ab".repeat(32);
    let mut forged = new_request(&other, &first_supplier, b"{}".to_vec());
    let ring = n
        .chain
        .lock()
        .unwrap()
        .ring(
            &n.app.address(),
            BlockHeight::new(header.session_end_block_height),
        )
        .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
    sign_request(&mut forged, &ring, &n.gateway_key, &mut rng).unwrap();
    let (s, v) = send(forged.encode()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("session_mismatch"))
    );
    // Signed by a key outside the application's ring.
    let mut stranger = new_request(&header, &first_supplier, b"{}".to_vec());
    let mut ring_with_stranger = ring.clone();
    ring_with_stranger.push(key(77).verifying_key());
    sign_request(&mut stranger, &ring_with_stranger, &key(77), &mut rng).unwrap();
    let (s, v) = send(stranger.encode()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("bad_signature"))
    );
    let (s, v) = send(b"\xff\xff\xff".to_vec()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("malformed_relay"))
    );

    // The watcher probes every supplier of the session (real relays, mined like any other).
    let probes = n.gateway.probe_once().await;
    assert_eq!(probes.len(), 3);
    assert!(probes.iter().all(|p| p.ok), "{probes:?}");
    let probe_prompt = "watcher probe: reply with one word";
    let probe_usage = Usage {
        prompt_tokens: count_tokens(probe_prompt),
        completion_tokens: count_tokens(&backend::answer(probe_prompt, Some(4)).concat()),
    };
    expected_cu += 3 * price(metered, probe_usage);
    served += 3;
    let qos: Value = reqwest::get(format!("{g}/v1/qos"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let successes: u64 = qos["suppliers"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["counts"]["successes"].as_u64().unwrap())
        .sum();
    assert_eq!(successes, served);
    let watcher: Value = reqwest::get(format!("{g}/v1/watcher"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(watcher["suppliers"].as_object().unwrap().len(), 3);

    // Streamed relays are mined when their stream ends: wait for the miners to catch up.
    let mined = || n.miners.iter().map(|(m, _)| m.stats().mined).sum::<u64>();
    for _ in 0..100 {
        if mined() == served {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        mined(),
        served,
        "every answered relay is mined, the failed ones are not"
    );

    // Blocks go by: after the grace period the old session's relays are refused; the miners claim
    // and prove in their windows; the chain settles.
    let end = BlockHeight::new(header.session_end_block_height);
    let windows = n.chain.lock().unwrap().windows(end).unwrap();
    let before: Vec<u64> = {
        let c = n.chain.lock().unwrap();
        n.suppliers
            .iter()
            .map(|s| c.balance(&s.address()).get())
            .collect()
    };
    let (source_before, app_stake_before) = {
        let c = n.chain.lock().unwrap();
        (
            c.balance(&n.source_owner).get(),
            c.application_stake(&n.app.address()).unwrap().get(),
        )
    };
    while n.chain.lock().unwrap().height() < windows.settlement_height {
        n.advance().unwrap();
        if n.chain.lock().unwrap().height() == windows.grace_period_end.checked_next().unwrap() {
            let mut late = new_request(&header, &first_supplier, b"{}".to_vec());
            sign_request(&mut late, &ring, &n.gateway_key, &mut rng).unwrap();
            let (s, v) = send(late.encode()).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (400, Some("session_expired"))
            );
        }
    }
    // Claims and proofs happen between blocks: take the whole event log.
    let events = n.chain.lock().unwrap().events().to_vec();
    for (m, _) in &n.miners {
        let st = m.stats();
        assert!(st.chain_errors.is_empty(), "{:?}", st.chain_errors);
        assert_eq!(st.claims, st.proofs);
    }
    let claims: Vec<(Address, u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            DevnetEvent::ClaimCreated {
                supplier,
                num_relays,
                num_compute_units,
                ..
            } => Some((*supplier, *num_relays, num_compute_units.get())),
            _ => None,
        })
        .collect();
    assert_eq!(claims.iter().map(|c| c.1).sum::<u64>(), served);
    assert_eq!(claims.iter().map(|c| c.2).sum::<u64>(), expected_cu);
    let validated = events
        .iter()
        .filter(|e| matches!(e, DevnetEvent::ProofValidated { .. }))
        .count();
    assert_eq!(
        validated,
        claims.len(),
        "every proof validates (the metering check included)"
    );

    // Settlement with the default tokenomics: S = compute units × 42 uPOKT; the mint (ratio 1) and
    // the global inflation G = ⌈S / 10⌉ split .1 DAO / .05 proposer / .7 supplier / .15 source
    // owner; the application pays S + G.
    let mut settled_total = 0u64;
    let mut source_expected = 0u64;
    let mut app_paid = 0u64;
    let c = n.chain.lock().unwrap();
    for (supplier, _, cu) in &claims {
        let outcome = events.iter().find_map(|e| match e {
            DevnetEvent::Settled {
                supplier: s,
                outcome,
                ..
            } if s == supplier => Some(*outcome),
            _ => None,
        });
        let Some(Outcome::Settled {
            settled: settled_upokt,
            ..
        }) = outcome
        else {
            panic!("{outcome:?}")
        };
        let s = cu * 42;
        assert_eq!(settled_upokt.get(), s);
        let g = s.div_ceil(10);
        settled_total += s;
        app_paid += s + g;
        source_expected += s * 15 / 100 + g * 15 / 100;
        let i = n
            .suppliers
            .iter()
            .position(|k| k.address() == *supplier)
            .unwrap();
        assert_eq!(
            c.balance(supplier).get() - before[i],
            s * 70 / 100 + g * 70 / 100,
            "supplier {supplier}'s take"
        );
    }
    assert!(settled_total > 0);
    assert_eq!(
        c.balance(&n.source_owner).get() - source_before,
        source_expected,
        "the source owner's share"
    );
    assert_eq!(
        app_stake_before - c.application_stake(&n.app.address()).unwrap().get(),
        app_paid
    );
    let supply = c.supply_changes();
    assert!(supply.net().is_some());
    assert_eq!(c.total_held(), supply.net());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_inference_end_to_end_fixed_compute_units() {
    run(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_inference_end_to_end_token_metered() {
    run(true).await;
}

/// A supplier whose answers do not verify is routed around: the application still gets verified
/// answers (from another supplier of the session), and the QoS scores record the bad signatures
/// and rank the impostor's suppliers last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_suppliers_are_routed_around() {
    let n = net_with(false, true).await;
    let g = &n.gateway_url;
    let session_suppliers = {
        let c = n.chain.lock().unwrap();
        c.session(&n.app.address(), &n.service, c.height())
            .unwrap()
            .suppliers
    };
    let impostors: Vec<Address> = n.miners[1].0.suppliers().to_vec();
    let honest_in_session = session_suppliers
        .iter()
        .filter(|s| !impostors.contains(s))
        .count();
    assert!(
        honest_in_session > 0 && honest_in_session < 3,
        "the session mixes both miners"
    );
    // The gateway's routing is randomised (exploration): keep asking, streamed and not, until an
    // impostor has been tried (bounded), every answer verified and 200.
    let bad_signatures = || -> u64 {
        let qos = n.gateway.qos();
        impostors
            .iter()
            .filter_map(|a| qos.get(&a.to_string()))
            .map(|q| q.counts.failures_of(pokt_qos::Failure::BadSignature))
            .sum()
    };
    let mut asked = 0u64;
    for i in 0..80 {
        let (status, _, body) = post(
            &format!("{g}/v1/chat/completions"),
            json!({"model": STAND_IN_MODEL, "stream": i % 2 == 1, "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        asked += 1;
        if i >= 5 && bad_signatures() > 0 {
            break;
        }
    }
    let qos = n.gateway.qos();
    let bad = bad_signatures();
    assert!(bad > 0, "{qos:?}");
    for a in &impostors {
        if let Some(q) = qos.get(&a.to_string()) {
            assert_eq!(q.counts.successes, 0);
        }
    }
    let honest: u64 = session_suppliers
        .iter()
        .filter(|s| !impostors.contains(s))
        .filter_map(|a| qos.get(&a.to_string()))
        .map(|q| q.counts.successes)
        .sum();
    // Every request was answered by an honest supplier — however many the random routing took
    // before it first tried an impostor (6 when that was within the first six).
    assert_eq!(honest, asked);
}
