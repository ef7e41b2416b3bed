//! One plugin's line in the report ([`PluginReport`]) and its parts: why a plugin was excluded
//! ([`ExclusionReason`]), how a hook failed ([`HookFailure`]), its restarts ([`Restart`]) and
//! how long its hooks took ([`HookTimings`]).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::contract::{Checked, Health, Intensity, PluginError, PluginMetadata, SourceLocation};
use crate::lifecycle::PluginState;
use crate::name::Name;

use crate::lifecycle::Hook;

/// A hook that returned an error or panicked.
#[derive(Debug, Clone)]
pub struct HookFailure {
    /// The hook that failed.
    pub hook: Hook,
    /// What went wrong.
    pub cause: FailureCause,
}

/// How a hook failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FailureCause {
    /// The hook returned this error.
    Error(Arc<PluginError>),
    /// The hook panicked with this message.
    Panic(String),
    /// The hook (async, or a sync hook in the async manager) did not finish within its
    /// timeout, and was cancelled.
    TimedOut(Duration),
    /// The hook was still running when shutdown's deadlines (grace and mercy) had passed, this
    /// long after shutdown began, and was abandoned.
    Abandoned(Duration),
}

impl fmt::Display for HookFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            FailureCause::Error(error) => write!(f, "{} failed: {error}", self.hook),
            FailureCause::Panic(message) => write!(f, "{} panicked: {message}", self.hook),
            FailureCause::TimedOut(after) => {
                write!(f, "did not finish {} within {after:?}", self.hook)
            }
            FailureCause::Abandoned(after) => write!(
                f,
                "{} was abandoned: still running {after:?} after shutdown began",
                self.hook
            ),
        }
    }
}

/// Why a plugin left (or never entered) the live set.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ExclusionReason {
    /// Its factory or one of its hooks returned an error or panicked.
    #[error("{0}")]
    Hook(HookFailure),
    /// Two plugins are registered under one name; both are excluded.
    #[error("duplicate name: registered at {this} and at {other}")]
    DuplicateName {
        /// Where this plugin is defined.
        this: SourceLocation,
        /// Where the other plugin of the same name is defined.
        other: SourceLocation,
    },
    /// A dependency is not registered, or was left out at startup.
    #[error("depends on {dependency:?}, which is {missing}")]
    MissingDependency {
        /// The missing plugin.
        dependency: Name,
        /// Whether it is not registered at all or only not enabled.
        missing: Missing,
    },
    /// A dependency's version does not satisfy the requirement.
    #[error("depends on {dependency:?} {requirement}, but version {found} is registered")]
    VersionMismatch {
        /// The dependency.
        dependency: Name,
        /// The requirement, e.g. `>=1.2`.
        requirement: &'static str,
        /// The version registered.
        found: &'static str,
    },
    /// A version or requirement that is not valid semver (only possible for entries built by
    /// hand: `#[plugin]` checks both at compile time).
    #[error("invalid metadata: {detail}")]
    InvalidMetadata {
        /// What is wrong.
        detail: String,
    },
    /// The plugin is part of a dependency cycle, listed in order (the first name repeats last).
    #[error("dependency cycle: {}", .cycle.join(" -> "))]
    DependencyCycle {
        /// The plugins in the cycle.
        cycle: Vec<Name>,
    },
    /// A plugin this one depends on was removed at run time.
    #[error("depends on {dependency:?}, which was removed")]
    DependencyRemoved {
        /// The removed dependency.
        dependency: Name,
    },
    /// A dependency names a kind that has several instances, and this instance does not say
    /// which one it uses.
    #[error("depends on {kind:?}, which has several instances ({}): choose one with `bind = {{ {kind} = \"...\" }}`", list(.candidates))]
    AmbiguousDependency {
        /// The kind the dependency names.
        kind: &'static str,
        /// Its instances, by name.
        candidates: Vec<Name>,
    },
    /// The instance's configuration is invalid: it was never created.
    #[error("invalid configuration: {}", list(.problems))]
    InvalidConfig {
        /// Every problem found, each with its key path and where it was read.
        problems: Vec<crate::tree::Problem>,
    },
    /// A plugin this one depends on was excluded.
    #[error("depends on excluded {dependency:?}")]
    DependsOnExcluded {
        /// The excluded dependency.
        dependency: Name,
    },
    /// A health check found it unhealthy when its `on_unhealthy = restart(...)` had restarted
    /// it as often as allowed within the window already.
    #[error("{health} after {} within {:?}, giving up; restarted for: {}", restart_count(.restarts), .intensity.within(), numbered_health(.restarts))]
    RestartLimit {
        /// What the last check found.
        health: Health,
        /// The restarts within the window, oldest first.
        restarts: Vec<Restart>,
        /// The limit.
        intensity: Intensity,
    },
    /// Its `init` or `start` failed on every attempt its `on_failure = retry(...)` allows.
    #[error("{} failed {} times, giving up: {}", .attempts[0].hook, .attempts.len(), numbered(.attempts))]
    RetriesExhausted {
        /// Every attempt's failure, in order (never empty).
        attempts: Vec<HookFailure>,
    },
}

/// One restart the supervisor made (`on_unhealthy = restart(...)`).
#[derive(Debug, Clone)]
pub struct Restart {
    /// When.
    pub at: SystemTime,
    /// What the health check that caused it found.
    pub health: Health,
    /// When, on the monotonic clock the window is measured with.
    pub(crate) since: Instant,
}

/// `1: reason; 2: reason` for restarts.
/// `1 restart`, `3 restarts`.
fn restart_count(restarts: &[Restart]) -> String {
    match restarts.len() {
        1 => "1 restart".to_owned(),
        n => format!("{n} restarts"),
    }
}

fn numbered_health(restarts: &[Restart]) -> String {
    let parts: Vec<String> = restarts
        .iter()
        .enumerate()
        .map(|(i, restart)| {
            let health = &restart.health;
            format!("{}: {}", i + 1, health.reason().unwrap_or(health.as_str()))
        })
        .collect();
    parts.join("; ")
}

/// `1: cause; 2: cause` for the attempts of one hook.
fn numbered(failures: &[HookFailure]) -> String {
    let parts: Vec<String> = failures
        .iter()
        .enumerate()
        .map(|(i, failure)| match &failure.cause {
            FailureCause::Error(error) => format!("{}: {error}", i + 1),
            FailureCause::Panic(message) => format!("{}: panicked: {message}", i + 1),
            FailureCause::TimedOut(after) => format!("{}: did not finish within {after:?}", i + 1),
            FailureCause::Abandoned(after) => format!("{}: abandoned after {after:?}", i + 1),
        })
        .collect();
    parts.join("; ")
}

/// Items joined by `, ` (names quoted) or `; ` (problems).
fn list<T: fmt::Debug + fmt::Display>(items: &[T]) -> String {
    let quoted = std::any::type_name::<T>().ends_with("Name");
    let parts: Vec<String> = items
        .iter()
        .map(|item| {
            if quoted {
                format!("{item:?}")
            } else {
                item.to_string()
            }
        })
        .collect();
    parts.join(if quoted { ", " } else { "; " })
}

/// Why a dependency is missing ([`ExclusionReason::MissingDependency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    /// No plugin of that name is linked into the binary.
    NotRegistered,
    /// The plugin is registered but was left out at startup
    /// ([`ManagerBuilder::disable`](crate::ManagerBuilder::disable)) and not added since.
    NotEnabled,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRegistered => "not registered",
            Self::NotEnabled => "not enabled",
        })
    }
}

/// How long each hook of one plugin took, when timing is on
/// ([`ManagerBuilder::time_hooks`](crate::ManagerBuilder::time_hooks)).
///
/// Kept as nanoseconds plus one (zero: the hook has not run), 8 bytes per hook. (Callbacks of
/// extension points are not timed.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookTimings([u64; Hook::ALL.len()]);

impl HookTimings {
    /// How long `hook` took the last time it ran, or `None` if it has not run (or timing is off).
    pub fn get(&self, hook: Hook) -> Option<Duration> {
        let stored = self.0[hook as usize];
        (stored != 0).then(|| Duration::from_nanos(stored - 1))
    }

    #[cfg(test)]
    pub(crate) fn set(&mut self, hook: Hook, elapsed: Duration) {
        self.0[hook as usize] = Self::stored(elapsed);
    }

    /// `elapsed` as the column stores it: nanoseconds plus one.
    pub(crate) fn stored(elapsed: Duration) -> u64 {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX - 1);
        nanos.saturating_add(1)
    }

    /// Timings from their stored values, one per hook in [`Hook::ALL`]'s order.
    pub(crate) fn from_stored(stored: [u64; Hook::ALL.len()]) -> Self {
        Self(stored)
    }

    /// The sum of every hook that ran.
    pub fn total(&self) -> Duration {
        Hook::ALL.iter().filter_map(|&hook| self.get(hook)).sum()
    }

    /// Whether no hook was timed.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&stored| stored == 0)
    }
}

/// What the manager records about a plugin beyond its state: only failures create it, so a
/// plugin that runs cleanly costs no allocation (hook times live in a column of their own).
#[derive(Debug, Clone, Default)]
pub(crate) struct Details {
    pub(crate) reason: Option<ExclusionReason>,
    pub(crate) failures: Vec<HookFailure>,
    /// How many extension point callbacks of the plugin failed, for the failure policy.
    pub(crate) callback_failures: u32,
    /// The last health check, while the instance runs.
    pub(crate) health: Option<Checked>,
    /// The supervisor's restarts within the current window, oldest first.
    pub(crate) restarts: Vec<Restart>,
}

/// One plugin's line in the [`Report`](crate::report::Report).
#[derive(Debug, Clone)]
pub struct PluginReport {
    name: Name,
    /// The kind's metadata, in the registry: one pointer copied per line instead of the kind's
    /// name and version read out of every plugin's entry when the report is made.
    metadata: &'static PluginMetadata,
    state: PluginState,
    details: Option<Box<Details>>,
    /// The report's hook times, shared by its lines, and this line's index in them; none
    /// without timing, so that an untimed report carries no times at all.
    timings: Option<(Arc<[HookTimings]>, u32)>,
}

impl PluginReport {
    pub(crate) fn new(
        name: Name,
        metadata: &'static PluginMetadata,
        state: PluginState,
        details: Option<Box<Details>>,
        timings: Option<(Arc<[HookTimings]>, u32)>,
    ) -> Self {
        Self {
            name,
            metadata,
            state,
            details,
            timings,
        }
    }

    /// The instance's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The instance's kind: the plugin's name as registered.
    pub fn kind(&self) -> &'static str {
        self.metadata.name()
    }

    /// Its version.
    pub fn version(&self) -> &'static str {
        self.metadata.version()
    }

    /// Its state when the report was made.
    pub fn state(&self) -> PluginState {
        self.state
    }

    /// Why it is excluded, if it is.
    pub fn reason(&self) -> Option<&ExclusionReason> {
        self.details.as_ref()?.reason.as_ref()
    }

    /// Every hook failure, in order, including those during stop and shutdown.
    pub fn failures(&self) -> &[HookFailure] {
        self.details
            .as_ref()
            .map_or(&[], |details| &details.failures)
    }

    /// Time per hook, if timing is on.
    pub fn timings(&self) -> HookTimings {
        match &self.timings {
            Some((timings, k)) => timings[*k as usize],
            None => HookTimings::default(),
        }
    }

    /// The failures that came after the one that excluded the plugin (a `shutdown` that also
    /// failed during the teardown, say); none if the reason was not a hook failure.
    pub fn failures_after_reason(&self) -> &[HookFailure] {
        let failures = self.failures();
        let hook = match self.reason() {
            Some(ExclusionReason::Hook(reason)) => reason.hook,
            Some(ExclusionReason::RetriesExhausted { attempts }) => attempts[0].hook,
            _ => return &[],
        };
        let last = failures
            .iter()
            .rposition(|failure| failure.hook == hook)
            .map_or(0, |i| i + 1);
        &failures[last..]
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Report;
    use super::*;

    /// The registry's metadata of the kinds these tests report on.
    fn metadata(kind: &str) -> &'static PluginMetadata {
        static ALPHA: PluginMetadata = PluginMetadata::new("alpha", "1.0.0");
        static BETA: PluginMetadata = PluginMetadata::new("beta", "1.0.0");
        match kind {
            "alpha" => &ALPHA,
            "beta" => &BETA,
            _ => panic!("no metadata for {kind:?} in these tests"),
        }
    }

    fn line(
        name: &'static str,
        state: PluginState,
        reason: Option<ExclusionReason>,
    ) -> PluginReport {
        let details = reason.map(|reason| {
            Box::new(Details {
                reason: Some(reason),
                ..Details::default()
            })
        });
        PluginReport::new(Name::from(name), metadata(name), state, details, None)
    }

    #[test]
    fn table_has_one_line_per_plugin_with_reasons() {
        let report = Report::new(
            vec![
                line("alpha", PluginState::Running, None),
                line(
                    "beta",
                    PluginState::Excluded,
                    Some(ExclusionReason::DependsOnExcluded {
                        dependency: "gamma".into(),
                    }),
                ),
            ],
            Vec::new(),
            Vec::new(),
        );
        let table = report.to_string();
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].starts_with("plugin"));
        assert!(lines[1].starts_with("alpha ") && lines[1].ends_with("running"));
        assert!(
            lines[2].contains("excluded") && lines[2].ends_with("depends on excluded \"gamma\"")
        );
        assert_eq!(report.excluded().count(), 1);
        assert_eq!(report.get("alpha").unwrap().state(), PluginState::Running);
    }

    #[test]
    fn a_report_line_fits_one_cache_line() {
        // The kind's name and version are read through its metadata, not copied into the line
        // (which was 88 bytes on 64-bit targets with them).
        let size = std::mem::size_of::<PluginReport>();
        assert!(size <= 64, "a report line is {size} bytes");
    }

    #[test]
    fn timings_show_only_when_recorded() {
        let mut timings = HookTimings::default();
        timings.set(Hook::Start, Duration::from_micros(3));
        timings.set(Hook::Init, Duration::from_micros(2));
        let timed = PluginReport::new(
            Name::from("alpha"),
            metadata("alpha"),
            PluginState::Running,
            None,
            Some((Arc::from([timings]), 0)),
        );
        assert_eq!(timed.timings().total(), Duration::from_micros(5));
        let report = Report::new(vec![timed], Vec::new(), Vec::new());
        assert!(report.to_string().lines().next().unwrap().contains("time"));
        assert!(report.to_string().contains("5.0µs"));
        let untimed = Report::new(
            vec![line("alpha", PluginState::Running, None)],
            Vec::new(),
            Vec::new(),
        );
        assert!(!untimed.to_string().contains("time"));
    }

    #[test]
    fn reasons_name_the_cause() {
        let failure = HookFailure {
            hook: Hook::Start,
            cause: FailureCause::Panic("boom".into()),
        };
        assert_eq!(
            ExclusionReason::Hook(failure).to_string(),
            "start panicked: boom"
        );
        let cycle = ExclusionReason::DependencyCycle {
            cycle: vec!["a".into(), "b".into(), "a".into()],
        };
        assert_eq!(cycle.to_string(), "dependency cycle: a -> b -> a");
        let missing = ExclusionReason::MissingDependency {
            dependency: "db".into(),
            missing: Missing::NotRegistered,
        };
        assert_eq!(
            missing.to_string(),
            "depends on \"db\", which is not registered"
        );
    }
}
