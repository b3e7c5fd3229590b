#![doc = include_str!("../README.md")]
// `SetpollError` crosses to the foreign side by value (UniFFI cannot box an
// error type), so its size is the price of carrying every field natively.
#![allow(clippy::result_large_err)]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("setpoll");

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
