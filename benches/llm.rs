//! The LLM extensions' per-relay costs: signing and verifying one stream batch (a gateway verifies
//! every batch before forwarding it), splitting a framed stream, reading the usage of an answer,
//! and pricing and mining a token-metered relay (the leaf keeps the answer).
//!
//! `cargo bench -p pokt-benches --bench llm`
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, SessionTree, TokenMetered};
use pokt_primitives::{
    Address, ComputeUnits, HttpHeaders, PoktHttpResponse, Relay, RelayRequest, SessionHeader,
    TargetHash,
};
use pokt_relay::llm::{
    STREAM_DELIMITER, StreamSplitter, TokenPricing, sign_http_response, sign_stream_batch,
    usage_from_body, verify_stream_batch,
};

fn header() -> SessionHeader {
    SessionHeader {
        application_address: SigningKey::from_bytes(&[1; 32])
            .unwrap()
            .address()
            .to_string(),
        service_id: "llm".into(),
        session_id: "ab".repeat(32),
        session_start_block_height: 1,
        session_end_block_height: 10,
    }
}

/// A streamed answer of `n` token events and a usage event, as a backend sends it.
fn sse(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "data: {{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} \"}}}}]}}\n\n"
        ));
    }
    s.push_str("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":200}}\n\ndata: [DONE]\n\n");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[3; 32]).unwrap();
    let vk = key.verifying_key();
    let h = header();
    let batch = sse(50);
    let mut g = c.benchmark_group("llm");
    g.throughput(Throughput::Bytes(batch.len() as u64));
    g.bench_function("sign stream batch (50 events)", |b| {
        b.iter(|| sign_stream_batch(&h, 200, batch.clone(), &key))
    });
    let framed = sign_stream_batch(&h, 200, batch.clone(), &key);
    let one = &framed[..framed.len() - STREAM_DELIMITER.len()];
    g.bench_function("verify stream batch (50 events)", |b| {
        b.iter(|| verify_stream_batch(one, &h, &vk).unwrap())
    });
    let stream: Vec<u8> = (0..8).flat_map(|_| framed.clone()).collect();
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("split 8 framed batches (read in 1 KiB pieces)", |b| {
        b.iter(|| {
            let mut s = StreamSplitter::new(1 << 20);
            let mut n = 0;
            for piece in stream.chunks(1024) {
                n += s.push(piece).unwrap().len();
            }
            n
        })
    });
    let whole = sse(200);
    g.throughput(Throughput::Bytes(whole.len() as u64));
    g.bench_function("usage of a 200-event stream", |b| {
        b.iter(|| usage_from_body(&whole).unwrap())
    });
    // Mining one answered relay: POKT (payload cleared) and token-metered (payload kept, usage
    // priced). The request is unsigned: mining does not look at signatures.
    let answer = PoktHttpResponse {
        status_code: 200,
        header: HttpHeaders::default(),
        body: whole.clone(),
    };
    let relays: Vec<Relay> = (0..512u32)
        .map(|i| Relay {
            req: Some(RelayRequest {
                payload: i.to_le_bytes().to_vec(),
                ..RelayRequest::default()
            }),
            res: Some(sign_http_response(&h, &answer, &key)),
        })
        .collect();
    let all = TargetHash::from_bytes([0xff; 32]);
    g.throughput(Throughput::Elements(relays.len() as u64));
    g.bench_function("mine 512 relays, fixed compute units", |b| {
        b.iter(|| {
            let fixed = FixedComputeUnits::new(ComputeUnits::new(100));
            let mut t = SessionTree::new(h.clone(), Address::from_bytes([5; 20]), all, fixed);
            relays.iter().for_each(|r| {
                t.offer(r);
            });
            t.root()
        })
    });
    let pricing = TokenPricing {
        base_compute_units: ComputeUnits::new(10),
        per_prompt_token: ComputeUnits::new(1),
        per_completion_token: ComputeUnits::new(3),
    };
    g.bench_function("mine 512 relays, token-metered", |b| {
        b.iter(|| {
            let metered = TokenMetered::new(pricing);
            let mut t = SessionTree::new(h.clone(), Address::from_bytes([5; 20]), all, metered);
            relays.iter().for_each(|r| {
                t.offer(r);
            });
            t.root()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
