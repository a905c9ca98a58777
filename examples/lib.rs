//! Example hosts of the pokt-rs libraries; run one with `cargo run -p pokt-examples --example NAME`.
