//! Live reload: [`plan`](PluginManager::plan) says what a new configuration would change (in
//! any phase), [`apply`](PluginManager::apply) carries it out on an [`Active`] manager.

use super::PluginManager;
use super::phase::{Active, Phase};
use crate::config::{Applied, Config, Plan};
use crate::error::Error;

impl<P: Phase> PluginManager<P> {
    /// What applying `config` would change, instance by instance, without changing anything.
    /// Before the manager runs, the changes are the same, relative to the instances it has
    /// (`check` and `config plan` of the command line plan on a validated manager).
    /// Fails, listing every problem, if the configuration is not valid against this binary's
    /// kinds (see [`apply`](Self::apply) for what is checked).
    ///
    /// ```
    /// use plugin_factory::config::{Change, Format, Loader};
    /// use plugin_factory::PluginManager;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = PluginManager::discover()?.validate()?.init()?.start()?;
    /// let next = Loader::new()
    ///     .text("next.toml", Format::Toml, "[plugins.greeter.config]\ngreeting = \"Hi\"\n[plugins.clock]\nenabled = false\n")
    ///     .load()?;
    /// let plan = manager.plan(&next)?;
    /// assert_eq!(plan.change("greeter"), Some(&Change::Reconfigure));
    /// assert_eq!(plan.change("clock"), Some(&Change::Remove));
    /// assert!(plan.unchanged().iter().any(|name| name == "kv-store"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan(&self, config: &Config) -> Result<Plan, Error> {
        Ok(self.engine.plan(config)?)
    }
}

impl PluginManager<Active> {
    /// Moves the running manager to `config`, changing exactly what differs.
    ///
    /// The whole configuration is checked first: it resolves against the kinds compiled in,
    /// every instance's config reads into its type, every dependency binds to an enabled
    /// instance of a satisfying version, there is no cycle, and no required instance goes. If
    /// any of that fails, nothing changes and [`Error::Config`] lists every problem. Then, in
    /// order: instances whose `config` changed get it through
    /// [`Configurable::reconfigure`](crate::Configurable::reconfigure) (or are re-created, with
    /// their dependents restarted, if they decline); removed instances go, dependents first;
    /// instances whose kind or bindings changed are re-created, their dependents restarted;
    /// added ones are created and started. Unchanged instances are not touched: no event, no
    /// restart, the same instance. A hook that fails excludes its instance as at startup, and
    /// the rest of the plan goes on; the result says what happened to each.
    ///
    /// Taking `&mut self` serialises a reload with every other operation on the manager.
    pub fn apply(&mut self, config: Config) -> Result<Applied, Error> {
        Ok(self.engine.apply(config)?)
    }
}
