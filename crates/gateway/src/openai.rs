//! The slice of the OpenAI API the gateway speaks: request validation with the offending field
//! named and OpenAI's error object, from [`pokt_openai`] (their one home, shared with the
//! stand-in backend), and the error as an HTTP response. [GW-API-1]

pub use pokt_openai::{ApiError, Endpoint, Validated, validate};

/// An [`ApiError`] as the gateway's HTTP response.
pub trait ErrorResponse {
    /// The HTTP response: the error's status, `Retry-After` when set, OpenAI's error body.
    fn into_response(self) -> axum::response::Response;
}

impl ErrorResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        let status = axum::http::StatusCode::from_u16(self.status)
            .unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
        let mut r = (status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_rate_limit_carries_retry_after() {
        let r = ApiError::rate_limited("requests", "slow down", 7).into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[axum::http::header::RETRY_AFTER], "7");
        let r = ApiError::invalid("model", "no").into_response();
        assert_eq!(r.status(), 400);
        assert!(r.headers().get(axum::http::header::RETRY_AFTER).is_none());
    }
}
