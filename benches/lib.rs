//! Workspace-level benchmarks of pokt-rs hot paths; run them with `cargo bench -p pokt-benches`.
