//! What a failed hook leads to under the plugin's failure policy: with `on_failure =
//! retry(...)`, a failing `init` or `start` is called again on the same instance, after a delay
//! that doubles each time, until it succeeds or the attempts run out; otherwise the plugin is
//! taken out (and a required one fails the transition, in `mod.rs`).

use std::thread;
use std::time::Duration;

use super::concurrent::Failure;
use super::drive::{Awaited, Direct, completed};
use super::observe::Event;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::{Backoff, OnFailure};
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

/// How the failure path (a retry, a take-out) waits, calls a hook and takes dependents down: on
/// the calling thread ([`Direct`], the sync manager) or awaited ([`Awaited`], the async one).
pub(super) trait Pace<S> {
    /// Waits `delay` before the next attempt.
    async fn wait(&self, delay: Duration);

    /// Runs `hook` on `i` once.
    async fn call(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure>;

    /// Takes `i`'s live dependents out, dependents first (each torn down), with the reason
    /// `why` gives for the dependency that takes each down.
    async fn evict_dependents(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    );
}

impl<S: SlotAccess> Pace<S> for Direct {
    async fn wait(&self, delay: Duration) {
        thread::sleep(delay);
    }

    async fn call(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        ops.call(i, hook)
    }

    async fn evict_dependents(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) {
        ops.evict_dependents(i, why);
    }
}

impl<S: SlotAccess + Send> Pace<S> for Awaited<'_> {
    async fn wait(&self, delay: Duration) {
        self.0.executor.sleep(delay).await;
    }

    async fn call(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        ops.call_async(i, hook, self.0).await
    }

    async fn evict_dependents(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) {
        ops.evict_dependents_async(i, self.0, why).await;
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// `hook` failed on `i` (found in `from`): called again as its failure policy says, or `i`
    /// is taken out. Out of line, so that the walks that inline `step_from`
    /// carry only a call for the failure path.
    #[cold]
    #[inline(never)]
    pub(super) fn failed(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        failure: HookFailure,
    ) -> Result<(), HookFailure> {
        if let Some(backoff) = self.retry_policy(i, hook) {
            return completed(self.retry(i, from, hook, failure, backoff, &Direct));
        }
        self.fail(i, failure.clone());
        Err(failure)
    }

    /// `hook` failed on `i` (found in `from`) with `first`: records it, waits, and calls the
    /// hook again, up to the backoff's attempts. At the first success `i` moves on; when the
    /// attempts run out it is taken out with every attempt's failure as the reason, and the
    /// last failure is returned. Written once for both managers: `pace` says how to wait, call
    /// again and take out (on the calling thread for the sync manager, awaited for the async
    /// one).
    ///
    /// Under the sync manager the wait blocks the caller: the phase transition or runtime
    /// operation that runs the hook (and, for an operation, other operations on the manager).
    /// Dependents wait anyway.
    pub(super) async fn retry(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        first: HookFailure,
        backoff: Backoff,
        pace: &impl Pace<S>,
    ) -> Result<(), HookFailure> {
        let name = self.name(i);
        let mut attempts = vec![first];
        for attempt in 2..=backoff.attempts() {
            let failed = attempts.last().expect("the first failure is there").clone();
            let delay = self.announce_retry(i, &failed, attempt, backoff);
            pace.wait(delay).await;
            match pace.call(self, i, hook).await {
                Ok(()) => {
                    log::info!(target: name.as_str(), "plugin {name:?}: {} succeeded on attempt {attempt}", failed.hook);
                    self.moved_on(i, from, hook);
                    return Ok(());
                }
                Err(failure) => attempts.push(failure),
            }
        }
        let last = attempts.last().expect("at least one attempt").clone();
        self.record_failure(i, last.clone());
        let reason = ExclusionReason::RetriesExhausted { attempts };
        self.take_out_with(Failure::new(i, from, last.hook, reason), pace)
            .await;
        Err(last)
    }

    /// The backoff to call `hook` of `i` again with, if its failure policy retries that hook
    /// (`init` and `start` under `retry(...)`).
    pub(super) fn retry_policy(&self, i: usize, hook: PluginHook) -> Option<Backoff> {
        match self.slots.slots().on_failure(i) {
            OnFailure::Retry(backoff) if matches!(hook, PluginHook::Init | PluginHook::Start) => {
                Some(backoff)
            }
            _ => None,
        }
    }

    /// Records `failed`, the failure of attempt `attempt - 1` of `i`, says that the hook will be
    /// called again (log and observers), and returns how long to wait before attempt `attempt`.
    pub(super) fn announce_retry(
        &mut self,
        i: usize,
        failed: &HookFailure,
        attempt: u32,
        backoff: Backoff,
    ) -> Duration {
        let name = self.name(i);
        let delay = backoff.delay_before(attempt);
        self.record_failure(i, failed.clone());
        log::warn!(
            target: name.as_str(),
            "plugin {name:?}: attempt {} of {} failed; trying {} again in {delay:?}",
            attempt - 1,
            backoff.attempts(),
            failed.hook,
        );
        self.observers.emit(|| Event::Retrying {
            plugin: name,
            hook: failed.hook,
            attempt,
            delay,
        });
        delay
    }
}
