//! The `pokt` command.
fn main() {}
