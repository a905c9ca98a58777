//! The slice of the OpenAI API the gateway speaks: request validation with the offending field
//! named, and OpenAI's error object (`{"error": {"message", "type", "param", "code"}}`).
//! [GW-API-1]

use serde_json::{Value, json};

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/chat/completions`.
    Chat,
    /// `POST /v1/completions`.
    Completions,
}

impl Endpoint {
    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            Self::Chat => "/v1/chat/completions",
            Self::Completions => "/v1/completions",
        }
    }
}

/// A validated request: the model, the prompt text (for token counting), whether it streams and
/// the body as received.
#[derive(Clone, Debug, PartialEq)]
pub struct Validated {
    /// `model`.
    pub model: String,
    /// The prompt (chat messages joined by newlines).
    pub prompt: String,
    /// `stream`.
    pub stream: bool,
    /// `max_tokens` (or `max_completion_tokens`) if given.
    pub max_tokens: Option<u64>,
    /// The body.
    pub body: Value,
}

/// A request the API refuses: HTTP status, message and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// What is wrong.
    pub message: String,
    /// The field (`param` in OpenAI's error object), if one is at fault.
    pub param: Option<String>,
    /// OpenAI's error `type`.
    pub kind: &'static str,
    /// OpenAI's error `code` (`invalid_api_key`, `rate_limit_exceeded`, `model_not_found`, …).
    pub code: Option<&'static str>,
    /// Seconds after which a retry may succeed (`Retry-After`), for `429`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A 400 for `param`.
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
            param: Some(param.into()),
            kind: "invalid_request_error",
            code: None,
            retry_after: None,
        }
    }

    /// Any other failure.
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

    /// `401`: the API key is missing or unknown. [GW-ACCESS-1]
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            code: Some("invalid_api_key"),
            ..Self::new(401, "invalid_request_error", message)
        }
    }

    /// `429` with `Retry-After`: a per-key limit is reached. `kind` is `requests` or `tokens`,
    /// as OpenAI types them. [GW-ACCESS-2]
    pub fn rate_limited(kind: &'static str, message: impl Into<String>, retry_after: u64) -> Self {
        Self {
            code: Some("rate_limit_exceeded"),
            retry_after: Some(retry_after),
            ..Self::new(429, kind, message)
        }
    }

    /// `404`: no service of this gateway serves the model, or the key may not use it.
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

    /// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}})
    }

    /// The HTTP response: status, `Retry-After` when set, the error body.
    pub fn into_response(self) -> axum::response::Response {
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

/// Validates a request body for `endpoint`: a JSON object with a non-empty string `model`;
/// `messages` (chat: a non-empty array of `{role, content}` with string role and string content)
/// or `prompt` (completions: a string or an array of strings); optional boolean `stream`, positive
/// integer `max_tokens`.
pub fn validate(endpoint: Endpoint, body: &[u8]) -> Result<Validated, ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid("body", format!("request body is not JSON: {e}")))?;
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::invalid("body", "request body must be a JSON object"))?;
    let model = match o.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "model",
                "`model` must be a non-empty string",
            ));
        }
        None => return Err(ApiError::invalid("model", "`model` is required")),
    };
    let stream = match o.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("stream", "`stream` must be a boolean")),
    };
    let max_tokens = match o
        .get("max_tokens")
        .or_else(|| o.get("max_completion_tokens"))
    {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(k) if k > 0 => Some(k),
            _ => {
                return Err(ApiError::invalid(
                    "max_tokens",
                    "`max_tokens` must be a positive integer",
                ));
            }
        },
        Some(_) => {
            return Err(ApiError::invalid(
                "max_tokens",
                "`max_tokens` must be a positive integer",
            ));
        }
    };
    let prompt = match endpoint {
        Endpoint::Chat => {
            let msgs = match o.get("messages") {
                Some(Value::Array(a)) if !a.is_empty() => a,
                Some(_) => {
                    return Err(ApiError::invalid(
                        "messages",
                        "`messages` must be a non-empty array",
                    ));
                }
                None => return Err(ApiError::invalid("messages", "`messages` is required")),
            };
            let mut parts = Vec::new();
            for (i, m) in msgs.iter().enumerate() {
                let role = m.get("role").and_then(Value::as_str);
                let content = m.get("content").and_then(Value::as_str);
                match (role, content) {
                    (Some(_), Some(c)) => parts.push(c.to_string()),
                    (None, _) => {
                        return Err(ApiError::invalid(
                            &format!("messages[{i}].role"),
                            "each message needs a string `role`",
                        ));
                    }
                    (_, None) => {
                        return Err(ApiError::invalid(
                            &format!("messages[{i}].content"),
                            "each message needs a string `content`",
                        ));
                    }
                }
            }
            parts.join("\n")
        }
        Endpoint::Completions => match o.get("prompt") {
            Some(Value::String(p)) => p.clone(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) && !a.is_empty() => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            Some(_) => {
                return Err(ApiError::invalid(
                    "prompt",
                    "`prompt` must be a string or an array of strings",
                ));
            }
            None => return Err(ApiError::invalid("prompt", "`prompt` is required")),
        },
    };
    Ok(Validated {
        model,
        prompt,
        stream,
        max_tokens,
        body: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let bad = |e: Endpoint, b: &str| validate(e, b.as_bytes()).unwrap_err().param;
        assert_eq!(bad(Endpoint::Chat, "nope"), Some("body".into()));
        assert_eq!(bad(Endpoint::Chat, "[]"), Some("body".into()));
        assert_eq!(
            bad(Endpoint::Chat, r#"{"messages":[]}"#),
            Some("model".into())
        );
        assert_eq!(
            bad(Endpoint::Chat, r#"{"model":"m","messages":[]}"#),
            Some("messages".into())
        );
        assert_eq!(
            bad(
                Endpoint::Chat,
                r#"{"model":"m","messages":[{"role":"user"}]}"#
            ),
            Some("messages[0].content".into())
        );
        assert_eq!(
            bad(
                Endpoint::Chat,
                r#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#
            ),
            Some("stream".into())
        );
        assert_eq!(
            bad(Endpoint::Completions, r#"{"model":"m","prompt":5}"#),
            Some("prompt".into())
        );
        assert_eq!(
            bad(
                Endpoint::Completions,
                r#"{"model":"m","prompt":"x","max_tokens":0}"#
            ),
            Some("max_tokens".into())
        );
        let ok = validate(
            Endpoint::Chat,
            br#"{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"stream":true,"max_tokens":5}"#,
        )
        .unwrap();
        assert_eq!(
            (ok.prompt.as_str(), ok.stream, ok.max_tokens),
            ("be brief\nhi", true, Some(5))
        );
    }
}
