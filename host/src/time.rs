//! Time crosses the boundary as signed 64-bit milliseconds since the epoch
//! (Kotlin `Long`, Swift `Int64`); negative values are rejected.

use crate::SetpollError;
use setpoll_core::Timestamp;

/// A host time (ms since the epoch) as a core [`Timestamp`].
pub(crate) fn timestamp(ms: i64) -> Result<Timestamp, SetpollError> {
    u64::try_from(ms)
        .map(Timestamp::from_millis)
        .map_err(|_| SetpollError::argument("negative_time", "time before the Unix epoch"))
}

pub(crate) fn to_host(t: Timestamp) -> i64 {
    i64::try_from(t.as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch for whole seconds (saturating).
///
/// # Errors
/// `Argument(negative_time)` for negative seconds.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn timestamp_from_secs(secs: i64) -> Result<i64, SetpollError> {
    let secs = u64::try_from(secs)
        .map_err(|_| SetpollError::argument("negative_time", "time before the Unix epoch"))?;
    Ok(to_host(Timestamp::from_secs(secs)))
}

/// Whole seconds (the unit of JWT `iat`) of a millisecond timestamp, rounded down.
///
/// # Errors
/// `Argument(negative_time)` for negative milliseconds.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn timestamp_as_secs(ms: i64) -> Result<i64, SetpollError> {
    Ok(i64::try_from(timestamp(ms)?.as_secs()).unwrap_or(i64::MAX))
}

/// Host numbers are signed (Kotlin/Java have no unsigned types in exported
/// signatures); these convert them to the core's unsigned ones and back.
pub(crate) mod num {
    use core::time::Duration;

    use crate::SetpollError;

    fn negative(field: &str) -> SetpollError {
        SetpollError::argument("negative_value", format!("{field} must not be negative"))
    }

    /// A non-negative `i64` as `u64`.
    pub(crate) fn u64_of(field: &str, v: i64) -> Result<u64, SetpollError> {
        u64::try_from(v).map_err(|_| negative(field))
    }

    /// A non-negative `i32` as `u32`.
    pub(crate) fn u32_of(field: &str, v: i32) -> Result<u32, SetpollError> {
        u32::try_from(v).map_err(|_| negative(field))
    }

    /// A non-negative `i32` as `usize`.
    pub(crate) fn usize_of(field: &str, v: i32) -> Result<usize, SetpollError> {
        usize::try_from(v).map_err(|_| negative(field))
    }

    /// Non-negative milliseconds as a duration.
    pub(crate) fn ms_of(field: &str, v: i64) -> Result<Duration, SetpollError> {
        u64_of(field, v).map(Duration::from_millis)
    }

    /// A duration as whole milliseconds (saturating).
    pub(crate) fn ms(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }

    /// A count as `i32` (saturating).
    pub(crate) fn i32_of<T: TryInto<i32>>(n: T) -> i32 {
        n.try_into().unwrap_or(i32::MAX)
    }

    /// A `u64` as `i64` (saturating).
    pub(crate) fn i64_of(n: u64) -> i64 {
        i64::try_from(n).unwrap_or(i64::MAX)
    }
}
