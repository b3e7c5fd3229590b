//! When to poll next, as pure functions of state and time.
//!
//! - After a successful poll: at once while the ASPSP says `moreAvailable`,
//!   otherwise after the poll interval.
//! - After a successful acknowledgement-only request: at once if
//!   `moreAvailable`, otherwise the poll time stands.
//! - After `n` consecutive failures: [`Backoff::delay`] with caller-supplied
//!   randomness, never less than a `Retry-After`, and nothing at all (not even
//!   an acknowledgement flush) goes out before that.
//! - After answers that make no progress (SETs, but none new: only
//!   duplicates of SETs already settled, held or in processing, or
//!   rejections already reported; or `moreAvailable` with no SETs), the
//!   first [`STALL_GRACE`] polls go out as usual, then each further one waits
//!   [`Backoff::delay`] like a failure, and acknowledgements ride with those
//!   polls instead of separate flushes. A transmitter that ignores `ack` then
//!   costs a few requests in the first seconds and at most a couple per
//!   second after (fewer and fewer), instead of a tight loop.

use core::time::Duration;

use serde::Serialize;

use crate::json::typed::read_struct;

use super::config::{Backoff, Jitter};
use crate::time::Timestamp;

impl Backoff {
    /// The wait after `failures` consecutive failures (`0` means none: no
    /// wait), with `random` (any `u64`, e.g. `rng.next_u64()`) choosing the
    /// jitter. Pure: the same inputs give the same delay.
    #[must_use]
    pub fn delay(&self, failures: u32, random: u64) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let base = millis(self.base);
        let cap = millis(self.cap).max(base);
        let exponent = failures.saturating_sub(1).min(63);
        let raw = base
            .checked_mul(1u64 << exponent)
            .map_or(cap, |d| d.min(cap));
        let jittered = match self.jitter {
            Jitter::None => raw,
            Jitter::Full => uniform(raw, random),
            Jitter::Equal => {
                let half = raw / 2;
                half.saturating_add(uniform(raw - half, random))
            }
        };
        Duration::from_millis(jittered)
    }
}

/// Uniform in `[0, upto]` from one random `u64` (modulo bias is below 2^-40
/// for any delay a backoff produces).
fn uniform(upto: u64, random: u64) -> u64 {
    match upto.checked_add(1) {
        Some(n) => random % n,
        None => random,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The durable part of the schedule.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleState {
    /// When the next poll is due (the epoch: at once). While
    /// [`consecutive_failures`](Self::consecutive_failures) is above zero,
    /// nothing is sent before it.
    pub next_poll_at: Timestamp,
    /// Failed round trips since the last success.
    pub consecutive_failures: u32,
    /// Successful answers in a row that made no progress (see the module
    /// documentation); while above [`STALL_GRACE`], acknowledgements wait
    /// for the next poll instead of going out in flushes of their own.
    #[serde(default)]
    pub stalled_polls: u32,
}

read_struct!(ScheduleState {
    next_poll_at: req "nextPollAt",
    consecutive_failures: req "consecutiveFailures",
    stalled_polls: or_default "stalledPolls",
});

/// Answers without progress that are polled again at the usual pace before
/// the stall backoff starts.
pub const STALL_GRACE: u32 = 2;

/// What the schedule allows right now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A full poll may go out.
    Poll,
    /// Only an acknowledgement flush may go out (if there is anything to flush).
    FlushOnly,
    /// Nothing may go out before this time (backing off).
    Wait(Timestamp),
}

impl ScheduleState {
    /// What may be sent at `now`.
    pub(crate) fn slot(&self, now: Timestamp) -> Slot {
        if now >= self.next_poll_at {
            Slot::Poll
        } else if self.consecutive_failures > 0 {
            Slot::Wait(self.next_poll_at)
        } else {
            Slot::FlushOnly
        }
    }

    /// A poll succeeded at `now`. `stalled`: the answer made no progress.
    pub(crate) fn poll_succeeded(
        &mut self,
        now: Timestamp,
        more: bool,
        interval: Duration,
        stalled: Option<(&Backoff, u64)>,
    ) {
        self.consecutive_failures = 0;
        let usual = if more {
            now
        } else {
            now.saturating_add(interval)
        };
        self.next_poll_at = match stalled {
            None => {
                self.stalled_polls = 0;
                usual
            }
            Some((backoff, random)) => {
                self.stalled_polls = self.stalled_polls.saturating_add(1);
                usual.max(now.saturating_add(self.stall_delay(backoff, random)))
            }
        };
    }

    /// An acknowledgement-only request succeeded at `now`. `stalled`: its
    /// answer carried SETs, none of them new.
    pub(crate) fn flush_succeeded(
        &mut self,
        now: Timestamp,
        more: bool,
        stalled: Option<(&Backoff, u64)>,
    ) {
        self.consecutive_failures = 0;
        if let Some((backoff, random)) = stalled {
            self.stalled_polls = self.stalled_polls.saturating_add(1);
            let at = now.saturating_add(self.stall_delay(backoff, random));
            self.next_poll_at = self.next_poll_at.max(at);
        } else if more && self.flushes_allowed() {
            self.next_poll_at = self.next_poll_at.min(now);
        }
    }

    /// Whether acknowledgements may go out in flushes of their own (not
    /// while the stall backoff holds: they ride the next poll).
    pub(crate) fn flushes_allowed(&self) -> bool {
        self.stalled_polls <= STALL_GRACE
    }

    /// The wait imposed by the current run of answers without progress.
    fn stall_delay(&self, backoff: &Backoff, random: u64) -> Duration {
        backoff.delay(self.stalled_polls.saturating_sub(STALL_GRACE), random)
    }

    /// A round trip failed at `now`; returns when the next attempt is due.
    pub(crate) fn failed(
        &mut self,
        now: Timestamp,
        backoff: &Backoff,
        retry_after: Option<Duration>,
        random: u64,
    ) -> Timestamp {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let mut wait = backoff.delay(self.consecutive_failures, random);
        if let Some(floor) = retry_after {
            wait = wait.max(floor.min(backoff.retry_after_cap));
        }
        self.next_poll_at = now.saturating_add(wait);
        self.next_poll_at
    }
}

/// Parse an HTTP `Retry-After` value (RFC 9110 §10.2.3): either
/// delay-seconds or an HTTP-date in any of the three formats RFC 9110
/// §5.6.7 requires a recipient to accept (IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`),
/// read by the `httpdate` crate and measured from `now` (a date in the past
/// means no wait). Returns `None` for anything else. Pure: the caller's
/// `now` is the only clock.
#[must_use]
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number still means "a long time".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // `SystemTime` is only a carrier here: no clock is read.
    let since_epoch = at.duration_since(std::time::UNIX_EPOCH).ok()?;
    let at = Timestamp::from_millis(u64::try_from(since_epoch.as_millis()).ok()?);
    Some(at.saturating_duration_since(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(jitter: Jitter) -> Backoff {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            jitter,
            retry_after_cap: Duration::from_secs(600),
        }
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let b = backoff(Jitter::None);
        let got: Vec<u64> = (0..10).map(|n| millis(b.delay(n, 7))).collect();
        assert_eq!(
            got,
            [0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(b.delay(u32::MAX, 0), Duration::from_secs(30));
    }

    #[test]
    fn jitter_stays_in_its_band() {
        for random in [0, 1, 499, 12_345, u64::MAX / 3, u64::MAX] {
            for n in 1..12 {
                let raw = millis(backoff(Jitter::None).delay(n, 0));
                let full = millis(backoff(Jitter::Full).delay(n, random));
                let equal = millis(backoff(Jitter::Equal).delay(n, random));
                assert!(full <= raw, "full {full} > {raw}");
                assert!(equal >= raw / 2 && equal <= raw, "equal {equal} vs {raw}");
            }
        }
        // Different randomness gives different delays.
        let b = backoff(Jitter::Full);
        assert_ne!(b.delay(5, 1), b.delay(5, 2));
    }

    #[test]
    fn schedule_polls_at_once_while_more_is_available() {
        let mut s = ScheduleState::default();
        let t = Timestamp::from_secs(100);
        assert_eq!(s.slot(t), Slot::Poll);
        s.poll_succeeded(t, true, Duration::from_secs(30), None);
        assert_eq!(s.slot(t), Slot::Poll);
        s.poll_succeeded(t, false, Duration::from_secs(30), None);
        assert_eq!(s.slot(t), Slot::FlushOnly);
        assert_eq!(s.next_poll_at, Timestamp::from_secs(130));
        assert_eq!(s.slot(Timestamp::from_secs(130)), Slot::Poll);
        // A flush that finds nothing more leaves the poll time alone ...
        s.flush_succeeded(Timestamp::from_secs(110), false, None);
        assert_eq!(s.next_poll_at, Timestamp::from_secs(130));
        // ... and one that finds more brings it forward.
        s.flush_succeeded(Timestamp::from_secs(110), true, None);
        assert_eq!(s.next_poll_at, Timestamp::from_secs(110));
    }

    #[test]
    fn answers_without_progress_back_off_after_a_grace() {
        let mut s = ScheduleState::default();
        let b = backoff(Jitter::None);
        let t = Timestamp::from_secs(100);
        let mut waits = Vec::new();
        for _ in 0..6 {
            s.poll_succeeded(t, true, Duration::from_secs(30), Some((&b, 0)));
            waits.push(s.next_poll_at.as_millis() - t.as_millis());
        }
        assert_eq!(waits, [0, 0, 500, 1000, 2000, 4000]);
        // A flush that finds more does not bring a stalled poll forward.
        s.flush_succeeded(t, true, None);
        assert_eq!(s.next_poll_at, Timestamp::from_millis(104_000));
        // Progress ends the stall.
        s.poll_succeeded(t, true, Duration::from_secs(30), None);
        assert_eq!((s.stalled_polls, s.next_poll_at), (0, t));
    }

    #[test]
    fn failures_back_off_and_block_everything_until_due() {
        let mut s = ScheduleState::default();
        let b = backoff(Jitter::None);
        let t = Timestamp::from_secs(100);
        let at = s.failed(t, &b, None, 0);
        assert_eq!(at, t.saturating_add(Duration::from_millis(500)));
        assert_eq!(s.slot(t), Slot::Wait(at));
        let at = s.failed(t, &b, None, 0);
        assert_eq!(at, t.saturating_add(Duration::from_secs(1)));
        // Retry-After is a floor ...
        let at = s.failed(t, &b, Some(Duration::from_secs(120)), 0);
        assert_eq!(at, Timestamp::from_secs(220));
        // ... capped by retry_after_cap.
        let at = s.failed(t, &b, Some(Duration::from_secs(86_400)), 0);
        assert_eq!(at, Timestamp::from_secs(700));
        assert_eq!(s.consecutive_failures, 4);
        s.poll_succeeded(
            Timestamp::from_secs(700),
            false,
            Duration::from_secs(30),
            None,
        );
        assert_eq!(s.consecutive_failures, 0);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Timestamp::from_secs(784_111_777); // 1994-11-06T08:49:37Z
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Tue, 29 Feb 2028 12:00:00 GMT", Timestamp::EPOCH),
            Some(Duration::from_secs(1_835_438_400))
        );
        for bad in [
            "",
            "-5",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    /// RFC 9110 §5.6.7: the same instant in all three formats.
    #[test]
    fn retry_after_reads_all_three_http_date_formats() {
        let now = Timestamp::from_secs(784_111_777); // 1994-11-06T08:49:37Z
        for date in [
            "Sun, 06 Nov 1994 08:51:37 GMT",
            "Sunday, 06-Nov-94 08:51:37 GMT",
            "Sun Nov  6 08:51:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(120)),
                "{date}"
            );
        }
        // A leap day, read the same way in every format.
        let epoch = Timestamp::EPOCH;
        for date in [
            "Tue, 29 Feb 2028 12:00:00 GMT",
            "Tuesday, 29-Feb-28 12:00:00 GMT",
            "Tue Feb 29 12:00:00 2028",
        ] {
            assert_eq!(
                parse_retry_after(date, epoch),
                Some(Duration::from_secs(1_835_438_400)),
                "{date}"
            );
        }
    }
}
