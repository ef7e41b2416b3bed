//! Taking a plugin out in the async manager: the sync path of `hooks.rs` (live dependents torn
//! down first, then the plugin as far as it had got, dropped, excluded with its reason), with
//! each teardown hook awaited, one at a time.

use super::concurrent::Failure;
use super::job::Runner;
use super::slots::{SlotAccess, Slots};
use super::{Ops, PluginHook};
use crate::lifecycle::{Hook, PluginState};
use crate::report::{ExclusionReason, HookFailure};

impl Ops<'_, &mut Slots> {
    /// Takes out a plugin whose hook failed during a walk (it is `Failed` already): its live
    /// dependents go first, then its own `stop` and `shutdown` as far as it had got (but for the
    /// hook that failed), and it is dropped and excluded.
    pub(super) async fn take_out_async(&mut self, failure: Failure, run: &Runner) {
        let Failure {
            i,
            before,
            hook,
            reason,
        } = failure;
        let doomed = self.live_dependents(i);
        for &dependent in &doomed {
            let dependency = self
                .topology
                .graph
                .dependencies(dependent)
                .find(|&d| d == i || doomed.contains(&d))
                .map_or(i, |d| d);
            let dependency = self.name(dependency);
            if self.tear_down_async(dependent, run).await.is_ok() {
                self.exclude(dependent, ExclusionReason::DependsOnExcluded { dependency });
            }
        }
        self.finish_teardown(i, before, hook, run).await;
        self.drop_instance(i);
        self.exclude(i, reason);
    }

    /// Stops (if running) and shuts down (if initialized) a live plugin and drops it, leaving it
    /// `Shutdown`; a failing hook excludes it (the rest of its teardown done) and is returned.
    pub(super) async fn tear_down_async(
        &mut self,
        i: usize,
        run: &Runner,
    ) -> Result<(), HookFailure> {
        match self.state(i) {
            PluginState::Running => {
                self.step_async(i, PluginState::Running, PluginHook::Stop, run)
                    .await?;
                self.step_async(i, PluginState::Stopped, PluginHook::Shutdown, run)
                    .await?;
            }
            from @ (PluginState::Initialized | PluginState::Stopped) => {
                self.step_async(i, from, PluginHook::Shutdown, run).await?;
            }
            PluginState::Created | PluginState::Validated => {
                self.set_state(i, PluginState::Shutdown);
            }
            _ => {}
        }
        self.drop_instance(i);
        Ok(())
    }

    /// Runs a teardown `hook` on `i` (found in `from`) and moves it on; if the hook fails, `i`
    /// is excluded with that failure, after the rest of its teardown.
    async fn step_async(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        run: &Runner,
    ) -> Result<(), HookFailure> {
        match self.call_async(i, hook, run).await {
            Ok(()) => {
                self.moved_on(i, from, hook);
                Ok(())
            }
            Err(failure) => {
                self.record_failure(i, failure.clone());
                self.set_state(i, PluginState::Failed);
                self.finish_teardown(i, from, failure.hook, run).await;
                self.drop_instance(i);
                self.exclude(i, ExclusionReason::Hook(failure.clone()));
                Err(failure)
            }
        }
    }

    /// The teardown hooks a plugin that was in `before` when its `failed` hook failed still
    /// needs: `stop` if it was running, `shutdown` if it was initialized, each failure recorded
    /// and the teardown going on. Nothing runs on an instance a timed-out sync hook kept.
    async fn finish_teardown(&mut self, i: usize, before: PluginState, failed: Hook, run: &Runner) {
        let initialized = matches!(
            before,
            PluginState::Initialized | PluginState::Running | PluginState::Stopped
        );
        let mut hooks = Vec::with_capacity(2);
        if before == PluginState::Running && failed != Hook::Stop {
            hooks.push(PluginHook::Stop);
        }
        if initialized && failed != Hook::Shutdown {
            hooks.push(PluginHook::Shutdown);
        }
        for hook in hooks {
            if !self
                .slots
                .with_instance(i, |instance, _| instance.is_some())
            {
                return;
            }
            if let Err(failure) = self.call_async(i, hook, run).await {
                self.record_failure(i, failure);
            }
        }
    }

    /// Runs one hook of `i` as a job and waits for it.
    async fn call_async(
        &mut self,
        i: usize,
        hook: PluginHook,
        run: &Runner,
    ) -> Result<(), HookFailure> {
        let done = self.launch(i, hook, run, None).await;
        self.put_back(done)
    }
}
