//! Awaited steps for the async manager: a hook run as a job and the plugin moved on, or its
//! failure handled by the code the sync path runs too: retried with backoff on the executor's
//! timer (`retry.rs`), or the plugin taken out (`exclude.rs`), its live dependents first (evicted
//! here, each torn down with awaited hooks), then itself as far as it had got. Teardown hooks
//! run one at a time.

use std::future::Future;
use std::pin::Pin;

use super::concurrent::Failure;
use super::drive::Awaited;
use super::job::Runner;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

/// A boxed step, for the recursion between a failure and the teardown of its dependents.
pub(super) type Step<'a> = Pin<Box<dyn Future<Output = Result<(), HookFailure>> + Send + 'a>>;

impl<S: SlotAccess + Send> Ops<'_, S> {
    /// Runs `hook` on `i` (found in `from`) and moves it on; on failure, applies its failure
    /// policy: retried (init and start under `retry`), or `i` taken out, and the failure
    /// returned. The async form of `step_from`.
    pub(super) async fn step_async(
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
            Err(failure) => self.failed_async(i, from, hook, failure, run).await,
        }
    }

    /// `hook` failed on `i`: called again after the backoff while its `retry` policy allows,
    /// then (or at once, under another policy) `i` is taken out.
    async fn failed_async(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        first: HookFailure,
        run: &Runner,
    ) -> Result<(), HookFailure> {
        let Some(backoff) = self.retry_policy(i, hook) else {
            self.record_failure(i, first.clone());
            let reason = ExclusionReason::Hook(first.clone());
            self.take_out_async(Failure::new(i, from, first.hook, reason), run)
                .await;
            return Err(first);
        };
        self.retry(i, from, hook, first, backoff, &Awaited(run))
            .await
    }

    /// Takes out a plugin whose hook failed (its failure recorded): its live dependents go
    /// first, then its own `stop` and `shutdown` as far as it had got (but for the hook that
    /// failed), and it is dropped and excluded.
    pub(super) async fn take_out_async(&mut self, failure: Failure, run: &Runner) {
        self.take_out_with(failure, &Awaited(run)).await;
    }

    /// Excludes every live plugin that depends on `i`, directly or not, dependents first (each
    /// torn down), with the reason `why` gives for the dependency that takes it down. Returns
    /// them in the order they went. The async form of `evict_dependents`.
    pub(super) async fn evict_dependents_async(
        &mut self,
        i: usize,
        run: &Runner,
        why: fn(Name) -> ExclusionReason,
    ) -> Vec<usize> {
        let doomed = self.live_dependents(i);
        for &dependent in &doomed {
            let dependency = self.taken_down_by(dependent, i, &doomed);
            // A failing teardown hook excluded the dependent with that failure already.
            if self.tear_down_async(dependent, run).await.is_ok() {
                self.exclude(dependent, why(dependency));
            }
        }
        doomed
    }

    /// Stops (if running) and shuts down (if initialized) a live plugin and drops it, leaving it
    /// `Shutdown`; a failing hook has excluded and dropped it when this returns the failure.
    /// (Boxed, and `Send` by its type: a failure here takes out the plugin's dependents, which
    /// tears them down in turn.)
    pub(super) fn tear_down_async<'a>(&'a mut self, i: usize, run: &'a Runner) -> Step<'a> {
        Box::pin(async move {
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
        })
    }

    /// [`settle_failures`](Ops::settle_failures), with the plugins that reached the callback
    /// failure limit taken out by awaited hooks.
    pub(super) async fn settle_failures_async(&mut self, run: &Runner) {
        for (i, failure) in self.record_callback_failures() {
            let before = self.state(i);
            if !before.is_live() {
                continue;
            }
            let hook = failure.hook;
            let reason = ExclusionReason::Hook(failure);
            self.take_out_async(
                Failure {
                    i,
                    before,
                    hook,
                    reason,
                },
                run,
            )
            .await;
        }
    }

    /// Runs one hook of `i` as a job and waits for it.
    pub(super) async fn call_async(
        &mut self,
        i: usize,
        hook: PluginHook,
        run: &Runner,
    ) -> Result<(), HookFailure> {
        let done = self.launch(i, hook, run, None).await;
        self.put_back(done)
    }
}
