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

/// An enum of the host API whose values cross as strings: each variant is
/// written with its wire name (`Full = "full"`). A UniFFI enum, and with
/// `wasm` a TypeScript string union (tsify). Its serde form is the string,
/// read by one non-generic lookup rather than serde's derived visitors
/// (compiled per enum and per reader: most of their size in the wasm
/// package). `pub enum Name => CoreEnum { ... }` also maps it to the core's
/// enum of the same variant names (`From`), and as a setting (see
/// [`settings!`]); a core variant the host does not know reads as absent.
macro_rules! choice {
    ($(#[$attr:meta])* pub enum $name:ident => $core:ident { $($(#[$va:meta])* $v:ident = $wire:literal,)* }) => {
        choice! { $(#[$attr])* pub enum $name { $($(#[$va])* $v = $wire,)* } }
        impl From<$name> for $core {
            fn from(v: $name) -> $core {
                match v { $($name::$v => $core::$v,)* }
            }
        }
        impl crate::time::num::Setting<$core> for $name {
            fn to_core(self, _: &str) -> Result<$core, crate::SetpollError> {
                Ok(self.into())
            }
            fn of_core(c: &$core) -> Option<Self> {
                match c { $($core::$v => Some($name::$v),)* _ => None }
            }
        }
    };
    ($(#[$attr:meta])* pub enum $name:ident { $($(#[$va:meta])* $v:ident = $wire:literal,)* }) => {
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        $(#[$attr])*
        pub enum $name {
            $($(#[$va])* #[cfg_attr(feature = "wasm", serde(rename = $wire))] $v,)*
        }
        impl $name {
            /// The wire names, in variant order.
            const WIRE: &'static [&'static str] = &[$($wire,)*];
            /// The value as it crosses: its wire name.
            pub(crate) fn wire_name(self) -> &'static str {
                match self { $($name::$v => $wire,)* }
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.wire_name())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const ALL: &[$name] = &[$($name::$v,)*];
                let text = String::deserialize(d)?;
                crate::choice_index(&text, Self::WIRE)
                    .and_then(|i| ALL.get(i).copied())
                    .ok_or_else(|| serde::de::Error::unknown_variant(&text, Self::WIRE))
            }
        }
    };
}

/// Where `text` is among a [`choice!`]'s wire names.
pub(crate) fn choice_index(text: &str, names: &[&str]) -> Option<usize> {
    names.iter().position(|n| *n == text)
}

/// A [`record!`] of settings. The fields before and after the `settings`
/// block are written as they are; each setting in it is written once, as
/// `name: HostType => core.field.path`, and becomes an optional field (absent
/// means the core's default). Generated: `apply` (a core config overridden
/// by every setting that is set, each checked by `time::num::Setting`) and
/// `settings_of` (every setting as a core config holds it, other fields
/// empty), so no setting is listed again.
macro_rules! settings {
    ($(#[$attr:meta])* pub struct $name:ident for $core:ty {
        $($(#[$ha:meta])* pub $hf:ident: $ht:ty,)*
        settings { $($(#[$fa:meta])* $field:ident: $ty:ty => $($path:ident).+,)* }
        $($(#[$ta:meta])* pub $tf:ident: $tt:ty,)*
    }) => {
        record! {
            $(#[$attr])*
            pub struct $name {
                $($(#[$ha])* pub $hf: $ht,)*
                $($(#[$fa])*
                #[cfg_attr(feature = "uniffi", uniffi(default = None))]
                #[cfg_attr(feature = "wasm", tsify(optional))]
                pub $field: Option<$ty>,)*
                $($(#[$ta])* pub $tf: $tt,)*
            }
        }
        impl $name {
            /// `c` with every setting that is set here.
            fn apply(&self, c: &mut $core) -> Result<(), crate::SetpollError> {
                use crate::time::num::Setting;
                $(if let Some(v) = self.$field.clone() {
                    c.$($path).+ = Setting::to_core(v, stringify!($field))?;
                })*
                Ok(())
            }
            /// Every setting as `c` holds it; the other fields empty.
            #[allow(dead_code)] // a policy or limits record reports nothing back
            fn settings_of(c: &$core) -> Self {
                use crate::time::num::Setting;
                $name {
                    $($hf: Default::default(),)*
                    $($field: <$ty as Setting<_>>::of_core(&c.$($path).+),)*
                    $($tf: Default::default(),)*
                }
            }
        }
    };
}

/// Methods that read the value an object wraps, one line each:
/// `name -> Type = |inner| expression;`, each `#[must_use] pub fn
/// name(&self)` on `self.field` (of type `Inner`). Attributes before
/// `impl` (the UniFFI export) go on the block.
macro_rules! getters {
    ($(#[$ia:meta])* impl $ty:ident.$field:tt: $inner:ty { $($(#[$a:meta])* $name:ident -> $ret:ty = $f:expr;)* }) => {
        $(#[$ia])*
        impl $ty {
            $($(#[$a])*
            #[must_use]
            pub fn $name(&self) -> $ret {
                let read: fn(&$inner) -> $ret = $f;
                read(&self.$field)
            })*
        }
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
    finish_set, peek_envelope, prepare_set, prepare_set_compiled, prepare_sign_set, sign_set,
    verify_set, verify_set_compiled, CompiledPolicy, HeaderProfile, PreparedSet, PreparedSignature,
    SetEnvelope, VerifiedSet, VerifyPolicy,
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
