//! The typestate [`PluginManager`]: the facade over the engine. This file holds the phase
//! transitions and the queries valid in every phase; `access.rs` the plugin accessors,
//! `control.rs` the runtime operations of the [`Active`] phase, `builder.rs` the
//! [`ManagerBuilder`](crate::ManagerBuilder) and the constructors, `phase.rs` the phase markers,
//! `health.rs` health checks and `watch.rs` the periodic checker ([`Watched`](crate::Watched)).
//!
//! # Phases
//!
//! `discover` → [`Assembled`] → `validate` → [`Vetted`] → `init` → [`Primed`] → `start` →
//! [`Active`] → `stop` → [`Halted`] → `start` again or `shutdown`.
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

mod access;
pub(crate) mod asynchronous;
pub(crate) mod builder;
mod control;
mod extend;
mod health;
pub mod phase;
mod reload;
pub(crate) mod watch;

use std::fmt;
use std::marker::PhantomData;

use self::phase::{Active, CanInit, CanStart, CanStop, CanValidate, Halted, Phase};
use self::phase::{Primed, Vetted};
use crate::engine::observe::{Event, ObserverId};
use crate::engine::{Engine, PluginHook};
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::report::table::Report;
use crate::runtime::{Name, PluginInfo};

/// Owns the plugins and drives their lifecycle; `P` is the [phase](crate::phase) the manager is
/// in.
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
/// assert_eq!(report.get("greeter").unwrap().state(), PluginState::Shutdown);
/// # Ok::<(), plugin_factory::Error>(())
/// ```
pub struct PluginManager<P: Phase = Active> {
    engine: Engine,
    phase: PhantomData<P>,
}

/// Phase transitions.
impl<P: Phase> PluginManager<P> {
    /// The manager in phase `P` (its first phase, or the next one after a transition).
    fn enter(engine: Engine) -> Self {
        log::debug!("plugin manager: {} phase", P::NAME);
        Self {
            engine,
            phase: PhantomData,
        }
    }

    /// Runs a transition on the engine and enters phase `Q`, unless a required plugin was
    /// excluded on the way: then everything has been shut down and the error carries the final
    /// report.
    fn advance<Q: Phase>(
        mut self,
        step: impl FnOnce(&mut Engine) -> Result<(), Error>,
    ) -> Result<PluginManager<Q>, Error> {
        step(&mut self.engine)?;
        Ok(PluginManager::enter(self.engine))
    }

    /// Resolves dependencies (missing, wrong version, cycles), orders the plugins so that each
    /// comes after its dependencies (ties broken by name) and runs every `validate` in that
    /// order. Fails only if a required plugin is excluded.
    pub fn validate(self) -> Result<PluginManager<Vetted>, Error>
    where
        P: CanValidate,
    {
        self.advance(Engine::validate)
    }

    /// Runs every `init` in dependency order. Fails only if a required plugin is excluded.
    pub fn init(self) -> Result<PluginManager<Primed>, Error>
    where
        P: CanInit,
    {
        self.advance(|engine| engine.run_forward(PluginHook::Init))
    }

    /// Runs every `start` in dependency order. Fails only if a required plugin is excluded.
    pub fn start(self) -> Result<PluginManager<Active>, Error>
    where
        P: CanStart,
    {
        self.advance(|engine| engine.run_forward(PluginHook::Start))
    }

    /// Runs every `stop` in reverse start order. A plugin whose `stop` fails is excluded (and
    /// still shut down); the others stop regardless.
    pub fn stop(mut self) -> PluginManager<Halted>
    where
        P: CanStop,
    {
        self.engine.stop_all();
        PluginManager::enter(self.engine)
    }

    /// Ends the lifecycle from any phase: stops what runs, shuts down what was initialized, in
    /// reverse start order, drops every instance, and returns the final report.
    pub fn shutdown(mut self) -> Report {
        let report = self.engine.finish();
        log::debug!("plugin manager: shut down");
        report
    }
}

/// Queries, valid in every phase. A lookup by name answers `None` for a name that is not
/// registered, as the owner's borrows do; the closure accesses, which can also be refused, return
/// an [`Error`] that says why.
impl<P: Phase> PluginManager<P> {
    /// The state of every plugin so far: started ones in start order, then the rest by name.
    pub fn report(&self) -> Report {
        self.engine.report()
    }

    /// The state of the plugin called `name`, or `None` if no such plugin is registered.
    pub fn state(&self, name: &str) -> Option<PluginState> {
        self.engine.state(name)
    }

    /// Everything known about the plugin called `name`, looked up in O(1), or `None` if no
    /// such plugin is registered.
    ///
    /// ```
    /// # plugin_factory::link_plugins!(example_plugins);
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let kv = manager.info("kv-store").unwrap();
    /// assert_eq!(kv.dependents(), ["audit-log"]);
    /// assert!(manager.info("nope").is_none());
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn info(&self, name: &str) -> Option<PluginInfo> {
        self.engine.info(name)
    }

    /// Every registered plugin (live, excluded or left out), by name.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.engine.plugins()
    }

    /// The names of the live plugins, in start order (dependencies first); before `validate`,
    /// by name.
    pub fn live(&self) -> Vec<Name> {
        self.engine.live()
    }

    /// Calls `observer` with every later [`Event`], in order, on the thread that caused it.
    /// Observers must not call back into this manager (send events to a channel instead); one
    /// that panics is removed and logged.
    pub fn observe(&self, observer: impl Fn(&Event) + Send + Sync + 'static) -> ObserverId {
        self.engine.observers().add(Box::new(observer))
    }

    /// Removes an observer; returns whether it was there.
    pub fn remove_observer(&self, id: ObserverId) -> bool {
        self.engine.observers().remove(id)
    }
}

impl<P: Phase> fmt::Debug for PluginManager<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginManager")
            .field("phase", &P::NAME)
            .field("plugins", &self.engine.len())
            .finish_non_exhaustive()
    }
}
