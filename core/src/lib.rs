#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod claims;
pub mod codes;
pub mod crypto;
pub mod jose;
mod json;
pub mod receiver;
pub mod set;
pub mod time;
pub mod transmitter;
pub mod wire;

pub use time::Timestamp;
