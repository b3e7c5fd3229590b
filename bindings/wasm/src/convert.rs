//! Plain conversions between JS-shaped values and core types.
//!
//! Nothing here touches a `JsValue`, so it is unit-tested natively; the
//! exports in `lib.rs` call these and hand failures to the error mapper.

use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::Timestamp;

use crate::error::InputError;

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS time (milliseconds since the epoch, e.g. `Date.now()`) as a core
/// [`Timestamp`].
///
/// # Errors
/// [`InputError::Timestamp`] for NaN, infinities, negative, fractional or
/// unsafe-integer values: the core's clock is exact, so nothing is rounded.
pub(crate) fn timestamp(ms: f64) -> Result<Timestamp, InputError> {
    if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 || ms > MAX_SAFE_INTEGER {
        return Err(InputError::Timestamp(format!("{ms}")));
    }
    // In range and integral: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = ms as u64;
    Ok(Timestamp::from_millis(whole))
}

/// The JS name of a vocabulary.
pub(crate) fn vocabulary_name(v: Vocabulary) -> &'static str {
    match v {
        Vocabulary::Obie => "obie",
        Vocabulary::Rfc8935 => "rfc8935",
        // `Vocabulary` is non-exhaustive; a new one needs a name here.
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// One row of the `setErrs` code table, as JSON.
pub(crate) fn set_err_code_info(code: &SetErrCode) -> serde_json::Value {
    serde_json::json!({
        "code": code.as_str(),
        "vocabulary": code.vocabulary().map(vocabulary_name),
        "description": code.description(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn timestamps_must_be_exact_non_negative_integers() {
        assert_eq!(timestamp(0.0).unwrap(), Timestamp::EPOCH);
        assert_eq!(
            timestamp(1_700_000_000_123.0).unwrap().as_millis(),
            1_700_000_000_123
        );
        assert_eq!(
            timestamp(MAX_SAFE_INTEGER).unwrap().as_millis(),
            9_007_199_254_740_991
        );
        for bad in [
            -1.0,
            0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            MAX_SAFE_INTEGER + 2.0,
        ] {
            let err = timestamp(bad).unwrap_err();
            assert!(matches!(err, InputError::Timestamp(_)), "{bad}");
        }
    }

    #[test]
    fn code_table_rows_name_the_vocabulary() {
        let row = set_err_code_info(&SetErrCode::JwtAud);
        assert_eq!(row["code"], "jwtAud");
        assert_eq!(row["vocabulary"], "obie");
        let row = set_err_code_info(&SetErrCode::InvalidKey);
        assert_eq!(row["vocabulary"], "rfc8935");
        let row = set_err_code_info(&SetErrCode::from_code("madeUp"));
        assert_eq!(row["code"], "madeUp");
        assert!(row["vocabulary"].is_null());
    }
}
