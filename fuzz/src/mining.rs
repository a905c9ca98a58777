//! Fuzz bodies for pokt-mining.

// LEB128 encoding keeps the low 7 bits of each group on purpose.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

/// `mining_varint`: Go's `binary.Varint` decoder on any bytes: never panics, never reads past the
/// input, and re-encoding a decoded value with zig-zag LEB128 gives back the bytes read.
pub fn varint(data: &[u8]) {
    let (v, n) = pokt_mining::go_varint(data);
    if n > 0 {
        let n = usize::try_from(n).expect("positive");
        assert!(n <= data.len() && n <= 10);
        let mut ux = (v as u64) << 1;
        if v < 0 {
            ux = !ux;
        }
        let mut enc = Vec::new();
        while ux >= 0x80 {
            enc.push((ux as u8) | 0x80);
            ux >>= 7;
        }
        enc.push(ux as u8);
        // Go accepts non-minimal encodings; the value must agree, not the bytes.
        assert_eq!(
            pokt_mining::go_varint(&enc),
            (v, isize::try_from(enc.len()).expect("short"))
        );
    } else {
        assert_eq!(v, 0);
    }
}
