//! The error every exported function throws, and the one place core errors map to it.

use setpoll_core::codes::Vocabulary;

/// The error enum, each variant written once with its own fields: every
/// variant also carries `code` and `detail`, which `code()` and `detail()`
/// read.
macro_rules! variants {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident { $($(#[$fm:meta])* $f:ident: $t:ty,)* }),* $(,)? }) => {
        $(#[$m])*
        pub enum $name {
            $($(#[$vm])* $v {
                /// Stable machine code.
                code: String,
                /// What was wrong.
                detail: String,
                $($(#[$fm])* $f: $t,)*
            },)*
        }

        impl $name {
            /// The stable machine code of any variant.
            #[must_use]
            pub fn code(&self) -> &str {
                match self { $($name::$v { code, .. })|* => code }
            }

            fn detail(&self) -> &str {
                match self { $($name::$v { detail, .. })|* => detail }
            }

            /// The variant's name and every field by name (`code`, `detail`,
            /// then the variant's own; `None` for an absent one): what a
            /// binding sets on its native error.
            #[must_use]
            pub fn fields(&self) -> (&'static str, Vec<(&'static str, Option<String>)>) {
                match self {
                    $($name::$v { code, detail, $($f,)* } => (stringify!($v), vec![
                        ("code", Some(code.clone())),
                        ("detail", Some(detail.clone())),
                        $((stringify!($f), $f.clone().into()),)*
                    ]),)*
                }
            }
        }
    };
}

variants! {
    /// A setpoll failure. Each variant is one concern of the core; every variant
    /// carries `code`, the core's stable machine code (snake_case), and `detail`,
    /// a human-readable message. Kotlin sees a sealed `SetpollException`, Swift an
    /// `enum SetpollError: Error`.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
    #[non_exhaustive]
    pub enum SetpollError {
        /// An argument the host passed was out of range or names something unknown.
        Argument {},
        /// A `POST /events` body (`OBEventPolling1`) was refused.
        Request {
            /// Where in the body; `None` for the body as a whole.
            path: Option<String>,
            /// The OBIE `ErrorCode` (`UK.OBIE.Field.Invalid`, ...).
            obie_code: String,
            /// The `400 Bad Request` body (`OBErrorResponse1` JSON) to answer with.
            error_response: String,
        },
        /// A `POST /events` response body could not be read.
        Response {
            /// Where in the body.
            path: Option<String>,
        },
        /// SET claims break a rule of `OBEventNotification2` / RFC 8417.
        Claims {
            /// Where in the claims.
            path: Option<String>,
            /// The `setErrs` code to report (OBIE vocabulary).
            set_err: String,
            /// The same in the RFC 8935 vocabulary.
            set_err_rfc8935: String,
            /// A description fit for `setErrs[jti].description` (1..256 characters).
            description: String,
        },
        /// A JWK, JWK Set, PEM key or crypto operation failed.
        Key {},
        /// A SET could not be signed.
        Sign {},
        /// A Security Event Token failed verification.
        Verify {
            /// The `setErrs[jti].err` code to report, OBIE vocabulary (`jwtParse`, ...).
            set_err: String,
            /// The same failure in the RFC 8935 vocabulary (`invalid_request`, ...).
            set_err_rfc8935: String,
            /// A description fit for `setErrs[jti].description` (1..256 characters).
            description: String,
        },
        /// The transmitter refused a configuration or a SET to enqueue.
        Transmitter {},
        /// A receiver call was refused and changed nothing: an invalid
        /// configuration or saved state, or a call out of order
        /// (`request_in_flight`, `unknown_request`, `unknown_jti`, ...). Failed
        /// round trips are not errors: see `ReceiverBatch.failure`.
        Receiver {},
    }
}

impl SetpollError {
    pub(crate) fn argument(code: &str, detail: impl Into<String>) -> Self {
        SetpollError::Argument {
            code: code.to_owned(),
            detail: detail.into(),
        }
    }

    /// A refused request, with the 400 body naming `interaction_id`.
    pub(crate) fn request(e: &setpoll_core::wire::RequestError, interaction_id: &str) -> Self {
        SetpollError::Request {
            code: e.code().to_owned(),
            detail: bounded(e.to_string()),
            path: e.path().map(str::to_owned),
            obie_code: e.obie_code().as_str().to_owned(),
            error_response: e.to_error_response(interaction_id).to_json(),
        }
    }
}

/// `m` locked; a lock poisoned by a panic elsewhere is `Argument(poisoned)`.
pub(crate) fn lock<T>(
    m: &std::sync::Mutex<T>,
) -> Result<std::sync::MutexGuard<'_, T>, SetpollError> {
    m.lock()
        .map_err(|_| SetpollError::argument("poisoned", "a previous call failed mid-way"))
}

/// The longest `detail` a host sees, in characters: a core message may quote
/// the offending input (an unknown `setErrs` code, a JSON member), which a
/// caller can make megabytes long.
const MAX_DETAIL_CHARS: usize = 1024;

/// `detail` cut to [`MAX_DETAIL_CHARS`] characters, marked with `…` when cut.
pub(crate) fn bounded(detail: String) -> String {
    match detail.char_indices().nth(MAX_DETAIL_CHARS) {
        None => detail,
        Some((end, _)) => format!("{}…", detail.get(..end).unwrap_or_default()),
    }
}

impl core::fmt::Display for SetpollError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.detail(), self.code())
    }
}

impl std::error::Error for SetpollError {}

macro_rules! simple {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for SetpollError {
            fn from(e: $ty) -> Self {
                SetpollError::$variant {
                    code: e.code().to_owned(),
                    detail: bounded(e.to_string()),
                }
            }
        }
    )*};
}

simple!(
    setpoll_core::jose::JwkError => Key,
    setpoll_core::crypto::CryptoError => Key,
    setpoll_core::set::SignError => Sign,
    setpoll_core::jose::ProfileError => Argument,
    setpoll_core::jose::UnsupportedAlgorithm => Argument,
    setpoll_core::transmitter::ConfigError => Transmitter,
    setpoll_core::transmitter::EnqueueError => Transmitter,
    setpoll_core::transmitter::ApplyError => Transmitter,
    setpoll_core::receiver::ReceiverError => Receiver,
    setpoll_core::receiver::ConfigError => Receiver,
    setpoll_core::receiver::StateError => Receiver,
);

impl From<setpoll_core::wire::ResponseError> for SetpollError {
    fn from(e: setpoll_core::wire::ResponseError) -> Self {
        SetpollError::Response {
            code: e.code().to_owned(),
            detail: bounded(e.to_string()),
            path: e.path().map(str::to_owned),
        }
    }
}

impl From<setpoll_core::claims::ClaimsError> for SetpollError {
    fn from(e: setpoll_core::claims::ClaimsError) -> Self {
        SetpollError::Claims {
            code: e.code().to_owned(),
            detail: bounded(e.to_string()),
            path: e.path().map(str::to_owned),
            set_err: e.set_err(Vocabulary::Obie).as_str().to_owned(),
            set_err_rfc8935: e.set_err(Vocabulary::Rfc8935).as_str().to_owned(),
            description: e.description(),
        }
    }
}

impl From<setpoll_core::set::VerifyError> for SetpollError {
    fn from(e: setpoll_core::set::VerifyError) -> Self {
        SetpollError::Verify {
            code: e.code().to_owned(),
            detail: bounded(e.to_string()),
            set_err: e.set_err(Vocabulary::Obie).as_str().to_owned(),
            set_err_rfc8935: e.set_err(Vocabulary::Rfc8935).as_str().to_owned(),
            description: e.description(),
        }
    }
}
