//! The relay handler's named steps, each testable apart: **decode** → **accept** → **meter** →
//! **forward** → **sign** → **mine**. The HTTP handler ([`crate::RelayMiner`]) only strings them
//! together. [RM-STEPS-1]

use std::time::Duration;

use axum::http::StatusCode;
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, TokenMetered, WeightPolicy};
use pokt_primitives::{
    Address, BlockHeight, BlockInterval, ComputeUnits, HttpHeader, HttpHeaders, Message,
    PoktHttpRequest, PoktHttpResponse, Relay, RelayRequest, RelayResponse, SessionHeader,
};
use pokt_relay::llm::sign_http_response;
use pokt_relay::{AcceptanceContext, AcceptedRelay, PreparedRing, Rejection, accept_relay};

/// A relay the miner does not serve (or could not serve): the HTTP status, a stable `code`, the
/// error `type` (`relay_rejected`, `backend_error`, `over_budget`, `unavailable`) and a message.
/// Answered as `{"error": {"message", "type", "code"}}`. [RM-STEPS-2]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// The error type.
    pub kind: &'static str,
    /// A stable code (also the `reason` label of the refusal metric).
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

impl Refusal {
    /// A refusal of the relay itself (400 unless said otherwise).
    pub fn rejected(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "relay_rejected",
            code,
            message: message.into(),
        }
    }

    /// The backend failed; the relay is not mined (the application is not charged).
    pub fn backend(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind: "backend_error",
            code,
            message: message.into(),
        }
    }

    /// The body `{"error": {"message", "type", "code"}}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": {"message": self.message, "type": self.kind, "code": self.code}})
    }
}

/// **decode**: the request body as a `RelayRequest` with a session header.
pub fn decode(body: &[u8]) -> Result<RelayRequest, Refusal> {
    let req = RelayRequest::decode(body).map_err(|e| {
        Refusal::rejected(
            "malformed_relay",
            format!("relay request does not decode: {e}"),
        )
    })?;
    if req.meta.session_header.is_none() {
        return Err(Refusal::rejected(
            "no_session_header",
            "relay request has no session header",
        ));
    }
    Ok(req)
}

/// What acceptance needs of the relay's session, as the chain has it.
#[derive(Clone, Debug)]
pub struct SessionView<'a> {
    /// The chain's session header.
    pub header: &'a SessionHeader,
    /// The session's suppliers.
    pub suppliers: &'a [Address],
    /// The application's ring at the session end.
    pub ring: &'a PreparedRing,
    /// `grace_period_end_offset_blocks` in force at the session end.
    pub grace: u64,
}

/// The stable code of an acceptance rule's refusal.
pub fn rejection_code(r: &Rejection) -> (&'static str, StatusCode) {
    match r {
        Rejection::SessionExpired { .. } => ("session_expired", StatusCode::BAD_REQUEST),
        Rejection::SessionNotStarted { .. } => ("session_not_started", StatusCode::BAD_REQUEST),
        Rejection::HeaderMismatch { .. } => ("session_mismatch", StatusCode::BAD_REQUEST),
        Rejection::SupplierNotInSession => ("supplier_not_in_session", StatusCode::BAD_REQUEST),
        Rejection::NotOurSupplier => ("not_our_supplier", StatusCode::BAD_REQUEST),
        Rejection::Signature(_) => ("bad_signature", StatusCode::UNAUTHORIZED),
        _ => ("rejected", StatusCode::BAD_REQUEST),
    }
}

/// **accept**: pokt-relay's acceptance rules (session, window, supplier, ring signature) against
/// the chain's session at `height`, for the suppliers in `own`.
pub fn accept(
    req: RelayRequest,
    view: &SessionView<'_>,
    height: i64,
    own: &[Address],
) -> Result<AcceptedRelay, Refusal> {
    let ctx = AcceptanceContext {
        current_height: BlockHeight::new(height),
        grace_period_end_offset_blocks: BlockInterval::new(view.grace),
        session_header: view.header,
        session_suppliers: view.suppliers,
        expected_ring: view.ring,
        own_suppliers: own,
    };
    accept_relay(req, &ctx).map_err(|r| {
        let (code, status) = rejection_code(&r);
        Refusal {
            status,
            ..Refusal::rejected(code, r.to_string())
        }
    })
}

/// Fixed compute units (POKT) or the token-metered extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostPolicy {
    /// POKT's fixed compute units per relay.
    Fixed(FixedComputeUnits),
    /// Token-metered compute units (extension).
    Metered(TokenMetered),
}

impl HostPolicy {
    /// What a relay is expected to weigh before its answer is known (the fixed units, or the
    /// token pricing's base).
    pub fn estimate(&self) -> u64 {
        match self {
            Self::Fixed(p) => p.per_relay().get(),
            Self::Metered(p) => p.pricing().base_compute_units.get(),
        }
    }
}

impl WeightPolicy for HostPolicy {
    fn weight(&self, relay: &Relay) -> ComputeUnits {
        match self {
            Self::Fixed(p) => p.weight(relay),
            Self::Metered(p) => p.weight(relay),
        }
    }
    fn try_weight(&self, relay: &Relay) -> Option<ComputeUnits> {
        match self {
            Self::Fixed(p) => p.try_weight(relay),
            Self::Metered(p) => p.try_weight(relay),
        }
    }
    fn keeps_payload(&self) -> bool {
        matches!(self, Self::Metered(_))
    }
}

/// The over-servicing meter of one (session, supplier): compute units served so far against the
/// budget the application's stake allows. [RM-METER-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meter {
    /// Compute units the budget allows (`u128::MAX`: unmetered).
    pub budget_cu: u128,
    /// Compute units reserved or served.
    pub used_cu: u128,
}

impl Meter {
    /// **meter**: reserves `cu` for a relay about to be served, or refuses when the budget would
    /// be exceeded.
    pub fn reserve(&mut self, cu: u64) -> Result<(), Refusal> {
        let next = self.used_cu.saturating_add(u128::from(cu));
        if next > self.budget_cu {
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                kind: "over_budget",
                code: "application_over_budget",
                message: format!(
                    "the application's stake covers {} compute units for this supplier in this \
                     session (overservicing allowance included); {} are used, this relay needs {cu}",
                    self.budget_cu, self.used_cu
                ),
            });
        }
        self.used_cu = next;
        Ok(())
    }

    /// Corrects a reservation of `reserved` to the relay's real weight `actual` (0 when the relay
    /// was not served).
    pub fn settle(&mut self, reserved: u64, actual: u64) {
        self.used_cu = self
            .used_cu
            .saturating_sub(u128::from(reserved))
            .saturating_add(u128::from(actual));
    }
}

/// The compute units an application's stake pays one supplier of one session: stake ÷ pending
/// sessions ÷ suppliers in the session (settlement's floor), × the overservicing bonus multiplier,
/// × (100 + allowance) %, converted at the compute-unit price (`compute_units_to_tokens_multiplier
/// / compute_unit_cost_granularity` uPOKT per compute unit). [RM-METER-1]
pub fn budget_compute_units(
    stake_upokt: u64,
    pending_sessions: u64,
    suppliers: u64,
    overservicing_multiplier: u64,
    allowance_percent: u64,
    cu_to_tokens_multiplier: u64,
    cu_cost_granularity: u64,
) -> u128 {
    if cu_to_tokens_multiplier == 0 {
        return u128::MAX;
    }
    let floor = u128::from(stake_upokt)
        / u128::from(pending_sessions.max(1))
        / u128::from(suppliers.max(1));
    let upokt = floor
        .saturating_mul(u128::from(overservicing_multiplier.max(1)))
        .saturating_mul(100 + u128::from(allowance_percent))
        / 100;
    upokt.saturating_mul(u128::from(cu_cost_granularity.max(1)))
        / u128::from(cu_to_tokens_multiplier)
}

/// The request a relay carries, and the backend URL it goes to (the base URL plus the path of the
/// request's URL; nothing else of the URL is used).
pub fn backend_request(
    accepted: &AcceptedRelay,
    backend: &str,
) -> Result<(PoktHttpRequest, String), Refusal> {
    let http_req = PoktHttpRequest::decode(&accepted.request().payload).map_err(|e| {
        Refusal::rejected(
            "malformed_payload",
            format!("payload is not an HTTP request: {e}"),
        )
    })?;
    let path = match http_req.url.find("://") {
        Some(i) => http_req.url[i + 3..]
            .find('/')
            .map_or("/", |j| &http_req.url[i + 3 + j..])
            .to_string(),
        None => http_req.url.clone(),
    };
    let url = format!("{}{}", backend.trim_end_matches('/'), path);
    Ok((http_req, url))
}

/// The backend's answer.
#[derive(Debug)]
pub enum Answer {
    /// A whole answer: status, content type and body.
    Whole {
        /// HTTP status.
        status: u16,
        /// Content type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
    /// A server-sent-event stream (signed in batches as it arrives).
    Stream {
        /// HTTP status.
        status: u16,
        /// The response, body unread.
        response: reqwest::Response,
    },
}

/// **forward**: sends the relay's HTTP request to the backend and reads its answer (bounded in
/// time and size). A timeout, a transport error, an oversized answer or a 2xx answer that is not
/// JSON is a [`Refusal`] of type `backend_error`: the relay is not mined.
pub async fn forward(
    http: &reqwest::Client,
    req: &PoktHttpRequest,
    url: &str,
    timeout: Duration,
    max_body: usize,
) -> Result<Answer, Refusal> {
    let method =
        reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut fwd = http.request(method, url).body(req.body.clone());
    for h in req.header.values() {
        if h.key.eq_ignore_ascii_case("content-type") || h.key.eq_ignore_ascii_case("accept") {
            for v in &h.values {
                fwd = fwd.header(h.key.as_str(), v.as_str());
            }
        }
    }
    let resp = match tokio::time::timeout(timeout, fwd.send()).await {
        Err(_) => {
            return Err(Refusal::backend(
                StatusCode::GATEWAY_TIMEOUT,
                "backend_timeout",
                format!("backend did not answer within {timeout:?}; relay not mined"),
            ));
        }
        Ok(Err(e)) => {
            return Err(Refusal::backend(
                StatusCode::BAD_GATEWAY,
                "backend_unreachable",
                format!("backend request failed: {e}; relay not mined"),
            ));
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    if content_type.starts_with("text/event-stream") {
        return Ok(Answer::Stream {
            status,
            response: resp,
        });
    }
    let body = match tokio::time::timeout(timeout, read_capped(resp, max_body)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            return Err(Refusal::backend(
                StatusCode::BAD_GATEWAY,
                "backend_body",
                format!("{e}; relay not mined"),
            ));
        }
        Err(_) => {
            return Err(Refusal::backend(
                StatusCode::GATEWAY_TIMEOUT,
                "backend_timeout",
                "backend answer timed out; relay not mined",
            ));
        }
    };
    if (200..300).contains(&status) && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return Err(Refusal::backend(
            StatusCode::BAD_GATEWAY,
            "backend_garbage",
            "backend answered 2xx with a body that is not JSON; relay not mined",
        ));
    }
    Ok(Answer::Whole {
        status,
        content_type,
        body,
    })
}

/// Reads an HTTP body, refusing one longer than `cap` bytes (a peer's length is never trusted).
pub async fn read_capped(resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    let mut s = resp.bytes_stream();
    while let Some(chunk) = s.next().await {
        let c = chunk.map_err(|e| format!("body: {e}"))?;
        if out.len() + c.len() > cap {
            return Err(format!("body larger than {cap} bytes"));
        }
        out.extend_from_slice(&c);
    }
    Ok(out)
}

/// **sign**: the supplier-signed response to a whole answer.
pub fn sign(
    header: &SessionHeader,
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    key: &SigningKey,
) -> RelayResponse {
    let mut hdrs = HttpHeaders::new();
    hdrs.insert(
        "Content-Type".into(),
        HttpHeader {
            key: "Content-Type".into(),
            values: vec![content_type.to_string()],
        },
    );
    let http = PoktHttpResponse {
        status_code: u32::from(status),
        header: hdrs,
        body,
    };
    sign_http_response(header, &http, key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decode_refuses_garbage_and_headerless() {
        assert_eq!(decode(b"\xff\xff").unwrap_err().code, "malformed_relay");
        let empty = RelayRequest::default().encode();
        assert_eq!(decode(&empty).unwrap_err().code, "no_session_header");
    }

    #[test]
    fn meter_refuses_beyond_budget_and_settles() {
        let mut m = Meter {
            budget_cu: 250,
            used_cu: 0,
        };
        m.reserve(100).unwrap();
        m.reserve(100).unwrap();
        let e = m.reserve(100).unwrap_err();
        assert_eq!(
            (e.code, e.status),
            ("application_over_budget", StatusCode::TOO_MANY_REQUESTS)
        );
        m.settle(100, 0); // a failed relay gives its reservation back
        m.reserve(100).unwrap();
    }

    #[test]
    fn budget() {
        // 5e9 uPOKT stake, 2 pending sessions, 3 suppliers: floor 833,333,333 uPOKT; at 42 uPOKT
        // per CU (multiplier 42e6, granularity 1e6), that is 833,333,333 / 42 CU.
        assert_eq!(
            budget_compute_units(5_000_000_000, 2, 3, 1, 0, 42_000_000, 1_000_000),
            833_333_333u128 / 42
        );
        // Multiplier 2 and a 50 % allowance: × 3.
        assert_eq!(budget_compute_units(600, 1, 1, 2, 50, 1, 1), 1_800);
        assert_eq!(budget_compute_units(1, 1, 1, 1, 0, 0, 1), u128::MAX);
    }
}
