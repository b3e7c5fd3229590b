#![doc = include_str!("../README.md")]
// `SetpollError` crosses to the foreign side by value (UniFFI cannot box an
// error type), so its size is the price of carrying every field natively.
#![allow(clippy::result_large_err)]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("setpoll");

/// A record of the host API: plain serde data, a UniFFI record, and with
/// `wasm` a TypeScript declaration (tsify) with camelCase members. Written
/// once here rather than on every type; more attributes (`#[derive(Default)]`,
/// `#[serde(...)]`) follow the doc comment.
macro_rules! record {
    ($(#[$attr:meta])* pub struct $name:ident $body:tt) => {
        #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
        $(#[$attr])*
        pub struct $name $body
    };
}

/// An enum of the host API whose values cross as snake_case strings: a
/// UniFFI enum, and with `wasm` a TypeScript string union (tsify).
macro_rules! choice {
    ($(#[$attr:meta])* pub enum $name:ident $body:tt) => {
        #[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        $(#[$attr])*
        pub enum $name $body
    };
}

mod claims;
mod codes;
mod error;
mod jose;
mod receiver;
mod set;
mod storage;
mod time;
mod transmitter;
mod wire;

pub use claims::{ClaimsBuilder, EventSubject, Link, SetClaims};
pub use codes::{set_err_code, set_err_codes, SetErrCodeInfo};
pub use error::SetpollError;
pub use jose::{
    jwk_thumbprint, jwks_from_keys, CryptoBackend, Jwk, JwkSet, Keyring, SigningKey, SkippedKey,
};
pub use receiver::{
    apply_receiver_changes, BackoffJitter, PollFailure, Receiver, ReceiverBatch, ReceiverConfig,
    ReceiverDelivery, ReceiverDuplicate, ReceiverDuplicateOf, ReceiverRejection, ReceiverRequest,
    ReceiverRequestKind, SetErrVocabulary, StaleKeys,
};
pub use set::{
    finish_set, peek_envelope, prepare_set, prepare_sign_set, sign_set, verify_set, HeaderProfile,
    PreparedSet, PreparedSignature, SetEnvelope, VerifiedSet, VerifyPolicy,
};
pub use storage::{DeliverableQuery, EnqueuePlan, PollPlan, StorageTransmitter, SweepPlan};
pub use time::{timestamp_as_secs, timestamp_from_secs};
pub use transmitter::{
    transmitter_defaults, DeliveryMode, EnqueueResult, MemoryTransmitter, PollAnswer, PollWait,
    SetErrPolicy, SweepResult, TransmitterConfig, TransmitterProfile,
};
pub use wire::{
    empty_poll_response, obie_error_response, obie_success_status, parse_error_response,
    parse_request, parse_request_bytes, parse_response, parse_response_bytes, request_to_json,
    response_to_json, ObieVersion, PollRequest, PollResponse, RequestLimits, ResponseLimits,
    SetEntry, SetErrEntry,
};

/// The version of the setpoll library.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Do nothing: measures the cost of one call across the boundary.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn noop() {}
