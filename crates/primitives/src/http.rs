//! The HTTP payload messages a relay carries for HTTP services (shannon-sdk `sdk.types`):
//! `POKTHTTPRequest{method = 1, header = 2, url = 3, body_bz = 4}` and
//! `POKTHTTPResponse{status_code = 1, header = 2, body_bz = 3}`, where `header` is a
//! `map<string, Header>` and `Header{key = 1, repeated values = 2}`. The protocol treats the
//! payload as opaque bytes; these types let a gateway and a relay miner build and read it.
//! Map entries are written in key order (deterministic). [ENC-HTTP-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::messages::Message;
use crate::proto::{
    DecodeError, Reader, as_bytes, as_string, as_u64, put_bytes, put_message, put_u64,
};

/// One header name with its values (`sdk.types.Header`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpHeader {
    /// The header name (1).
    pub key: String,
    /// Its values in order (2, repeated).
    pub values: Vec<String>,
}

impl Message for HttpHeader {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.key.as_bytes());
        for v in &self.values {
            // Repeated strings are written even when empty.
            put_message(out, 2, v.as_bytes());
        }
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.key = as_string(f, v)?,
                2 => m.values.push(as_string(f, v)?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// Headers by name.
pub type HttpHeaders = BTreeMap<String, HttpHeader>;

fn put_headers(out: &mut Vec<u8>, field: u32, headers: &HttpHeaders) {
    for (k, h) in headers {
        let mut entry = Vec::new();
        put_bytes(&mut entry, 1, k.as_bytes());
        put_message(&mut entry, 2, &h.encode());
        put_message(out, field, &entry);
    }
}

fn read_entry(bytes: &[u8], headers: &mut HttpHeaders) -> Result<(), DecodeError> {
    let (mut key, mut value) = (String::new(), HttpHeader::default());
    let mut r = Reader::new(bytes);
    while let Some((f, _, v)) = r.next()? {
        match f {
            1 => key = as_string(f, v)?,
            2 => value = HttpHeader::decode(as_bytes(f, v)?)?,
            _ => {}
        }
    }
    // A repeated key replaces the earlier entry, as proto map semantics say.
    headers.insert(key, value);
    Ok(())
}

/// `sdk.types.POKTHTTPRequest`: an HTTP request inside a relay request's payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoktHttpRequest {
    /// The HTTP method (1).
    pub method: String,
    /// Headers (2).
    pub header: HttpHeaders,
    /// The URL (3).
    pub url: String,
    /// The body (4).
    pub body: Vec<u8>,
}

impl Message for PoktHttpRequest {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.method.as_bytes());
        put_headers(out, 2, &self.header);
        put_bytes(out, 3, self.url.as_bytes());
        put_bytes(out, 4, &self.body);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.method = as_string(f, v)?,
                2 => read_entry(as_bytes(f, v)?, &mut m.header)?,
                3 => m.url = as_string(f, v)?,
                4 => m.body = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `sdk.types.POKTHTTPResponse`: an HTTP response inside a relay response's payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoktHttpResponse {
    /// The status code (1).
    pub status_code: u32,
    /// Headers (2).
    pub header: HttpHeaders,
    /// The body (3).
    pub body: Vec<u8>,
}

impl Message for PoktHttpResponse {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_u64(out, 1, u64::from(self.status_code));
        put_headers(out, 2, &self.header);
        put_bytes(out, 3, &self.body);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => {
                    m.status_code =
                        u32::try_from(as_u64(f, v)?).map_err(|_| DecodeError::Range { field: f })?
                }
                2 => read_entry(as_bytes(f, v)?, &mut m.header)?,
                3 => m.body = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn headers(pairs: &[(&str, &[&str])]) -> HttpHeaders {
        pairs
            .iter()
            .map(|(k, vs)| {
                (
                    String::from(*k),
                    HttpHeader {
                        key: String::from(*k),
                        values: vs.iter().map(|v| String::from(*v)).collect(),
                    },
                )
            })
            .collect()
    }

    /// The bytes follow the field layout: a POST with one header, by hand.
    #[test]
    fn request_layout() {
        let req = PoktHttpRequest {
            method: "POST".into(),
            header: headers(&[("a", &["b"])]),
            url: "/v1".into(),
            body: b"{}".to_vec(),
        };
        let expected = [
            &[0x0a, 4][..],
            b"POST",
            // entry: 0x12 len { 0x0a 1 "a" 0x12 len { 0x0a 1 "a" 0x12 1 "b" } }
            &[
                0x12, 11, 0x0a, 1, b'a', 0x12, 6, 0x0a, 1, b'a', 0x12, 1, b'b',
            ],
            &[0x1a, 3],
            b"/v1",
            &[0x22, 2],
            b"{}",
        ]
        .concat();
        assert_eq!(req.encode(), expected);
        assert_eq!(PoktHttpRequest::decode(&expected).unwrap(), req);
        assert!(PoktHttpRequest::decode(&expected[..expected.len() - 1]).is_err());
        let res = PoktHttpResponse {
            status_code: 200,
            header: HttpHeaders::new(),
            body: vec![1],
        };
        assert_eq!(res.encode(), [0x08, 200, 1, 0x1a, 1, 1]);
        assert_eq!(PoktHttpResponse::decode(&res.encode()).unwrap(), res);
        assert!(PoktHttpResponse::decode(&[0x08, 0x80, 0x80, 0x80, 0x80, 0x10]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(method in "[A-Z]{0,7}", url in ".{0,20}", body in proptest::collection::vec(any::<u8>(), 0..64),
                      hs in proptest::collection::btree_map("[a-z-]{1,8}", proptest::collection::vec(".{0,6}", 0..3), 0..4),
                      status in any::<u32>()) {
            let header: HttpHeaders = hs.into_iter().map(|(k, values)| (k.clone(), HttpHeader { key: k, values })).collect();
            let req = PoktHttpRequest { method, header: header.clone(), url, body: body.clone() };
            prop_assert_eq!(PoktHttpRequest::decode(&req.encode()).unwrap(), req);
            let res = PoktHttpResponse { status_code: status, header, body };
            let bytes = res.encode();
            prop_assert_eq!(PoktHttpResponse::decode(&bytes).unwrap().encode(), bytes);
        }
    }
}
