//! Checking the usage a supplier signs: token-metered services are paid by the completion tokens
//! the supplier reports, so the gateway recounts them — with the model's tokenizer
//! (`tokenizer.json`, Hugging Face format) when the operator gives one, or else against
//! plausibility bounds — and reports a supplier whose signed count exceeds what it allows.
//! [GW-USAGE-1] [GW-USAGE-2]

use std::path::Path;
use std::sync::Arc;

/// What the recount allows a supplier to sign for one answer.
#[derive(Clone)]
pub struct UsageCheck {
    tokenizer: Option<Arc<tokenizers::Tokenizer>>,
    tolerance: f64,
    slack: u64,
}

impl std::fmt::Debug for UsageCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageCheck")
            .field("tokenizer", &self.tokenizer.is_some())
            .field("tolerance", &self.tolerance)
            .field("slack", &self.slack)
            .finish()
    }
}

/// The check's finding about one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Completion tokens the supplier signed.
    pub signed: u64,
    /// The tokenizer's count of the answer's text, when there is a tokenizer.
    pub recount: Option<u64>,
    /// The most the check allows.
    pub allowed: u64,
}

impl Verdict {
    /// Whether the signed count exceeds what is allowed.
    pub fn inflated(&self) -> bool {
        self.signed > self.allowed
    }
}

/// Why a tokenizer file is refused.
#[derive(Debug, thiserror::Error)]
#[error("tokenizer {path}: {message}")]
pub struct TokenizerError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl UsageCheck {
    /// A check by plausibility bounds only: a token covers at least one byte of the text, and no
    /// answer has more tokens than the request's `max_tokens`. [GW-USAGE-2]
    pub fn bounds(tolerance: f64, slack: u64) -> Self {
        Self {
            tokenizer: None,
            tolerance,
            slack,
        }
    }

    /// A check recounting with the tokenizer in `path` (a Hugging Face `tokenizer.json`).
    /// [GW-USAGE-1]
    pub fn with_tokenizer(path: &Path, tolerance: f64, slack: u64) -> Result<Self, TokenizerError> {
        let t = tokenizers::Tokenizer::from_file(path).map_err(|e| TokenizerError {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            tokenizer: Some(Arc::new(t)),
            tolerance,
            slack,
        })
    }

    /// Whether a tokenizer recounts.
    pub fn has_tokenizer(&self) -> bool {
        self.tokenizer.is_some()
    }

    /// Tokens of `text` by the tokenizer (without special tokens), if there is one.
    pub fn count(&self, text: &str) -> Option<u64> {
        let t = self.tokenizer.as_ref()?;
        let e = t.encode(text, false).ok()?;
        u64::try_from(e.len()).ok()
    }

    /// Judges `signed` completion tokens for an answer whose text is `text`, requested with
    /// `max_tokens`. [GW-USAGE-1] [GW-USAGE-2]
    pub fn judge(&self, signed: u64, text: &str, max_tokens: Option<u64>) -> Verdict {
        let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
        let recount = self.count(text);
        let by_text = match recount {
            Some(n) => {
                #[allow(
                    clippy::cast_precision_loss,
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss
                )]
                let tolerated = (n as f64 * (1.0 + self.tolerance)).ceil() as u64;
                tolerated.min(bytes)
            }
            None => bytes,
        };
        let mut allowed = by_text.saturating_add(self.slack);
        if let Some(m) = max_tokens {
            allowed = allowed.min(m.saturating_add(self.slack));
        }
        Verdict {
            signed,
            recount,
            allowed,
        }
    }
}

/// The completion text of an OpenAI-compatible answer (JSON or a server-sent-event stream):
/// [`pokt_openai::completion_text`].
pub use pokt_openai::completion_text;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A word-level tokenizer splitting like BERT (whitespace, each punctuation mark alone).
    pub(crate) fn word_tokenizer() -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("pokt-gw-tok-{}.json", std::process::id()));
        let json = serde_json::json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [],
            "normalizer": null,
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": null,
            "decoder": null,
            "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "relay": 1, ".": 2}, "unk_token": "[UNK]"}
        });
        std::fs::write(&p, json.to_string()).unwrap();
        p
    }

    #[test]
    fn the_tokenizer_recounts() {
        let c = UsageCheck::with_tokenizer(&word_tokenizer(), 0.1, 2).unwrap();
        assert_eq!(c.count("relay mining, proofs."), Some(5));
        let v = c.judge(5, "relay mining, proofs.", None);
        assert_eq!((v.recount, v.allowed, v.inflated()), (Some(5), 8, false));
        assert!(c.judge(9, "relay mining, proofs.", None).inflated());
        // max_tokens bounds the answer whatever its text.
        assert!(c.judge(6, "relay mining, proofs.", Some(3)).inflated());
    }

    #[test]
    fn bounds_without_a_tokenizer() {
        let c = UsageCheck::bounds(0.05, 4);
        let v = c.judge(12, "twelve bytes", None);
        assert_eq!((v.recount, v.allowed, v.inflated()), (None, 16, false));
        assert!(c.judge(17, "twelve bytes", None).inflated());
        assert!(c.judge(10, "twelve bytes", Some(5)).inflated());
    }

    #[test]
    fn a_bad_tokenizer_file_is_refused() {
        let p = std::env::temp_dir().join(format!("pokt-gw-badtok-{}.json", std::process::id()));
        std::fs::write(&p, "{}").unwrap();
        assert!(UsageCheck::with_tokenizer(&p, 0.1, 2).is_err());
    }
}
