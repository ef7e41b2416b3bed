//! [`ManagerBuilder`]: what a manager starts from.

use crate::error::Error;
use crate::manager::engine::{Engine, Options};
use crate::manager::observe::{Event, Observers};
use crate::manager::{Discovered, PluginManager};
use crate::registry::{self, PluginEntry};

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

    /// Leaves the plugin called `name` out at startup: it stays `Registered`, is never created,
    /// and plugins depending on it are excluded. The runtime API can add it later.
    pub fn disable(mut self, name: impl Into<String>) -> Self {
        self.disabled.push(name.into());
        self
    }

    /// Times every hook and shows the times in the report. Off by default: reading the clock
    /// costs more than a hook that does little (see `docs/performance.md`).
    pub fn time_hooks(mut self, on: bool) -> Self {
        self.options.time_hooks = on;
        self
    }

    /// Calls `observer` with every [`Event`] from discovery on (see
    /// [`PluginManager::subscribe`]).
    pub fn observe(self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.observers.subscribe(Box::new(observer));
        self
    }

    /// Creates every enabled plugin with its factory. Fails if a disabled name is not
    /// registered or names a required plugin, or if a required plugin's factory fails or its
    /// name is taken twice.
    pub fn discover(self) -> Result<PluginManager<Discovered>, Error> {
        let entries = self
            .entries
            .unwrap_or_else(|| registry::entries().collect());
        let mut engine = Engine::new(entries, self.options, self.observers);
        let mut disabled = vec![false; engine.slots.len()];
        for name in self.disabled {
            match engine.index.get(name.as_str()) {
                Some(&i) if engine.slots.entry(i).metadata().is_required() => {
                    return Err(Error::RequiredPlugin {
                        plugin: engine.slots.name(i),
                        action: "disabled",
                    });
                }
                Some(&i) => disabled[i] = true,
                None => return Err(Error::UnknownPlugin { name }),
            }
        }
        let mut ops = engine.exclusive();
        ops.exclude_duplicates();
        ops.create_all(&disabled);
        let required = ops.required_excluded;
        if required.is_none() {
            log::debug!("plugin manager: discovered {} plugins", engine.slots.len());
        }
        PluginManager::enter(engine, required)
    }
}
