//! [`Health`]: what a running plugin says of itself when the manager checks it.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

/// A health check's result, with when it was made
/// ([`PluginInfo::health`](crate::runtime::PluginInfo::health)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What the plugin said.
    pub health: Health,
    /// When.
    pub at: SystemTime,
}

/// A running plugin's own view of its health, from [`Plugin::health`](crate::Plugin::health).
///
/// ```
/// use plugin_factory::Health;
///
/// let slow = Health::degraded("replies take 2 s");
/// assert!(slow.is_degraded());
/// assert_eq!(slow.reason(), Some("replies take 2 s"));
/// assert_eq!(slow.to_string(), "degraded: replies take 2 s");
/// assert!(Health::unhealthy("disk full") > slow, "worse compares greater");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Health {
    /// It works as it should.
    Healthy,
    /// It works, not as well as it should: the reason says how.
    Degraded(Cow<'static, str>),
    /// It does not work: the reason says why.
    Unhealthy(Cow<'static, str>),
}

impl Health {
    /// Degraded, for `reason`.
    pub fn degraded(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Degraded(reason.into())
    }

    /// Unhealthy, for `reason`.
    pub fn unhealthy(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Unhealthy(reason.into())
    }

    /// Whether it is [`Healthy`](Self::Healthy).
    pub fn is_healthy(&self) -> bool {
        matches!(self, Self::Healthy)
    }

    /// Whether it is [`Degraded`](Self::Degraded).
    pub fn is_degraded(&self) -> bool {
        matches!(self, Self::Degraded(_))
    }

    /// Whether it is [`Unhealthy`](Self::Unhealthy).
    pub fn is_unhealthy(&self) -> bool {
        matches!(self, Self::Unhealthy(_))
    }

    /// The reason, unless healthy.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Healthy => None,
            Self::Degraded(reason) | Self::Unhealthy(reason) => Some(reason),
        }
    }

    /// The word the report prints: `healthy`, `degraded` or `unhealthy`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded(_) => "degraded",
            Self::Unhealthy(_) => "unhealthy",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(reason) => write!(f, "{}: {reason}", self.as_str()),
            None => f.write_str(self.as_str()),
        }
    }
}
