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
#[uniffi::export]
pub fn timestamp_from_secs(secs: i64) -> Result<i64, SetpollError> {
    let secs = u64::try_from(secs)
        .map_err(|_| SetpollError::argument("negative_time", "time before the Unix epoch"))?;
    Ok(to_host(Timestamp::from_secs(secs)))
}

/// Whole seconds (the unit of JWT `iat`) of a millisecond timestamp, rounded down.
///
/// # Errors
/// `Argument(negative_time)` for negative milliseconds.
#[uniffi::export]
pub fn timestamp_as_secs(ms: i64) -> Result<i64, SetpollError> {
    Ok(i64::try_from(timestamp(ms)?.as_secs()).unwrap_or(i64::MAX))
}
