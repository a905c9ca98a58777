#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pokt_fuzz::chain::tx_decode(data));
