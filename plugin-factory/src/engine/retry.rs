//! What a failed hook leads to under the plugin's failure policy: with `on_failure =
//! retry(...)`, a failing `init` or `start` is called again on the same instance, after a delay
//! that doubles each time, until it succeeds or the attempts run out; otherwise the plugin is
//! taken out (`exclude.rs`; a required one fails the transition, in `mod.rs`). Written once for
//! both managers over a [`Drive`]; the async walks (`concurrent.rs`) keep their own schedule but
//! count attempts with the same [`Attempts`].

use std::time::Duration;

use super::drive::{Direct, Drive, completed};
use super::observe::Event;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::{Backoff, OnFailure};
use crate::lifecycle::PluginState;
use crate::report::HookFailure;

/// The failed attempts at one hook of one plugin whose policy retries it.
pub(super) struct Attempts {
    backoff: Backoff,
    failed: Vec<HookFailure>,
}

impl Attempts {
    /// The attempts at `hook` of `i`, if its failure policy retries that hook (`init` and
    /// `start` under `retry(...)`).
    pub(super) fn of<S: SlotAccess>(ops: &Ops<'_, S>, i: usize, hook: PluginHook) -> Option<Self> {
        match ops.slots.slots().on_failure(i) {
            OnFailure::Retry(backoff) if matches!(hook, PluginHook::Init | PluginHook::Start) => {
                Some(Self {
                    backoff,
                    failed: Vec::new(),
                })
            }
            _ => None,
        }
    }

    /// The latest attempt failed with `failure`: if attempts are left, records it, says that
    /// the hook will be called again (log and observers), and returns how long to wait first.
    pub(super) fn again<S: SlotAccess>(
        &mut self,
        ops: &mut Ops<'_, S>,
        i: usize,
        failure: &HookFailure,
    ) -> Option<Duration> {
        let attempt = self.failed.len() as u32 + 2;
        if attempt > self.backoff.attempts() {
            return None;
        }
        self.failed.push(failure.clone());
        let delay = self.backoff.delay_before(attempt);
        ops.record_failure(i, failure.clone());
        let name = ops.name(i);
        log::warn!(
            target: name.as_str(),
            "plugin {name:?}: attempt {} of {} failed; trying {} again in {delay:?}",
            attempt - 1,
            self.backoff.attempts(),
            failure.hook,
        );
        ops.observers.emit(|| Event::Retrying {
            plugin: name,
            hook: failure.hook,
            attempt,
            delay,
        });
        Some(delay)
    }

    /// The latest attempt succeeded: says so.
    pub(super) fn succeeded<S: SlotAccess>(&self, ops: &Ops<'_, S>, i: usize, hook: PluginHook) {
        let name = ops.name(i);
        let attempt = self.failed.len() + 1;
        log::info!(target: name.as_str(), "plugin {name:?}: {} succeeded on attempt {attempt}", hook.hook());
    }

    /// The failures before the last, for the reason the plugin is taken out with.
    pub(super) fn into_failures(self) -> Vec<HookFailure> {
        self.failed
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// `hook` failed on `i` (found in `from`) with `failure`: called again as its failure
    /// policy says, or `i` is taken out and the failure returned.
    pub(super) async fn failed(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        failure: HookFailure,
        drive: &impl Drive,
    ) -> Result<(), HookFailure> {
        match Attempts::of(self, i, hook) {
            Some(attempts) => self.retry(i, from, hook, failure, attempts, drive).await,
            None => {
                self.fail(i, failure.clone(), drive).await;
                Err(failure)
            }
        }
    }

    /// [`failed`](Self::failed) on the calling thread; out of line, so that the walks that
    /// inline `step_from` carry only a call for the failure path.
    #[cold]
    #[inline(never)]
    pub(super) fn failed_here(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        failure: HookFailure,
    ) -> Result<(), HookFailure> {
        completed(self.failed(i, from, hook, failure, &Direct))
    }

    /// `hook` failed on `i` (found in `from`) with `failure`: waits and calls the hook again,
    /// as long as `attempts` allows. At the first success `i` moves on; when the attempts run
    /// out it is taken out with every attempt's failure as the reason, and the last failure is
    /// returned.
    ///
    /// Under the sync manager the wait blocks the caller: the phase transition or runtime
    /// operation that runs the hook (and, for an operation, other operations on the manager).
    /// Dependents wait anyway.
    async fn retry(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        mut failure: HookFailure,
        mut attempts: Attempts,
        drive: &impl Drive,
    ) -> Result<(), HookFailure> {
        while let Some(delay) = attempts.again(self, i, &failure) {
            drive.wait(delay).await;
            match drive.call(self, i, hook).await {
                Ok(()) => {
                    attempts.succeeded(self, i, hook);
                    self.moved_on(i, from, hook);
                    return Ok(());
                }
                Err(next) => failure = next,
            }
        }
        let out = self.failed_for_good(i, from, failure.clone(), attempts.into_failures());
        self.take_out(out, drive).await;
        Err(failure)
    }
}
