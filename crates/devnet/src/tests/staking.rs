//! Staking and the ledger through the devnet's API: typed refusals that change nothing, stakes
//! added on a second stake, the views hosts query, and minted − burned always held.

use super::*;
use pokt_tokenomics::Account;

#[test]
fn stakes_and_views() {
    let mut w = world();
    let app = w.chain.application(&w.app.address()).unwrap();
    assert_eq!(app.stake, upokt(5_000_000_000));
    assert_eq!(app.gateways, vec![w.gateway.address()]);
    let gateway = w.chain.gateway(&w.gateway.address()).unwrap();
    assert_eq!(gateway.stake, upokt(1_000_000));
    assert_eq!(w.chain.gateway_module(), upokt(1_000_000));
    let s = &w.suppliers[0];
    let info = w.chain.supplier(&s.address()).unwrap();
    assert_eq!(info.stake, upokt(1_000_000_000));
    assert_eq!(info.activation_height, h(5), "the session after genesis");
    assert_eq!(info.rev_shares.len(), 1);
    assert_eq!(
        w.chain.balance_of(&Account::SupplierModule),
        upokt(4 * 1_000_000_000)
    );
    assert_eq!(
        w.chain.balance_of(&Account::ApplicationModule),
        upokt(5_000_000_000)
    );

    // A second stake adds to the first (the module holds both), activates at the next session
    // and keeps the endpoint.
    w.chain
        .set_supplier_endpoint(&s.address(), "http://127.0.0.1:1".into())
        .unwrap();
    w.chain
        .stake_supplier(
            s.verifying_key(),
            s.address(),
            upokt(7),
            vec![w.service.clone()],
            vec![],
        )
        .unwrap();
    let info = w.chain.supplier(&s.address()).unwrap();
    assert_eq!(info.stake, upokt(1_000_000_007));
    assert_eq!(info.activation_height, h(9));
    assert_eq!(
        w.chain.supplier_endpoint(&s.address()),
        Some("http://127.0.0.1:1")
    );
    assert_eq!(
        w.chain.balance_of(&Account::SupplierModule),
        upokt(4 * 1_000_000_000 + 7)
    );
    w.chain
        .stake_gateway(w.gateway.verifying_key(), upokt(3))
        .unwrap();
    assert_eq!(
        w.chain.gateway(&w.gateway.address()).unwrap().stake,
        upokt(1_000_003)
    );
    assert_eq!(w.chain.gateway_module(), upokt(1_000_003));
    assert_supply_held(&w.chain);
}

#[test]
fn refused_stakes_change_nothing() {
    let mut w = world();
    let poor = key(50);
    let other = ServiceId::new("other").unwrap();
    let before = (w.chain.supply_changes(), w.chain.total_held());
    assert_eq!(
        w.chain
            .stake_application(poor.verifying_key(), upokt(1), vec![other.clone()]),
        Err(DevnetError::UnknownService(other))
    );
    assert_eq!(
        w.chain
            .stake_application(poor.verifying_key(), upokt(1), vec![w.service.clone()]),
        Err(DevnetError::Ledger(LedgerError::InsufficientFunds {
            account: Account::Address(poor.address()),
            balance: Upokt::ZERO,
            amount: upokt(1),
        }))
    );
    assert!(w.chain.application(&poor.address()).is_none());
    assert!(matches!(
        w.chain.stake_gateway(poor.verifying_key(), upokt(1)),
        Err(DevnetError::Ledger(LedgerError::InsufficientFunds { .. }))
    ));
    assert_eq!(
        w.chain.delegate(&w.app.address(), &poor.address()),
        Err(DevnetError::UnknownGateway(poor.address()))
    );
    assert_eq!(
        w.chain.delegate(&poor.address(), &w.gateway.address()),
        Err(DevnetError::UnknownApplication(poor.address()))
    );
    assert!(matches!(
        w.chain.stake_supplier(
            poor.verifying_key(),
            poor.address(),
            upokt(1),
            vec![w.service.clone()],
            vec![]
        ),
        Err(DevnetError::Ledger(LedgerError::InsufficientFunds { .. }))
    ));
    assert_eq!(
        w.chain
            .set_supplier_endpoint(&poor.address(), String::new()),
        Err(DevnetError::UnknownSupplier(poor.address()))
    );
    assert_eq!(
        w.chain
            .transfer(&poor.address(), &w.app.address(), upokt(1))
            .map_err(|e| matches!(e, DevnetError::Ledger(_))),
        Err(true)
    );
    assert_eq!((w.chain.supply_changes(), w.chain.total_held()), before);
    // Funding past u64::MAX in total is refused, not wrapped or saturated.
    let room = Upokt::MAX
        .checked_sub(w.chain.supply_changes().minted)
        .unwrap();
    w.chain.fund(poor.address(), room).unwrap();
    assert_eq!(
        w.chain.fund(poor.address(), upokt(1)),
        Err(DevnetError::Ledger(LedgerError::SupplyOverflow))
    );
    assert_eq!(w.chain.balance(&poor.address()), room);
    assert_supply_held(&w.chain);
    // Sessions for an application not staked for the service, or unknown.
    assert_eq!(
        w.chain.session(&poor.address(), &w.service, h(5)),
        Err(DevnetError::UnknownApplication(poor.address()))
    );
}

#[test]
fn transfers_move_liquid_balances() {
    let mut w = world();
    let (a, b) = (w.app.address(), w.gateway.address());
    let (ba, bb) = (w.chain.balance(&a), w.chain.balance(&b));
    w.chain.transfer(&a, &b, upokt(11)).unwrap();
    assert_eq!(w.chain.balance(&a), ba.checked_sub(upokt(11)).unwrap());
    assert_eq!(w.chain.balance(&b), bb.checked_add(upokt(11)).unwrap());
    assert_supply_held(&w.chain);
}

#[test]
fn a_zero_session_length_is_refused() {
    let mut cfg = DevnetConfig::small().unwrap();
    cfg.shared.num_blocks_per_session = BlockInterval::ZERO;
    assert!(matches!(
        Devnet::new(cfg),
        Err(DevnetError::ZeroSessionLength)
    ));
    let mut w = world();
    let mut p = *w.chain.shared_params(h(5));
    p.num_blocks_per_session = BlockInterval::ZERO;
    assert_eq!(
        w.chain.set_shared_params(p),
        Err(DevnetError::ZeroSessionLength)
    );
}
