#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod grid;
mod header;
mod id;
mod session;
mod windows;

pub use grid::SessionGrid;
pub use header::{HeaderError, SessionHeader, validate_wire_header};
pub use id::{
    ServiceConfig, filter_candidates, select_suppliers, session_id, session_id_preimage,
    supplier_weight,
};
pub use session::{ParamsHistory, Session, SessionError, SessionQuery};
pub use windows::{WindowOffsets, Windows};
