//! Supporting types of the runtime API: what [`info`](crate::PluginManager::info) and
//! [`plugins`](crate::PluginManager::plugins) return about one plugin ([`PluginInfo`]), what
//! [`check_health`](crate::PluginManager::check_health) finds ([`HealthReport`]), and which
//! request a required plugin refused ([`Action`]). What happens when a plugin fails is in
//! [`policy`](crate::policy).

use std::fmt;
use std::time::SystemTime;

use crate::contract::{Dependency, Health, PluginMetadata};
use crate::lifecycle::PluginState;
use crate::policy::{OnFailure, OnUnhealthy};
use crate::report::{Details, ExclusionReason, HookFailure, Restart};

pub use crate::contract::Checked;
pub use crate::name::{InvalidName, Name};

/// Everything the manager knows about one plugin instance, at the time of the query.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    name: Name,
    metadata: &'static PluginMetadata,
    state: PluginState,
    on_failure: OnFailure,
    on_unhealthy: OnUnhealthy,
    reason: Option<ExclusionReason>,
    failures: Vec<HookFailure>,
    dependents: Vec<Name>,
    health: Option<Checked>,
    restarts: Vec<Restart>,
}

impl PluginInfo {
    pub(crate) fn new(
        name: Name,
        metadata: &'static PluginMetadata,
        state: PluginState,
        on_failure: OnFailure,
        on_unhealthy: OnUnhealthy,
        details: Option<&Details>,
        dependents: Vec<Name>,
    ) -> Self {
        Self {
            name,
            metadata,
            state,
            on_failure,
            on_unhealthy,
            restarts: details.map(|d| d.restarts.clone()).unwrap_or_default(),
            reason: details.and_then(|d| d.reason.clone()),
            failures: details.map(|d| d.failures.clone()).unwrap_or_default(),
            dependents,
            health: details.and_then(|d| d.health.clone()),
        }
    }

    /// What happens when this instance fails: as its configuration says, else as its
    /// annotation says ([`PluginMetadata::on_failure`]).
    pub fn on_failure(&self) -> OnFailure {
        self.on_failure
    }

    /// What a health check does when it finds this instance unhealthy: as its configuration
    /// says, else as the manager's builder says
    /// ([`ManagerBuilder::on_unhealthy`](crate::ManagerBuilder::on_unhealthy)).
    pub fn on_unhealthy(&self) -> OnUnhealthy {
        self.on_unhealthy
    }

    /// The supervisor's recent restarts of this instance (those within the window when it
    /// last restarted it), oldest first.
    pub fn restarts(&self) -> &[Restart] {
        &self.restarts
    }

    /// The last health check of this instance (kept, with its time, after it stops), if it
    /// was checked while running.
    pub fn health(&self) -> Option<&Checked> {
        self.health.as_ref()
    }

    /// The instance's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The instance's kind: the plugin's name as registered (the same as
    /// [`name`](Self::name) unless a configuration named the instance).
    pub fn kind(&self) -> &'static str {
        self.metadata.name()
    }

    /// What the kind's annotation recorded.
    pub fn metadata(&self) -> &'static PluginMetadata {
        self.metadata
    }

    /// Its state now.
    pub fn state(&self) -> PluginState {
        self.state
    }

    /// Why it is excluded, if it is.
    pub fn reason(&self) -> Option<&ExclusionReason> {
        self.reason.as_ref()
    }

    /// Every hook failure so far, in order.
    pub fn failures(&self) -> &[HookFailure] {
        &self.failures
    }

    /// The kinds it depends on, as declared.
    pub fn dependencies(&self) -> &'static [Dependency] {
        self.metadata.dependencies()
    }

    /// The instances that depend on it, by name.
    pub fn dependents(&self) -> &[Name] {
        &self.dependents
    }
}

/// What one health check of the running plugins found: each one's health, in start order, and
/// the roll-up.
///
/// ```
/// # plugin_factory::link_plugins!(example_plugins);
/// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
/// let health = manager.check_health()?;
/// assert!(health.overall().is_healthy(), "{health}");
/// assert_eq!(health.plugins().len(), manager.live().len());
/// # Ok::<(), plugin_factory::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HealthReport {
    at: SystemTime,
    plugins: Vec<(Name, Health)>,
    supervised: Vec<(Name, Supervision)>,
}

impl HealthReport {
    pub(crate) fn new(at: SystemTime, plugins: Vec<(Name, Health)>) -> Self {
        Self {
            at,
            plugins,
            supervised: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, plugin: Name, supervision: Supervision) {
        self.supervised.push((plugin, supervision));
    }

    /// What the supervisor did after the check, by plugin, for the unhealthy plugins whose
    /// policy is [`OnUnhealthy::Restart`]; empty when none is.
    pub fn supervised(&self) -> &[(Name, Supervision)] {
        &self.supervised
    }

    /// When the check was made.
    pub fn checked_at(&self) -> SystemTime {
        self.at
    }

    /// Each running plugin's health, in start order.
    pub fn plugins(&self) -> &[(Name, Health)] {
        &self.plugins
    }

    /// The health of the plugin called `name`, if it was checked.
    pub fn get(&self, name: &str) -> Option<&Health> {
        self.plugins
            .iter()
            .find(|(plugin, _)| *plugin == name)
            .map(|(_, health)| health)
    }

    /// The roll-up: the worst health found, with the plugins in that state as the reason
    /// (`unhealthy: kv-store: disk full; db: no connection`); healthy when all are, or none
    /// runs.
    pub fn overall(&self) -> Health {
        let Some(worst) = self.plugins.iter().map(|(_, health)| health).max() else {
            return Health::Healthy;
        };
        if worst.is_healthy() {
            return Health::Healthy;
        }
        let reasons: Vec<String> = self
            .plugins
            .iter()
            .filter(|(_, health)| health.as_str() == worst.as_str())
            .map(|(plugin, health)| format!("{plugin}: {}", health.reason().unwrap_or_default()))
            .collect();
        let reason = reasons.join("; ");
        if worst.is_unhealthy() {
            Health::unhealthy(reason)
        } else {
            Health::degraded(reason)
        }
    }
}

impl fmt::Display for HealthReport {
    /// One line per plugin, then the roll-up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .plugins
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        for (name, health) in &self.plugins {
            writeln!(f, "{:width$}  {health}", name.as_str())?;
        }
        write!(f, "overall: {}", self.overall())?;
        for (name, supervision) in &self.supervised {
            write!(f, "\nsupervisor: {name} {supervision}")?;
        }
        Ok(())
    }
}

/// What the supervisor did about one unhealthy plugin ([`OnUnhealthy::Restart`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Supervision {
    /// It was restarted, with its dependents: the `restart`th restart within the window.
    Restarted {
        /// How many restarts the window now holds, this one included.
        restart: u32,
    },
    /// It was restarted, but the new instance did not come up: the error (it is excluded as
    /// its failure policy says).
    RestartFailed(String),
    /// The restart intensity was reached: it was excluded, with its dependents
    /// ([`ExclusionReason::RestartLimit`]).
    GaveUp,
}

impl fmt::Display for Supervision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Restarted { restart } => write!(f, "restarted (restart {restart} in the window)"),
            Self::RestartFailed(error) => write!(f, "restart failed: {error}"),
            Self::GaveUp => f.write_str("excluded: restarted too often"),
        }
    }
}

/// A request that takes a plugin out of the live set, refused for a required plugin
/// ([`Error::RequiredPlugin`](crate::Error::RequiredPlugin)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// [`ManagerBuilder::disable`](crate::ManagerBuilder::disable): leave it out at startup.
    Disable,
    /// [`PluginManager::remove_plugin`](crate::PluginManager::remove_plugin): take it out at run
    /// time.
    Remove,
}

impl fmt::Display for Action {
    /// The action as a participle: "it cannot be {action}".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disable => "disabled",
            Self::Remove => "removed",
        })
    }
}
