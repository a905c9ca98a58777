//! LLM inference over POKT on one machine: a devnet, a model backend (the built-in **stand-in**
//! unless `--backend` names a real OpenAI-compatible server), two relay miners serving two
//! suppliers each, and an OpenAI-compatible gateway, all talking HTTP on loopback.
//!
//! By default it sends a batch of requests (chat, completions, streamed chat), runs one watcher
//! round, lets the relay miners claim and prove, settles the session and prints what every actor
//! earned or paid. With `--serve` it keeps running, making a block every `--block-ms`, so any
//! OpenAI client can use the gateway:
//!
//! ```text
//! cargo run --release -p pokt-examples --example llm_demo
//! cargo run --release -p pokt-examples --example llm_demo -- --metered
//! cargo run --release -p pokt-examples --example llm_demo -- --serve --listen 127.0.0.1:8080
//! cargo run --release -p pokt-examples --example llm_demo -- --backend http://127.0.0.1:8081 --model my-model
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use pokt_devnet::DevnetEvent;
use pokt_examples::llm::network::{Network, NetworkConfig, lock};
use pokt_relay::llm::TokenPricing;
use pokt_tokenomics::{Account, Outcome, Upokt};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(
    about = "LLM inference over POKT on loopback: devnet, relay miners, gateway, model backend"
)]
struct Args {
    /// An OpenAI-compatible backend (e.g. http://127.0.0.1:8081 for llama.cpp); default: the
    /// built-in stand-in backend.
    #[arg(long)]
    backend: Option<String>,
    /// The model name sent to the backend.
    #[arg(long)]
    model: Option<String>,
    /// Price relays by their tokens (the token-metered extension) instead of 100 compute units each.
    #[arg(long)]
    metered: bool,
    /// Requests to send (without --serve).
    #[arg(long, default_value_t = 24)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Keep serving instead of running the demo batch.
    #[arg(long)]
    serve: bool,
    /// The gateway's address (default 127.0.0.1:8080 with --serve, any free port otherwise).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Milliseconds per block with --serve.
    #[arg(long, default_value_t = 1000)]
    block_ms: u64,
    /// Seconds between watcher rounds with --serve.
    #[arg(long, default_value_t = 10)]
    watch_secs: u64,
}

fn request(i: usize, model: &str) -> (&'static str, Value) {
    match i % 4 {
        0 => (
            "/v1/completions",
            json!({"model": model, "prompt": format!("Write one line about relay {i}."), "max_tokens": 16}),
        ),
        1 => (
            "/v1/chat/completions",
            json!({"model": model, "stream": true, "max_tokens": 24,
                   "messages": [{"role": "user", "content": format!("Stream a short answer, request {i}.")}]}),
        ),
        _ => (
            "/v1/chat/completions",
            json!({"model": model, "max_tokens": 16,
                   "messages": [{"role": "system", "content": "Answer briefly."},
                                {"role": "user", "content": format!("What is POKT relay mining? ({i})")}]}),
        ),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut cfg = NetworkConfig::standard()?;
    cfg.backend = args.backend.clone();
    if let Some(m) = &args.model {
        cfg.model = m.clone();
    }
    if args.metered {
        cfg.token_pricing = Some(TokenPricing {
            base_compute_units: pokt_primitives::ComputeUnits::new(10),
            per_prompt_token: pokt_primitives::ComputeUnits::new(1),
            per_completion_token: pokt_primitives::ComputeUnits::new(3),
        });
    }
    cfg.gateway_addr = args.listen.unwrap_or(if args.serve {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    } else {
        SocketAddr::from(([127, 0, 0, 1], 0))
    });
    let net = Arc::new(Network::start(cfg.clone()).await?);
    let backend_kind = if args.backend.is_some() {
        "model server"
    } else {
        "stand-in backend"
    };
    println!("backend ({backend_kind}): {}", net.backend_url);
    for (m, url) in &net.miners {
        let s: Vec<String> = m.suppliers().iter().map(ToString::to_string).collect();
        println!("relay miner {url} for suppliers {}", s.join(", "));
    }
    println!("gateway (OpenAI-compatible): {}", net.gateway_url);
    println!(
        "service {:?}: {}",
        net.service.as_str(),
        match cfg.token_pricing {
            Some(p) => format!(
                "token-metered: {} + {}/prompt token + {}/completion token compute units",
                p.base_compute_units, p.per_prompt_token, p.per_completion_token
            ),
            None => format!("{} compute units per relay", cfg.compute_units_per_relay),
        }
    );

    if args.serve {
        return serve(net, &args, &cfg.model).await;
    }

    // The demo batch.
    let client = reqwest::Client::new();
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut tasks = Vec::new();
    for i in 0..args.requests {
        let (path, body) = request(i, &cfg.model);
        let url = format!("{}{path}", net.gateway_url);
        let client = client.clone();
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await;
            let t = Instant::now();
            let r = client.post(url).json(&body).send().await;
            let ok = match r {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (ok, t.elapsed())
        }));
    }
    let mut lat = Vec::new();
    let mut ok = 0;
    for t in tasks {
        let (good, d) = t.await?;
        ok += usize::from(good);
        lat.push(d);
    }
    let wall = started.elapsed();
    lat.sort();
    let pct = |p: usize| {
        lat.get((lat.len() * p / 100).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "\n{ok}/{} requests answered in {:.2} s ({:.1} req/s, {} in flight); latency p50 {:.1} ms, p95 {:.1} ms",
        args.requests,
        wall.as_secs_f64(),
        args.requests as f64 / wall.as_secs_f64(),
        args.concurrency,
        pct(50).as_secs_f64() * 1e3,
        pct(95).as_secs_f64() * 1e3
    );
    let probes = net.gateway.probe_once().await;
    println!(
        "watcher: {}/{} suppliers answered the probe",
        probes.iter().filter(|p| p.ok).count(),
        probes.len()
    );
    println!("\nQoS at the gateway:");
    for (a, q) in net.gateway.qos() {
        println!(
            "  {a}  {:?}  score {:.3}  ok {:>3}  errors {}  bad signatures {}  latency p50 {:.1} ms  ttft p50 {:.1} ms",
            q.tier,
            q.score,
            q.counts.successes,
            q.counts.errors(),
            q.counts.failures_of(pokt_qos::Failure::BadSignature),
            q.latency.p50_ms.unwrap_or(0.0),
            q.ttft.p50_ms.unwrap_or(0.0)
        );
    }

    // Streamed relays are mined when their stream ends.
    let answered = (ok + probes.iter().filter(|p| p.ok).count()) as u64;
    for _ in 0..200 {
        if net.miners.iter().map(|(m, _)| m.stats().mined).sum::<u64>() >= answered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Blocks until the session settles.
    let (end, settle_at, before) = {
        let c = lock(&net.chain)?;
        let end = c.session_end(c.height())?;
        let w = c.windows(end)?;
        (end, w.settlement_height, balances(&net, &c))
    };
    println!("\nsession ends at block {end}; settling at block {settle_at}");
    while lock(&net.chain)?.height() < settle_at {
        for e in net.advance()? {
            report(&e);
        }
    }
    let c = lock(&net.chain)?;
    let after = balances(&net, &c);
    println!("\nbalances (uPOKT):");
    for ((who, b), (_, a)) in before.iter().zip(&after) {
        println!(
            "  {who:<28} {:>14} -> {:>14}  ({:+})",
            b.get(),
            a.get(),
            i128::from(a.get()) - i128::from(b.get())
        );
    }
    let supply = c.supply_changes();
    anyhow::ensure!(
        supply.net().is_some() && c.total_held() == supply.net(),
        "ledger does not balance"
    );
    Ok(())
}

fn balances(net: &Network, c: &pokt_devnet::Devnet) -> Vec<(String, Upokt)> {
    let mut v = vec![(
        "application stake".to_string(),
        c.application_stake(&net.app.address())
            .unwrap_or(Upokt::ZERO),
    )];
    for (i, s) in net.suppliers.iter().enumerate() {
        v.push((format!("supplier {i} (owner)"), c.balance(&s.address())));
    }
    v.push(("source owner (model)".into(), c.balance(&net.source_owner)));
    v.push((
        "DAO".into(),
        c.balance_of(&Account::Address(c.tokenomics_params().dao_reward_address)),
    ));
    v.push((
        "proposer".into(),
        c.balance(&pokt_devnet::Devnet::proposer()),
    ));
    v
}

fn report(e: &DevnetEvent) {
    match e {
        DevnetEvent::ClaimCreated {
            supplier,
            num_relays,
            num_compute_units,
            ..
        } => {
            println!("  claim: {supplier} {num_relays} relays, {num_compute_units}")
        }
        DevnetEvent::ProofValidated {
            supplier, weight, ..
        } => {
            println!("  proof validated: {supplier} (revealed leaf weighs {weight})")
        }
        DevnetEvent::ProofRejected {
            supplier, reason, ..
        } => println!("  proof rejected: {supplier}: {reason}"),
        DevnetEvent::Settled {
            supplier,
            outcome,
            requirement,
            ..
        } => match outcome {
            Outcome::Settled {
                settled: settled_upokt,
                ..
            } => {
                println!(
                    "  settled: {supplier} {settled_upokt} (proof {})",
                    requirement.as_str()
                )
            }
            o => println!("  {supplier}: {o:?}"),
        },
        DevnetEvent::DifficultyUpdated {
            service,
            target,
            from_height,
        } => {
            println!(
                "  difficulty of {}: target {target} from block {from_height}",
                service.as_str()
            )
        }
        e => println!("  {e:?}"),
    }
}

async fn serve(net: Arc<Network>, args: &Args, model: &str) -> anyhow::Result<()> {
    net.gateway
        .spawn_watcher(Duration::from_secs(args.watch_secs.max(1)));
    let n = net.clone();
    let block = Duration::from_millis(args.block_ms.max(10));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(block);
        loop {
            tick.tick().await;
            match n.advance() {
                Ok(events) => events.iter().for_each(report),
                Err(e) => eprintln!("block: {e}"),
            }
        }
    });
    let g = &net.gateway_url;
    println!("\nserving; a block every {} ms. Try:", args.block_ms);
    println!(
        "  curl -s {g}/v1/chat/completions -H 'content-type: application/json' \\\n    -d '{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"hello\"}}]}}'"
    );
    println!(
        "  curl -sN {g}/v1/chat/completions -H 'content-type: application/json' \\\n    -d '{{\"model\":\"{model}\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"hello\"}}]}}'"
    );
    println!("  curl -s {g}/v1/models; curl -s {g}/v1/qos; curl -s {g}/v1/watcher");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    Ok(())
}
