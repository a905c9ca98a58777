//! The **stand-in backend**, now the `pokt-standin` crate (`pokt backend` runs it as a process);
//! re-exported here so the examples keep their paths.

pub use pokt_standin::{STAND_IN_MODEL, StandIn, answer, router, serve};
