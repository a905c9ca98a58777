//! The relay-mining cycle as signed transactions: claims, proofs, settlement.

use super::*;

/// Claims and proofs as signed transactions, then settlement (the whole relay-mining cycle).
pub async fn claims_and_proofs_settle<N: Net>(net: &N) {
    let c = net.chain();
    let (s, w) = first_session(net).await;
    let sup = suppliers()[0].clone();
    let tree = serve(c, &s.header, &sup, 12).await;
    assert_eq!(tree.root().count(), 12);
    let sub = submitter(c, &sup);
    // Delivered in the first block of the claim window.
    mine_to(net, w.claim_window_open.get() - 1).await;
    let fee_before = c.balance(&sup.address()).await.unwrap();
    let pending = sub
        .broadcast(&[TxMsg::CreateClaim(tree.claim())])
        .await
        .unwrap();
    assert_eq!(pending.sequence, 0);
    let blk = net.mine().await;
    let r = c.tx(&pending.hash).await.unwrap().expect("included");
    assert_eq!((r.code, r.height), (0, blk.height), "{}", r.log);
    assert!(r.gas_used > 0 && r.gas_used <= r.gas_wanted);
    assert!(
        r.events
            .iter()
            .any(|e| e.kind == "pocket.proof.EventClaimCreated")
    );
    let paid = fee_before - c.balance(&sup.address()).await.unwrap();
    assert!(paid > 0, "the fee is paid");
    let acc = c.account(&sup.address()).await.unwrap();
    assert_eq!(
        (acc.sequence, acc.public_key),
        (1, Some(sup.verifying_key()))
    );
    let claims = c.claims(&sup.address()).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].root_hash, tree.root().as_bytes().to_vec());
    let stored = c
        .claim(&s.header.session_id, &sup.address())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, claims[0]);
    // The proof: built on the seed block, delivered in the first block of the proof window.
    mine_to(net, w.proof_window_open.get() - 1).await;
    let draw = host::claim_proof_requirement(c, &stored).await.unwrap();
    assert_eq!(
        draw.requirement,
        ProofRequirement::Threshold,
        "threshold 0: always"
    );
    let seed = c
        .block(BlockHeight::new(w.proof_window_open.get() - 1))
        .await
        .unwrap()
        .hash;
    let pending = sub
        .broadcast(&[TxMsg::SubmitProof(tree.proof(&seed))])
        .await
        .unwrap();
    assert_eq!(pending.sequence, 1);
    net.mine().await;
    let r = c.tx(&pending.hash).await.unwrap().expect("included");
    assert_eq!(r.code, 0, "{}", r.log);
    let ev = r
        .events
        .iter()
        .find(|e| e.kind == "pocket.proof.EventProofSubmitted")
        .unwrap();
    assert_eq!(
        ev.attribute("proof_validation_status").as_deref(),
        Some("VALIDATED")
    );
    // Settlement.
    let owner_before = c.balance(&owner(0).address()).await.unwrap();
    mine_to(net, w.settlement_height.get()).await;
    let events = c.block_events(w.settlement_height).await.unwrap();
    let settled = events
        .iter()
        .find(|e| e.kind == "pocket.tokenomics.EventClaimSettled")
        .expect("settled at the settlement height");
    assert_eq!(
        settled.attribute("session_id").unwrap(),
        s.header.session_id
    );
    assert_eq!(
        settled.attribute("proof_requirement").as_deref(),
        Some("THRESHOLD")
    );
    // 12 relays × 100 compute units × 42 uPOKT per unit (small params, every relay mined).
    assert_eq!(
        settled.attribute("settled_upokt").unwrap(),
        format!("{}upokt", 12 * COMPUTE_UNITS * 42)
    );
    assert!(c.claims(&sup.address()).await.unwrap().is_empty());
    assert!(c.balance(&owner(0).address()).await.unwrap() > owner_before);
    // The settled relays update the service's difficulty from the next session start: the
    // difficulty query agrees with the event, and the target before it is unchanged.
    let upd = events
        .iter()
        .find(|e| e.kind == "pocket.service.EventRelayMiningDifficultyUpdated")
        .expect("difficulty updated at settlement");
    let from: i64 = upd.attribute("effective_height").unwrap().parse().unwrap();
    assert!(from > w.settlement_height.get());
    mine_to(net, from).await;
    let after = c
        .difficulty(&service(), BlockHeight::new(from))
        .await
        .unwrap();
    assert_eq!(
        after.target_hash.to_hex(),
        upd.attribute("new_target_hash").unwrap()
    );
    let before = c
        .difficulty(&service(), BlockHeight::new(from - 1))
        .await
        .unwrap();
    assert_eq!(before.target_hash.as_bytes(), &[0xff; 32]);
}

/// A proof whose first copy is not included within the submitter's wait is sent again; when the
/// block finally includes both, the first copy succeeds and the second fails as "already
/// proven". The submission's result is the included first copy, not that failure.
pub async fn a_late_first_copy_is_the_result<N: Net>(net: &N) {
    let c = net.chain();
    let (s, w) = first_session(net).await;
    let sup = suppliers()[1].clone();
    let tree = serve(c, &s.header, &sup, 4).await;
    let sub = submitter(c, &sup);
    mine_to(net, w.claim_window_open.get() - 1).await;
    sub.broadcast(&[TxMsg::CreateClaim(tree.claim())])
        .await
        .unwrap();
    mine_to(net, w.proof_window_open.get()).await;
    let seed = c
        .block(BlockHeight::new(w.proof_window_open.get() - 1))
        .await
        .unwrap()
        .hash;
    // Waits of 30 ms: the copies pile up in the mempool until a block is made.
    let impatient = Submitter::new(
        c.clone(),
        sup.clone(),
        SubmitConfig {
            inclusion_timeout: Duration::from_millis(30),
            poll_interval: Duration::from_millis(10),
            backoff_initial: Duration::from_millis(10),
            backoff_max: Duration::from_millis(20),
            ..SubmitConfig::new()
        },
    );
    let msg = TxMsg::SubmitProof(tree.proof(&seed));
    let deadline = w.proof_window_close;
    let task = tokio::spawn(async move { impatient.submit(&[msg], deadline).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let included = net.mine().await;
    let r = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the submission ends")
        .unwrap()
        .expect("the included first copy is the result");
    assert_eq!((r.code, r.height), (0, included.height), "{}", r.log);
    // More than one copy was sent (the later ones failed in the same block).
    let acc = c.account(&sup.address()).await.unwrap();
    assert!(acc.sequence > 2, "copies sent: sequence {}", acc.sequence);
}
