//! What a failed hook leads to under the plugin's failure policy: with `on_failure =
//! retry(...)`, a failing `init` or `start` is called again on the same instance, after a delay
//! that doubles each time, until it succeeds or the attempts run out; otherwise the plugin is
//! taken out (and a required one fails the transition, in `mod.rs`).

use std::thread;
use std::time::Duration;

use super::observe::Event;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::{Backoff, OnFailure};
use crate::lifecycle::PluginState;
use crate::report::{ExclusionReason, HookFailure};

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
            return self.retry(i, from, hook, failure, backoff);
        }
        self.fail(i, failure.clone());
        Err(failure)
    }

    /// `hook` failed on `i` (found in `from`) with `first`: records it, waits, and calls the
    /// hook again, up to the backoff's attempts. At the first success `i` moves on; when the
    /// attempts run out it is taken out with every attempt's failure as the reason, and the
    /// last failure is returned.
    ///
    /// The wait blocks the caller: the phase transition or runtime operation that runs the
    /// hook (and, for an operation, other operations on the manager). Dependents wait anyway.
    #[cold]
    pub(super) fn retry(
        &mut self,
        i: usize,
        from: PluginState,
        hook: PluginHook,
        first: HookFailure,
        backoff: Backoff,
    ) -> Result<(), HookFailure> {
        let name = self.name(i);
        let mut attempts = vec![first];
        for attempt in 2..=backoff.attempts() {
            let failed = attempts.last().expect("the first failure is there").clone();
            let delay = self.announce_retry(i, &failed, attempt, backoff);
            thread::sleep(delay);
            match self.call(i, hook) {
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
        self.take_out_failed(i, last.hook, reason);
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
