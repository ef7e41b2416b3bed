//! The runtime operations on one plugin of a running manager: stop, start, restart, add and
//! remove, each with its chain of dependents or dependencies; written once over a
//! [`Drive`](super::drive::Drive), so that the sync manager calls hooks directly and the async
//! manager awaits them. Each runs inside
//! [`Engine::control`](super::Engine::control), which holds the control lock and publishes the
//! start order when the operation ends.

use super::drive::{Awaited, Direct, Drive, completed};
use super::job::Runner;
use super::options::AsyncSettings;
use super::slots::{SlotAccess, Slots};
use super::{Engine, Ops, PluginHook, View};
use crate::busy::Busy;
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};
use crate::runtime::Action;

/// A runtime operation on one plugin, as the manager's runtime API calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    Stop,
    Start,
    Restart,
    Add,
    Remove,
}

impl Control {
    /// The operation as the API names it.
    fn name(self) -> &'static str {
        match self {
            Self::Stop => "stop_plugin",
            Self::Start => "start_plugin",
            Self::Restart => "restart_plugin",
            Self::Add => "add_plugin",
            Self::Remove => "remove_plugin",
        }
    }
}

impl Engine {
    /// Runs `operation` on the plugin called `name`, calling its hooks on this thread, inside
    /// [`control`](Engine::control).
    pub(crate) fn run_control(&self, operation: Control, name: &str) -> Result<Vec<Name>, Error> {
        self.control(operation.name(), name, |ops, i| {
            completed(ops.operate(operation, i, &Direct))
        })
    }

    /// Runs `operation` on the plugin called `name`, its hooks awaited as jobs.
    pub(crate) async fn run_control_async(
        &self,
        operation: Control,
        name: &str,
        settings: &AsyncSettings,
    ) -> Result<Vec<Name>, Error> {
        // Refused from inside a callback of an awaited extension point call on this manager
        // (polled on this thread now), whose instance the operation could wait for forever.
        drop(Busy::enter(self.id, operation.name())?);
        let i = self.slot(name)?;
        self.operate_async(settings, async |ops, run| {
            ops.operate(operation, i, &Awaited(run)).await
        })
        .await
    }

    /// An operation of the async manager: one at a time (the async queue stands for the
    /// control lock, which a future cannot hold), on a copy of the start order that is
    /// published when it ends, its callback failures settled with awaited hooks.
    pub(super) async fn operate_async<R>(
        &self,
        settings: &AsyncSettings,
        f: impl AsyncFnOnce(&mut Ops<'_, &Slots>, &Runner) -> R,
    ) -> R {
        let _queue = self.published.queue().await;
        let run = self.runner(settings);
        let mut plan = self.published.copy();
        let mut ops = self.shared_ops(&mut plan);
        let result = f(&mut ops, &run).await;
        ops.settle_failures(&Awaited(&run)).await;
        ops.retain_live();
        self.published.publish(plan);
        result
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// Runs `operation` on `i`.
    async fn operate(
        &mut self,
        operation: Control,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
        match operation {
            Control::Stop => self.stop_plugin(i, drive).await,
            Control::Start => self.start_plugin(i, drive).await,
            Control::Restart => self.restart_plugin(i, drive).await,
            Control::Add => self.add_plugin(i, drive).await,
            Control::Remove => self.remove_plugin(i, drive).await,
        }
    }

    /// Stops `i`, after its running dependents (reverse start order). Returns every plugin
    /// stopped, in the order they stopped.
    pub(super) async fn stop_plugin(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
        let state = self.state(i);
        if state != PluginState::Running {
            return Err(Error::NotRunning {
                plugin: self.name(i),
                state,
            });
        }
        let dependents = self.stop_running_dependents(i, drive).await;
        let mut stopped = self.view().names(dependents);
        let stopped_it = drive.step(self, i, PluginHook::Stop).await;
        self.attempt(i, stopped_it)?;
        stopped.push(self.name(i));
        Ok(stopped)
    }

    /// Starts `i`, after its stopped dependencies; a plugin outside the live set is added.
    pub(super) async fn start_plugin(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
        match self.state(i) {
            PluginState::Running => Err(Error::AlreadyRunning {
                plugin: self.name(i),
            }),
            PluginState::Stopped | PluginState::Initialized => {
                let chain = self.view().startable_chain(i)?;
                self.start_chain(&chain, drive).await
            }
            _ => Box::pin(self.add_plugin(i, drive)).await,
        }
    }

    /// Replaces `i` with a fresh instance, stopping and starting again what depends on it.
    pub(super) async fn restart_plugin(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
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
        let chain = self.view().startable_chain(i)?;
        let mut dependents = self.stop_running_dependents(i, drive).await;
        let torn_down = drive.tear_down(self, i).await;
        self.attempt(i, torn_down)?;
        self.bring_up(i, drive).await?;
        let mut affected = self.start_chain(&chain, drive).await?;
        dependents.reverse();
        for dependent in dependents {
            if self.view().first_dependency_gone(dependent).is_none()
                && drive.step(self, dependent, PluginHook::Start).await.is_ok()
            {
                affected.push(self.name(dependent));
            }
        }
        Ok(affected)
    }

    /// Brings `i`, outside the live set, in through create, validate, init and start, after
    /// its stopped dependencies.
    pub(super) async fn add_plugin(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
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
        if let Some(reason) = self.view().unsatisfied_dependency(i) {
            return Err(Error::Unsatisfiable { plugin, reason });
        }
        if let Err(problems) = self.config_value(i) {
            let reason = ExclusionReason::InvalidConfig { problems };
            return Err(Error::Unsatisfiable { plugin, reason });
        }
        let mut chain = self.view().startable_chain(i)?;
        chain.retain(|&other| other != i);
        self.slots.with_details(i, |details| details.reason = None);
        self.bring_up(i, drive).await?;
        self.plan.push_last(i);
        chain.push(i);
        self.start_chain(&chain, drive).await
    }

    /// Takes `i` out after its live dependents (which are excluded), leaving it `Shutdown`.
    pub(super) async fn remove_plugin(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
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
        let removed_with = |dependency| ExclusionReason::DependencyRemoved { dependency };
        let dependents = self.evict_dependents(i, removed_with, drive).await;
        let mut removed = self.view().names(dependents);
        let torn_down = drive.tear_down(self, i).await;
        self.attempt(i, torn_down)?;
        log::info!(target: self.name(i).as_str(), "plugin {:?} removed", self.name(i));
        removed.push(self.name(i));
        Ok(removed)
    }
}

/// The chains the operations share.
impl<S: SlotAccess> Ops<'_, S> {
    /// Runs one step of plugin code on `i`; a failure (which has excluded `i` with its
    /// dependents) becomes [`Error::HookFailed`], with nothing rolled back.
    fn attempt(&self, i: usize, stepped: Result<(), HookFailure>) -> Result<(), Error> {
        stepped.map_err(|failure| Error::HookFailed {
            plugin: self.name(i),
            failure,
            rolled_back: Vec::new(),
        })
    }

    /// Creates, validates and initializes `i` afresh (it must have no instance).
    async fn bring_up(&mut self, i: usize, drive: &impl Drive) -> Result<(), Error> {
        let created = self.create(i);
        self.attempt(i, created)?;
        let validated = drive.step(self, i, PluginHook::Validate).await;
        self.attempt(i, validated)?;
        let initialized = drive.step(self, i, PluginHook::Init).await;
        self.attempt(i, initialized)
    }

    /// Stops the running plugins that depend on `i`, in reverse start order, and returns the
    /// ones that stopped cleanly (one whose `stop` fails is excluded).
    async fn stop_running_dependents(&mut self, i: usize, drive: &impl Drive) -> Vec<usize> {
        let mut stopped = Vec::new();
        for dependent in self.view().live_dependents(i) {
            if self.state(dependent) == PluginState::Running
                && drive.step(self, dependent, PluginHook::Stop).await.is_ok()
            {
                stopped.push(dependent);
            }
        }
        stopped
    }

    /// Starts `chain` in order; on a failure, stops again what this call started.
    async fn start_chain(
        &mut self,
        chain: &[usize],
        drive: &impl Drive,
    ) -> Result<Vec<Name>, Error> {
        let mut started = Vec::new();
        for &i in chain {
            if self.state(i) == PluginState::Running {
                continue;
            }
            if let Err(failure) = drive.step(self, i, PluginHook::Start).await {
                let mut rolled_back = Vec::new();
                for &done in started.iter().rev() {
                    if self.state(done) == PluginState::Running
                        && drive.step(self, done, PluginHook::Stop).await.is_ok()
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
        Ok(self.view().names(started))
    }
}

impl View<'_> {
    /// `i` and its dependencies that are stopped (or initialized, never started), in start
    /// order; an error if a dependency is not in the live set.
    pub(super) fn startable_chain(&self, i: usize) -> Result<Vec<usize>, Error> {
        let graph = &self.topology.graph;
        let mut chain = vec![i];
        let mut stack = vec![i];
        while let Some(next) = stack.pop() {
            for dependency in graph.dependencies(next) {
                match self.slots.state(dependency) {
                    PluginState::Running => {}
                    PluginState::Stopped | PluginState::Initialized => {
                        if !chain.contains(&dependency) {
                            chain.push(dependency);
                            stack.push(dependency);
                        }
                    }
                    state => {
                        return Err(Error::DependencyUnavailable {
                            plugin: self.slots.name(next),
                            dependency: self.slots.name(dependency),
                            state: Some(state),
                        });
                    }
                }
            }
        }
        let position = &self.order.position;
        chain.sort_by_key(|&slot| (position[slot], slot));
        Ok(chain)
    }

    pub(super) fn names(&self, slots: Vec<usize>) -> Vec<Name> {
        slots.into_iter().map(|i| self.slots.name(i)).collect()
    }
}
