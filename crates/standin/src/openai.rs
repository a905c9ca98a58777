//! The slice of the OpenAI API the hosts speak — request validation naming the field at fault,
//! OpenAI's error object, the text of an answer — from [`pokt_openai`] (its one home, shared
//! with the gateway), and the stand-in backend's tokenizer.

pub use pokt_openai::{ApiError, Endpoint, Validated, completion_text, validate};

/// The stand-in backend's tokenizer: a token is a run of letters or digits, or any other single
/// non-space character (so "Hello, world!" is 4 tokens). Deterministic and dependency-free; real
/// models count differently, which is why the relay miner meters what the backend reports.
pub fn count_tokens(text: &str) -> u64 {
    let mut n = 0u64;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(count_tokens("Hello, world!"), 4);
        assert_eq!(count_tokens(""), 0);
        assert_eq!(count_tokens("  a  b12 c-d "), 5);
    }
}
