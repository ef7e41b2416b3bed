//! How the engine runs a hook outside a walk: directly, for the sync manager, or as an awaited
//! job, for the async manager. Everything built on hooks (the runtime operations in
//! `control.rs`, a reload in `apply.rs`, the failure path in `retry.rs` and `exclude.rs`) is
//! written once, as async functions over a [`Drive`]; the sync manager completes them in a
//! single poll ([`completed`]), since a direct drive never waits.

use std::future::Future;
use std::pin::Pin;
use std::thread;
use std::time::Duration;

use futures_util::FutureExt;

use super::job::Runner;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::Reconfigure;
use crate::lifecycle::PluginState;
use crate::report::HookFailure;

/// The primitives the hook-running code is written over.
pub(super) trait Drive: Sync {
    /// Waits `delay` (before a retry).
    async fn wait(&self, delay: Duration);

    /// Runs `hook` on `i` once; the caller moves it on or handles the failure.
    async fn call<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure>;

    /// Runs `hook` on `i`, found in `from`, and moves it on, or applies its failure policy
    /// (see `Ops::failed`).
    async fn step_from<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        from: PluginState,
        hook: PluginHook,
    ) -> Result<(), HookFailure>;

    /// Stops and shuts down `i` as far as it got, and drops it (see `Ops::tear_down`).
    async fn tear_down<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure>;

    /// Hands running `i` its new config (see `Ops::reconfigure`); a failure is the caller's
    /// to take `i` out with.
    async fn reconfigure<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<Reconfigure, HookFailure>;

    /// [`step_from`](Drive::step_from) from the state `i` is in.
    async fn step<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        let from = ops.state(i);
        self.step_from(ops, i, from, hook).await
    }
}

/// Hooks called on the calling thread: the sync manager's.
pub(super) struct Direct;

impl Drive for Direct {
    async fn wait(&self, delay: Duration) {
        thread::sleep(delay);
    }

    async fn call<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        ops.call(i, hook)
    }

    async fn step_from<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        from: PluginState,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        ops.step_from(i, from, hook)
    }

    async fn tear_down<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure> {
        ops.tear_down(i, self).await
    }

    async fn reconfigure<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<Reconfigure, HookFailure> {
        ops.reconfigure(i)
    }
}

/// Hooks run as jobs and awaited: the async manager's.
pub(super) struct Awaited<'r>(pub(super) &'r Runner);

impl Drive for Awaited<'_> {
    async fn wait(&self, delay: Duration) {
        self.0.executor.sleep(delay).await;
    }

    async fn call<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        let done = ops.launch(i, hook, self.0, None).await;
        ops.put_back(done)
    }

    async fn step_from<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        from: PluginState,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        match self.call(ops, i, hook).await {
            Ok(()) => {
                ops.moved_on(i, from, hook);
                Ok(())
            }
            Err(failure) => ops.failed(i, from, hook, failure, self).await,
        }
    }

    async fn tear_down<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure> {
        boxed_tear_down(ops, i, self).await
    }

    async fn reconfigure<S: SlotAccess>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<Reconfigure, HookFailure> {
        ops.reconfigure_async(i, self.0).await
    }
}

/// A boxed step, for the recursion between a failure and the teardown of its dependents.
type Step<'a> = Pin<Box<dyn Future<Output = Result<(), HookFailure>> + Send + 'a>>;

/// An awaited teardown, boxed (and `Send` by its type): a failure in it takes out the plugin's
/// dependents, which tears them down in turn.
fn boxed_tear_down<'a, S: SlotAccess>(
    ops: &'a mut Ops<'_, S>,
    i: usize,
    drive: &'a Awaited<'_>,
) -> Step<'a> {
    Box::pin(ops.tear_down(i, drive))
}

/// The result of an operation over [`Direct`], which is ready at its first poll.
pub(super) fn completed<T>(operation: impl Future<Output = T>) -> T {
    operation
        .now_or_never()
        .expect("an operation over the direct drive never waits")
}
