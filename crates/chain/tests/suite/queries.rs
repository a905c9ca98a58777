//! The read side: blocks and the block subscription, params, sessions and their rings.

use super::*;

/// Blocks: chain id, latest and past blocks, the subscription in order without gaps.
pub async fn blocks_and_subscription<N: Net>(net: &N) {
    let c = net.chain();
    assert_eq!(c.chain_id().await.unwrap(), CHAIN_ID);
    let first = c.block(BlockHeight::new(1)).await.unwrap();
    assert_eq!(first.time_ms, genesis().genesis_time * 1000);
    let latest = c.latest_block().await.unwrap();
    let mut stream = c.subscribe_blocks().await.unwrap();
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(net.mine().await);
    }
    for m in &made {
        let got = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a block within 10 s")
            .unwrap()
            .unwrap();
        assert_eq!(got, *m);
    }
    assert_eq!(made[0].height.get(), latest.height.get() + 1);
    assert_eq!(c.block(made[1].height).await.unwrap(), made[1]);
    assert!(matches!(
        c.block(BlockHeight::new(made[2].height.get() + 100)).await,
        Err(ChainError::NotFound { .. })
    ));
}

/// Params as the genesis set them.
pub async fn params<N: Net>(net: &N) {
    let c = net.chain();
    let cfg = genesis().config().unwrap();
    assert_eq!(
        c.shared_params(BlockHeight::new(1)).await.unwrap(),
        cfg.shared
    );
    assert_eq!(
        c.session_params().await.unwrap().num_suppliers_per_session,
        u64::try_from(cfg.num_suppliers_per_session).unwrap()
    );
    assert_eq!(c.proof_params().await.unwrap(), cfg.proof);
    assert_eq!(c.tokenomics_params().await.unwrap(), cfg.tokenomics);
    let svc = c.service(&service()).await.unwrap();
    assert_eq!(
        (svc.compute_units_per_relay, svc.owner, svc.name.as_str()),
        (COMPUTE_UNITS, service_owner().address(), "LLM")
    );
    // A fresh service mines every relay.
    let d = c.difficulty(&service(), BlockHeight::new(1)).await.unwrap();
    assert_eq!(d.target_hash.as_bytes(), &[0xff; 32]);
    assert!(matches!(
        c.service(&ServiceId::new("nope").unwrap()).await,
        Err(ChainError::NotFound { .. })
    ));
}

/// Sessions, the application, suppliers, accounts and rings.
pub async fn sessions_and_rings<N: Net>(net: &N) {
    let c = net.chain();
    let b = mine_to(net, 5).await;
    let s = c
        .session(&app().address(), &service(), b.height)
        .await
        .unwrap();
    assert_eq!(s.header.application_address, app().address().as_str());
    assert_eq!(s.header.session_start_block_height, 5);
    assert_eq!(s.header.session_end_block_height, 8);
    assert_eq!(s.num_blocks_per_session, 4);
    // Independent derivation of the id: SHA-256 over (block hash at start ‖ service ‖ app ‖ start).
    let start_hash = c.block(BlockHeight::new(5)).await.unwrap().hash;
    let pre = pokt_session::session_id_preimage(
        Some(&start_hash),
        &service(),
        &app().address(),
        BlockHeight::new(5),
    );
    assert_eq!(s.header.session_id, pokt_session::session_id(&pre).to_hex());
    let mut got: Vec<Address> = s.suppliers.iter().map(|x| x.operator).collect();
    got.sort();
    let mut want: Vec<Address> = suppliers().iter().map(SigningKey::address).collect();
    want.sort();
    assert_eq!(got, want, "3 staked suppliers, 3 per session");
    assert_eq!(
        s.suppliers[0]
            .endpoint(&service())
            .map(|u| u.starts_with("http://127.0.0.1:")),
        Some(true)
    );
    assert_eq!(s.application.delegatee_gateways, vec![gateway().address()]);
    let sup = c.supplier(&suppliers()[1].address()).await.unwrap();
    assert_eq!(
        (sup.owner, sup.stake_upokt),
        (owner(1).address(), 100_000_000)
    );
    assert_eq!(sup.services[0].activation_height, 5);
    let g = c.gateway(&gateway().address()).await.unwrap();
    assert_eq!(g.stake_upokt, 1_000_000);
    let a = c.account(&app().address()).await.unwrap();
    assert_eq!(a.public_key, Some(app().verifying_key()));
    // Staked at genesis with their keys; an owner's key is unknown until it signs.
    assert_eq!(
        c.account(&suppliers()[0].address())
            .await
            .unwrap()
            .public_key,
        Some(suppliers()[0].verifying_key())
    );
    assert_eq!(
        c.account(&owner(1).address()).await.unwrap().public_key,
        None
    );
    let ring = host::ring(c, &app().address(), BlockHeight::new(8))
        .await
        .unwrap();
    let mut want = vec![app().verifying_key(), gateway().verifying_key()];
    want.sort_by_key(|k| k.address().to_string());
    assert_eq!(ring, want);
    assert!(matches!(
        c.application(&key(99).address()).await,
        Err(ChainError::NotFound { .. })
    ));
    assert!(matches!(
        c.session(&key(99).address(), &service(), b.height).await,
        Err(ChainError::NotFound { .. } | ChainError::Refused { .. })
    ));
}
