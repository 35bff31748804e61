//! Time as a port: the system clock in production, a manual clock in tests.
//!
//! All stored times are [`UnixMillis`] (UTC milliseconds since the epoch, a BIGINT in SQL).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A point in time as UTC milliseconds since the Unix epoch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// This instant plus a duration (saturating).
    #[must_use]
    pub fn plus(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(duration_millis(duration)))
    }

    /// This instant minus a duration (saturating).
    #[must_use]
    pub fn minus(self, duration: Duration) -> Self {
        Self(self.0.saturating_sub(duration_millis(duration)))
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: Self) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// Converts to a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        match u64::try_from(self.0) {
            Ok(ms) => UNIX_EPOCH + Duration::from_millis(ms),
            Err(_) => UNIX_EPOCH - Duration::from_millis(self.0.unsigned_abs()),
        }
    }

    /// Converts from a [`SystemTime`].
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Self(duration_millis(after)),
            Err(before) => Self(-duration_millis(before.duration())),
        }
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-23T22:38:45.123Z`.
    pub fn to_rfc3339(self) -> String {
        humantime::format_rfc3339_millis(self.to_system_time()).to_string()
    }
}

impl fmt::Debug for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_rfc3339())
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Where the current time comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> UnixMillis;
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixMillis {
        UnixMillis::from_system_time(SystemTime::now())
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: UnixMillis) -> Self {
        Self(Arc::new(AtomicI64::new(start.0)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(duration_millis(by), Ordering::SeqCst);
    }

    /// Sets the clock to an instant.
    pub fn set(&self, to: UnixMillis) {
        self.0.store(to.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixMillis {
        UnixMillis(self.0.load(Ordering::SeqCst))
    }
}

/// Parses a point in time given by an operator: RFC 3339 (`2026-12-01T18:00:00Z`), or a
/// duration from now prefixed by `+` or `in ` (`+2s`, `in 1h 30m`).
///
/// # Errors
/// Returns a message naming the accepted forms when `input` is neither.
pub fn parse_when(input: &str, now: UnixMillis) -> Result<UnixMillis, String> {
    let trimmed = input.trim();
    let relative = trimmed
        .strip_prefix('+')
        .or_else(|| trimmed.strip_prefix("in "));
    if let Some(duration) = relative {
        return humantime::parse_duration(duration.trim())
            .map(|duration| now.plus(duration))
            .map_err(|error| {
                format!(
                    "`{input}` is not a duration ({error}); use e.g. +90s, +2h or \"in 1h 30m\""
                )
            });
    }
    humantime::parse_rfc3339_weak(trimmed)
        .map(UnixMillis::from_system_time)
        .map_err(|_| {
            format!(
                "`{input}` is not a time; use RFC 3339 in UTC (2026-12-01T18:00:00Z) or a delay from now (+2s, +1h, \"in 1h 30m\")"
            )
        })
}

/// Parses a duration typed in a command option (`10m`, `2h 30m`, `3d`, `1w`), for the field
/// `what`.
///
/// # Errors
/// A sentence naming `what` and the accepted forms.
pub fn parse_duration(text: &str, what: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|_| format!("`{text}` is not a {what}; use e.g. 10m, 2h, 3d or 1w"))
}

/// Seconds from a dashboard duration field: `90`, `90s`, `10m`, `2h` or `3d` (digits, then
/// at most one unit); `None` for anything else or a value past `u64`.
pub fn parse_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((index, _)) => text.split_at(index),
        None => (text, ""),
    };
    let value: u64 = digits.parse().ok()?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    value.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(UnixMillis(1_000));
        assert_eq!(clock.now(), UnixMillis(1_000));
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now(), UnixMillis(3_000));
    }

    #[test]
    fn parses_relative_and_absolute_times() {
        let now = UnixMillis(1_700_000_000_000);
        assert_eq!(parse_when("+2s", now), Ok(UnixMillis(1_700_000_002_000)));
        assert_eq!(
            parse_when("in 1h 30m", now),
            Ok(now.plus(Duration::from_secs(5_400)))
        );
        assert_eq!(
            parse_when("1970-01-01T00:00:01Z", now),
            Ok(UnixMillis(1_000))
        );
        let error = parse_when("tomorrow", now).unwrap_err();
        assert!(error.contains("RFC 3339"), "{error}");
        assert!(
            parse_when("+soon", now)
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn formats_as_rfc3339() {
        assert_eq!(UnixMillis(1_500).to_rfc3339(), "1970-01-01T00:00:01.500Z");
    }
}
