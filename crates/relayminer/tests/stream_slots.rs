//! A stream holds its concurrency slot (`server.max_concurrent_relays`) until its last batch is
//! sent or its client goes away, not only until the handler returns. [RM-OPS-3]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pokt_chain::Chain;
use pokt_primitives::Message;
use pokt_relayminer::{RelayMiner, STREAM_CONTENT_TYPE};

async fn wait_released<C: Chain>(m: &RelayMiner<C>, limit: Duration) {
    let t0 = Instant::now();
    while m.relays_in_flight() != 0 && t0.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_holds_its_slot_until_it_ends() {
    let chain = common::chain(1_000_000_000);
    // A backend whose stream takes ~12 × 100 ms.
    let backend = pokt_standin::serve(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        pokt_standin::StandIn {
            chunk_delay: Duration::from_millis(100),
            ..pokt_standin::StandIn::default()
        },
    )
    .await
    .unwrap();
    let dir = common::temp_dir("slots");
    let miner = common::miner(
        &chain,
        &dir,
        &format!("http://{backend}"),
        "max_concurrent_relays = 4",
        "",
    );
    miner.on_block(chain.latest_block().await.unwrap().height.get());
    let (addr, stop) = miner
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let stream_of = |prompt: &str| {
        format!(
            r#"{{"model":"stand-in-1","stream":true,"messages":[{{"role":"user","content":"{prompt}"}}]}}"#
        )
    };

    assert_eq!(miner.relays_in_flight(), 0);
    let req = common::signed_relay(&chain, &stream_of("hi"), 1).await;
    let mut r = client
        .post(format!("http://{addr}/v1/relay"))
        .body(req.encode())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], STREAM_CONTENT_TYPE);
    // The handler has returned (the headers are here) and the first batch has arrived; the
    // stream is still running, so its slot is still taken.
    let first = r.chunk().await.unwrap().unwrap();
    assert!(!first.is_empty());
    assert_eq!(
        miner.relays_in_flight(),
        1,
        "the open stream holds its slot"
    );
    let mut batches = 1;
    while r.chunk().await.unwrap().is_some() {
        batches += 1;
    }
    assert!(batches >= 2, "{batches} batches");
    // Released once the stream ended (the release races the client's read of the end).
    wait_released(&miner, Duration::from_secs(5)).await;
    assert_eq!(
        miner.relays_in_flight(),
        0,
        "released at the end of the stream"
    );
    assert_eq!(
        miner.store().relay_count().unwrap(),
        1,
        "the stream was mined"
    );

    // A client that goes away mid-stream releases the slot too.
    let req = common::signed_relay(&chain, &stream_of("bye"), 2).await;
    let mut r = client
        .post(format!("http://{addr}/v1/relay"))
        .body(req.encode())
        .send()
        .await
        .unwrap();
    r.chunk().await.unwrap().unwrap();
    assert_eq!(miner.relays_in_flight(), 1);
    drop(r);
    wait_released(&miner, Duration::from_secs(10)).await;
    assert_eq!(
        miner.relays_in_flight(),
        0,
        "released when the client went away"
    );
    let _ = stop.send(());
    miner.store().close();
    let _ = std::fs::remove_dir_all(&dir);
}
