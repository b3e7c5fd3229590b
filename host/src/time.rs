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
    use setpoll_core::jose::Algorithm;

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

    /// A core setting of type `C` as the host holds it (signed numbers,
    /// milliseconds); what `settings!` converts each setting with.
    pub(crate) trait Setting<C>: Sized {
        /// The core value; `field` names the setting in the error.
        fn to_core(self, field: &str) -> Result<C, SetpollError>;
        /// The host value; `None` where there is none (an optional core
        /// setting left unset, a core variant the host does not know).
        fn of_core(c: &C) -> Option<Self>;
    }

    /// One `Setting` impl per line: host type, core type, the checked
    /// conversion in (`fn(field, host)`) and the reading back (`fn(&core)`).
    macro_rules! setting {
        ($($host:ty => $core:ty: $to:expr, $of:expr;)*) => {$(
            impl Setting<$core> for $host {
                fn to_core(self, field: &str) -> Result<$core, SetpollError> {
                    $to(field, self)
                }
                fn of_core(c: &$core) -> Option<Self> {
                    $of(c)
                }
            }
        )*};
    }

    setting! {
        i32 => u32: u32_of, |c: &u32| Some(i32_of(*c));
        i32 => Option<u32>: |f, v| u32_of(f, v).map(Some), |c: &Option<u32>| c.map(i32_of);
        i32 => usize: usize_of, |c: &usize| Some(i32_of(*c));
        i64 => u64: u64_of, |c: &u64| Some(i64_of(*c));
        i64 => Duration: ms_of, |c: &Duration| Some(ms(*c));
        // An optional duration: `0` ms means none.
        i64 => Option<Duration>:
            |f, v| ms_of(f, v).map(|d| (!d.is_zero()).then_some(d)),
            |c: &Option<Duration>| Some(c.map_or(0, ms));
        bool => Option<bool>: |_, v| Ok(Some(v)), |c: &Option<bool>| *c;
        bool => bool: |_, v| Ok(v), |c: &bool| Some(*c);
        i64 => Option<u64>: |f, v| u64_of(f, v).map(Some), |c: &Option<u64>| c.map(i64_of);
        // Algorithm names (`ES256`, ...); an unknown name is `Argument`.
        Vec<String> => Vec<Algorithm>:
            |_, v: Vec<String>| v.iter().map(|n| Ok(Algorithm::from_name(n)?)).collect(),
            |c: &Vec<Algorithm>| Some(c.iter().map(|a| a.name().to_owned()).collect());
    }
}
