//! The async manager's walks: a hook run on every plugin ready for it, each plugin's as soon as
//! the same hook of all its dependencies has finished (of all its dependents, on the way down),
//! concurrently up to an optional limit; per-hook timeouts; retries with backoff that wait on
//! the executor's timer; shutdown as one walk of per-plugin teardowns (`stop`, then `shutdown`)
//! with a grace and a mercy period.
//!
//! The bookkeeping is the sync engine's (`hooks.rs`): states move through `move_from`, failures
//! are recorded, exclusions carry the same reasons. What differs is when: a plugin that fails
//! is marked `Failed` at once (its dependents then never start), and taken out, dependents
//! first, one at a time, once the walk's other hooks have finished.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};
use rustc_hash::FxHashMap;

use super::drive::Awaited;
use super::job::{Call, Done, Runner};
use super::options::{AsyncSettings, Deadlines, Injector, Stage};
use super::retry::Attempts;
use super::slots::{SlotAccess, Slots};
use super::{Engine, Ops, PluginHook};
use crate::catch;
use crate::error::Error;
use crate::executor::BoxFuture;
use crate::lifecycle::PluginState;
use crate::report::table::Report;
use crate::report::{FailureCause, HookFailure};

/// Marks a slot that takes no part in a walk.
const OUT: u32 = u32::MAX;

impl Engine {
    /// The hook runner of this manager's async walks.
    pub(super) fn runner(&self, settings: &AsyncSettings) -> Runner {
        Runner {
            hub: Arc::clone(&self.hub),
            executor: Arc::clone(&settings.executor),
            route: catch::routing(),
            injector: Injector::of(&self.options),
            timeout: settings.timeout,
            time_hooks: self.options.time_hooks,
        }
    }

    /// [`validate`](Engine::validate), with the hooks awaited concurrently.
    pub(crate) async fn validate_async(&mut self, settings: &AsyncSettings) -> Result<(), Error> {
        let run = self.runner(settings);
        let mut ops = self.ops();
        ops.resolve();
        if ops.found.required_excluded.is_none() {
            ops.walk(PluginHook::Validate, None, &run, settings.limit, None)
                .await;
        }
        let required = ops.settle(&run).await;
        self.conclude_async(required, settings).await
    }

    /// [`run_forward`](Engine::run_forward) (`init` or `start`), with the hooks awaited
    /// concurrently.
    pub(crate) async fn run_forward_async(
        &mut self,
        hook: PluginHook,
        settings: &AsyncSettings,
    ) -> Result<(), Error> {
        let run = self.runner(settings);
        let mut ops = self.ops();
        ops.walk(hook, None, &run, settings.limit, None).await;
        let required = ops.settle(&run).await;
        self.conclude_async(required, settings).await
    }

    /// [`stop_all`](Engine::stop_all), with the hooks awaited concurrently.
    pub(crate) async fn stop_all_async(&mut self, settings: &AsyncSettings) {
        let run = self.runner(settings);
        let mut ops = self.ops();
        ops.walk(PluginHook::Stop, None, &run, settings.limit, None)
            .await;
        ops.settle(&run).await;
    }

    /// [`finish`](Engine::finish), with the hooks awaited concurrently and, if given, within
    /// shutdown's deadlines.
    pub(crate) async fn finish_async(
        &mut self,
        settings: &AsyncSettings,
        deadlines: Option<Deadlines>,
    ) -> Report {
        let run = self.runner(settings);
        let mut ops = self.ops();
        let deadlines = deadlines.as_ref();
        // Each plugin's teardown is one unit, `stop` then `shutdown`, so that the deadlines judge
        // each plugin by its own hooks: one that hangs holds up only what waits for it.
        let teardown = Some(PluginHook::Shutdown);
        ops.walk(PluginHook::Stop, teardown, &run, settings.limit, deadlines)
            .await;
        // What no walk reached: plugins created or validated only, or outside the start order.
        for i in (0..ops.slots.slots().len()).rev() {
            if ops.state(i).is_live() {
                let _ = ops.tear_down(i, &Awaited(&run)).await;
            }
        }
        ops.settle_failures(&Awaited(&run)).await;
        self.finished = true;
        self.hub.close();
        self.take_report()
    }

    /// The end of an async phase transition that excluded `required` (a plugin with
    /// `on_failure = "fail"`), if any: as [`transition`](Engine::transition)'s, with the
    /// shutdown awaited.
    async fn conclude_async(
        &mut self,
        required: Option<usize>,
        settings: &AsyncSettings,
    ) -> Result<(), Error> {
        let Some(i) = required else {
            return Ok(());
        };
        let (plugin, reason) = self.required_excluded(i);
        let report = self.finish_async(settings, None).await;
        Err(Error::RequiredPluginExcluded {
            plugin,
            reason,
            report: Box::new(report),
        })
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// What every phase ends with: failed callbacks settled, the start order pruned to live
    /// plugins; returns the required plugin that was excluded, if one was.
    async fn settle(&mut self, run: &Runner) -> Option<usize> {
        self.settle_failures(&Awaited(run)).await;
        self.retain_live();
        self.found.required_excluded
    }
}

impl Ops<'_, &mut Slots> {
    /// Runs `hook` on every plugin ready for it: each as soon as its prerequisites (its
    /// dependencies, or on the way down its dependents) that take part have finished the same
    /// hook, at most `limit` at a time. With `then`, each plugin runs `then` right after `hook`
    /// (or only `then`, if it is not ready for `hook`), and counts as finished when `then` has.
    /// Plugins whose hook failed are taken out when the others are done. With `deadlines`, a
    /// walk that outlasts the grace period stops waiting for the order, and one that outlasts
    /// the mercy period abandons the plugins whose hook still runs.
    async fn walk(
        &mut self,
        hook: PluginHook,
        then: Option<PluginHook>,
        run: &Runner,
        limit: Option<NonZeroUsize>,
        deadlines: Option<&Deadlines>,
    ) {
        let reverse = matches!(hook, PluginHook::Stop | PluginHook::Shutdown);
        let mut order = self.plan.order.clone();
        if reverse {
            order.reverse();
        }
        // The hook `i` runs first from `state`, if it takes part.
        let first = |state: PluginState| {
            if hook.runs_from(state) {
                Some(hook)
            } else {
                then.filter(|then| then.runs_from(state))
            }
        };
        let n = self.slots.slots().len();
        let mut waiting = vec![OUT; n];
        let taking_part: Vec<usize> = order
            .into_iter()
            .filter(|&i| first(self.state(i)).is_some())
            .collect();
        for &i in &taking_part {
            waiting[i] = 0;
        }
        for &i in &taking_part {
            let count = self
                .prerequisites(i, reverse)
                .filter(|&p| waiting[p] != OUT);
            waiting[i] = count.count() as u32;
        }
        let mut ready: VecDeque<usize> = taking_part
            .iter()
            .copied()
            .filter(|&i| waiting[i] == 0)
            .collect();

        let mut flying = FuturesUnordered::new();
        let mut from = vec![PluginState::Registered; n];
        // The hook each plugin that takes part runs, or will run next, in this walk.
        let mut current = vec![hook; n];
        for &i in &taking_part {
            current[i] = first(self.state(i)).unwrap_or(hook);
        }
        let mut failures = Vec::new();
        let mut attempts: FxHashMap<usize, Attempts> = FxHashMap::default();
        let mut halted = false;
        let (mut stage, mut alarm) = match deadlines.map(Deadlines::stage) {
            None => (Stage::Ordered, None),
            Some((stage, next)) => (stage, next.map(|after| run.executor.sleep(after))),
        };
        let mut hurried = false;
        loop {
            if stage != Stage::Ordered && !hurried {
                // The order is no longer waited for: everything left starts now.
                hurried = true;
                for &i in &taking_part {
                    if waiting[i] != 0 && waiting[i] != OUT {
                        waiting[i] = 0;
                        ready.push_back(i);
                    }
                }
            }
            while !halted && (stage != Stage::Ordered || below(limit, flying.len())) {
                let Some(i) = ready.pop_front() else {
                    break;
                };
                let state = self.state(i);
                if let Some(next) = first(state) {
                    (from[i], current[i]) = (state, next);
                    flying.push(self.launch(i, next, run, None));
                }
            }
            if stage == Stage::Over {
                self.abandon(deadlines, &mut flying, &ready, &from, &current);
                break;
            }
            let done = match alarm.as_mut() {
                None => flying.next().await,
                Some(sleeping) => match select(flying.next(), sleeping).await {
                    Either::Left((done, _)) => done,
                    Either::Right(((), _)) => {
                        let (next, after) = deadlines.map_or((Stage::Over, None), Deadlines::stage);
                        self.log_deadline(stage, next, flying.len(), deadlines);
                        (stage, alarm) = (next, after.map(|after| run.executor.sleep(after)));
                        continue;
                    }
                },
            };
            let Some(done) = done else {
                break;
            };
            let (i, landed) = (done.i, done.hook);
            match self.land(done, from[i]) {
                Ok(()) => {
                    if let Some(retried) = attempts.remove(&i) {
                        retried.succeeded(self, i, landed);
                    }
                    let state = self.state(i);
                    // After `then` itself the plugin is past it: `runs_from` says no.
                    if let Some(next) = then.filter(|then| then.runs_from(state)) {
                        (from[i], current[i]) = (state, next);
                        flying.push(self.launch(i, next, run, None));
                        continue;
                    }
                    self.release(i, reverse, &mut waiting, &mut ready);
                }
                Err(failure) => {
                    let mut retrying = attempts
                        .remove(&i)
                        .or_else(|| Attempts::of(self, i, landed));
                    if let Some(tries) = retrying.as_mut()
                        && let Some(delay) = tries.again(self, i, &failure)
                    {
                        attempts.extend(retrying.map(|tries| (i, tries)));
                        flying.push(self.launch(i, landed, run, Some(delay)));
                        continue;
                    }
                    let tried = retrying.map_or_else(Vec::new, Attempts::into_failures);
                    failures.push(self.failed_for_good(i, from[i], failure, tried));
                    halted |= !reverse && self.is_required(i);
                    if reverse {
                        // On the way down, a failed stop does not hold its dependencies up.
                        self.release(i, reverse, &mut waiting, &mut ready);
                    }
                }
            }
        }
        for failure in failures {
            self.take_out(failure, &Awaited(run)).await;
        }
    }

    /// The slots that must finish a hook before `i` runs it: its dependencies, or, on the way
    /// down, its dependents.
    fn prerequisites(&self, i: usize, reverse: bool) -> impl Iterator<Item = usize> + '_ {
        let graph = &self.topology.graph;
        let (down, up) = if reverse {
            (None, Some(graph.starts_before(i)))
        } else {
            (Some(graph.starts_after(i)), None)
        };
        down.into_iter().flatten().chain(up.into_iter().flatten())
    }

    /// `i` has finished: the plugins waiting for it have one prerequisite less.
    fn release(&self, i: usize, reverse: bool, waiting: &mut [u32], ready: &mut VecDeque<usize>) {
        let graph = &self.topology.graph;
        let (up, down) = if reverse {
            (None, Some(graph.starts_after(i)))
        } else {
            (Some(graph.starts_before(i)), None)
        };
        for next in up.into_iter().flatten().chain(down.into_iter().flatten()) {
            if waiting[next] != OUT && waiting[next] > 0 {
                waiting[next] -= 1;
                if waiting[next] == 0 {
                    ready.push_back(next);
                }
            }
        }
    }

    /// The mercy period is over: every job still running is dropped (an async hook is
    /// cancelled and its instance dropped with it), and every plugin that was running one or
    /// waiting to is excluded as abandoned, named with the hook it was in (`current`).
    fn abandon(
        &mut self,
        deadlines: Option<&Deadlines>,
        flying: &mut FuturesUnordered<BoxFuture<'static, Done>>,
        ready: &VecDeque<usize>,
        from: &[PluginState],
        current: &[PluginHook],
    ) {
        let after = deadlines.map_or(Duration::ZERO, |d| d.began.elapsed());
        let running = flying.len();
        flying.clear();
        let mut abandoned: Vec<usize> = (0..from.len())
            .filter(|&i| current[i].runs_from(from[i]) && self.state(i) == from[i])
            .collect();
        abandoned.extend(
            ready
                .iter()
                .filter(|&&i| current[i].runs_from(self.state(i))),
        );
        abandoned.sort_unstable();
        abandoned.dedup();
        log::error!(
            "plugin manager: shutdown abandoned {} plugins ({running} hooks still running) \
             {after:?} after it began",
            abandoned.len(),
        );
        for i in abandoned {
            let failure = HookFailure {
                hook: current[i].hook(),
                cause: FailureCause::Abandoned(after),
            };
            // Nothing is left to run on the way out: its dependents went before it.
            let out = self.failed_for_good(i, from[i], failure, Vec::new());
            self.drop_instance(i);
            self.exclude(i, out.reason);
        }
    }

    /// Warns when the walk, woken by its alarm in stage `from`, finds that the grace period is
    /// over: also when it wakes after mercy ended too (a busy machine, a late timer), so the
    /// warning never goes missing before the abandonment it explains.
    fn log_deadline(
        &self,
        from: Stage,
        next: Stage,
        running: usize,
        deadlines: Option<&Deadlines>,
    ) {
        let Some(deadlines) = deadlines else {
            return;
        };
        if from == Stage::Ordered && next != Stage::Ordered {
            log::warn!(
                "plugin manager: shutdown's grace period ({:?}) is over with {running} hooks running: \
                 the rest are torn down without waiting for their dependents, for {:?} more",
                deadlines.grace,
                deadlines.mercy
            );
        }
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// Takes the instance of `i` out of its slot (out of its extension points first, for a
    /// teardown hook: the job waits for the calls in flight) and makes the job that runs `hook`
    /// on it.
    pub(super) fn launch(
        &mut self,
        i: usize,
        hook: PluginHook,
        run: &Runner,
        delay: Option<Duration>,
    ) -> BoxFuture<'static, Done> {
        if hook.withdraws() && self.shares(i) {
            self.hide(i);
        }
        let instance = self.slots.with_instance(i, |instance, _| instance.take());
        let call = Call::of(self.slots.slots(), i, run.timeout);
        run.job(call, hook, instance, delay)
    }

    /// Puts a finished job's instance back and records its time; `Ok` if the hook succeeded.
    pub(super) fn put_back(&mut self, done: Done) -> Result<(), HookFailure> {
        let Done {
            i,
            hook,
            instance,
            outcome,
            started,
        } = done;
        if instance.is_some() {
            self.slots.with_instance(i, |slot, _| *slot = instance);
        }
        if let Some(started) = started {
            let took = started.elapsed();
            self.slots.slots().record_time(i, hook.hook(), took);
        }
        outcome.map_err(|cause| HookFailure {
            hook: hook.hook(),
            cause,
        })
    }

    /// [`put_back`](Self::put_back), then, if the hook succeeded, what follows it: the next
    /// state (and publication, once started); after `shutdown`, the instance dropped.
    fn land(&mut self, done: Done, from: PluginState) -> Result<(), HookFailure> {
        let (i, hook) = (done.i, done.hook);
        self.put_back(done)?;
        self.moved_on(i, from, hook);
        if hook == PluginHook::Shutdown {
            self.drop_instance(i);
        }
        Ok(())
    }
}

/// Whether another hook may start while `running` run.
fn below(limit: Option<NonZeroUsize>, running: usize) -> bool {
    limit.is_none_or(|limit| running < limit.get())
}
