//! The runtime operations of an [`Active`] manager: stop, start, restart, add and remove one
//! plugin, from any thread (share the manager in an `Arc`). The engine runs them one at a time
//! under its control lock and publishes the new start order when each ends; queries never wait
//! for them. Each is named `*_plugin` because `stop` and `start` are the phase transitions.

use super::PluginManager;
use super::phase::Active;
use crate::engine::control::Control;
use crate::error::Error;
use crate::runtime::Name;

/// Runtime control. Every illegal request is a specific [`Error`] that names the plugin and
/// changes nothing; every operation returns the plugins it affected, in order.
impl PluginManager<Active> {
    /// Stops one running plugin; its running dependents stop first, in reverse start order.
    /// Returns every plugin stopped, in the order they stopped. They stay in the live set.
    pub fn stop_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.engine.run_control(Control::Stop, name)
    }

    /// Starts a stopped plugin, after starting its stopped dependencies in start order. A
    /// plugin outside the live set is added as by [`add_plugin`](Self::add_plugin). Returns
    /// every plugin started. If a start fails part-way, the plugins this call started are
    /// stopped again and the error lists them.
    pub fn start_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.engine.run_control(Control::Start, name)
    }

    /// Replaces a live plugin with a fresh instance from its factory: running dependents stop,
    /// the old instance is stopped, shut down and dropped, the new one is validated,
    /// initialized and started (with its stopped dependencies), and the dependents start again.
    /// Returns every plugin restarted or stopped and started again.
    pub fn restart_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.engine.run_control(Control::Restart, name)
    }

    /// Brings a plugin that is outside the live set (left out at startup, removed, or
    /// excluded for a cause that no longer holds) in through create, validate, init and start.
    /// Its stopped dependencies are started first. One that fails is excluded as at startup.
    /// Returns every plugin started.
    pub fn add_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.engine.run_control(Control::Add, name)
    }

    /// Takes a live plugin out: its live dependents are stopped, shut down, dropped and
    /// excluded first (reverse start order), then the plugin itself is stopped, shut down and
    /// dropped, leaving it `Shutdown` (it can be added again). Returns every plugin taken out,
    /// in order. A required plugin cannot be removed ([`Error::RequiredPlugin`]).
    pub fn remove_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.engine.run_control(Control::Remove, name)
    }
}
