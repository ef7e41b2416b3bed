//! The typestate [`PluginManager`]: it owns every plugin and moves them through the lifecycle
//! one phase at a time.
//!
//! # Phases
//!
//! `discover` → [`Discovered`] → `validate` → [`Validated`] → `init` → [`Initialized`] →
//! `start` → [`Running`] → `stop` → [`Stopped`] → `start` again or `shutdown`.
//!
//! Each transition consumes the manager and returns it in the next phase, so an out-of-order
//! call does not compile:
//!
//! ```compile_fail
//! # plugin_factory::link_plugins!(example_plugins);
//! let manager = plugin_factory::PluginManager::discover()?;
//! let running = manager.start()?; // error: plugins can only be started once initialized
//! # Ok::<(), plugin_factory::Error>(())
//! ```

mod builder;
pub(crate) mod engine;
mod graph;
pub(crate) mod observe;
mod phase;
mod running;
pub(crate) mod slots;

use std::fmt;
use std::marker::PhantomData;

pub use self::builder::ManagerBuilder;
pub use self::observe::{Event, ObserverId};
pub use self::phase::{
    CanInit, CanStart, CanStop, CanValidate, Discovered, Initialized, Phase, Running, Stopped,
    Validated,
};
pub use self::running::PluginInfo;

use self::engine::Engine;
use crate::error::Error;
use crate::lifecycle::{Hook, PluginState};
use crate::registry::PluginEntry;
use crate::report::Report;

/// Owns the plugins and drives their lifecycle; `P` is the phase they are all in.
///
/// Excluded plugins are dropped as soon as they are excluded and listed in the
/// [`report`](Self::report) with the reason. Dropping the manager in any phase stops and shuts
/// down whatever is live, in reverse start order.
///
/// ```
/// use plugin_factory::{PluginManager, PluginState};
/// plugin_factory::link_plugins!(example_plugins);
///
/// let manager = PluginManager::discover()?.validate()?.init()?.start()?;
/// assert_eq!(manager.state("greeter"), Some(PluginState::Running));
/// let report = manager.stop().shutdown();
/// assert_eq!(report.get("greeter").unwrap().state, PluginState::ShutDown);
/// # Ok::<(), plugin_factory::Error>(())
/// ```
pub struct PluginManager<P: Phase = Running> {
    engine: Engine,
    phase: PhantomData<P>,
}

impl PluginManager<Discovered> {
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

impl<P: Phase> PluginManager<P> {
    /// Enters phase `P`, unless a required plugin was excluded on the way: then everything is
    /// shut down and the error carries the final report.
    fn enter(mut engine: Engine, required_excluded: Option<usize>) -> Result<Self, Error> {
        if let Some(i) = required_excluded {
            let plugin = engine.slots.name(i);
            let reason = engine
                .slots
                .reason(i)
                .expect("an excluded plugin has a reason");
            log::error!(target: plugin, "required plugin {plugin:?} excluded: {reason}");
            let report = Box::new(engine.finish());
            return Err(Error::RequiredPluginExcluded {
                plugin,
                reason,
                report,
            });
        }
        log::debug!("plugin manager: {} phase", P::NAME);
        Ok(Self {
            engine,
            phase: PhantomData,
        })
    }

    fn into_phase<Q: Phase>(self) -> PluginManager<Q> {
        PluginManager {
            engine: self.engine,
            phase: PhantomData,
        }
    }

    /// Resolves dependencies (missing, wrong version, cycles), orders the plugins so that each
    /// comes after its dependencies (ties broken by name) and runs every `validate` in that
    /// order. Fails only if a required plugin is excluded.
    pub fn validate(mut self) -> Result<PluginManager<Validated>, Error>
    where
        P: CanValidate,
    {
        let mut ops = self.engine.exclusive();
        ops.resolve();
        let required = ops.required_excluded.or_else(|| {
            ops.run_forward(
                Hook::Validate,
                &[PluginState::Created],
                PluginState::Validated,
            )
        });
        ops.retain_live();
        PluginManager::enter(self.into_phase::<Validated>().engine, required)
    }

    /// Runs every `init` in dependency order. Fails only if a required plugin is excluded.
    pub fn init(mut self) -> Result<PluginManager<Initialized>, Error>
    where
        P: CanInit,
    {
        let mut ops = self.engine.exclusive();
        let required = ops.run_forward(
            Hook::Init,
            &[PluginState::Validated],
            PluginState::Initialized,
        );
        ops.retain_live();
        PluginManager::enter(self.into_phase::<Initialized>().engine, required)
    }

    /// Runs every `start` in dependency order. Fails only if a required plugin is excluded.
    pub fn start(mut self) -> Result<PluginManager<Running>, Error>
    where
        P: CanStart,
    {
        let mut ops = self.engine.exclusive();
        let required = ops.run_forward(
            Hook::Start,
            &[PluginState::Initialized, PluginState::Stopped],
            PluginState::Running,
        );
        ops.retain_live();
        PluginManager::enter(self.into_phase::<Running>().engine, required)
    }

    /// Runs every `stop` in reverse start order. A plugin whose `stop` fails is excluded (and
    /// still shut down); the others stop regardless.
    pub fn stop(mut self) -> PluginManager<Stopped>
    where
        P: CanStop,
    {
        let mut ops = self.engine.exclusive();
        ops.stop_all();
        ops.retain_live();
        log::debug!("plugin manager: {} phase", Stopped::NAME);
        self.into_phase()
    }

    /// Ends the lifecycle from any phase: stops what runs, shuts down what was initialized, in
    /// reverse start order, drops every instance, and returns the final report.
    pub fn shutdown(mut self) -> Report {
        let report = self.engine.finish();
        log::debug!("plugin manager: shut down");
        report
    }

    /// The state of every plugin so far: started ones in start order, then the rest by name.
    pub fn report(&self) -> Report {
        self.engine.report()
    }

    /// The state of the plugin called `name`, or `None` if no such plugin is registered.
    pub fn state(&self, name: &str) -> Option<PluginState> {
        let &i = self.engine.index.get(name)?;
        Some(self.engine.slots.state(i))
    }

    /// The names of the live plugins, in start order (dependencies first).
    pub fn live(&self) -> Vec<&'static str> {
        let plan = self
            .engine
            .plan
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slots = &self.engine.slots;
        let mut names: Vec<_> = plan
            .order
            .iter()
            .filter(|&&i| slots.state(i).is_live())
            .map(|&i| slots.name(i))
            .collect();
        if plan.order.is_empty() {
            // Before `validate` there is no start order yet: by name.
            names.extend(
                (0..slots.len())
                    .filter(|&i| slots.state(i).is_live())
                    .map(|i| slots.name(i)),
            );
            names.sort_unstable();
        }
        names
    }

    /// Calls `observer` with every later [`Event`], in order, on the thread that caused it.
    /// Observers must not call back into the manager (send events to a channel instead); one
    /// that panics is unsubscribed and logged.
    pub fn subscribe(&self, observer: impl Fn(&Event) + Send + Sync + 'static) -> ObserverId {
        self.engine.observers.subscribe(Box::new(observer))
    }

    /// Removes an observer; returns whether it was subscribed.
    pub fn unsubscribe(&self, id: ObserverId) -> bool {
        self.engine.observers.unsubscribe(id)
    }
}

impl<P: Phase> fmt::Debug for PluginManager<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginManager")
            .field("phase", &P::NAME)
            .field("plugins", &self.engine.slots.len())
            .finish_non_exhaustive()
    }
}
