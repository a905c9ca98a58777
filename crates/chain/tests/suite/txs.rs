//! Transactions: sequence recovery, retried broadcasts, refused transactions.

use super::*;

/// A submitter whose cached sequence went stale (another submitter for the same key sent
/// first) resynchronises on the node's "incorrect account sequence" and succeeds.
pub async fn sequence_mismatch_recovered<N: Net>(net: &N) {
    let c = net.chain();
    let sup = suppliers()[1].clone();
    let (a, b) = (submitter(c, &sup), submitter(c, &sup));
    let msg = |root: u8| {
        TxMsg::CreateClaim(MsgCreateClaim {
            supplier_operator_address: sup.address().to_string(),
            session_header: None,
            root_hash: vec![root; 48],
        })
    };
    // `a` spends sequences 0 and 1; `b`, syncing from the committed state (1), is told by the
    // node that the mempool already holds 1 and moves to 2.
    let p1 = a.broadcast(&[msg(1)]).await.unwrap();
    assert_eq!(p1.sequence, 0);
    net.mine().await;
    let r1 = c.tx(&p1.hash).await.unwrap().unwrap();
    assert_ne!(
        r1.code, 0,
        "a claim without a session fails, but the sequence is spent"
    );
    let p2 = a.broadcast(&[msg(2)]).await.unwrap();
    assert_eq!(p2.sequence, 1);
    let p3 = b.broadcast(&[msg(3)]).await.unwrap();
    assert_eq!(
        p3.sequence, 2,
        "resynchronised past the mempool's pending sequence"
    );
    net.mine().await;
    for p in [p2, p3] {
        let r = c.tx(&p.hash).await.unwrap().expect("included");
        assert_eq!(r.codespace, "proof", "ante passed: {}", r.log);
    }
    assert_eq!(c.account(&sup.address()).await.unwrap().sequence, 3);
}

/// A broadcast the node refuses for a passing reason (mempool full) is retried with backoff
/// while blocks are made, and succeeds.
pub async fn rejected_broadcast_retried<N: Net>(net: &N) {
    let c = net.chain();
    let (s, w) = first_session(net).await;
    let sup = suppliers()[2].clone();
    let tree = serve(c, &s.header, &sup, 3).await;
    mine_to(net, w.claim_window_open.get() - 1).await;
    // Fill the mempool.
    for (i, f) in fillers().iter().enumerate().take(MEMPOOL) {
        let r = submitter(c, f)
            .broadcast(&[TxMsg::CreateClaim(MsgCreateClaim {
                supplier_operator_address: f.address().to_string(),
                session_header: None,
                root_hash: vec![u8::try_from(i).unwrap(); 48],
            })])
            .await;
        assert!(r.is_ok(), "{r:?}");
    }
    let sub = std::sync::Arc::new(submitter(c, &sup));
    let claim = [TxMsg::CreateClaim(tree.claim())];
    match sub.broadcast(&claim).await {
        Err(SubmitError::Rejected {
            code: 20,
            codespace,
            ..
        }) => assert_eq!(codespace, "sdk"),
        other => panic!("expected mempool is full, got {other:?}"),
    }
    let deadline = w.claim_window_close;
    let task = {
        let sub = sub.clone();
        tokio::spawn(async move { sub.submit(&claim, deadline).await })
    };
    let start = std::time::Instant::now();
    while !task.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(30), "bounded");
        tokio::time::sleep(Duration::from_millis(100)).await;
        net.mine().await;
    }
    let r = task.await.unwrap().unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    assert!(r.height <= w.claim_window_close);
    assert_eq!(c.claims(&sup.address()).await.unwrap().len(), 1);
}

fn sign_with(k: &SigningKey, msgs: &[TxMsg], f: TxFields) -> Vec<u8> {
    sign_tx(k, msgs, &f).tx_raw
}

/// Replayed, wrongly signed, wrong-chain and malformed transactions are refused with Cosmos
/// codes, and change nothing.
pub async fn bad_transactions_refused<N: Net>(net: &N) {
    let c = net.chain();
    let sup = suppliers()[0].clone();
    let addr = sup.address();
    let msg = [TxMsg::CreateClaim(MsgCreateClaim {
        supplier_operator_address: addr.to_string(),
        session_header: None,
        root_hash: vec![9; 48],
    })];
    let acc = c.account(&addr).await.unwrap();
    let good = TxFields {
        chain_id: CHAIN_ID.into(),
        account_number: acc.account_number,
        sequence: 0,
        gas_limit: 200_000,
        fee_upokt: 200,
        ..TxFields::default()
    };
    let code = |r: pokt_chain::BroadcastResult| (r.codespace, r.code);
    // Wrong chain id: the signature does not verify here.
    let wrong_chain = sign_with(
        &sup,
        &msg,
        TxFields {
            chain_id: "pocket".into(),
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&wrong_chain).await.unwrap()),
        ("sdk".into(), 4)
    );
    // Wrong account number.
    let wrong_number = sign_with(
        &sup,
        &msg,
        TxFields {
            account_number: acc.account_number + 1,
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&wrong_number).await.unwrap()),
        ("sdk".into(), 4)
    );
    // Signed by another key: its public key does not match the signer.
    let other = sign_with(&key(77), &msg, good.clone());
    assert_eq!(code(c.broadcast(&other).await.unwrap()), ("sdk".into(), 8));
    // The supplier's public key with another key's signature.
    let real = sign_tx(&sup, &msg, &good);
    let mut forged: pokt_chain::proto::cosmos::TxRaw =
        prost::Message::decode(real.tx_raw.as_slice()).unwrap();
    forged.signatures = vec![key(77).sign(&real.sign_doc).to_bytes().to_vec()];
    let forged = prost::Message::encode_to_vec(&forged);
    assert_eq!(code(c.broadcast(&forged).await.unwrap()), ("sdk".into(), 4));
    // Fee below the minimum gas price; gas below the need.
    let cheap = sign_with(
        &sup,
        &msg,
        TxFields {
            fee_upokt: 1,
            ..good.clone()
        },
    );
    assert_eq!(code(c.broadcast(&cheap).await.unwrap()), ("sdk".into(), 13));
    let low_gas = sign_with(
        &sup,
        &msg,
        TxFields {
            gas_limit: 1_000,
            fee_upokt: 1,
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&low_gas).await.unwrap()),
        ("sdk".into(), 11)
    );
    // Malformed and oversized bytes.
    assert_eq!(
        code(c.broadcast(&[0xff, 0x01, 0x02]).await.unwrap()),
        ("sdk".into(), 2)
    );
    let huge = vec![0u8; (1 << 20) + 1];
    assert_eq!(code(c.broadcast(&huge).await.unwrap()), ("sdk".into(), 21));
    // Nothing changed.
    let after = c.account(&addr).await.unwrap();
    assert_eq!(after, acc);
    // A good one is admitted; the same bytes again are refused; a replay with the spent sequence
    // (new bytes) is refused once included.
    let ok = sign_with(&sup, &msg, good.clone());
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), (String::new(), 0));
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), ("sdk".into(), 19));
    net.mine().await;
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), ("sdk".into(), 19));
    let replay = sign_with(
        &sup,
        &msg,
        TxFields {
            memo: "again".into(),
            ..good.clone()
        },
    );
    let r = c.broadcast(&replay).await.unwrap();
    assert_eq!((r.codespace.as_str(), r.code), ("sdk", 32));
    assert!(r.log.contains("expected 1, got 0"), "{}", r.log);
    assert_eq!(c.account(&addr).await.unwrap().sequence, 1);
    // Simulation reports the devnet's gas; lookups of what does not exist.
    let sim = c
        .simulate(&sign_with(
            &sup,
            &msg,
            TxFields {
                sequence: 1,
                ..good
            },
        ))
        .await
        .unwrap();
    assert!(sim.gas_used > 40_000);
    assert_eq!(
        c.tx(&pokt_chain::tx::TxHash::of(b"nothing")).await.unwrap(),
        None
    );
    assert_eq!(c.claim(&"ab".repeat(32), &addr).await.unwrap(), None);
}
