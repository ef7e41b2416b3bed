//! Running plugin code: the hook runner (factory and hooks, panics caught, timing, a checked
//! state change, events), plus the walks that run a hook on every plugin (kept in this file:
//! they inline the hook runner, which a split into another codegen unit measurably stopped).
//! A failure goes on to exclusion and its cascade to dependents (`exclude.rs`).

use quanta::Instant;
use std::sync::Arc;

use super::drive::{Direct, completed};
use super::instance::{Instance, NO_INSTANCE};
use super::observe::Event;
use super::options::Injector;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::{Context, Plugin, PluginError};
use crate::error::Error;
use crate::lifecycle::{Hook, PluginState};
use crate::registry::ConfigValue;
use crate::report::{ExclusionReason, FailureCause, HookFailure};
use crate::tree::{Node, Problem};

/// The hook runner.
impl<S: SlotAccess> Ops<'_, S> {
    /// Moves plugin `i` to `next` and tells observers. The engine only asks for moves the
    /// transition table allows; a refused one is a bug in the engine, logged (and caught by
    /// tests in debug builds) and left undone rather than applied silently.
    #[inline(always)]
    pub(super) fn set_state(&mut self, i: usize, next: PluginState) {
        self.move_from(i, self.state(i), next);
    }

    /// [`set_state`](Self::set_state) for a caller that has just read the state, `from`: the hot
    /// walks read each state once, and the compiler can then decide the table check for them.
    #[inline(always)]
    fn move_from(&mut self, i: usize, from: PluginState, next: PluginState) {
        if !from.can_become(next) {
            let error = Error::InvalidTransition {
                plugin: self.name(i),
                from,
                to: next,
            };
            debug_assert!(false, "{error}");
            log::error!(target: self.name(i).as_str(), "{error}");
            return;
        }
        self.slots.store_state(i, next);
        self.found.left_live |= from.is_live() && !next.is_live();
        log::debug!(target: self.name(i).as_str(), "{}: {from} -> {next}", self.name(i));
        self.observers.emit(|| Event::StateChanged {
            plugin: self.name(i),
            from,
            to: next,
        });
    }

    /// The typed config of `i`, for a kind that has a config type: read from the instance's
    /// configuration, or the type's `Default` if it has none (and if the type has no `Default`,
    /// read from an empty map, which names the missing keys).
    #[inline]
    pub(super) fn config_value(&self, i: usize) -> Result<Option<ConfigValue>, Vec<Problem>> {
        let slots = self.slots.slots();
        match slots.entry(i).config() {
            None => Ok(None),
            Some(_) => self.read_config(i),
        }
    }

    /// [`config_value`](Self::config_value) for a kind that has a config type.
    #[cold]
    fn read_config(&self, i: usize) -> Result<Option<ConfigValue>, Vec<Problem>> {
        let slots = self.slots.slots();
        let Some(spec) = slots.entry(i).config() else {
            return Ok(None);
        };
        let path = format!("plugins.{}.config", slots.name(i));
        let value = match &slots.spec(i).config {
            Some(node) => spec.parse(node, &path)?,
            None => match spec.default_value() {
                Some(value) => value,
                // The config's missing keys are placed where the instance is described.
                None => spec.parse(&Node::empty_map_at(slots.spec(i).at.clone()), &path)?,
            },
        };
        Ok(Some(value))
    }

    /// Reads the config of plugin `i` and runs its factory, and keeps the instance; or
    /// excludes the plugin (with its dependents) and returns the failure. An invalid config
    /// excludes it before the factory runs.
    #[inline]
    pub(super) fn create(&mut self, i: usize) -> Result<(), HookFailure> {
        let entry = self.slots.slots().entry(i);
        let name = self.name(i);
        let (started, created) = match entry.factory() {
            // A kind without a config type: its factory, called directly.
            Some(factory) => {
                let started = self.clock_start();
                let ctx = Context::new(entry.metadata(), name.as_str());
                let injector = Injector::of(&self.options);
                let made = self.route.catch(&name, || {
                    injector.check(&name, Hook::Create)?;
                    Ok(factory(&ctx))
                });
                (started, made)
            }
            None => self.create_configured(i)?,
        };
        self.record_time(i, Hook::Create, started);
        let cause = match created {
            Ok(Ok(plugin)) => {
                let witness = Injector::of(&self.options).witness(self.name(i));
                self.slots.with_instance(i, |instance, _| {
                    *instance = Some(Instance::new(entry, plugin, witness))
                });
                self.set_state(i, PluginState::Created);
                return Ok(());
            }
            Ok(Err(error)) => FailureCause::Error(Arc::new(error)),
            Err(message) => FailureCause::Panic(message),
        };
        let failure = HookFailure {
            hook: Hook::Create,
            cause,
        };
        completed(self.fail(i, failure.clone(), &Direct));
        Err(failure)
    }

    /// The factory of a kind with a config type: the config read (an invalid one excludes the
    /// plugin before anything runs), then `from_config`. Returns when it started and what it
    /// made, as the factory's part of [`create`](Self::create).
    #[cold]
    #[allow(
        clippy::type_complexity,
        reason = "the factory's outcome as `catch` gives it: made or failed, or panicked"
    )]
    fn create_configured(
        &mut self,
        i: usize,
    ) -> Result<
        (
            Option<Instant>,
            Result<Result<Box<dyn Plugin>, PluginError>, String>,
        ),
        HookFailure,
    > {
        let entry = self.slots.slots().entry(i);
        let name = self.name(i);
        let config = match self.config_value(i) {
            Ok(config) => config,
            Err(problems) => {
                let reason = ExclusionReason::InvalidConfig { problems };
                let message = PluginError::msg(reason.to_string());
                let failure = HookFailure {
                    hook: Hook::Create,
                    cause: FailureCause::Error(Arc::new(message)),
                };
                self.exclude_unstarted(i, reason);
                return Err(failure);
            }
        };
        let started = self.clock_start();
        let injector = Injector::of(&self.options);
        let created = self.route.catch(&name, || {
            injector.check(&name, Hook::Create)?;
            entry.create(name.as_str(), config)
        });
        Ok((started, created))
    }

    /// Runs one hook of plugin `i`, catching a panic.
    #[inline(always)]
    pub(super) fn call(&mut self, i: usize, hook: PluginHook) -> Result<(), HookFailure> {
        let entry = self.slots.slots().entry(i);
        if hook.withdraws() && self.shares(i) {
            self.withdraw(i);
        }
        let metadata = entry.metadata();
        let (route, hub, injector) = (self.route, self.hub, Injector::of(&self.options));
        let started = self.clock_start();
        let outcome = self.slots.with_instance(
            i,
            #[inline(always)]
            |instance, name| {
                let Some(plugin) = instance.as_mut().and_then(Instance::get_mut) else {
                    return Ok(Err(PluginError::msg(NO_INSTANCE)));
                };
                let ctx = Context::at(metadata, name.as_str(), hub, i);
                route.catch(name, || {
                    injector.check(name, hook.hook())?;
                    let ran = hook.run(plugin, &ctx);
                    injector.returned(name, hook.hook());
                    ran
                })
            },
        );
        self.record_time(i, hook.hook(), started);
        let cause = match outcome {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) => FailureCause::Error(Arc::new(error)),
            Err(message) => FailureCause::Panic(message),
        };
        Err(HookFailure {
            hook: hook.hook(),
            cause,
        })
    }

    /// When the hook about to run starts, if timing is on: the end of the previous hook, or now.
    #[inline]
    fn clock_start(&mut self) -> Option<Instant> {
        if self.options.time_hooks {
            Some(self.boundary.take().unwrap_or_else(Instant::now))
        } else {
            None
        }
    }

    fn record_time(&mut self, i: usize, hook: Hook, started: Option<Instant>) {
        if let Some(started) = started {
            let now = Instant::now();
            self.boundary = Some(now);
            self.slots.slots().record_time(i, hook, now - started);
        }
    }

    /// Runs `hook` on `i`, which the caller has just found in state `from`, and moves it on, or
    /// applies its failure policy (retried, or excluded with its dependents) and returns the
    /// failure. Only the manager changes states, and a hook cannot call back into it, so `from`
    /// still holds when the hook returns.
    #[inline(always)]
    pub(super) fn step_from(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        match self.call(i, hook) {
            Ok(()) => {
                self.moved_on(i, from, hook);
                Ok(())
            }
            Err(failure) => self.failed_here(i, from, hook, failure),
        }
    }

    /// What follows a hook that succeeded on `i`: its next state, and, once started, its
    /// place in the extension points it implements.
    #[inline(always)]
    pub(super) fn moved_on(&mut self, i: usize, from: PluginState, hook: PluginHook) {
        self.move_from(i, from, hook.reaches());
        if hook == PluginHook::Start && self.shares(i) {
            self.publish(i);
        }
    }

    /// Drops the instance of `i`. A panicking `Drop` is caught and logged: the instance is gone
    /// either way.
    pub(super) fn drop_instance(&mut self, i: usize) {
        if self.shares(i) {
            self.withdraw(i);
            self.hub.forget(i);
        }
        let instance = self.slots.with_instance(i, |instance, _| instance.take());
        let slots = self.slots.slots();
        if let Some(instance) = instance
            && let Err(message) = self
                .route
                .catch(&slots.name(i), move || instance.drop_now())
        {
            let name = self.name(i);
            log::error!(target: name.as_str(), "plugin {name:?} panicked while dropped: {message}");
        }
    }
}

/// Walks over every plugin.
impl<S: SlotAccess> Ops<'_, S> {
    /// Runs `hook` on every plugin ready for it, in start order. Stops at once when a required
    /// plugin is excluded.
    pub(super) fn run_forward(&mut self, hook: PluginHook) {
        // One loop per hook, each with its hook a constant: which states it runs from and
        // reaches, the hook's vtable slot and the publication check are decided at compile time
        // instead of through jump tables for every plugin.
        match hook {
            PluginHook::Validate => self.run_forward_as(PluginHook::Validate),
            PluginHook::Init => self.run_forward_as(PluginHook::Init),
            PluginHook::Start => self.run_forward_as(PluginHook::Start),
            PluginHook::Stop | PluginHook::Shutdown => self.run_forward_as(hook),
        }
    }

    /// [`run_forward`](Self::run_forward)'s loop, inlined into each of its arms.
    #[inline(always)]
    fn run_forward_as(&mut self, hook: PluginHook) {
        for place in 0..self.plan.order.len() {
            let i = self.plan.order[place];
            let from = self.state(i);
            if hook.runs_from(from) {
                let _ = self.step_from(i, from, hook);
                if self.found.required_excluded.is_some() {
                    return;
                }
            }
        }
    }

    /// Stops every running plugin in reverse start order.
    pub(super) fn stop_all(&mut self) {
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            let from = self.state(i);
            if PluginHook::Stop.runs_from(from) {
                let _ = self.step_from(i, from, PluginHook::Stop);
            }
        }
    }

    /// Stops, shuts down and drops everything live, in reverse start order, then drops the
    /// instances that never started.
    pub(super) fn shut_down_all(&mut self) {
        self.stop_all();
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            let from = self.state(i);
            // What `stop_all` leaves, shut down and dropped in this loop (the hook runner
            // inlined, the hook a constant); anything else goes through `tear_down`.
            if PluginHook::Shutdown.runs_from(from) {
                if self.step_from(i, from, PluginHook::Shutdown).is_ok() {
                    self.drop_instance(i);
                }
            } else if from.is_live() {
                let _ = completed(self.tear_down(i, &Direct));
            }
        }
        for i in (0..self.slots.slots().len()).rev() {
            if self.state(i).is_live() {
                let _ = completed(self.tear_down(i, &Direct));
            }
        }
    }

    /// Keeps only live plugins in the start order.
    pub(super) fn retain_live(&mut self) {
        if !self.found.left_live {
            return;
        }
        let mut order = std::mem::take(&mut self.plan.order);
        order.retain(|&i| self.state(i).is_live());
        self.plan.order = order;
        self.plan.reindex();
    }
}
