//! LLM relays (extensions, opt-in): compute units metered by the tokens a supplier reports in its
//! signed response, and streamed responses signed in batches. Neither changes a POKT-compatible
//! relay; both are specified in spec/llm.md.
//!
//! - **Token-metered compute units** [LLM-METER-1]: an OpenAI-compatible response reports
//!   `usage.prompt_tokens` and `usage.completion_tokens`. A service priced by
//!   [`TokenPricing`] weighs a relay `base + prompt × per_prompt + completion × per_completion`
//!   compute units, read from the response the supplier signed ([`response_usage`]).
//! - **Signed stream batches** [LLM-STREAM-1]: a streamed answer (server-sent events, one event
//!   per line) is cut into batches by age, size and line count ([`StreamBatcher`], the HA relay
//!   miner's thresholds); each batch is a signed `RelayResponse` whose payload is a
//!   `PoktHttpResponse` carrying the batch's lines, followed by [`STREAM_DELIMITER`]. The gateway
//!   splits the stream ([`StreamSplitter`]) and verifies every batch ([`verify_stream_batch`])
//!   before forwarding its lines.

use alloc::vec::Vec;

use pokt_crypto::{RelaySigner, RelayVerifier};
use pokt_primitives::{
    ComputeUnits, HttpHeaders, Message, PoktHttpResponse, RelayResponse, RelayResponseMetadata,
    SessionHeader,
};

use crate::sign::{RelayError, sign_response, verify_response};

/// Tokens an OpenAI-compatible response reports.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Usage {
    /// Tokens of the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
}

#[derive(serde::Deserialize)]
struct WithUsage {
    #[serde(default)]
    usage: Option<Usage>,
}

/// The usage reported by a response body: a JSON object's `usage`, or, for a server-sent-event
/// stream, the last `data:` event that carries one. `None` when there is none. [LLM-METER-1]
pub fn usage_from_body(body: &[u8]) -> Option<Usage> {
    if let Ok(w) = serde_json::from_slice::<WithUsage>(body) {
        return w.usage;
    }
    // The last event with a usage wins: scan from the end (usage comes last in practice).
    for line in body.rsplit(|b| *b == b'\n') {
        let Some(data) = line.strip_prefix(b"data:") else {
            continue;
        };
        let data = data.trim_ascii();
        if data == b"[DONE]" {
            continue;
        }
        if let Ok(WithUsage { usage: Some(u) }) = serde_json::from_slice::<WithUsage>(data) {
            return Some(u);
        }
    }
    None
}

/// The usage in a signed response: its payload decoded as a `PoktHttpResponse`, the body's usage
/// ([`usage_from_body`]). `None` when the payload is not an HTTP response or reports no usage.
pub fn response_usage(res: &RelayResponse) -> Option<Usage> {
    let http = PoktHttpResponse::decode(&res.payload).ok()?;
    usage_from_body(&http.body)
}

/// A service's token pricing (extension): compute units per relay from its usage. [LLM-METER-1]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct TokenPricing {
    /// Compute units every relay costs, usage or not.
    pub base_compute_units: ComputeUnits,
    /// Compute units per prompt token.
    pub per_prompt_token: ComputeUnits,
    /// Compute units per completion token.
    pub per_completion_token: ComputeUnits,
}

impl TokenPricing {
    /// `base + prompt × per_prompt + completion × per_completion`; a response without usage
    /// weighs `base`. `None` when the sum does not fit in a `u64` (the relay is then not mined).
    pub fn compute_units(&self, usage: Option<Usage>) -> Option<ComputeUnits> {
        let Some(u) = usage else {
            return Some(self.base_compute_units);
        };
        self.per_prompt_token
            .checked_mul(u.prompt_tokens)?
            .checked_add(self.per_completion_token.checked_mul(u.completion_tokens)?)?
            .checked_add(self.base_compute_units)
    }
}

/// The bytes that end every signed batch of a stream (the HA relay miner's framing).
pub const STREAM_DELIMITER: &[u8] = b"||POKT_STREAM||";

/// When a stream batch is signed and sent. [LLM-STREAM-1]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    /// Oldest line's age before the batch is sent, in milliseconds.
    pub max_age_ms: u64,
    /// Bytes before the batch is sent.
    pub max_bytes: usize,
    /// Lines before the batch is sent.
    pub max_lines: usize,
}

impl BatchLimits {
    /// The HA relay miner's thresholds: 100 ms, 100 KiB, 100 lines.
    pub const HA_RELAY_MINER: Self = Self {
        max_age_ms: 100,
        max_bytes: 100 * 1024,
        max_lines: 100,
    };
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self::HA_RELAY_MINER
    }
}

/// Accumulates a stream's lines into batches. Pure: the host passes the time. [LLM-STREAM-1]
#[derive(Clone, Debug, Default)]
pub struct StreamBatcher {
    limits: BatchLimits,
    body: Vec<u8>,
    lines: usize,
    started_ms: u64,
}

impl StreamBatcher {
    /// An empty batcher.
    pub fn new(limits: BatchLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Adds one line (a newline is appended when missing); returns the batch's body when a
    /// threshold is reached.
    pub fn push_line(&mut self, line: &[u8], now_ms: u64) -> Option<Vec<u8>> {
        if self.lines == 0 {
            self.started_ms = now_ms;
        }
        self.body.extend_from_slice(line);
        if line.last() != Some(&b'\n') {
            self.body.push(b'\n');
        }
        self.lines = self.lines.saturating_add(1);
        if self.lines >= self.limits.max_lines || self.body.len() >= self.limits.max_bytes {
            return self.take();
        }
        self.tick(now_ms)
    }

    /// The batch's body when its oldest line is at least `max_age_ms` old.
    pub fn tick(&mut self, now_ms: u64) -> Option<Vec<u8>> {
        if self.lines > 0 && now_ms.saturating_sub(self.started_ms) >= self.limits.max_age_ms {
            return self.take();
        }
        None
    }

    /// The last batch, if any lines are left.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        self.take()
    }

    /// Whether lines are waiting.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    fn take(&mut self) -> Option<Vec<u8>> {
        if self.lines == 0 {
            return None;
        }
        self.lines = 0;
        Some(core::mem::take(&mut self.body))
    }
}

/// The supplier's signed answer carrying `http`: a `RelayResponse` for the session of `header`
/// whose payload is the encoded `PoktHttpResponse`, with its payload hash and signature
/// (RELAY-SIGN-2).
pub fn sign_http_response<S: RelaySigner>(
    header: &SessionHeader,
    http: &PoktHttpResponse,
    key: &S,
) -> RelayResponse {
    let mut res = RelayResponse {
        meta: RelayResponseMetadata {
            session_header: Some(header.clone()),
            ..RelayResponseMetadata::default()
        },
        payload: http.encode(),
        ..RelayResponse::default()
    };
    sign_response(&mut res, key);
    res
}

/// One signed batch as sent: the encoded `RelayResponse` (header, payload = `PoktHttpResponse`
/// with `status` and the batch's lines, payload hash, supplier signature) followed by
/// [`STREAM_DELIMITER`]. [LLM-STREAM-1]
pub fn sign_stream_batch<S: RelaySigner>(
    header: &SessionHeader,
    status: u32,
    body: Vec<u8>,
    key: &S,
) -> Vec<u8> {
    let http = PoktHttpResponse {
        status_code: status,
        header: HttpHeaders::default(),
        body,
    };
    let mut out = sign_http_response(header, &http, key).encode();
    out.extend_from_slice(STREAM_DELIMITER);
    out
}

/// Why a stream batch was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The batch is not an encoded `RelayResponse`, or its payload not a `PoktHttpResponse`.
    #[error("stream batch does not decode: {0}")]
    Decode(pokt_primitives::DecodeError),
    /// The batch names another session.
    #[error("stream batch is for another session")]
    Session,
    /// The supplier's signature or the payload hash does not check out.
    #[error("stream batch signature: {0}")]
    Signature(RelayError),
    /// More bytes than the limit arrived without a delimiter.
    #[error("stream batch larger than {limit} bytes")]
    TooLarge {
        /// The largest batch accepted, in bytes.
        limit: usize,
    },
}

/// Verifies one batch (without its delimiter) from `supplier` for the session of `header` and
/// returns its HTTP response (status and lines). [LLM-STREAM-1]
pub fn verify_stream_batch<V: RelayVerifier>(
    batch: &[u8],
    header: &SessionHeader,
    supplier: &V,
) -> Result<PoktHttpResponse, StreamError> {
    let res = RelayResponse::decode(batch).map_err(StreamError::Decode)?;
    if res.meta.session_header.as_ref() != Some(header) {
        return Err(StreamError::Session);
    }
    if res.payload.is_empty() {
        return Err(StreamError::Signature(RelayError::PayloadHash));
    }
    verify_response(&res, supplier).map_err(StreamError::Signature)?;
    PoktHttpResponse::decode(&res.payload).map_err(StreamError::Decode)
}

/// Splits a byte stream into batches at [`STREAM_DELIMITER`], holding at most `max_batch` bytes
/// of an unfinished batch (bounded memory against a stream that never delimits).
#[derive(Clone, Debug)]
pub struct StreamSplitter {
    buf: Vec<u8>,
    max_batch: usize,
}

impl StreamSplitter {
    /// A splitter refusing batches longer than `max_batch` bytes.
    pub fn new(max_batch: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_batch,
        }
    }

    /// Feeds bytes; returns the batches completed by them (delimiters removed).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, StreamError> {
        // Only the tail that may hold a delimiter's start needs searching again.
        let from = self
            .buf
            .len()
            .saturating_sub(STREAM_DELIMITER.len().saturating_sub(1));
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut start = 0usize;
        let mut i = from;
        while let Some(rest) = self.buf.get(i..) {
            let Some(at) = find(rest, STREAM_DELIMITER) else {
                break;
            };
            let end = i.saturating_add(at);
            out.push(self.buf.get(start..end).unwrap_or(&[]).to_vec());
            start = end.saturating_add(STREAM_DELIMITER.len());
            i = start;
        }
        self.buf.drain(..start.min(self.buf.len()));
        if self.buf.len() > self.max_batch.saturating_add(STREAM_DELIMITER.len()) {
            return Err(StreamError::TooLarge {
                limit: self.max_batch,
            });
        }
        Ok(out)
    }

    /// At the end of the stream: the bytes after the last delimiter, as a last batch (`None` when
    /// there are none).
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        if self.buf.is_empty() {
            None
        } else {
            Some(core::mem::take(&mut self.buf))
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use pokt_crypto::SigningKey;
    use proptest::prelude::*;

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

    #[test]
    fn usage_from_json_and_from_events() {
        let json = br#"{"id":"x","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}"#;
        assert_eq!(
            usage_from_body(json),
            Some(Usage {
                prompt_tokens: 12,
                completion_tokens: 30
            })
        );
        let sse = b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n";
        assert_eq!(
            usage_from_body(sse),
            Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 7
            })
        );
        // Two events with usage: the last one counts.
        let twice = b"data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: {\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":5}}\n\n";
        assert_eq!(
            usage_from_body(twice),
            Some(Usage {
                prompt_tokens: 2,
                completion_tokens: 5
            })
        );
        assert_eq!(usage_from_body(br#"{"usage":null}"#), None);
        assert_eq!(usage_from_body(b"not json"), None);
        assert_eq!(
            usage_from_body(br#"{"usage":{"prompt_tokens":-1,"completion_tokens":2}}"#),
            None
        );
    }

    #[test]
    fn pricing_is_checked() {
        let p = TokenPricing {
            base_compute_units: ComputeUnits::new(10),
            per_prompt_token: ComputeUnits::new(2),
            per_completion_token: ComputeUnits::new(5),
        };
        let u = |a, b| {
            Some(Usage {
                prompt_tokens: a,
                completion_tokens: b,
            })
        };
        assert_eq!(
            p.compute_units(u(3, 4)),
            Some(ComputeUnits::new(10 + 6 + 20))
        );
        assert_eq!(p.compute_units(None), Some(ComputeUnits::new(10)));
        assert_eq!(p.compute_units(u(u64::MAX, 0)), None);
        assert_eq!(p.compute_units(u(0, u64::MAX / 5 + 1)), None);
    }

    #[test]
    fn batcher_thresholds() {
        let mut b = StreamBatcher::new(BatchLimits {
            max_age_ms: 100,
            max_bytes: 1000,
            max_lines: 3,
        });
        assert_eq!(b.push_line(b"a", 0), None);
        assert_eq!(b.push_line(b"b\n", 10), None);
        assert_eq!(b.push_line(b"c", 20).as_deref(), Some(&b"a\nb\nc\n"[..]));
        assert_eq!(b.push_line(b"d", 200), None);
        assert_eq!(b.tick(299), None);
        assert_eq!(b.tick(300).as_deref(), Some(&b"d\n"[..]));
        assert!(b.is_empty() && b.finish().is_none());
        let mut big = StreamBatcher::new(BatchLimits {
            max_bytes: 4,
            ..BatchLimits::HA_RELAY_MINER
        });
        assert_eq!(big.push_line(b"hello", 0).as_deref(), Some(&b"hello\n"[..]));
        assert_eq!(big.push_line(b"x", 0), None);
        assert_eq!(big.finish().as_deref(), Some(&b"x\n"[..]));
    }

    #[test]
    fn signed_batches_verify_and_forgeries_do_not() {
        let key = SigningKey::from_bytes(&[3; 32]).unwrap();
        let other = SigningKey::from_bytes(&[4; 32]).unwrap();
        let h = header();
        let framed = sign_stream_batch(&h, 200, b"data: hi\n\n".to_vec(), &key);
        assert!(framed.ends_with(STREAM_DELIMITER));
        let batch = &framed[..framed.len() - STREAM_DELIMITER.len()];
        let http = verify_stream_batch(batch, &h, &key.verifying_key()).unwrap();
        assert_eq!(
            (http.status_code, &http.body[..]),
            (200, &b"data: hi\n\n"[..])
        );
        assert!(matches!(
            verify_stream_batch(batch, &h, &other.verifying_key()),
            Err(StreamError::Signature(_))
        ));
        let mut h2 = h.clone();
        h2.session_end_block_height = 11;
        assert_eq!(
            verify_stream_batch(batch, &h2, &key.verifying_key()),
            Err(StreamError::Session)
        );
        // A changed body byte breaks the payload hash.
        let mut res = RelayResponse::decode(batch).unwrap();
        let n = res.payload.len();
        res.payload[n - 2] ^= 1;
        assert!(matches!(
            verify_stream_batch(&res.encode(), &h, &key.verifying_key()),
            Err(StreamError::Signature(RelayError::PayloadHash))
        ));
        assert!(matches!(
            verify_stream_batch(b"\xff\xff", &h, &key.verifying_key()),
            Err(StreamError::Decode(_))
        ));
    }

    /// The seed of the `relay_stream` fuzz target is two batches signed here (signatures are
    /// deterministic, RFC 6979). `POKT_WRITE_SEEDS=1 cargo test -p pokt-relay` rewrites it.
    #[test]
    fn fuzz_seed_is_a_signed_stream() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/relay_stream/signed"
        );
        let key = SigningKey::from_bytes(&[3; 32]).unwrap();
        let h = header();
        let mut s = sign_stream_batch(&h, 200, b"data: {\"choices\":[]}\n\n".to_vec(), &key);
        s.extend(sign_stream_batch(
            &h,
            200,
            b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n".to_vec(),
            &key,
        ));
        if std::env::var_os("POKT_WRITE_SEEDS").is_some() {
            std::fs::write(path, &s).unwrap();
        }
        assert_eq!(std::fs::read(path).unwrap(), s);
    }

    #[test]
    fn splitter_bounds_memory() {
        let mut s = StreamSplitter::new(8);
        assert_eq!(s.push(&[b'x'; 40]), Err(StreamError::TooLarge { limit: 8 }));
    }

    proptest! {
        /// However the framed stream is cut into reads, the splitter returns exactly the batches.
        #[test]
        fn splitter_reassembles(batches in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..6), cuts in proptest::collection::vec(1usize..40, 0..20)) {
            // Batches that contain the delimiter cannot be framed this way (a limit of the framing).
            prop_assume!(batches.iter().all(|b| find(&[&b[..], STREAM_DELIMITER].concat(), STREAM_DELIMITER) == Some(b.len())));
            let mut stream = Vec::new();
            for b in &batches {
                stream.extend_from_slice(b);
                stream.extend_from_slice(STREAM_DELIMITER);
            }
            let mut s = StreamSplitter::new(1 << 16);
            let mut got = Vec::new();
            let mut rest = &stream[..];
            for c in cuts {
                let (a, b) = rest.split_at(c.min(rest.len()));
                got.extend(s.push(a).unwrap());
                rest = b;
            }
            got.extend(s.push(rest).unwrap());
            prop_assert!(s.finish().is_none());
            prop_assert_eq!(got, batches);
        }
    }
}
