//! The engine behind every phase and runtime operation. This file owns the state of one manager
//! ([`Engine`]) and the protocol for changing it: the owner changes it through `&mut` with no
//! lock; a runtime operation on a shared manager takes the control lock, works on a private copy
//! of the start order, and publishes it when done; a call that would re-enter the same manager
//! on the same thread is refused. The lifecycle logic itself lives in [`Ops`], one view over
//! either kind of access, spread over the files below by concept.
//!
//! | file | owns |
//! |---|---|
//! | `hooks.rs` | running a hook (panics caught, state checked, events sent), the walks over every plugin |
//! | `exclude.rs` | a failure made final (marked `Failed`, its reason built, in one place) and the plugin taken out of the live set: its live dependents first, its teardown as far as it got, the failures recorded |
//! | `options.rs` | the settings fixed when a manager is built, and the faults a test injects through them |
//! | `retry.rs` | what a failed hook leads to under its failure policy: called again with backoff (`on_failure = retry(...)`), or the plugin taken out; the attempts counted |
//! | `resolve.rs` | duplicates, creation, dependencies, versions, cycles |
//! | `control.rs` | the runtime operations: stop, start, restart, add, remove one plugin, over either drive |
//! | `drive.rs` | how everything outside a walk runs hooks (operations, reloads, the failure path): directly (sync manager) or as awaited jobs (async manager) |
//! | `reload.rs` | checking a new configuration whole and planning the move to it: the [`Planner`](reload::Planner), which only reads |
//! | `apply.rs` | carrying a reload plan out |
//! | `query.rs` | reports, infos, the live list |
//! | `health.rs` | health checks of the running plugins (sync, and all at once for the async manager) |
//! | `supervise.rs` | acting on a check: restarts within the restart intensity (`on_unhealthy`) |
//! | `access.rs` | reaching a plugin instance: locked for callers, direct for the owner |
//! | `share.rs` | extension points and services of running plugins: publish, withdraw, failed callbacks |
//! | `instance.rs` | one instance: boxed, or shared with extension point calls |
//! | `order.rs` | the start order, each plugin's slot, the [`Plan`] |
//! | `publish.rs` | what a shared manager publishes: the start order queries read, and the locks that run operations one at a time ([`Published`]); the instances owner access took out, to publish again ([`Stale`]) |
//! | `setup.rs` | the layout of the instances (index, graph, start order, slots), an engine made on one, another adopted on reload |
//! | `slots.rs` | per-plugin storage in dense arrays |
//! | `graph.rs` | the dependency graph, each dependency bound to an instance |
//! | `observe.rs` | events and observers |
//! | `concurrent.rs` | the async manager's walks: hooks awaited as the dependency graph allows, timeouts, retries on the executor's timer, shutdown's deadlines |
//! | `job.rs` | one hook of one plugin as a future: an async hook awaited, or a sync one on the blocking pool |

mod access;
mod apply;
mod concurrent;
pub(crate) mod control;
mod drive;
mod exclude;
mod graph;
mod health;
mod hooks;
mod instance;
mod job;
pub mod observe;
mod options;
mod order;
mod publish;
mod query;
mod reload;
mod resolve;
mod retry;
mod setup;
mod share;
mod slots;
mod supervise;
#[cfg(test)]
mod testing;

use std::sync::Arc;

use quanta::Instant;
use rustc_hash::FxHashMap;

use self::graph::Graph;
use self::observe::Observers;
pub(crate) use self::options::{AsyncSettings, Deadlines, Options};
use self::order::Plan;
use self::publish::{Published, Stale};
use self::slots::{SlotAccess, Slots};
use crate::busy::Busy;
use crate::catch::{self, Route};
use crate::contract::{Context, Plugin, PluginError};
use crate::error::Error;
use crate::extension::Hub;
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::registry::{PluginEntry, UnlinkedCrate};
use crate::report::ExclusionReason;
use crate::report::table::Report;
use crate::runtime::Action;
use crate::tree::Problem;

/// What the entries alone decide, fixed when the manager is built.
struct Topology {
    /// Slots `0..placed` are in start order; the rest are caught in a dependency cycle or
    /// depend on one.
    placed: usize,
    /// Name to slot; a fast hash: names are short and checked against the naming rule, and a
    /// configuration that names instances is the host's, not an adversary's.
    index: FxHashMap<Name, usize>,
    /// Pairs of slots registered under one name.
    duplicates: Vec<(usize, usize)>,
    graph: Graph,
    /// The first dependency of a slot that binds to no instance, with the reason.
    unresolved: FxHashMap<usize, ExclusionReason>,
}

/// What a configuration's instances decide: the slots in start order, the names and the
/// dependency graph over them. A manager is built on one; a reload that changes the set of
/// instances or their edges builds another, and the manager adopts it
/// ([`Engine::adopt`]); everything else the manager owns stays.
pub(super) struct Layout {
    slots: Slots,
    topology: Topology,
    /// Whether any instance's kind implements extension points (owner access then has
    /// instances to take out of them).
    shares: bool,
    /// The configuration problems of instances, by slot, until discovery excludes them.
    invalid: Vec<(usize, Vec<Problem>)>,
}

/// A hook of the [`Plugin`] trait, with the state a plugin reaches when it succeeds. (The
/// factory, the other kind of [`Hook`], runs through `Ops::create`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PluginHook {
    Validate,
    Init,
    Start,
    Stop,
    Shutdown,
}

impl PluginHook {
    /// The hook as reports name it.
    pub(super) fn hook(self) -> Hook {
        match self {
            Self::Validate => Hook::Validate,
            Self::Init => Hook::Init,
            Self::Start => Hook::Start,
            Self::Stop => Hook::Stop,
            Self::Shutdown => Hook::Shutdown,
        }
    }

    /// The state a plugin is in after this hook succeeded.
    pub(super) fn reaches(self) -> PluginState {
        match self {
            Self::Validate => PluginState::Validated,
            Self::Init => PluginState::Initialized,
            Self::Start => PluginState::Running,
            Self::Stop => PluginState::Stopped,
            Self::Shutdown => PluginState::Shutdown,
        }
    }

    /// Whether a plugin in `state` is one this hook runs on when a phase runs it on everyone.
    pub(super) fn runs_from(self, state: PluginState) -> bool {
        match self {
            Self::Validate => state == PluginState::Created,
            Self::Init => state == PluginState::Validated,
            Self::Start => matches!(state, PluginState::Initialized | PluginState::Stopped),
            Self::Stop => state == PluginState::Running,
            Self::Shutdown => matches!(state, PluginState::Initialized | PluginState::Stopped),
        }
    }

    /// Whether the hook takes a running plugin out of its extension points and services first.
    #[inline(always)]
    pub(super) fn withdraws(self) -> bool {
        matches!(self, Self::Stop | Self::Shutdown)
    }

    #[inline(always)]
    pub(super) fn run(self, plugin: &mut dyn Plugin, ctx: &Context<'_>) -> Result<(), PluginError> {
        match self {
            Self::Validate => plugin.validate(ctx),
            Self::Init => plugin.init(ctx),
            Self::Start => plugin.start(ctx),
            Self::Stop => plugin.stop(ctx),
            Self::Shutdown => plugin.shutdown(ctx),
        }
    }
}

/// What a manager is built from besides its instances: kept across reloads, and shown in every
/// report.
#[derive(Default)]
struct Sources {
    /// The kinds the configuration is resolved against: the registry, or the builder's entries.
    kinds: Vec<&'static PluginEntry>,
    /// The configuration's problems that belong to no instance.
    config_problems: Vec<Problem>,
    /// The plugin crates the host depends on but did not link.
    unlinked: Vec<UnlinkedCrate>,
}

/// Everything a manager owns.
pub(crate) struct Engine {
    /// What the configuration's instances decide; replaced whole by a reload that changes them.
    layout: Layout,
    /// The start order queries read, and the locks that run operations one at a time.
    published: Published,
    options: Options,
    observers: Observers,
    /// Extension points and services; kept across reloads (historic calls live here).
    hub: Arc<Hub>,
    /// Running instances that owner access took out of their extension points.
    stale: Stale,
    /// What the manager was built from besides its instances.
    sources: Sources,
    /// Tells this manager apart from others in the re-entrancy guard.
    id: u64,
    /// Set by `finish`: nothing is live, so `Drop` has nothing to do.
    finished: bool,
    /// Set for an async manager: its hooks must be awaited, so `Drop` cannot run them.
    awaited: bool,
}

impl Engine {
    /// The lifecycle logic for the owner of the manager: no lock anywhere.
    fn ops(&mut self) -> Ops<'_, &mut Slots> {
        if self.stale.any() {
            self.republish_stale();
        }
        let plan = self.published.plan_mut();
        Ops::new(
            &mut self.layout.slots,
            &self.layout.topology,
            plan,
            self.options,
            &self.observers,
            &self.hub,
        )
    }

    /// Creates every instance except the disabled ones (by the configuration, or by name in
    /// `disabled`), after excluding names taken twice and instances whose configuration is
    /// invalid. A disabled name that is not registered, or that names a required plugin, fails
    /// before anything is created.
    pub(crate) fn discover(&mut self, disabled: Vec<String>) -> Result<(), Error> {
        let mut left_out: Vec<bool> = (0..self.layout.slots.len())
            .map(|i| !self.layout.slots.spec(i).enabled)
            .collect();
        for name in disabled {
            let i = self.slot(&name)?;
            if self.layout.slots.on_failure(i).is_required() {
                return Err(Error::RequiredPlugin {
                    plugin: self.layout.slots.name(i),
                    action: Action::Disable,
                });
            }
            left_out[i] = true;
        }
        let problems = std::mem::take(&mut self.layout.invalid);
        self.transition(|ops| {
            ops.exclude_duplicates();
            for (i, problems) in problems {
                if ops.state(i) == PluginState::Registered {
                    ops.exclude_unstarted(i, ExclusionReason::InvalidConfig { problems });
                }
            }
            ops.create_all(&left_out);
        })?;
        log::debug!(
            "plugin manager: discovered {} plugins",
            self.layout.slots.len()
        );
        Ok(())
    }

    /// Resolves dependencies, then validates every plugin that is left, in start order.
    pub(crate) fn validate(&mut self) -> Result<(), Error> {
        self.transition(|ops| {
            ops.resolve();
            if ops.found.required_excluded.is_none() {
                ops.run_forward(PluginHook::Validate);
            }
        })
    }

    /// Runs `hook` (`init` or `start`) on every plugin that is ready for it, in start order.
    pub(crate) fn run_forward(&mut self, hook: PluginHook) -> Result<(), Error> {
        self.transition(|ops| ops.run_forward(hook))
    }

    /// Stops every running plugin, in reverse start order.
    pub(crate) fn stop_all(&mut self) {
        let mut ops = self.ops();
        ops.stop_all();
        ops.settle_failures_here();
        ops.retain_live();
    }

    /// The tail every phase transition shares: run `step`, keep only live plugins in the start
    /// order, and fail (after shutting everything down) if a required plugin was excluded.
    fn transition(&mut self, step: impl FnOnce(&mut Ops<'_, &mut Slots>)) -> Result<(), Error> {
        let mut ops = self.ops();
        step(&mut ops);
        ops.settle_failures_here();
        ops.retain_live();
        let Some(i) = ops.found.required_excluded else {
            return Ok(());
        };
        let (plugin, reason) = self.required_excluded(i);
        Err(Error::RequiredPluginExcluded {
            plugin,
            reason,
            report: Box::new(self.finish()),
        })
    }

    /// The required plugin `i` that a transition excluded, and why, logged (read before the
    /// shutdown that follows moves the reason into the report).
    fn required_excluded(&self, i: usize) -> (Name, ExclusionReason) {
        let plugin = self.layout.slots.name(i);
        let reason = self
            .layout
            .slots
            .reason(i)
            .expect("an excluded plugin has a reason");
        log::error!(target: plugin.as_str(), "required plugin {plugin:?} excluded: {reason}");
        (plugin, reason)
    }

    /// Shuts everything down and returns the final report, moving the details into it.
    pub(crate) fn finish(&mut self) -> Report {
        let mut ops = self.ops();
        ops.shut_down_all();
        ops.settle_failures_here();
        self.finished = true;
        self.hub.close();
        self.take_report()
    }

    /// Runs a control operation on the plugin called `name`: one at a time, on a copy of the
    /// start order that is published when it ends, never from inside another call on this
    /// manager on the same thread.
    pub(crate) fn control<R>(
        &self,
        operation: &'static str,
        name: &str,
        f: impl FnOnce(&mut Ops<'_, &Slots>, usize) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let i = self.slot(name)?;
        self.operate(operation, |ops| f(ops, i))
    }

    /// [`control`](Self::control) for an operation on no plugin in particular.
    fn operate<R>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Ops<'_, &Slots>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let _busy = Busy::enter(self.id, operation)?;
        let _control = self.published.control();
        if self.stale.any() {
            self.republish_stale();
        }
        let mut plan = self.published.copy();
        let mut ops = self.shared_ops(&mut plan);
        let result = f(&mut ops);
        ops.settle_failures_here();
        // Published orders hold live plugins only, as after every phase transition.
        ops.retain_live();
        self.published.publish(plan);
        result
    }

    /// The lifecycle logic for a runtime operation: the slots shared, the start order the
    /// operation's own copy, `plan`.
    fn shared_ops<'a>(&'a self, plan: &'a mut Plan) -> Ops<'a, &'a Slots> {
        Ops::new(
            &self.layout.slots,
            &self.layout.topology,
            plan,
            self.options,
            &self.observers,
            &self.hub,
        )
    }

    /// The observers of this manager.
    pub(crate) fn observers(&self) -> &Observers {
        &self.observers
    }
}

impl Drop for Engine {
    /// Whatever phase the manager is dropped in, live plugins are stopped and shut down in
    /// reverse order, and every instance is dropped.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if self.awaited {
            let live = (0..self.layout.slots.len())
                .filter(|&i| self.layout.slots.state(i).is_live())
                .count();
            if live > 0 {
                log::warn!(
                    "plugin manager (async): dropped without `shutdown().await`: {live} live \
                     plugins are dropped without their stop and shutdown hooks"
                );
            }
            self.hub.close();
            return;
        }
        self.ops().shut_down_all();
        self.hub.close();
    }
}

/// The lifecycle logic, over either kind of slot access: what one phase transition or one
/// control operation works with.
pub(crate) struct Ops<'e, S> {
    slots: S,
    topology: &'e Topology,
    plan: &'e mut Plan,
    options: Options,
    observers: &'e Observers,
    hub: &'e Arc<Hub>,
    /// What the operation found out as it went, read as it ends.
    found: Found,
    /// With timing on, when the last hook ended: one clock read per hook boundary, so a hook's
    /// time includes the manager's bookkeeping since the previous one (tens of nanoseconds).
    /// The clock is the TSC (`quanta`), calibrated once per process on the first read (about
    /// half a millisecond): a read costs less than half of the system clock's.
    boundary: Option<Instant>,
    /// Whether caught panics go to `log`, read once for the operation.
    route: Route,
}

/// What one operation found out as it went, apart from what it works on: read as it ends.
#[derive(Default)]
struct Found {
    /// The first plugin with `on_failure = "fail"` that was excluded: the transition must fail.
    required_excluded: Option<usize>,
    /// Whether a plugin left the live set (if none did, the start order needs no pruning).
    left_live: bool,
}

/// What one operation's rules read about the plugins without changing anything: their states,
/// names and kinds, the dependency graph, the operation's start order. A method on it cannot
/// change a state, run a hook or lock an instance.
#[derive(Clone, Copy)]
struct View<'a> {
    slots: &'a Slots,
    topology: &'a Topology,
    order: &'a Plan,
}

impl<'e, S: SlotAccess> Ops<'e, S> {
    fn new(
        slots: S,
        topology: &'e Topology,
        plan: &'e mut Plan,
        options: Options,
        observers: &'e Observers,
        hub: &'e Arc<Hub>,
    ) -> Self {
        Self {
            slots,
            topology,
            plan,
            options,
            observers,
            hub,
            found: Found::default(),
            boundary: None,
            route: catch::routing(),
        }
    }

    #[inline]
    fn name(&self, i: usize) -> Name {
        self.slots.slots().name(i)
    }

    #[inline]
    fn state(&self, i: usize) -> PluginState {
        self.slots.slots().state(i)
    }

    /// What the operation's rules read, apart from what they change.
    #[inline]
    fn view(&self) -> View<'_> {
        View {
            slots: self.slots.slots(),
            topology: self.topology,
            order: self.plan,
        }
    }

    /// Whether `i` fails the transition when it is excluded (`on_failure = "fail"`).
    fn is_required(&self, i: usize) -> bool {
        self.slots.slots().on_failure(i).is_required()
    }
}
