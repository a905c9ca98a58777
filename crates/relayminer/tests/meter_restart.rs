//! The over-servicing meter survives a restart with the *served* compute units: a relay served
//! but not mined (here the same relay answered twice: the tree keeps it once) still counts
//! against the application's budget after the process restarts. [RM-METER-2]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use pokt_chain::{Chain, InProcessChain};
use pokt_primitives::{Message, RelayResponse};
use pokt_relayminer::steps::budget_compute_units;
use pokt_session::WindowOffsets;

/// The budget in compute units the miner derives for the one supplier from `stake`.
async fn budget(chain: &InProcessChain, stake: u64) -> u128 {
    let h = chain.latest_block().await.unwrap().height;
    let shared = chain.shared_params(h).await.unwrap();
    let tok = chain.tokenomics_params().await.unwrap();
    let pending = WindowOffsets {
        grace_period_end_offset_blocks: shared.grace_period_end_offset_blocks,
        claim_window_open_offset_blocks: shared.claim_window_open_offset_blocks,
        claim_window_close_offset_blocks: shared.claim_window_close_offset_blocks,
        proof_window_open_offset_blocks: shared.proof_window_open_offset_blocks,
        proof_window_close_offset_blocks: shared.proof_window_close_offset_blocks,
    }
    .num_pending_sessions(shared.num_blocks_per_session)
    .unwrap_or(1);
    budget_compute_units(
        stake,
        pending,
        1,
        tok.overservicing_bonus_multiplier,
        0,
        shared.compute_units_to_tokens_multiplier,
        shared.compute_unit_cost_granularity,
    )
}

const ANSWER: &[u8] = br#"{"choices":[{"message":{"role":"assistant","content":"hello"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_meter_restarts_from_the_served_units() {
    // The smallest stake whose budget covers 350 CU: three relays of 100 CU, not four.
    let probe = common::chain(1_000_000_000);
    let (mut lo, mut hi) = (1u64, 1_000_000_000u64);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if budget(&probe, mid).await >= 350 {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let stake = lo;
    let b = budget(&probe, stake).await;
    assert!((350..400).contains(&b), "budget {b} CU");
    let chain = common::chain(stake);
    let dir = common::temp_dir("meter");
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
    let req = common::signed_relay(&chain, body, 7).await.encode();
    {
        let miner = common::miner(&chain, &dir, "http://127.0.0.1:9", "", "enabled = true");
        miner.on_block(chain.latest_block().await.unwrap().height.get());
        // The same relay served twice: 200 CU served, 100 mined (the second is a duplicate).
        for _ in 0..2 {
            let res = miner
                .answer_relay(&req, 200, "application/json", ANSWER.to_vec())
                .await
                .unwrap();
            RelayResponse::decode(&res).unwrap();
        }
        assert_eq!(miner.store().relay_count().unwrap(), 1, "one relay mined");
        miner.store().close();
    }
    // Restarted on the same store: 200 CU are used, so one more relay fits (300) and not a
    // second (400). Restarting from the mined units (100) would let both through.
    let miner = common::miner(&chain, &dir, "http://127.0.0.1:9", "", "enabled = true");
    miner.on_block(chain.latest_block().await.unwrap().height.get());
    let c = &chain;
    let other = |n: u64| async move {
        let body = format!(r#"{{"model":"m","messages":[{{"role":"user","content":"hi {n}"}}]}}"#);
        common::signed_relay(c, &body, n).await.encode()
    };
    miner
        .answer_relay(&other(1).await, 200, "application/json", ANSWER.to_vec())
        .await
        .unwrap();
    let refused = miner
        .answer_relay(&other(2).await, 200, "application/json", ANSWER.to_vec())
        .await
        .unwrap_err();
    assert_eq!(
        refused.code, "application_over_budget",
        "{}",
        refused.message
    );
    assert_eq!(miner.store().relay_count().unwrap(), 2);
    miner.store().close();
    let _ = std::fs::remove_dir_all(&dir);
}
