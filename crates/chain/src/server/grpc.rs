//! The gRPC services a POKT node serves (pocket.* queries, cosmos.auth, cosmos.bank,
//! cosmos.tx), with the same paths and protobuf encodings. [CHAIN-DEVNET-4]

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::IntoResponse;

use crate::node::{Node, QueryError, Refusal};
use crate::proto::cosmos as pc;
use crate::proto::paths;
use crate::proto::pocket as pp;

use super::{MAX_REQUEST_BYTES, Shared};

fn status(e: QueryError) -> tonic::Status {
    match e {
        QueryError::NotFound(what) => tonic::Status::not_found(format!("{what} not found")),
        other => tonic::Status::invalid_argument(other.to_string()),
    }
}

type Handler<Req, Resp> = dyn Fn(&Shared, Req) -> Result<Resp, tonic::Status> + Send + Sync;

/// One unary gRPC method: decodes `Req` (bounded), runs the handler, encodes `Resp`.
struct Unary<Req, Resp> {
    shared: Shared,
    f: Arc<Handler<Req, Resp>>,
    _p: PhantomData<fn(Req) -> Resp>,
}

impl<Req, Resp> Clone for Unary<Req, Resp> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            f: self.f.clone(),
            _p: PhantomData,
        }
    }
}

struct Call<Req, Resp>(Unary<Req, Resp>);

impl<Req, Resp> tonic::server::UnaryService<Req> for Call<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    type Response = Resp;
    type Future = std::future::Ready<Result<tonic::Response<Resp>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<Req>) -> Self::Future {
        std::future::ready(
            (self.0.f)(&self.0.shared, request.into_inner()).map(tonic::Response::new),
        )
    }
}

impl<Req, Resp> tower_service::Service<axum::extract::Request> for Unary<Req, Resp>
where
    Req: prost::Message + Default + Send + Sync + 'static,
    Resp: prost::Message + Send + Sync + 'static,
{
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        let me = self.clone();
        Box::pin(async move {
            let mut grpc =
                tonic::server::Grpc::new(tonic_prost::ProstCodec::<Resp, Req>::default())
                    .max_decoding_message_size(MAX_REQUEST_BYTES);
            Ok(grpc.unary(Call(me), req).await.into_response())
        })
    }
}

fn unary<Req, Resp>(
    router: axum::Router,
    shared: &Shared,
    path: &'static str,
    f: impl Fn(&Shared, Req) -> Result<Resp, tonic::Status> + Send + Sync + 'static,
) -> axum::Router
where
    Req: prost::Message + Default + Send + Sync + 'static,
    Resp: prost::Message + Send + Sync + 'static,
{
    router.route_service(
        path,
        Unary {
            shared: shared.clone(),
            f: Arc::new(f),
            _p: PhantomData,
        },
    )
}

fn tx_response(hash: String, r: Option<Refusal>, gas_wanted: u64, gas_used: u64) -> pc::TxResponse {
    let (codespace, code, log) = match r {
        Some(x) => (x.codespace.to_string(), x.code, x.log),
        None => (String::new(), 0, String::new()),
    };
    pc::TxResponse {
        txhash: hash,
        codespace,
        code,
        raw_log: log,
        gas_wanted: i64::try_from(gas_wanted).unwrap_or(i64::MAX),
        gas_used: i64::try_from(gas_used).unwrap_or(i64::MAX),
        ..pc::TxResponse::default()
    }
}

/// The gRPC services, one route per method path. [CHAIN-DEVNET-4]
pub(super) fn grpc_router(shared: &Shared) -> axum::Router {
    let q = |s: &Shared| s.chain.clone();
    let r = axum::Router::new();
    let r = unary(
        r,
        shared,
        paths::SESSION_GET_SESSION,
        move |s, req: pp::QueryGetSessionRequest| {
            q(s).with_node(|n| n.get_session(&req)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SESSION_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::session_params)),
    );
    let r = unary(
        r,
        shared,
        paths::SHARED_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(|n| n.shared_params(n.height()))),
    );
    let r = unary(
        r,
        shared,
        paths::SHARED_PARAMS_AT_HEIGHT,
        |s, req: pp::QueryParamsAtHeightRequest| {
            Ok(s.chain.with_node(|n| n.shared_params(req.height)))
        },
    );
    let r = unary(
        r,
        shared,
        paths::APPLICATION,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.application(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::GATEWAY,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.gateway(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SUPPLIER,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.supplier(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SERVICE,
        |s, req: pp::QueryGetServiceRequest| {
            s.chain.with_node(|n| n.service(&req.id)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::DIFFICULTY_AT_HEIGHT,
        |s, req: pp::QueryDifficultyAtHeightRequest| {
            s.chain.with_node(|n| n.difficulty_at(&req)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::PROOF_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::proof_params)),
    );
    let r = unary(
        r,
        shared,
        paths::TOKENOMICS_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::tokenomics_params)),
    );
    let r = unary(
        r,
        shared,
        paths::CLAIM,
        |s, req: pp::QueryGetClaimRequest| s.chain.with_node(|n| n.claim(&req)).map_err(status),
    );
    let r = unary(
        r,
        shared,
        paths::ALL_CLAIMS,
        |s, req: pp::QueryAllClaimsRequest| Ok(s.chain.with_node(|n| n.all_claims(&req))),
    );
    let r = unary(
        r,
        shared,
        paths::AUTH_ACCOUNT,
        |s, req: pc::QueryAccountRequest| {
            s.chain
                .with_node(|n| n.account(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::BANK_BALANCE,
        |s, req: pc::QueryBalanceRequest| s.chain.with_node(|n| n.balance(&req)).map_err(status),
    );
    let r = unary(r, shared, paths::TX_GET, |s, req: pc::GetTxRequest| {
        s.chain.with_node(|n| n.get_tx(&req.hash)).map_err(status)
    });
    let r = unary(
        r,
        shared,
        paths::TX_SIMULATE,
        |s, req: pc::SimulateRequest| {
            s.chain
                .with_node(|n| n.simulate(&req.tx_bytes))
                .map(|gas| pc::SimulateResponse {
                    gas_info: Some(pc::GasInfo {
                        gas_wanted: 0,
                        gas_used: gas,
                    }),
                    result: Some(pc::AbciResult::default()),
                })
                .map_err(|r| tonic::Status::invalid_argument(r.log))
        },
    );
    unary(
        r,
        shared,
        paths::TX_BROADCAST,
        |s, req: pc::BroadcastTxRequest| {
            let r = s.chain.with_node_mut(|n| n.check_tx(&req.tx_bytes));
            Ok(pc::BroadcastTxResponse {
                tx_response: Some(tx_response(
                    r.hash.to_string(),
                    r.refusal,
                    r.gas_wanted,
                    r.gas_used,
                )),
            })
        },
    )
}
