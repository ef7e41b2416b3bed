//! Moving a running manager to a new configuration, part two: carrying out a checked [`Plan`].
//!
//! In order: running instances whose config changed are handed the new one (those that
//! decline are re-created after all); removed, re-created and restarting instances stop, the
//! dependents first, and the removed and re-created ones are shut down and dropped; if the set
//! of instances or their edges changed, the new layout takes over the instances that stay,
//! untouched; then re-created and added instances go through create, validate, init and start,
//! and restarting ones start again, in start order. A hook that fails excludes its instance as
//! at startup, and the rest goes on. Unchanged instances see nothing.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::drive::{Awaited, Direct, Drive, completed};
use super::instance::{Instance, NO_INSTANCE};
use super::job::{Call, Runner, flatten};
use super::options::{AsyncSettings, Injector};
use super::reload::{Checked, Next};
use super::slots::{SlotAccess, Slots};
use super::{Engine, Ops, PluginHook};
use crate::config::{Applied, Change, Config, ConfigError, Effect, Outcome, Plan, PlannedChange};
use crate::contract::{Context, PluginError, Reconfigure};
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::registry::{ConfigSpec, ConfigValue};
use crate::report::{ExclusionReason, FailureCause, HookFailure};

impl Engine {
    /// What applying `config` would change, without changing anything.
    pub(crate) fn plan(&self, config: &Config) -> Result<Plan, ConfigError> {
        Ok(self.planner().check(config)?.plan)
    }

    /// Checks `config` whole and carries out the plan to it (see the module docs).
    pub(crate) fn apply(&mut self, config: Config) -> Result<Applied, ConfigError> {
        completed(self.apply_with(config, &Direct))
    }

    /// [`apply`](Engine::apply) for the async manager: every hook awaited as a job.
    pub(crate) async fn apply_async(
        &mut self,
        config: Config,
        settings: &AsyncSettings,
    ) -> Result<Applied, ConfigError> {
        let run = self.runner(settings);
        self.apply_with(config, &Awaited(&run)).await
    }

    /// Carries out the plan for `config`, running hooks through `drive`.
    async fn apply_with(
        &mut self,
        config: Config,
        drive: &impl Drive,
    ) -> Result<Applied, ConfigError> {
        let Checked { next, plan } = self.planner().check(&config)?;
        if plan.is_empty() {
            return Ok(Applied::default());
        }
        let mut effects: FxHashMap<Name, Effect> = FxHashMap::default();
        let mut changes = plan.changes.clone();

        // Reconfigure in place where the instance takes it.
        for planned in plan
            .changes
            .iter()
            .filter(|p| p.change == Change::Reconfigure)
        {
            let i = self
                .find(planned.instance)
                .expect("planned from this engine");
            let node = match &next {
                Next::Same(instances) => instances
                    .iter()
                    .find(|instance| instance.name == planned.instance)
                    .and_then(|instance| instance.spec().config.clone()),
                Next::Layout(next) => {
                    let j = next.find(planned.instance).expect("planned from it");
                    next.slots.spec(j).config.clone()
                }
            };
            self.layout.slots.spec_mut(i).config = node;
            let mut ops = self.ops();
            let reconfigured = drive.reconfigure(&mut ops, i).await;
            if let Err(failure) = &reconfigured {
                ops.fail(i, failure.clone(), drive).await;
            }
            match reconfigured {
                Ok(Reconfigure::Applied) => {
                    effects.insert(planned.instance, Effect::ReconfiguredInPlace);
                }
                Ok(_) => {
                    effects.insert(planned.instance, Effect::Recreated);
                    let restarts = self.planner().restarts_for(&[i], &changes, &[]);
                    changes.extend(restarts);
                }
                Err(_) => {}
            }
        }
        let recreate =
            |effects: &FxHashMap<Name, Effect>, planned: &PlannedChange| match &planned.change {
                Change::Recreate | Change::Remove => true,
                Change::Reconfigure => {
                    matches!(effects.get(&planned.instance), Some(Effect::Recreated))
                }
                _ => false,
            };

        // Stop what goes, is re-created or restarts: dependents first.
        let mut stopping: Vec<(usize, bool)> = changes
            .iter()
            .filter_map(|planned| {
                let i = self.find(planned.instance)?;
                let restart = matches!(planned.change, Change::Restart { .. });
                (restart || recreate(&effects, planned)).then_some((i, restart))
            })
            .collect();
        {
            let planner = self.planner();
            stopping.sort_by_key(|&(i, _)| std::cmp::Reverse(planner.place(i)));
        }
        {
            let mut ops = self.ops();
            for &(i, restart) in &stopping {
                let state = ops.state(i);
                if restart {
                    if state == PluginState::Running {
                        let _ = drive.step(&mut ops, i, PluginHook::Stop).await;
                    }
                } else if state.is_live() {
                    let _ = drive.tear_down(&mut ops, i).await;
                }
            }
        }

        // The new specs go into the running layout, or the new layout takes over.
        match next {
            Next::Same(instances) => {
                for instance in instances {
                    let i = self.find(instance.name).expect("the same instances");
                    self.layout.slots.set_spec(i, instance.spec);
                }
            }
            Next::Layout(mut next) if self.planner().same_layout(&next) => {
                for i in 0..self.layout.slots.len() {
                    self.layout.slots.set_spec(i, next.slots.take_spec(i));
                }
            }
            Next::Layout(mut next) => {
                // Every instance that keeps its kind keeps its slot's contents: the running ones
                // their instance, the excluded ones their reason; those to bring up are created
                // afresh below, whatever state they were left in.
                for j in 0..next.slots.len() {
                    let Some(i) = self.find(next.slots.name(j)) else {
                        continue;
                    };
                    if std::ptr::eq(self.layout.slots.entry(i), next.slots.entry(j)) {
                        next.slots.take_over(j, &mut self.layout.slots, i);
                    }
                }
                self.adopt(*next);
            }
        }
        self.sources.config_problems.clear();

        // Bring up what is new or re-created, start what restarts.
        let mut bring_up = Vec::new();
        let mut restart = Vec::new();
        for planned in &changes {
            let Some(i) = self.find(planned.instance) else {
                continue;
            };
            match &planned.change {
                Change::Add | Change::Recreate => bring_up.push(i),
                Change::Reconfigure if recreate(&effects, planned) => bring_up.push(i),
                Change::Restart { .. } => restart.push(i),
                _ => {}
            }
        }
        let mut ops = self.ops();
        ops.bring_up_all(&bring_up, &restart, drive).await;
        ops.settle_failures(drive).await;

        let outcomes = changes
            .into_iter()
            .map(|planned| {
                let excluded = self
                    .find(planned.instance)
                    .filter(|&i| {
                        planned.change != Change::Remove && !self.layout.slots.state(i).is_live()
                    })
                    .and_then(|i| self.layout.slots.reason(i));
                let result = match excluded {
                    Some(reason) => Effect::Excluded(reason),
                    None => effects.remove(&planned.instance).unwrap_or(Effect::Done),
                };
                log::info!(target: planned.instance.as_str(), "reload: {planned}: {result}");
                Outcome { planned, result }
            })
            .collect();
        Ok(Applied { outcomes })
    }
}

impl Slots {
    /// Moves slot `i` of `old` (instance, state, details) into slot `j` of this layout, leaving
    /// `i` with nothing, `Registered`.
    pub(super) fn take_over(&mut self, j: usize, old: &mut Slots, i: usize) {
        let state = old.state(i);
        *self.instance_mut(j) = old.instance_mut(i).take();
        *self.details_mut(j) = old.details_mut(i).take();
        self.take_timings(j, old, i);
        (&mut *self).store_state(j, state);
        (&mut *old).store_state(i, PluginState::Registered);
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// Hands running instance `i` its new config; a failure (or a panic, or an invalid config)
    /// is returned for the caller's drive to take `i` out with, as a failing hook is.
    pub(super) fn reconfigure(&mut self, i: usize) -> Result<Reconfigure, HookFailure> {
        let Some((value, spec, shared)) = self.reconfigure_input(i)? else {
            return Ok(Reconfigure::Restart);
        };
        if shared {
            self.withdraw(i);
        }
        let entry = self.slots.slots().entry(i);
        let (route, hub, injector) = (self.route, self.hub, Injector::of(&self.options));
        let outcome = self.slots.with_instance(i, |instance, name| {
            let Some(plugin) = instance.as_mut().and_then(Instance::get_mut) else {
                return Ok(Err(PluginError::msg(NO_INSTANCE)));
            };
            let ctx = Context::at(entry.metadata(), name.as_str(), hub, i);
            route.catch(name, || {
                injector.check(name, Hook::Reconfigure)?;
                let done = spec.reconfigure(plugin, value, &ctx);
                injector.returned(name, Hook::Reconfigure);
                done
            })
        });
        self.reconfigured(i, shared, flatten(outcome))
    }

    /// [`reconfigure`](Self::reconfigure) for the async manager: the hook runs as a job (see
    /// `Runner::reconfigure`), awaited after the calls in flight on the instance end.
    pub(super) async fn reconfigure_async(
        &mut self,
        i: usize,
        run: &Runner,
    ) -> Result<Reconfigure, HookFailure> {
        let Some((value, spec, shared)) = self.reconfigure_input(i)? else {
            return Ok(Reconfigure::Restart);
        };
        if shared {
            self.hide(i);
        }
        let instance = self.slots.with_instance(i, |instance, _| instance.take());
        let call = Call::of(self.slots.slots(), i, run.timeout);
        let (instance, outcome) = run.reconfigure(call, spec, value, instance).await;
        if instance.is_some() {
            self.slots.with_instance(i, |slot, _| *slot = instance);
        }
        self.reconfigured(i, shared, outcome)
    }

    /// What handing `i` a new config starts from: the value, its kind's config type, and
    /// whether the instance is shared (withdrawn before, published after); `None` for a kind
    /// without a config type.
    fn reconfigure_input(
        &self,
        i: usize,
    ) -> Result<Option<(ConfigValue, &'static ConfigSpec, bool)>, HookFailure> {
        let Some(value) = self.new_config(i)? else {
            return Ok(None);
        };
        let entry = self.slots.slots().entry(i);
        let spec = entry
            .config()
            .expect("a kind with a config value has a config type");
        let shared = self.shares(i);
        Ok(Some((value, spec, shared)))
    }

    /// After `reconfigure` of `i`: a shared instance that took the config and runs is
    /// published again; a failure is the hook's.
    fn reconfigured(
        &mut self,
        i: usize,
        shared: bool,
        outcome: Result<Reconfigure, FailureCause>,
    ) -> Result<Reconfigure, HookFailure> {
        let done = outcome.map_err(|cause| HookFailure {
            hook: Hook::Reconfigure,
            cause,
        })?;
        if shared && self.state(i) == PluginState::Running {
            self.publish(i);
        }
        Ok(done)
    }

    /// The new config value of running instance `i`, to hand it; `None` for a kind without
    /// a config type. One its type rejects is a failure of `reconfigure`, as a failing hook.
    fn new_config(&self, i: usize) -> Result<Option<ConfigValue>, HookFailure> {
        self.config_value(i).map_err(|problems| {
            let reason = ExclusionReason::InvalidConfig { problems };
            let message = PluginError::msg(reason.to_string());
            HookFailure {
                hook: Hook::Reconfigure,
                cause: FailureCause::Error(Arc::new(message)),
            }
        })
    }

    /// Brings `fresh` up (create, validate, init) and then starts them and the `restart` ones,
    /// in start order; one whose dependency is not live is excluded instead.
    async fn bring_up_all(&mut self, fresh: &[usize], restart: &[usize], drive: &impl Drive) {
        let placed = self.topology.placed;
        let mut order: Vec<usize> = fresh.iter().chain(restart).copied().collect();
        order.sort_unstable();
        order.dedup();
        for &i in order.iter().filter(|i| fresh.contains(i)) {
            if i >= placed {
                continue;
            }
            if let Some(d) = self.view().first_dependency_gone(i) {
                let dependency = self.name(d);
                self.exclude_unstarted(i, ExclusionReason::DependsOnExcluded { dependency });
                continue;
            }
            // A reason from before the reload no longer holds.
            if self.slots.slots().reason(i).is_some() {
                self.slots.with_details(i, |details| details.reason = None);
            }
            let _ = self.create(i).is_ok()
                && drive.step(self, i, PluginHook::Validate).await.is_ok()
                && drive.step(self, i, PluginHook::Init).await.is_ok();
        }
        for &i in &order {
            let state = self.state(i);
            if !matches!(state, PluginState::Initialized | PluginState::Stopped) {
                continue;
            }
            match self.first_dependency_not_running(i) {
                Some(d) => {
                    let dependency = self.name(d);
                    let _ = drive.tear_down(self, i).await;
                    self.exclude_unstarted(i, ExclusionReason::DependsOnExcluded { dependency });
                }
                None => {
                    let _ = drive.step(self, i, PluginHook::Start).await;
                }
            }
        }
        // The start order is the slot order again: every live plugin, front to back.
        let order: Vec<usize> = (0..placed).filter(|&i| self.state(i).is_live()).collect();
        self.plan.order = order;
        self.plan.reindex();
    }

    /// The first dependency of `i` that is not running.
    fn first_dependency_not_running(&self, i: usize) -> Option<usize> {
        self.topology
            .graph
            .dependencies(i)
            .find(|&d| self.state(d) != PluginState::Running)
    }
}
