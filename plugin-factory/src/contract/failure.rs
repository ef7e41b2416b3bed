//! What the manager does when a plugin fails to come up ([`OnFailure`], with the [`Backoff`] of
//! a retry) or goes bad while it runs ([`OnUnhealthy`], with the restart [`Intensity`]).

use std::fmt;
use std::time::Duration;

/// What the manager does when a plugin fails to come up: its factory, `validate`, `init` or
/// `start` returns an error or panics, or a dependency of it is missing or excluded.
///
/// Set in the annotation (`#[plugin(on_failure = "fail")]`) and overridden per instance in the
/// configuration (`on_failure = "fail"`); see `docs/lifecycle.md`.
///
/// ```
/// use std::time::Duration;
/// use plugin_factory::policy::{Backoff, OnFailure};
///
/// let policy = OnFailure::Retry(Backoff::new(4, Duration::from_millis(50), Duration::from_secs(1)));
/// assert_eq!(policy.to_string(), "retry (4 attempts, 50ms doubling up to 1s)");
/// assert_eq!(OnFailure::default(), OnFailure::Exclude);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnFailure {
    /// The plugin is excluded with the reason, and its dependents with it; the rest go on.
    #[default]
    Exclude,
    /// As `Exclude`, and the lifecycle transition fails: the manager shuts everything down and
    /// returns [`Error::RequiredPluginExcluded`](crate::Error::RequiredPluginExcluded). The
    /// application cannot run without this plugin, and the plugin cannot be disabled or removed.
    Fail,
    /// A failing `init` or `start` is called again on the same instance after a delay that
    /// doubles each time, up to the [`Backoff`]'s number of attempts; then the plugin is
    /// excluded with every attempt's error. Other failures exclude it at once.
    Retry(Backoff),
}

impl OnFailure {
    /// Whether the application cannot run without the plugin ([`Fail`](Self::Fail)).
    pub fn is_required(self) -> bool {
        self == Self::Fail
    }
}

impl fmt::Display for OnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exclude => f.write_str("exclude"),
            Self::Fail => f.write_str("fail"),
            Self::Retry(backoff) => write!(f, "retry ({backoff})"),
        }
    }
}

/// How often and how patiently [`OnFailure::Retry`] tries again: `attempts` tries in all (the
/// first included), waiting `delay` before the second, twice that before the third, and so
/// on, never more than `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    attempts: u32,
    /// Milliseconds: 8 bytes for both delays instead of 32, in every registry entry.
    delay_ms: u32,
    max_delay_ms: u32,
}

impl Backoff {
    /// The backoff of `retry` given without numbers: 3 attempts, 100 ms doubling up to 10 s.
    pub const DEFAULT: Backoff = Backoff {
        attempts: 3,
        delay_ms: 100,
        max_delay_ms: 10_000,
    };

    /// A backoff of `attempts` tries in all, from `delay` doubling up to `max_delay` (both
    /// kept to the millisecond, at most about 49 days). Panics if `attempts` is 0 or `delay`
    /// exceeds `max_delay` (at compile time in a `const`).
    pub const fn new(attempts: u32, delay: Duration, max_delay: Duration) -> Self {
        assert!(attempts > 0, "a backoff needs at least one attempt");
        let delay_ms = millis(delay);
        let max_delay_ms = millis(max_delay);
        assert!(
            delay_ms <= max_delay_ms,
            "the first delay exceeds the maximum"
        );
        Self {
            attempts,
            delay_ms,
            max_delay_ms,
        }
    }

    /// Not public API: the macro's constructor, from values it checked.
    #[doc(hidden)]
    pub const fn __from_millis(attempts: u32, delay_ms: u32, max_delay_ms: u32) -> Self {
        Self {
            attempts,
            delay_ms,
            max_delay_ms,
        }
    }

    /// Tries in all, the first included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait before the second try.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.into())
    }

    /// The longest wait between two tries.
    pub fn max_delay(&self) -> Duration {
        Duration::from_millis(self.max_delay_ms.into())
    }

    /// The wait before try number `attempt` (2 for the first retry): `delay` doubled
    /// `attempt - 2` times, at most `max_delay`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use plugin_factory::policy::Backoff;
    ///
    /// let backoff = Backoff::new(5, Duration::from_millis(100), Duration::from_millis(250));
    /// let waits: Vec<_> = (2..=5).map(|attempt| backoff.delay_before(attempt).as_millis()).collect();
    /// assert_eq!(waits, [100, 200, 250, 250]);
    /// ```
    pub fn delay_before(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(31);
        let ms = u64::from(self.delay_ms).saturating_mul(1 << doublings);
        Duration::from_millis(ms.min(self.max_delay_ms.into()))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} attempts, {:?} doubling up to {:?}",
            self.attempts,
            self.delay(),
            self.max_delay()
        )
    }
}

/// What the manager does when a health check finds a running plugin unhealthy. A deployment
/// decision: set for every plugin with
/// [`ManagerBuilder::on_unhealthy`](crate::ManagerBuilder::on_unhealthy) and per instance by
/// the configuration (`on_unhealthy = "restart"`); see `docs/lifecycle.md`.
///
/// ```
/// use std::time::Duration;
/// use plugin_factory::policy::{Intensity, OnUnhealthy};
///
/// let policy = OnUnhealthy::Restart(Intensity::new(2, Duration::from_secs(30)));
/// assert_eq!(policy.to_string(), "restart (at most 2 restarts within 30s)");
/// assert_eq!(OnUnhealthy::default(), OnUnhealthy::Report);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnUnhealthy {
    /// The health is reported (log, report, `PluginInfo::health`); nothing else happens.
    #[default]
    Report,
    /// The plugin is restarted, with a fresh instance, and its dependents with it, as
    /// [`restart_plugin`](crate::PluginManager::restart_plugin) does; but when it has been
    /// restarted [`Intensity::max_restarts`] times within [`Intensity::within`] already, it is
    /// excluded instead, with those restarts as the reason (Erlang/OTP's restart intensity).
    Restart(Intensity),
}

impl fmt::Display for OnUnhealthy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Report => f.write_str("report"),
            Self::Restart(intensity) => write!(f, "restart ({intensity})"),
        }
    }
}

/// How many restarts [`OnUnhealthy::Restart`] allows in how long before it gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intensity {
    max_restarts: u32,
    within: Duration,
}

impl Intensity {
    /// The intensity of `restart` given without numbers: 3 restarts within 60 s.
    pub const DEFAULT: Intensity = Intensity {
        max_restarts: 3,
        within: Duration::from_secs(60),
    };

    /// At most `max_restarts` restarts within any `within`.
    pub const fn new(max_restarts: u32, within: Duration) -> Self {
        Self {
            max_restarts,
            within,
        }
    }

    /// The restarts allowed within [`within`](Self::within); one more is not made.
    pub fn max_restarts(&self) -> u32 {
        self.max_restarts
    }

    /// The window the restarts are counted in.
    pub fn within(&self) -> Duration {
        self.within
    }
}

impl Default for Intensity {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Intensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at most {} restarts within {:?}",
            self.max_restarts, self.within
        )
    }
}

/// `duration` in whole milliseconds, saturating at `u32::MAX`.
const fn millis(duration: Duration) -> u32 {
    let ms = duration.as_millis();
    if ms > u32::MAX as u128 {
        u32::MAX
    } else {
        ms as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_the_first_retry_and_stops_at_the_maximum() {
        let backoff = Backoff::new(10, Duration::from_millis(10), Duration::from_millis(70));
        let waits: Vec<_> = (1..=6)
            .map(|attempt| backoff.delay_before(attempt).as_millis())
            .collect();
        assert_eq!(waits, [10, 10, 20, 40, 70, 70]);
        assert_eq!(backoff.delay_before(u32::MAX), Duration::from_millis(70));
    }

    #[test]
    fn durations_are_kept_to_the_millisecond() {
        let backoff = Backoff::new(
            2,
            Duration::from_micros(1500),
            Duration::from_secs(u64::MAX),
        );
        assert_eq!(backoff.delay(), Duration::from_millis(1));
        assert_eq!(backoff.max_delay(), Duration::from_millis(u32::MAX.into()));
    }

    #[test]
    #[should_panic(expected = "at least one attempt")]
    fn no_attempt_is_refused() {
        let _ = Backoff::new(0, Duration::ZERO, Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "exceeds the maximum")]
    fn a_first_delay_beyond_the_maximum_is_refused() {
        let _ = Backoff::new(2, Duration::from_secs(2), Duration::from_secs(1));
    }

    #[test]
    fn only_fail_is_required() {
        assert!(OnFailure::Fail.is_required());
        assert!(!OnFailure::Exclude.is_required());
        assert!(!OnFailure::Retry(Backoff::DEFAULT).is_required());
        assert_eq!(
            OnFailure::Retry(Backoff::DEFAULT).to_string(),
            "retry (3 attempts, 100ms doubling up to 10s)"
        );
    }
}
