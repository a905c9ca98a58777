#![doc = include_str!("../README.md")]

mod answer;
mod error;
mod request;

pub use answer::completion_text;
pub use error::ApiError;
pub use request::{Endpoint, Validated, validate};
