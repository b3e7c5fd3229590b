//! The SET delivery error codes (`setErrs[jti].err`) of `setpoll_core::codes`.

use setpoll_core::codes::{SetErrCode, Vocabulary};

record! {
    /// One `setErrs` error code with what the specifications say about it.
    pub struct SetErrCodeInfo {
        /// The code as it appears on the wire (`jwtParse`, `invalid_key`, ...).
        pub code: String,
        /// `obie`, `rfc8935`, or `None` for a code neither vocabulary defines.
        pub vocabulary: Option<String>,
        /// The specification's description, `None` when unknown.
        pub description: Option<String>,
    }
}

impl From<&SetErrCode> for SetErrCodeInfo {
    fn from(c: &SetErrCode) -> Self {
        SetErrCodeInfo {
            code: c.as_str().to_owned(),
            vocabulary: c.vocabulary().map(|v| {
                match v {
                    Vocabulary::Obie => "obie",
                    Vocabulary::Rfc8935 => "rfc8935",
                    _ => "other",
                }
                .to_owned()
            }),
            description: c.description().map(str::to_owned),
        }
    }
}

/// Every known `setErrs` code, OBIE vocabulary first.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn set_err_codes() -> Vec<SetErrCodeInfo> {
    SetErrCode::KNOWN.iter().map(SetErrCodeInfo::from).collect()
}

/// Look a wire code up; unknown codes come back with no vocabulary.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn set_err_code(code: String) -> SetErrCodeInfo {
    SetErrCodeInfo::from(&SetErrCode::from_code(&code))
}
