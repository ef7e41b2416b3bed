//! Taking plugins out of the live set: a failed hook excludes its plugin, whose live
//! dependents go first (each taken down as far as it had got), and the reasons and failures
//! recorded. The failure path of the hook runner (`hooks.rs`), out of the walks' way, written
//! once for both managers over a [`Pace`].

use std::cmp::Reverse;

use super::concurrent::Failure;
use super::drive::{Direct, completed};
use super::observe::Event;
use super::retry::Pace;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

/// Exclusion and its cascade.
impl<S: SlotAccess> Ops<'_, S> {
    /// Takes plugin `i` out of the live set because its own hook failed: its live dependents go
    /// first, then it is stopped and shut down as far as it had got, and dropped.
    pub(super) fn fail(&mut self, i: usize, failure: HookFailure) {
        self.record_failure(i, failure.clone());
        self.take_out(i, failure);
    }

    /// [`fail`](Self::fail) for a failure already recorded.
    pub(super) fn take_out(&mut self, i: usize, failure: HookFailure) {
        self.take_out_failed(i, failure.hook, ExclusionReason::Hook(failure));
    }

    /// Takes plugin `i` out because its `hook` failed, with `reason` (see
    /// [`take_out_with`](Self::take_out_with)), on the calling thread.
    pub(super) fn take_out_failed(&mut self, i: usize, hook: Hook, reason: ExclusionReason) {
        let before = self.state(i);
        completed(self.take_out_with(Failure::new(i, before, hook, reason), &Direct));
    }

    /// Takes out a plugin whose hook failed (its failure recorded), for both managers: its live
    /// dependents go first, then its own `stop` and `shutdown` as far as it had got before the
    /// failure (but for the hook that failed, and while it still has an instance), each failure
    /// recorded; then it is dropped and excluded. `pace` runs the hooks: in place, or awaited.
    pub(super) async fn take_out_with(&mut self, failure: Failure, pace: &impl Pace<S>) {
        let Failure {
            i,
            before,
            hook: failed,
            reason,
        } = failure;
        if self.state(i).is_live() {
            self.set_state(i, PluginState::Failed);
        }
        pace.evict_dependents(self, i, |dependency| ExclusionReason::DependsOnExcluded {
            dependency,
        })
        .await;
        let initialized = matches!(
            before,
            PluginState::Initialized | PluginState::Running | PluginState::Stopped
        );
        let teardown = [
            (before == PluginState::Running && failed != Hook::Stop).then_some(PluginHook::Stop),
            (initialized && failed != Hook::Shutdown).then_some(PluginHook::Shutdown),
        ];
        for hook in teardown.into_iter().flatten() {
            if !self
                .slots
                .with_instance(i, |instance, _| instance.is_some())
            {
                break;
            }
            if let Err(failure) = pace.call(self, i, hook).await {
                self.record_failure(i, failure);
            }
        }
        self.drop_instance(i);
        self.exclude(i, reason);
    }

    /// Logs a hook failure, tells observers, and keeps it in the plugin's details.
    pub(super) fn record_failure(&mut self, i: usize, failure: HookFailure) {
        let name = self.name(i);
        log::error!(target: name.as_str(), "plugin {name:?}: {failure}");
        self.observers.emit(|| Event::Failed {
            plugin: name,
            failure: failure.clone(),
        });
        self.slots
            .with_details(i, |details| details.failures.push(failure));
    }

    /// Stops (if running) and shuts down (if initialized) plugin `i` and drops it, leaving it
    /// `Shutdown`. A failing hook has excluded and dropped the plugin when this returns it.
    pub(super) fn tear_down(&mut self, i: usize) -> Result<(), HookFailure> {
        match self.state(i) {
            PluginState::Running => {
                self.step_from(i, PluginState::Running, PluginHook::Stop)?;
                self.step_from(i, PluginState::Stopped, PluginHook::Shutdown)?;
            }
            from @ (PluginState::Initialized | PluginState::Stopped) => {
                self.step_from(i, from, PluginHook::Shutdown)?;
            }
            PluginState::Created | PluginState::Validated => {
                self.set_state(i, PluginState::Shutdown);
            }
            _ => {}
        }
        self.drop_instance(i);
        Ok(())
    }

    /// Excludes every live plugin that depends on `i`, directly or not, dependents first, each
    /// with the reason `why` gives for the dependency that takes it down. Returns them in the
    /// order they went.
    pub(super) fn evict_dependents(
        &mut self,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) -> Vec<usize> {
        let doomed = self.live_dependents(i);
        for &dependent in &doomed {
            let dependency = self.taken_down_by(dependent, i, &doomed);
            // If a teardown hook fails, the plugin is already excluded with that failure as the
            // reason, which says more than `why`.
            if self.tear_down(dependent).is_ok() {
                self.exclude(dependent, why(dependency));
            }
        }
        doomed
    }

    /// The dependency that takes `dependent` down when `i` goes with the `doomed` dependents
    /// of `i`: the first of its dependencies that goes, so a reason names the direct cause.
    pub(super) fn taken_down_by(&self, dependent: usize, i: usize, doomed: &[usize]) -> Name {
        let dependency = self
            .topology
            .graph
            .dependencies(dependent)
            .find(|&d| d == i || doomed.contains(&d))
            .map_or(i, |d| d);
        self.name(dependency)
    }

    /// The live plugins that depend on `i`, directly or not, in reverse start order (the order
    /// to stop them in).
    pub(super) fn live_dependents(&self, i: usize) -> Vec<usize> {
        let graph = &self.topology.graph;
        let mut seen = vec![false; self.slots.slots().len()];
        let mut stack: Vec<usize> = graph.dependents(i).collect();
        let mut found = Vec::new();
        while let Some(next) = stack.pop() {
            if std::mem::replace(&mut seen[next], true) || !self.state(next).is_live() {
                continue;
            }
            found.push(next);
            stack.extend(graph.dependents(next));
        }
        let position = &self.plan.position;
        found.sort_by_key(|&slot| Reverse((position[slot], slot)));
        found
    }

    /// Records `reason`, moves `i` to `Excluded`, and notes a required plugin.
    pub(super) fn exclude(&mut self, i: usize, reason: ExclusionReason) {
        let name = self.name(i);
        log::warn!(target: name.as_str(), "plugin {name:?} excluded: {reason}");
        self.observers.emit(|| Event::Excluded {
            plugin: name,
            reason: reason.clone(),
        });
        self.slots
            .with_details(i, |details| details.reason = Some(reason));
        // A plugin that fails again on its way back in (its factory panics) is excluded
        // already: only the reason changes.
        if self.state(i) != PluginState::Excluded {
            self.set_state(i, PluginState::Excluded);
        }
        if self.is_required(i) && self.required_excluded.is_none() {
            self.required_excluded = Some(i);
        }
    }

    /// Excludes a plugin that never ran a hook (no cascade: resolution handles dependents).
    pub(super) fn exclude_unstarted(&mut self, i: usize, reason: ExclusionReason) {
        self.drop_instance(i);
        self.exclude(i, reason);
    }
}
