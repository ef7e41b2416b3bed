//! Taking plugins out of the live set: a failed hook excludes its plugin, whose live
//! dependents go first (each taken down as far as it had got), and the reasons and failures
//! recorded. The failure path of every hook runner, written once for both managers over a
//! [`Drive`]: a failure becomes final in [`Ops::failed_for_good`], the one place that marks a
//! plugin `Failed` and builds the reason it is excluded for, and [`Ops::take_out`] takes it out.

use std::cmp::Reverse;

use super::drive::{Direct, Drive, completed};
use super::observe::Event;
use super::slots::SlotAccess;
use super::{Ops, PluginHook, View};
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

/// A plugin on its way out: where it had got, the hook that failed (not run again on the way
/// out), and why it goes.
pub(super) struct Failure {
    pub(super) i: usize,
    /// Its state before the hook that failed.
    pub(super) before: PluginState,
    /// The hook that failed, if one did (a supervisor that gives up has none).
    pub(super) failed: Option<Hook>,
    pub(super) reason: ExclusionReason,
}

/// Exclusion and its cascade.
impl<S: SlotAccess> Ops<'_, S> {
    /// The failure of `i` (found in `before`) is final: `last` is recorded, `i` is marked
    /// `Failed` (a walk then starts none of its dependents), and the reason it will be excluded
    /// for is built: `last` itself, or, after retries, every attempt's failure (`tried`, then
    /// `last`).
    pub(super) fn failed_for_good(
        &mut self,
        i: usize,
        before: PluginState,
        last: HookFailure,
        mut tried: Vec<HookFailure>,
    ) -> Failure {
        self.record_failure(i, last.clone());
        self.mark_failed(i);
        let hook = last.hook;
        let reason = if tried.is_empty() {
            ExclusionReason::Hook(last)
        } else {
            tried.push(last);
            ExclusionReason::RetriesExhausted { attempts: tried }
        };
        Failure {
            i,
            before,
            failed: Some(hook),
            reason,
        }
    }

    /// Moves a live `i` to `Failed`, on its way out.
    fn mark_failed(&mut self, i: usize) {
        if self.state(i).is_live() {
            self.set_state(i, PluginState::Failed);
        }
    }

    /// Takes plugin `i` out of the live set because its own hook failed with `failure`.
    pub(super) async fn fail(&mut self, i: usize, failure: HookFailure, drive: &impl Drive) {
        let before = self.state(i);
        let out = self.failed_for_good(i, before, failure, Vec::new());
        self.take_out(out, drive).await;
    }

    /// Takes a plugin out: its live dependents go first, then its own `stop` and `shutdown` as
    /// far as it had got before the failure (but for the hook that failed, and while it still
    /// has an instance), each failure recorded; then it is dropped and excluded.
    pub(super) async fn take_out(&mut self, out: Failure, drive: &impl Drive) {
        let Failure {
            i,
            before,
            failed,
            reason,
        } = out;
        self.mark_failed(i);
        self.evict_dependents(
            i,
            |dependency| ExclusionReason::DependsOnExcluded { dependency },
            drive,
        )
        .await;
        let initialized = matches!(
            before,
            PluginState::Initialized | PluginState::Running | PluginState::Stopped
        );
        let teardown = [
            (before == PluginState::Running && failed != Some(Hook::Stop))
                .then_some(PluginHook::Stop),
            (initialized && failed != Some(Hook::Shutdown)).then_some(PluginHook::Shutdown),
        ];
        for hook in teardown.into_iter().flatten() {
            if !self
                .slots
                .with_instance(i, |instance, _| instance.is_some())
            {
                break;
            }
            if let Err(failure) = drive.call(self, i, hook).await {
                self.record_failure(i, failure);
            }
        }
        self.drop_instance(i);
        self.exclude(i, reason);
    }

    /// Records the callbacks that failed and takes out the plugins their failure policy
    /// excludes.
    pub(super) async fn settle_failures(&mut self, drive: &impl Drive) {
        for (i, failure) in self.record_callback_failures() {
            let before = self.state(i);
            let out = self.failed_for_good(i, before, failure, Vec::new());
            // Taken out already as a dependent of one before it.
            if before.is_live() {
                self.take_out(out, drive).await;
            }
        }
    }

    /// [`settle_failures`](Self::settle_failures) on the calling thread: the sync manager's.
    pub(super) fn settle_failures_here(&mut self) {
        completed(self.settle_failures(&Direct));
    }

    /// Stops (if running) and shuts down (if initialized) plugin `i` and drops it, leaving it
    /// `Shutdown`. A failing hook has excluded and dropped the plugin when this returns it.
    pub(super) async fn tear_down(
        &mut self,
        i: usize,
        drive: &impl Drive,
    ) -> Result<(), HookFailure> {
        match self.state(i) {
            PluginState::Running => {
                drive
                    .step_from(self, i, PluginState::Running, PluginHook::Stop)
                    .await?;
                drive
                    .step_from(self, i, PluginState::Stopped, PluginHook::Shutdown)
                    .await?;
            }
            from @ (PluginState::Initialized | PluginState::Stopped) => {
                drive.step_from(self, i, from, PluginHook::Shutdown).await?;
            }
            PluginState::Created | PluginState::Validated => {
                self.set_state(i, PluginState::Shutdown);
            }
            _ => {}
        }
        self.drop_instance(i);
        Ok(())
    }

    /// Excludes every live plugin that depends on `i`, directly or not, dependents first (each
    /// torn down), each with the reason `why` gives for the dependency that takes it down.
    /// Returns them in the order they went.
    pub(super) async fn evict_dependents(
        &mut self,
        i: usize,
        why: fn(Name) -> ExclusionReason,
        drive: &impl Drive,
    ) -> Vec<usize> {
        let doomed = self.view().live_dependents(i);
        for &dependent in &doomed {
            let dependency = self.view().taken_down_by(dependent, i, &doomed);
            // If a teardown hook fails, the plugin is already excluded with that failure as the
            // reason, which says more than `why`.
            if drive.tear_down(self, dependent).await.is_ok() {
                self.exclude(dependent, why(dependency));
            }
        }
        doomed
    }
}

impl<S: SlotAccess> Ops<'_, S> {
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
        if self.is_required(i) && self.found.required_excluded.is_none() {
            self.found.required_excluded = Some(i);
        }
    }

    /// Excludes a plugin that never ran a hook (no cascade: resolution handles dependents).
    pub(super) fn exclude_unstarted(&mut self, i: usize, reason: ExclusionReason) {
        self.drop_instance(i);
        self.exclude(i, reason);
    }
}

impl View<'_> {
    /// The dependency that takes `dependent` down when `i` goes with the `doomed` dependents
    /// of `i`: the first of its dependencies that goes, so a reason names the direct cause.
    pub(super) fn taken_down_by(&self, dependent: usize, i: usize, doomed: &[usize]) -> Name {
        let dependency = self
            .topology
            .graph
            .dependencies(dependent)
            .find(|&d| d == i || doomed.contains(&d))
            .map_or(i, |d| d);
        self.slots.name(dependency)
    }

    /// The live plugins that depend on `i`, directly or not, in reverse start order (the order
    /// to stop them in).
    pub(super) fn live_dependents(&self, i: usize) -> Vec<usize> {
        let graph = &self.topology.graph;
        let mut seen = vec![false; self.slots.len()];
        let mut stack: Vec<usize> = graph.dependents(i).collect();
        let mut found = Vec::new();
        while let Some(next) = stack.pop() {
            if std::mem::replace(&mut seen[next], true) || !self.slots.state(next).is_live() {
                continue;
            }
            found.push(next);
            stack.extend(graph.dependents(next));
        }
        let position = &self.order.position;
        found.sort_by_key(|&slot| Reverse((position[slot], slot)));
        found
    }
}
