//! The error every exported function throws, and the one place core errors map to it.

use setpoll_core::codes::Vocabulary;

/// A setpoll failure. Each variant is one concern of the core; every variant
/// carries `code`, the core's stable machine code (snake_case), and `detail`,
/// a human-readable message. Kotlin sees a sealed `SetpollException`, Swift an
/// `enum SetpollError: Error`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Error)]
#[non_exhaustive]
pub enum SetpollError {
    /// An argument the host passed was out of range (e.g. a negative time).
    Argument {
        /// Stable machine code.
        code: String,
        /// What was wrong.
        detail: String,
    },
    /// A Security Event Token failed verification.
    Verify {
        /// Stable machine code.
        code: String,
        /// What was wrong.
        detail: String,
        /// The `setErrs[jti].err` code to report, OBIE vocabulary (`jwtParse`, ...).
        set_err: String,
        /// The same failure in the RFC 8935 vocabulary (`invalid_request`, ...).
        set_err_rfc8935: String,
    },
}

impl SetpollError {
    /// The stable machine code of any variant.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            SetpollError::Argument { code, .. } | SetpollError::Verify { code, .. } => code,
        }
    }

    pub(crate) fn argument(code: &str, detail: impl Into<String>) -> Self {
        SetpollError::Argument {
            code: code.to_owned(),
            detail: detail.into(),
        }
    }
}

impl core::fmt::Display for SetpollError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SetpollError::Argument { code, detail } | SetpollError::Verify { code, detail, .. } => {
                write!(f, "{detail} ({code})")
            }
        }
    }
}

impl std::error::Error for SetpollError {}

impl From<setpoll_core::set::VerifyError> for SetpollError {
    fn from(e: setpoll_core::set::VerifyError) -> Self {
        SetpollError::Verify {
            code: e.code().to_owned(),
            detail: e.description(),
            set_err: e.set_err(Vocabulary::Obie).as_str().to_owned(),
            set_err_rfc8935: e.set_err(Vocabulary::Rfc8935).as_str().to_owned(),
        }
    }
}
