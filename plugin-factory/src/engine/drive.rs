//! How a runtime operation runs its hooks: directly, for the sync manager, or as awaited jobs,
//! for the async manager. The operations (`control.rs`) are written once, as async functions
//! over a [`Drive`]; the sync manager completes them in a single poll ([`completed`]), since a direct
//! drive never waits.

use std::future::Future;

use futures_util::FutureExt;

use super::concurrent::Failure;
use super::job::Runner;
use super::slots::SlotAccess;
use super::{Ops, PluginHook};
use crate::contract::Reconfigure;
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

/// The hook-running steps a runtime operation is made of.
pub(super) trait Drive {
    /// Runs `hook` on `i` and moves it on, or applies its failure policy (see `Ops::step`).
    async fn step<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure>;

    /// Stops and shuts down `i` as far as it got, and drops it (see `Ops::tear_down`).
    async fn tear_down<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure>;

    /// Takes `i` out after its own hook failed with `failure`: its live dependents first,
    /// then its teardown as far as it got (see `Ops::fail`).
    async fn fail<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        failure: HookFailure,
    );

    /// Records the callbacks that failed and takes out the plugins their failure policy
    /// excludes (see `Ops::settle_failures`).
    async fn settle<S: SlotAccess + Send>(&self, ops: &mut Ops<'_, S>);

    /// Takes `i`'s live dependents out, dependents first (see `Ops::evict_dependents`).
    async fn evict_dependents<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) -> Vec<usize>;

    /// Hands running `i` its new config (see `Ops::reconfigure`); a failure is the caller's
    /// to take `i` out with.
    async fn reconfigure<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<Reconfigure, HookFailure>;
}

/// Hooks called on the calling thread: the sync manager's.
pub(super) struct Direct;

impl Drive for Direct {
    async fn step<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        ops.step(i, hook)
    }

    async fn tear_down<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure> {
        ops.tear_down(i)
    }

    async fn fail<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        failure: HookFailure,
    ) {
        ops.fail(i, failure);
    }

    async fn settle<S: SlotAccess + Send>(&self, ops: &mut Ops<'_, S>) {
        ops.settle_failures();
    }

    async fn evict_dependents<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) -> Vec<usize> {
        ops.evict_dependents(i, why)
    }

    async fn reconfigure<S: SlotAccess + Send>(
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
    async fn step<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        hook: PluginHook,
    ) -> Result<(), HookFailure> {
        let from = ops.state(i);
        ops.step_async(i, from, hook, self.0).await
    }

    async fn tear_down<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<(), HookFailure> {
        ops.tear_down_async(i, self.0).await
    }

    async fn fail<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        failure: HookFailure,
    ) {
        let before = ops.state(i);
        ops.record_failure(i, failure.clone());
        let hook = failure.hook;
        let reason = ExclusionReason::Hook(failure);
        ops.take_out_async(Failure::new(i, before, hook, reason), self.0)
            .await;
    }

    async fn settle<S: SlotAccess + Send>(&self, ops: &mut Ops<'_, S>) {
        ops.settle_failures_async(self.0).await;
    }

    async fn evict_dependents<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
        why: fn(Name) -> ExclusionReason,
    ) -> Vec<usize> {
        ops.evict_dependents_async(i, self.0, why).await
    }

    async fn reconfigure<S: SlotAccess + Send>(
        &self,
        ops: &mut Ops<'_, S>,
        i: usize,
    ) -> Result<Reconfigure, HookFailure> {
        ops.reconfigure_async(i, self.0).await
    }
}

/// The result of an operation over [`Direct`], which is ready at its first poll.
pub(super) fn completed<T>(operation: impl Future<Output = T>) -> T {
    operation
        .now_or_never()
        .expect("an operation over the direct drive never waits")
}
