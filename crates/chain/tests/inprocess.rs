//! The client suite against the in-process devnet node.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;

use pokt_chain::{BlockRef, InProcessChain};

struct InProcess(InProcessChain);

impl suite::Net for InProcess {
    type C = InProcessChain;
    fn chain(&self) -> &InProcessChain {
        &self.0
    }
    async fn mine(&self) -> BlockRef {
        self.0.make_block().unwrap()
    }
}

fn net() -> InProcess {
    InProcess(InProcessChain::from_genesis(suite::genesis()).unwrap())
}

#[tokio::test]
async fn blocks_and_subscription() {
    suite::blocks_and_subscription(&net()).await;
}

#[tokio::test]
async fn params() {
    suite::params(&net()).await;
}

#[tokio::test]
async fn sessions_and_rings() {
    suite::sessions_and_rings(&net()).await;
}

#[tokio::test]
async fn claims_and_proofs_settle() {
    suite::claims_and_proofs_settle(&net()).await;
}

#[tokio::test]
async fn sequence_mismatch_recovered() {
    suite::sequence_mismatch_recovered(&net()).await;
}

#[tokio::test]
async fn rejected_broadcast_retried() {
    suite::rejected_broadcast_retried(&net()).await;
}

#[tokio::test]
async fn bad_transactions_refused() {
    suite::bad_transactions_refused(&net()).await;
}

#[tokio::test]
async fn a_late_first_copy_is_the_result() {
    suite::a_late_first_copy_is_the_result(&net()).await;
}
