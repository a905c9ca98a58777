//! Request validation: the body of `POST /v1/chat/completions` or `POST /v1/completions`, with the
//! field at fault named.

use serde_json::Value;

use crate::ApiError;

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

/// Validates a request body for `endpoint`: a JSON object with a non-empty string `model`;
/// `messages` (chat: a non-empty array of `{role, content}` with string role and string content)
/// or `prompt` (completions: a non-empty string array, or a string); optional boolean `stream`,
/// positive integer `max_tokens` (or `max_completion_tokens`). Other fields pass through in
/// [`Validated::body`] unchecked.
///
/// # Errors
///
/// A `400 invalid_request_error` [`ApiError`] whose `param` names the first field at fault:
/// `body` (not JSON, not an object), `model`, `stream`, `max_tokens`, `messages`,
/// `messages[i].role`, `messages[i].content` or `prompt`.
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
