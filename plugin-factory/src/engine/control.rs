//! The runtime operations on one plugin of a running manager: stop, start, restart, add and
//! remove, each with its chain of dependents or dependencies. Each runs inside
//! [`Engine::control`](super::Engine::control), which holds the control lock and publishes the
//! start order when the operation ends.

use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};
use crate::runtime::Action;

/// The operations, as the manager's runtime API calls them.
impl<S: SlotAccess> Ops<'_, S> {
    /// Stops `i`, after its running dependents (reverse start order). Returns every plugin
    /// stopped, in the order they stopped.
    pub(crate) fn stop_plugin(&mut self, i: usize) -> Result<Vec<Name>, Error> {
        let state = self.state(i);
        if state != PluginState::Running {
            return Err(Error::NotRunning {
                plugin: self.name(i),
                state,
            });
        }
        let dependents = self.stop_running_dependents(i);
        let mut stopped = self.names(dependents);
        self.attempt(i, |ops| ops.step(i, PluginHook::Stop))?;
        stopped.push(self.name(i));
        Ok(stopped)
    }

    /// Starts `i`, after its stopped dependencies; a plugin outside the live set is added.
    pub(crate) fn start_plugin(&mut self, i: usize) -> Result<Vec<Name>, Error> {
        match self.state(i) {
            PluginState::Running => Err(Error::AlreadyRunning {
                plugin: self.name(i),
            }),
            PluginState::Stopped | PluginState::Initialized => {
                let chain = self.startable_chain(i)?;
                self.start_chain(&chain)
            }
            _ => self.add_plugin(i),
        }
    }

    /// Replaces `i` with a fresh instance, stopping and starting again what depends on it.
    pub(crate) fn restart_plugin(&mut self, i: usize) -> Result<Vec<Name>, Error> {
        let state = self.state(i);
        if !matches!(
            state,
            PluginState::Initialized | PluginState::Running | PluginState::Stopped
        ) {
            return Err(Error::NotLive {
                plugin: self.name(i),
                state,
            });
        }
        let chain = self.startable_chain(i)?;
        let mut dependents = self.stop_running_dependents(i);
        self.attempt(i, |ops| ops.tear_down(i))?;
        self.bring_up(i)?;
        let mut affected = self.start_chain(&chain)?;
        dependents.reverse();
        for dependent in dependents {
            if self.first_dependency_gone(dependent).is_none()
                && self.step(dependent, PluginHook::Start).is_ok()
            {
                affected.push(self.name(dependent));
            }
        }
        Ok(affected)
    }

    /// Brings `i`, outside the live set, in through create, validate, init and start, after
    /// its stopped dependencies.
    pub(crate) fn add_plugin(&mut self, i: usize) -> Result<Vec<Name>, Error> {
        let state = self.state(i);
        let plugin = self.name(i);
        if state.is_live() {
            return Err(Error::AlreadyLive { plugin, state });
        }
        if let Some(
            reason @ (ExclusionReason::DuplicateName { .. }
            | ExclusionReason::DependencyCycle { .. }),
        ) = self.slots.slots().reason(i)
        {
            return Err(Error::Unsatisfiable { plugin, reason });
        }
        if let Some(reason) = self.unsatisfied_dependency(i) {
            return Err(Error::Unsatisfiable { plugin, reason });
        }
        if let Err(problems) = self.config_value(i) {
            let reason = ExclusionReason::InvalidConfig { problems };
            return Err(Error::Unsatisfiable { plugin, reason });
        }
        let mut chain = self.startable_chain(i)?;
        chain.retain(|&other| other != i);
        self.slots.with_details(i, |details| details.reason = None);
        self.bring_up(i)?;
        self.plan.push_last(i);
        chain.push(i);
        self.start_chain(&chain)
    }

    /// Takes `i` out after its live dependents (which are excluded), leaving it `Shutdown`.
    pub(crate) fn remove_plugin(&mut self, i: usize) -> Result<Vec<Name>, Error> {
        if self.is_required(i) {
            return Err(Error::RequiredPlugin {
                plugin: self.name(i),
                action: Action::Remove,
            });
        }
        let state = self.state(i);
        if !state.is_live() {
            return Err(Error::NotLive {
                plugin: self.name(i),
                state,
            });
        }
        let dependents = self.evict_dependents(i, |dependency| {
            ExclusionReason::DependencyRemoved { dependency }
        });
        let mut removed = self.names(dependents);
        self.attempt(i, |ops| ops.tear_down(i))?;
        log::info!(target: self.name(i).as_str(), "plugin {:?} removed", self.name(i));
        removed.push(self.name(i));
        Ok(removed)
    }
}

/// The chains the operations share.
impl<S: SlotAccess> Ops<'_, S> {
    /// Runs one step of plugin code on `i`; a failure (which has excluded `i` with its
    /// dependents) becomes [`Error::HookFailed`], with nothing rolled back.
    fn attempt(
        &mut self,
        i: usize,
        step: impl FnOnce(&mut Self) -> Result<(), HookFailure>,
    ) -> Result<(), Error> {
        step(self).map_err(|failure| Error::HookFailed {
            plugin: self.name(i),
            failure,
            rolled_back: Vec::new(),
        })
    }

    /// Creates, validates and initializes `i` afresh (it must have no instance).
    fn bring_up(&mut self, i: usize) -> Result<(), Error> {
        self.attempt(i, |ops| ops.create(i))?;
        self.attempt(i, |ops| ops.step(i, PluginHook::Validate))?;
        self.attempt(i, |ops| ops.step(i, PluginHook::Init))
    }

    /// Stops the running plugins that depend on `i`, in reverse start order, and returns the
    /// ones that stopped cleanly (one whose `stop` fails is excluded).
    fn stop_running_dependents(&mut self, i: usize) -> Vec<usize> {
        let mut stopped = Vec::new();
        for dependent in self.live_dependents(i) {
            if self.state(dependent) == PluginState::Running
                && self.step(dependent, PluginHook::Stop).is_ok()
            {
                stopped.push(dependent);
            }
        }
        stopped
    }

    /// `i` and its dependencies that are stopped (or initialized, never started), in start
    /// order; an error if a dependency is not in the live set.
    fn startable_chain(&self, i: usize) -> Result<Vec<usize>, Error> {
        let graph = &self.topology.graph;
        let mut chain = vec![i];
        let mut stack = vec![i];
        while let Some(next) = stack.pop() {
            for dependency in graph.dependencies(next) {
                match self.state(dependency) {
                    PluginState::Running => {}
                    PluginState::Stopped | PluginState::Initialized => {
                        if !chain.contains(&dependency) {
                            chain.push(dependency);
                            stack.push(dependency);
                        }
                    }
                    state => {
                        return Err(Error::DependencyUnavailable {
                            plugin: self.name(next),
                            dependency: self.name(dependency),
                            state: Some(state),
                        });
                    }
                }
            }
        }
        let position = &self.plan.position;
        chain.sort_by_key(|&slot| (position[slot], slot));
        Ok(chain)
    }

    /// Starts `chain` in order; on a failure, stops again what this call started.
    fn start_chain(&mut self, chain: &[usize]) -> Result<Vec<Name>, Error> {
        let mut started = Vec::new();
        for &i in chain {
            if self.state(i) == PluginState::Running {
                continue;
            }
            if let Err(failure) = self.step(i, PluginHook::Start) {
                let mut rolled_back = Vec::new();
                for &done in started.iter().rev() {
                    if self.state(done) == PluginState::Running
                        && self.step(done, PluginHook::Stop).is_ok()
                    {
                        rolled_back.push(self.name(done));
                    }
                }
                return Err(Error::HookFailed {
                    plugin: self.name(i),
                    failure,
                    rolled_back,
                });
            }
            started.push(i);
        }
        Ok(self.names(started))
    }

    fn names(&self, slots: Vec<usize>) -> Vec<Name> {
        slots.into_iter().map(|i| self.name(i)).collect()
    }
}
