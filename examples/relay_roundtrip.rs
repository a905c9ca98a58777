//! A relay from end to end, with only pokt-rs as protocol code: derive the session, ring-sign the
//! request as the application's gateway, accept it as the supplier's relay miner, sign the
//! response, verify it as the gateway, and check whether the relay is mined.
//!
//! `cargo run -p pokt-examples --example relay_roundtrip`

use anyhow::Context;
use pokt_crypto::SigningKey;
use pokt_mining::is_volume_applicable;
use pokt_primitives::{
    BlockHash, BlockHeight, BlockInterval, Relay, RelayResponse, ServiceId, TargetHash,
};
use pokt_relay::{
    AcceptanceContext, RingMembers, accept_relay, new_request, ring_at, sign_request,
    sign_response, verify_response,
};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery};
use rand_chacha::rand_core::SeedableRng;

fn main() -> anyhow::Result<()> {
    let key = |b: u8| SigningKey::from_bytes(&[b; 32]).context("key");
    let (app, gateway) = (key(1)?, key(2)?);
    let suppliers: Vec<SigningKey> = (10u8..15).map(key).collect::<anyhow::Result<_>>()?;
    let service = ServiceId::new("llm-8b")?;

    // The chain's view: service configurations and the session at height 25.
    let configs: Vec<ServiceConfig> = suppliers
        .iter()
        .map(|s| ServiceConfig {
            operator: s.address(),
            service: service.clone(),
            activation_height: BlockHeight::new(1),
            deactivation_height: None,
        })
        .collect();
    let app_addr = app.address();
    let query = SessionQuery {
        application: &app_addr,
        service_id: &service,
        height: BlockHeight::new(25),
        grid: SessionGrid::genesis(BlockInterval::new(10)),
        num_suppliers_per_session: 3,
    };
    let session = Session::derive(
        query,
        |h| Some(BlockHash::from_bytes([h.get().to_le_bytes()[0]; 32])),
        &configs,
    )?;
    println!(
        "session {} [{}..={}], suppliers:",
        session.header.session_id,
        session.header.start.get(),
        session.header.end.get()
    );
    for s in &session.suppliers {
        println!("  {s}");
    }
    let header = session.header.to_wire();

    // Gateway: the application's ring, then a ring-signed request to the first supplier.
    let members = RingMembers {
        application: Some(app.verifying_key()),
        delegated: vec![gateway.verifying_key()],
        pending_undelegations: vec![],
    };
    let ring = ring_at(&members, session.header.end)?;
    let supplier_addr = session.suppliers[0];
    let supplier = suppliers
        .iter()
        .find(|s| s.address() == supplier_addr)
        .context("supplier key")?;
    let mut req = new_request(
        &header,
        &supplier_addr,
        br#"{"model":"llm-8b","messages":[{"role":"user","content":"hello"}]}"#.to_vec(),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    sign_request(&mut req, &ring, &gateway, &mut rng)?;
    println!(
        "request signed by the gateway over ring of {} keys ({} bytes)",
        ring.len(),
        req.meta.signature.len()
    );

    // Relay miner: acceptance, then the signed response.
    let prepared = pokt_relay::PreparedRing::new(&ring)?;
    let ctx = AcceptanceContext {
        current_height: BlockHeight::new(25),
        grace_period_end_offset_blocks: BlockInterval::new(1),
        session_header: &header,
        session_suppliers: &session.suppliers,
        expected_ring: &prepared,
        own_suppliers: &[supplier_addr],
    };
    let accepted = accept_relay(req.clone(), &ctx)?.supplier();
    println!("relay miner accepted the relay for {accepted}");
    let mut res = RelayResponse::default();
    res.meta.session_header = Some(header);
    res.payload = br#"{"choices":[{"message":{"content":"hi!"}}]}"#.to_vec();
    sign_response(&mut res, supplier);

    // Gateway: verify the supplier's signature before answering the application.
    verify_response(&res, &supplier.verifying_key())?;
    println!("gateway verified the supplier's response signature");

    // Relay Mining: the relay hash against a target of half the hash space.
    let relay = Relay {
        req: Some(req),
        res: Some(res),
    };
    let mut half = [0xff; 32];
    half[0] = 0x7f;
    let hash = relay.relay_hash();
    println!(
        "relay hash {hash}: mined at p = 1/2: {}",
        is_volume_applicable(&hash, &TargetHash::from_bytes(half))
    );
    Ok(())
}
