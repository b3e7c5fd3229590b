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

pub use json::{parse_json, ReadError as JsonError};
pub use time::Timestamp;

/// The `rand_core` (0.6) that key generation and the receiver's backoff
/// jitter take, re-exported so a caller names the same version without
/// matching it by hand: `setpoll_core::rand_core::OsRng` (feature
/// `getrandom`), or any `rand_core::CryptoRngCore` of that version. A
/// generator of another version (rand 0.9's `rand::rng()`) does not fit;
/// pass 32 bytes of its output to
/// [`SigningKey::generate_es256_from_seed`](jose::SigningKey::generate_es256_from_seed)
/// instead.
pub use rand_core;
