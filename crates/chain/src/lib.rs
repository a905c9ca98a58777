#![doc = include_str!("../README.md")]

pub mod proto;
pub mod tx;
