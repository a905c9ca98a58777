//! OpenAI's error object with its HTTP status.

use serde_json::{Value, json};

/// A request the API refuses: OpenAI's error object (`{"error": {"message", "type", "param",
/// "code"}}`), the HTTP status that carries it and, for `429`, when to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// What is wrong, for a person.
    pub message: String,
    /// The field at fault (`param` in OpenAI's error object), if one is.
    pub param: Option<String>,
    /// OpenAI's error `type` (`invalid_request_error`, `server_error`, `requests`, `tokens`, …).
    pub kind: &'static str,
    /// OpenAI's error `code` (`invalid_api_key`, `rate_limit_exceeded`, `model_not_found`, …).
    pub code: Option<&'static str>,
    /// Seconds after which a retry may succeed (the `Retry-After` header), for `429`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// `400 invalid_request_error` for the field `param`.
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(400, "invalid_request_error", message)
        }
    }

    /// Any other refusal: `status` with error type `kind`, no field, no code.
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            param: None,
            kind,
            code: None,
            retry_after: None,
        }
    }

    /// `401 invalid_api_key`: the API key is missing or unknown.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            code: Some("invalid_api_key"),
            ..Self::new(401, "invalid_request_error", message)
        }
    }

    /// `429 rate_limit_exceeded` with `Retry-After: retry_after`: a limit is reached. `kind` is
    /// `requests` or `tokens`, as OpenAI types them.
    pub fn rate_limited(kind: &'static str, message: impl Into<String>, retry_after: u64) -> Self {
        Self {
            code: Some("rate_limit_exceeded"),
            retry_after: Some(retry_after),
            ..Self::new(429, kind, message)
        }
    }

    /// `404 model_not_found` for `model` (no such model, or the caller may not use it), in
    /// OpenAI's words.
    pub fn model_not_found(model: &str) -> Self {
        Self {
            code: Some("model_not_found"),
            param: Some("model".into()),
            ..Self::new(
                404,
                "invalid_request_error",
                format!("The model `{model}` does not exist or you do not have access to it."),
            )
        }
    }

    /// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}` (absent `param` and
    /// `code` are `null`).
    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}})
    }
}

impl std::fmt::Display for ApiError {
    /// `status type: message` and the field, e.g. `400 invalid_request_error: … (param model)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.kind, self.message)?;
        if let Some(p) = &self.param {
            write!(f, " (param {p})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_openai_error_objects() {
        let e = ApiError::invalid("model", "`model` is required");
        assert_eq!(
            e.body(),
            json!({"error": {"message": "`model` is required", "type": "invalid_request_error",
                "param": "model", "code": null}})
        );
        assert_eq!(
            e.to_string(),
            "400 invalid_request_error: `model` is required (param model)"
        );
        let r = ApiError::rate_limited("tokens", "slow down", 7);
        assert_eq!(
            (r.status, r.retry_after, r.body()["error"]["code"].as_str()),
            (429, Some(7), Some("rate_limit_exceeded"))
        );
        assert_eq!(r.body()["error"]["type"], "tokens");
        let u = ApiError::unauthorized("no key");
        assert_eq!(
            (u.status, u.code, u.param.as_deref()),
            (401, Some("invalid_api_key"), None)
        );
        let m = ApiError::model_not_found("gpt-x");
        assert_eq!(
            (m.status, m.code, m.param.as_deref()),
            (404, Some("model_not_found"), Some("model"))
        );
        assert!(m.message.contains("`gpt-x`"));
        let s = ApiError::new(503, "server_error", "later");
        assert_eq!(s.body()["error"]["param"], Value::Null);
        assert_eq!(s.to_string(), "503 server_error: later");
    }
}
