#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod grid;
mod id;
mod session;
mod windows;

pub use grid::SessionGrid;
pub use id::{
    ServiceConfig, filter_candidates, select_suppliers, session_id, session_id_preimage,
    supplier_weight,
};
pub use session::{ParamsHistory, Session, SessionError, SessionHeader, SessionQuery};
pub use windows::{WindowOffsets, Windows};
