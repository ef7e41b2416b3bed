//! The runtime API of a running manager: queries, typed access, per-plugin control, and hot
//! add and remove, all usable through `&self` from any thread (share it in an `Arc`).
//!
//! Control operations (`stop_plugin`, `start_plugin`, `restart_plugin`, `add_plugin`,
//! `remove_plugin`) run one at a time under a control lock and publish the new start order when
//! they finish. Queries never take the control lock, so they neither wait for nor block a
//! control operation for longer than one plugin's status update. Access to a plugin instance
//! (`with_named` and friends) locks that one plugin for the duration of the closure.

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::sync::PoisonError;

use crate::contract::{Dependency, Plugin, PluginMetadata};
use crate::error::Error;
use crate::lifecycle::{Hook, PluginState};
use crate::manager::engine::Ops;
use crate::manager::slots::Slots;
use crate::manager::{Phase, PluginManager, Running};
use crate::report::{ExclusionReason, HookFailure};

/// Everything the manager knows about one plugin.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PluginInfo {
    /// What the annotation recorded.
    pub metadata: &'static PluginMetadata,
    /// Its state now.
    pub state: PluginState,
    /// Why it is excluded, if it is.
    pub reason: Option<ExclusionReason>,
    /// Every hook failure so far.
    pub failures: Vec<HookFailure>,
    /// The registered plugins that depend on it, by name.
    pub dependents: Vec<&'static str>,
}

impl PluginInfo {
    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        self.metadata.name()
    }

    /// The plugins it depends on.
    pub fn dependencies(&self) -> &'static [Dependency] {
        self.metadata.dependencies()
    }
}

thread_local! {
    /// The manager call in progress on this thread whose re-entry would deadlock.
    static BUSY: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Marks this thread busy with `operation` until dropped.
struct Busy;

impl Busy {
    fn enter(operation: &'static str) -> Result<Self, Error> {
        match BUSY.replace(Some(operation)) {
            None => Ok(Busy),
            Some(during) => {
                BUSY.set(Some(during));
                Err(Error::Reentrant { operation, during })
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.set(None);
    }
}

/// Queries, valid in every phase.
impl<P: Phase> PluginManager<P> {
    fn slot_index(&self, name: &str) -> Result<usize, Error> {
        self.engine
            .index
            .get(name)
            .copied()
            .ok_or_else(|| Error::UnknownPlugin {
                name: name.to_owned(),
            })
    }

    fn info_at(&self, i: usize) -> PluginInfo {
        let slots = &self.engine.slots;
        let details = slots.details(i);
        let details = details.as_deref();
        let mut dependents: Vec<_> = self
            .engine
            .graph
            .dependents(i)
            .map(|d| slots.name(d))
            .collect();
        dependents.sort_unstable();
        PluginInfo {
            metadata: slots.entry(i).metadata(),
            state: slots.state(i),
            reason: details.and_then(|d| d.reason.clone()),
            failures: details.map(|d| d.failures.clone()).unwrap_or_default(),
            dependents,
        }
    }

    /// Every registered plugin (live, excluded or left out), by name.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        let mut plugins: Vec<_> = (0..self.engine.slots.len())
            .map(|i| self.info_at(i))
            .collect();
        plugins.sort_by(|a, b| a.name().cmp(b.name()));
        plugins
    }

    /// One plugin, looked up by name in O(1).
    ///
    /// ```
    /// # plugin_factory::link_plugins!(example_plugins);
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let kv = manager.info("kv-store")?;
    /// assert_eq!(kv.dependents, ["audit-log"]);
    /// assert!(manager.info("nope").is_err());
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn info(&self, name: &str) -> Result<PluginInfo, Error> {
        Ok(self.info_at(self.slot_index(name)?))
    }
}

/// Typed access and control of a running manager.
///
/// Instance access is closure-scoped on purpose: the plugin is locked only while the closure
/// runs, so no caller can keep a guard across long work by mistake, and the borrow cannot
/// escape. Inside the closure, other plugin accesses and control operations return
/// [`Error::Reentrant`] instead of deadlocking; queries are fine.
impl PluginManager<Running> {
    /// Runs `f` on the plugin called `name`.
    pub fn with_plugin<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Plugin) -> R,
    ) -> Result<R, Error> {
        let i = self.slot_index(name)?;
        let _busy = Busy::enter("with_plugin")?;
        self.access(i, |plugin| Ok(f(plugin)))
    }

    /// Runs `f` on the plugin called `name`, as its concrete type `T`.
    ///
    /// ```
    /// use example_plugins::kv_store::KvStore;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// manager.with_named("kv-store", |kv: &mut KvStore| kv.set("answer", "42"))?;
    /// let answer = manager.with_named("kv-store", |kv: &mut KvStore| kv.get("answer").map(str::to_owned))?;
    /// assert_eq!(answer.as_deref(), Some("42"));
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn with_named<T: Plugin, R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        let i = self.slot_index(name)?;
        let _busy = Busy::enter("with_named")?;
        self.access_as(i, f)
    }

    /// Runs `f` on the live plugin of type `T` (the first by name if several share it). Finding
    /// it looks at every live plugin: prefer [`with_named`](Self::with_named), which is O(1).
    pub fn with<T: Plugin, R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let _busy = Busy::enter("with")?;
        let expected = TypeId::of::<T>();
        let slots = &self.engine.slots;
        let is_a_t = |i: usize| {
            slots
                .lock_instance(i)
                .as_deref()
                .is_some_and(|plugin| Any::type_id(plugin as &dyn Any) == expected)
        };
        let i = (0..slots.len())
            .filter(|&i| slots.state(i).is_live() && is_a_t(i))
            .min_by_key(|&i| slots.name(i))
            .ok_or(Error::NoPluginOfType {
                expected: std::any::type_name::<T>(),
            })?;
        self.access_as(i, f)
    }

    /// Runs `f` on slot `i` as a `T`; the caller has marked the thread busy.
    fn access_as<T: Plugin, R>(&self, i: usize, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        self.access(i, |plugin| {
            let plugin: &mut dyn Any = plugin;
            plugin.downcast_mut::<T>().map(f).ok_or(Error::WrongType {
                plugin: self.engine.slots.name(i),
                expected: std::any::type_name::<T>(),
            })
        })
    }

    fn access<R>(
        &self,
        i: usize,
        f: impl FnOnce(&mut dyn Plugin) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let slots = &self.engine.slots;
        match slots.lock_instance(i).as_deref_mut() {
            Some(plugin) => f(plugin),
            None => Err(Error::NotLive {
                plugin: slots.name(i),
                state: slots.state(i),
            }),
        }
    }

    /// The plugin called `name` as its concrete type, without locking: the caller owns the
    /// manager. `None` if there is no such live plugin or it is another type.
    #[inline]
    pub fn get_mut<T: Plugin>(&mut self, name: &str) -> Option<&mut T> {
        let plugin: &mut dyn Any = self.instance_mut(name)?;
        plugin.downcast_mut()
    }

    /// The instance of the plugin called `name`, without locking. Not generic, so that every
    /// `get_mut::<T>` shares it and only the downcast is instantiated per type.
    pub fn instance_mut(&mut self, name: &str) -> Option<&mut dyn Plugin> {
        let &i = self.engine.index.get(name)?;
        self.engine.slots.unpoisoned_instance_mut(i)
    }

    /// Calls `f` on every running plugin in start order, without locking: the caller owns the
    /// manager. This is the dispatch path for calling into every plugin.
    pub fn for_each_running(&mut self, mut f: impl FnMut(&mut dyn Plugin)) {
        let plan = self
            .engine
            .plan
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let slots = &mut self.engine.slots;
        if plan.in_slot_order {
            // Every running plugin is in the order, so walking the slots finds them in it.
            slots.running_mut().for_each(f);
            return;
        }
        for &i in &plan.order {
            if slots.state_mut(i) == PluginState::Running
                && let Some(plugin) = slots.unpoisoned_instance_mut(i)
            {
                f(plugin);
            }
        }
    }

    /// Runs a control operation: one at a time, on a copy of the plan published at the end.
    fn control<R>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Ops<'_, &Slots>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let _busy = Busy::enter(operation)?;
        let _control = self
            .engine
            .control
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut plan = self
            .engine
            .plan
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut ops = self.engine.locked(&mut plan);
        let result = f(&mut ops);
        // Published orders hold live plugins only, as after every phase transition.
        ops.retain_live();
        *self
            .engine
            .plan
            .write()
            .unwrap_or_else(PoisonError::into_inner) = plan;
        result
    }

    /// Stops one running plugin; its running dependents stop first, in reverse start order.
    /// Returns every plugin stopped, in the order they stopped. They stay in the live set.
    pub fn stop_plugin(&self, name: &str) -> Result<Vec<&'static str>, Error> {
        let i = self.slot_index(name)?;
        self.control("stop_plugin", |ops| {
            let state = ops.state(i);
            if state != PluginState::Running {
                return Err(Error::NotRunning {
                    plugin: ops.name(i),
                    state,
                });
            }
            let mut stopped: Vec<_> = stop_running_dependents(ops, i)
                .into_iter()
                .map(|d| ops.name(d))
                .collect();
            hook_result(ops, i, Hook::Stop, PluginState::Stopped)?;
            stopped.push(ops.name(i));
            Ok(stopped)
        })
    }

    /// Starts a stopped plugin, after starting its stopped dependencies in start order. A
    /// plugin outside the live set is added as by [`add_plugin`](Self::add_plugin). Returns
    /// every plugin started. If a start fails part-way, the plugins this call started are
    /// stopped again and the error lists them.
    pub fn start_plugin(&self, name: &str) -> Result<Vec<&'static str>, Error> {
        let i = self.slot_index(name)?;
        self.control("start_plugin", |ops| match ops.state(i) {
            PluginState::Running => Err(Error::AlreadyRunning {
                plugin: ops.name(i),
            }),
            PluginState::Stopped | PluginState::Initialized => {
                let chain = startable_chain(ops, i)?;
                start_chain(ops, &chain)
            }
            _ => add(ops, i),
        })
    }

    /// Replaces a live plugin with a fresh instance from its factory: running dependents stop,
    /// the old instance is stopped, shut down and dropped, the new one is validated,
    /// initialized and started (with its stopped dependencies), and the dependents start again.
    /// Returns every plugin restarted or stopped and started again.
    pub fn restart_plugin(&self, name: &str) -> Result<Vec<&'static str>, Error> {
        let i = self.slot_index(name)?;
        self.control("restart_plugin", |ops| {
            let state = ops.state(i);
            if !matches!(
                state,
                PluginState::Initialized | PluginState::Running | PluginState::Stopped
            ) {
                return Err(Error::NotLive {
                    plugin: ops.name(i),
                    state,
                });
            }
            let chain = startable_chain(ops, i)?;
            let mut dependents = stop_running_dependents(ops, i);
            ops.tear_down(i)
                .map_err(|failure| hook_failed(ops, i, failure))?;
            bring_up(ops, i)?;
            let mut affected = start_chain(ops, &chain)?;
            dependents.reverse();
            for dependent in dependents {
                if ops.first_dependency_gone(dependent).is_none()
                    && ops
                        .step(dependent, Hook::Start, PluginState::Running)
                        .is_ok()
                {
                    affected.push(ops.name(dependent));
                }
            }
            Ok(affected)
        })
    }

    /// Brings a plugin that is outside the live set (left out at startup, removed, or
    /// excluded for a cause that no longer holds) in through create, validate, init and start.
    /// Its stopped dependencies are started first. One that fails is excluded as at startup.
    /// Returns every plugin started.
    pub fn add_plugin(&self, name: &str) -> Result<Vec<&'static str>, Error> {
        let i = self.slot_index(name)?;
        self.control("add_plugin", |ops| add(ops, i))
    }

    /// Takes a live plugin out: its live dependents are stopped, shut down, dropped and
    /// excluded first (reverse start order), then the plugin itself is stopped, shut down and
    /// dropped, leaving it `ShutDown` (it can be added again). Returns every plugin taken out,
    /// in order. A required plugin cannot be removed ([`Error::RequiredPlugin`]).
    pub fn remove_plugin(&self, name: &str) -> Result<Vec<&'static str>, Error> {
        let i = self.slot_index(name)?;
        self.control("remove_plugin", |ops| {
            if ops.is_required(i) {
                return Err(Error::RequiredPlugin {
                    plugin: ops.name(i),
                    action: "removed",
                });
            }
            let state = ops.state(i);
            if !state.is_live() {
                return Err(Error::NotLive {
                    plugin: ops.name(i),
                    state,
                });
            }
            let mut removed: Vec<_> = ops
                .evict_dependents_for(i, |dependency| ExclusionReason::DependencyRemoved {
                    dependency,
                })
                .into_iter()
                .map(|d| ops.name(d))
                .collect();
            ops.tear_down(i)
                .map_err(|failure| hook_failed(ops, i, failure))?;
            log::info!(target: ops.name(i), "plugin {:?} removed", ops.name(i));
            removed.push(ops.name(i));
            Ok(removed)
        })
    }
}

/// Runs `hook` and turns a failure into [`Error::HookFailed`].
fn hook_result(
    ops: &mut Ops<'_, &Slots>,
    i: usize,
    hook: Hook,
    next: PluginState,
) -> Result<(), Error> {
    ops.step(i, hook, next)
        .map_err(|failure| hook_failed(ops, i, failure))
}

/// The error for plugin `i`, excluded by `failure`, when nothing had to be rolled back.
fn hook_failed(ops: &Ops<'_, &Slots>, i: usize, failure: HookFailure) -> Error {
    Error::HookFailed {
        plugin: ops.name(i),
        failure,
        rolled_back: Vec::new(),
    }
}

/// Stops the running plugins that depend on `i`, in reverse start order, and returns the ones
/// that stopped cleanly (one whose `stop` fails is excluded).
fn stop_running_dependents(ops: &mut Ops<'_, &Slots>, i: usize) -> Vec<usize> {
    let mut stopped = Vec::new();
    for dependent in ops.live_dependents(i) {
        if ops.state(dependent) == PluginState::Running
            && ops
                .step(dependent, Hook::Stop, PluginState::Stopped)
                .is_ok()
        {
            stopped.push(dependent);
        }
    }
    stopped
}

/// `i` and its dependencies that are stopped (or initialized, never started), in start order;
/// an error if a dependency is not in the live set.
fn startable_chain(ops: &mut Ops<'_, &Slots>, i: usize) -> Result<Vec<usize>, Error> {
    let graph = ops.graph();
    let mut chain = vec![i];
    let mut stack = vec![i];
    while let Some(next) = stack.pop() {
        for dependency in graph.dependencies(next) {
            match ops.state(dependency) {
                PluginState::Running => {}
                PluginState::Stopped | PluginState::Initialized => {
                    if !chain.contains(&dependency) {
                        chain.push(dependency);
                        stack.push(dependency);
                    }
                }
                state => {
                    return Err(Error::DependencyUnavailable {
                        plugin: ops.name(next),
                        dependency: ops.name(dependency),
                        state: Some(state),
                    });
                }
            }
        }
    }
    let position = &ops.plan.position;
    chain.sort_by_key(|&slot| (position[slot], slot));
    Ok(chain)
}

/// Starts `chain` in order; on a failure, stops again what this call started.
fn start_chain(ops: &mut Ops<'_, &Slots>, chain: &[usize]) -> Result<Vec<&'static str>, Error> {
    let mut started = Vec::new();
    for &i in chain {
        if ops.state(i) == PluginState::Running {
            continue;
        }
        if let Err(failure) = ops.step(i, Hook::Start, PluginState::Running) {
            let mut rolled_back = Vec::new();
            for &done in started.iter().rev() {
                if ops.state(done) == PluginState::Running
                    && ops.step(done, Hook::Stop, PluginState::Stopped).is_ok()
                {
                    rolled_back.push(ops.name(done));
                }
            }
            return Err(Error::HookFailed {
                plugin: ops.name(i),
                failure,
                rolled_back,
            });
        }
        started.push(i);
    }
    Ok(started.into_iter().map(|i| ops.name(i)).collect())
}

/// Creates, validates and initializes `i` afresh (it must have no instance).
fn bring_up(ops: &mut Ops<'_, &Slots>, i: usize) -> Result<(), Error> {
    ops.create(i)
        .map_err(|failure| hook_failed(ops, i, failure))?;
    hook_result(ops, i, Hook::Validate, PluginState::Validated)?;
    hook_result(ops, i, Hook::Init, PluginState::Initialized)
}

/// The `add_plugin` path.
fn add(ops: &mut Ops<'_, &Slots>, i: usize) -> Result<Vec<&'static str>, Error> {
    let state = ops.state(i);
    let plugin = ops.name(i);
    if state.is_live() {
        return Err(Error::AlreadyLive { plugin, state });
    }
    if let Some(
        reason @ (ExclusionReason::DuplicateName { .. } | ExclusionReason::DependencyCycle { .. }),
    ) = ops.reason(i)
    {
        return Err(Error::Unsatisfiable { plugin, reason });
    }
    if let Some(reason) = ops.unsatisfied_dependency(i) {
        return Err(Error::Unsatisfiable { plugin, reason });
    }
    let mut chain = startable_chain(ops, i)?;
    chain.retain(|&other| other != i);
    ops.clear_reason(i);
    bring_up(ops, i)?;
    ops.plan.push_last(i);
    chain.push(i);
    start_chain(ops, &chain)
}
