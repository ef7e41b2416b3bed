//! [`ManagerBuilder`] and the constructors of [`PluginManager`]: what a manager starts from.

use super::PluginManager;
use super::phase::Assembled;
use crate::config::{Config, Instance, Resolved, resolve};
use crate::contract::OnUnhealthy;
use crate::engine::observe::{Event, Observers};
use crate::engine::{Engine, Options};
use crate::error::Error;
use crate::policy::OnCallbackFailure;
use crate::registry::{self, PluginEntry};

/// What discovery says of a binary that registers no plugin and runs no `link_plugins!`.
pub(crate) const NOTHING_LINKED: &str = "no plugin is registered in this binary and no \
    `link_plugins!` ran: a plugin crate that the binary's code never names is not linked. Add \
    `plugin_factory::link_plugins!();` (with `plugin_factory_build::link_plugin_crates()` in \
    build.rs) or `plugin_factory::link_plugins!(my_plugins);` to the binary's code";

impl PluginManager<Assembled> {
    /// Creates every plugin linked into this binary (see
    /// [`link_plugins!`](crate::link_plugins)). Same as `PluginManager::builder().discover()`.
    pub fn discover() -> Result<Self, Error> {
        ManagerBuilder::default().discover()
    }

    /// Creates the plugins of an explicit list of entries instead of the global registry: for
    /// tests that must not see each other's plugins.
    pub fn from_entries(
        entries: impl IntoIterator<Item = &'static PluginEntry>,
    ) -> Result<Self, Error> {
        ManagerBuilder::default().entries(entries).discover()
    }

    /// A builder to choose the entries, leave plugins out, time hooks or observe events.
    pub fn builder() -> ManagerBuilder {
        ManagerBuilder::default()
    }
}

/// Chooses the plugins a [`PluginManager`] starts with and how it runs them.
///
/// ```
/// use plugin_factory::{PluginManager, PluginState};
/// plugin_factory::link_plugins!(example_plugins);
///
/// let manager = PluginManager::builder()
///     .disable("clock")
///     .time_hooks(true)
///     .discover()?
///     .validate()?;
/// assert_eq!(manager.state("clock"), Some(PluginState::Registered));
/// # Ok::<(), plugin_factory::Error>(())
/// ```
#[derive(Default)]
#[must_use = "a builder does nothing until `discover` is called"]
pub struct ManagerBuilder {
    entries: Option<Vec<&'static PluginEntry>>,
    config: Option<Config>,
    disabled: Vec<String>,
    options: Options,
    observers: Observers,
}

impl ManagerBuilder {
    /// Uses these entries instead of the global registry (for tests and embedders that pick
    /// plugins themselves).
    pub fn entries(mut self, entries: impl IntoIterator<Item = &'static PluginEntry>) -> Self {
        self.entries = Some(entries.into_iter().collect());
        self
    }

    /// Runs the instances `config` describes instead of one instance per kind (see
    /// [`config`](crate::config)). Each instance whose configuration is invalid is excluded
    /// before its factory runs, with every problem as its reason; a problem that belongs to no
    /// instance (an unknown kind, say) is logged and listed in the report. Nothing else is
    /// affected.
    ///
    /// ```
    /// use plugin_factory::config::{Format, Loader};
    /// use plugin_factory::PluginManager;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let config = Loader::new()
    ///     .text("host.toml", Format::Toml, r#"
    ///         [plugins.kv-primary]
    ///         kind = "kv-store"
    ///         [plugins.kv-replica]
    ///         kind = "kv-store"
    ///         [plugins.audit-log]
    ///         bind = { kv-store = "kv-primary" }
    ///     "#)
    ///     .load()?;
    /// let manager = PluginManager::builder().config(config).discover()?.validate()?;
    /// let info = manager.info("kv-replica").unwrap();
    /// assert_eq!((info.name().as_str(), info.kind()), ("kv-replica", "kv-store"));
    /// assert!(manager.info("kv-store").is_none(), "the kind is configured, so it has no default instance");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Leaves the plugin called `name` out at startup: it stays `Registered`, is never created,
    /// its `config` is not read, and plugins depending on it are excluded. The runtime API can
    /// add it later (its config is read then).
    pub fn disable(mut self, name: impl Into<String>) -> Self {
        self.disabled.push(name.into());
        self
    }

    /// Times every hook and shows the times in the report. Off by default: reading the clock
    /// costs more than a hook that does little (see `docs/performance.md`). The clock is the
    /// CPU's time-stamp counter where it is reliable (through `quanta`, the system clock
    /// elsewhere), read once per hook boundary; the first timed hook of a process calibrates it,
    /// once, in about half a millisecond.
    pub fn time_hooks(mut self, on: bool) -> Self {
        self.options.time_hooks = on;
        self
    }

    /// What happens to a plugin whose extension point callbacks fail: it stays (the default),
    /// or it is excluded after so many failures. See [`OnCallbackFailure`].
    pub fn on_callback_failure(mut self, policy: OnCallbackFailure) -> Self {
        self.options.on_callback_failure = policy;
        self
    }

    /// What a health check does to a plugin it finds unhealthy, unless the plugin's
    /// configuration says (`on_unhealthy = ...`): report it (the default), or restart it within
    /// a restart intensity. See [`OnUnhealthy`] and `docs/lifecycle.md`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use plugin_factory::PluginManager;
    /// use plugin_factory::policy::{Intensity, OnUnhealthy};
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let intensity = Intensity::new(3, Duration::from_secs(60));
    /// let manager = PluginManager::builder()
    ///     .on_unhealthy(OnUnhealthy::Restart(intensity))
    ///     .discover()?;
    /// assert_eq!(manager.info("greeter").unwrap().on_unhealthy(), OnUnhealthy::Restart(intensity));
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn on_unhealthy(mut self, policy: OnUnhealthy) -> Self {
        self.options.on_unhealthy = policy;
        self
    }

    /// Runs the faults of a testing harness before the hooks they name.
    #[cfg(feature = "testing")]
    pub(crate) fn faults(mut self, faults: &'static crate::fault::Faults) -> Self {
        self.options.faults = Some(faults);
        self
    }

    /// Calls `observer` with every [`Event`] from discovery on (see
    /// [`PluginManager::observe`]).
    pub fn observe(self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.observers.add(Box::new(observer));
        self
    }

    /// Creates every enabled plugin with its factory. Fails if a disabled name is not
    /// registered or names a required plugin, or if a required plugin's factory fails or its
    /// name is taken twice.
    ///
    /// From the global registry, it first warns about every dependency crate that registers
    /// plugins but is not linked (see [`registry::unlinked_crates`]); the report lists them. A
    /// binary that registers no plugin at all and runs no `link_plugins!` is warned too.
    pub fn discover(self) -> Result<PluginManager<Assembled>, Error> {
        let global = self.entries.is_none();
        let (entries, unlinked) = match self.entries {
            Some(entries) => (entries, Vec::new()),
            None => (registry::entries().collect(), registry::unlinked_crates()),
        };
        for unlinked_crate in &unlinked {
            log::warn!("plugin manager: {unlinked_crate}");
        }
        if global && registry::nothing_linked() {
            log::warn!("plugin manager: {NOTHING_LINKED}");
        }
        let (instances, problems) = match &self.config {
            None => (
                entries.iter().copied().map(Instance::of_kind).collect(),
                Vec::new(),
            ),
            Some(config) => {
                let Resolved {
                    instances,
                    problems,
                } = resolve(config, &entries, &self.disabled);
                for problem in &problems {
                    log::error!("configuration: {problem}");
                }
                (instances, problems)
            }
        };
        let mut engine = Engine::new(instances, self.options, self.observers);
        engine.set_config(entries, problems);
        engine.set_unlinked(unlinked);
        engine.discover(self.disabled)?;
        Ok(PluginManager::enter(engine))
    }
}
