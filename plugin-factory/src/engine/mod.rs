//! The machinery behind every phase and runtime operation: one slot per registered plugin, the
//! hook runner that catches panics, dependency resolution, and exclusion with its cascade.
//!
//! Phase transitions own the manager and reach slots through `&mut` (no locking); runtime
//! operations on a shared `PluginManager<Running>` lock each slot as they touch it. Both go
//! through [`Ops`], generic over [`SlotAccess`], so the lifecycle logic exists once.
//!
//! Slots (see [`Slots`]) are laid out in start order when the manager is built (see
//! [`Engine::new`]); names are never sorted as a whole (ties in the start order are broken by
//! name on the ready heap only).

use std::any::Any;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::hash_map::Entry;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use rustc_hash::FxHashMap;

use crate::contract::Context;
use crate::lifecycle::{Hook, PluginState};
use crate::manager::graph::Graph;
use crate::manager::observe::{Event, Observers};
use crate::manager::slots::{SlotAccess, Slots};
use crate::registry::PluginEntry;
use crate::report::{ExclusionReason, FailureCause, HookFailure, PluginReport, Report};

/// The order plugins were started in (dependencies first) and each slot's place in it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Plan {
    pub(crate) order: Vec<usize>,
    pub(crate) position: Vec<u32>,
    /// Whether the order runs through the slots front to back, as it does until a runtime
    /// operation moves a plugin to the end: then the slots can be walked without the order.
    pub(crate) in_slot_order: bool,
}

impl Plan {
    pub(crate) const UNORDERED: u32 = u32::MAX;

    fn reindex(&mut self) {
        self.position.fill(Self::UNORDERED);
        for (place, &slot) in self.order.iter().enumerate() {
            self.position[slot] = place as u32;
        }
        self.in_slot_order = self.order.is_sorted();
    }

    /// Moves `slot` to the end of the order (it was just started after everything before it).
    pub(crate) fn push_last(&mut self, slot: usize) {
        if self.position[slot] != Self::UNORDERED {
            self.order.retain(|&other| other != slot);
        }
        self.order.push(slot);
        self.reindex();
    }
}

/// Settings fixed when the manager is built.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) time_hooks: bool,
}

/// A plugin name as a sort key: the first 16 bytes as one integer, so that most comparisons
/// are one integer comparison; the whole name breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameKey {
    prefix: u128,
    name: &'static str,
}

impl NameKey {
    #[inline]
    pub(crate) fn new(name: &'static str) -> Self {
        let mut bytes = [0u8; 16];
        let head = &name.as_bytes()[..name.len().min(16)];
        bytes[..head.len()].copy_from_slice(head);
        Self {
            prefix: u128::from_be_bytes(bytes),
            name,
        }
    }
}

impl Ord for NameKey {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| self.name.cmp(other.name))
    }
}

impl PartialOrd for NameKey {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How the ready heap of Kahn's algorithm orders slots: by name, then by slot.
trait ReadyKey: Ord {
    fn new(name: &'static str, slot: usize) -> Self;
    fn slot(&self) -> usize;
}

/// A name of at most 12 bytes and its slot packed into one integer, compared in one
/// instruction: the usual case, since most plugin names are short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ShortKey(u128);

impl ShortKey {
    const NAME_BYTES: usize = 12;
}

impl ReadyKey for ShortKey {
    #[inline]
    fn new(name: &'static str, slot: usize) -> Self {
        let (high, low) = short_name_words(name.as_bytes());
        Self((u128::from(high) << 64) | (u128::from(low) << 32) | slot as u128)
    }

    #[inline]
    fn slot(&self) -> usize {
        (self.0 as u32) as usize
    }
}

/// A name of at most 12 bytes as big-endian words (bytes 0 to 7, then 8 to 11), zero-padded.
/// Built from whole-word loads (overlapping ones for the tail) rather than a byte copy into a
/// buffer read back as one integer, which stalls on store forwarding.
#[inline]
fn short_name_words(name: &[u8]) -> (u64, u32) {
    let len = name.len();
    debug_assert!(len <= ShortKey::NAME_BYTES);
    let word = |at: usize| u32::from_be_bytes([name[at], name[at + 1], name[at + 2], name[at + 3]]);
    // The last `n` bytes of the last 4 (as the low bytes of a word).
    let tail = |n: usize| u64::from(word(len - 4)) & ((1 << (8 * n)) - 1);
    if len >= 8 {
        let high = (u64::from(word(0)) << 32) | u64::from(word(4));
        let rest = len - 8;
        (high, (tail(rest) << (8 * (4 - rest))) as u32)
    } else if len >= 4 {
        (
            (u64::from(word(0)) << 32) | (tail(len - 4) << (8 * (8 - len))),
            0,
        )
    } else {
        let high = name
            .iter()
            .enumerate()
            .fold(0, |high, (k, &byte)| high | u64::from(byte) << (56 - 8 * k));
        (high, 0)
    }
}

impl ReadyKey for (NameKey, usize) {
    #[inline]
    fn new(name: &'static str, slot: usize) -> Self {
        (NameKey::new(name), slot)
    }

    #[inline]
    fn slot(&self) -> usize {
        self.1
    }
}

/// The start order of every plugin that no dependency cycle holds back (Kahn's algorithm): a
/// plugin comes after its dependencies, and among the plugins ready at a time, the smallest
/// name first.
fn start_order(names: &[&'static str], graph: &Graph) -> Vec<usize> {
    if names.iter().all(|name| name.len() <= ShortKey::NAME_BYTES) {
        kahn::<ShortKey>(names, graph)
    } else {
        kahn::<(NameKey, usize)>(names, graph)
    }
}

/// Kahn's algorithm with a ready heap ordered by `K`.
fn kahn<K: ReadyKey>(names: &[&'static str], graph: &Graph) -> Vec<usize> {
    let n = names.len();
    let mut waiting: Vec<u32> = (0..n).map(|i| graph.dependencies(i).len() as u32).collect();
    let key = |i: usize| Reverse(K::new(names[i], i));
    let mut ready: BinaryHeap<Reverse<K>> = (0..n).filter(|&i| waiting[i] == 0).map(key).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(next)) = ready.pop() {
        let i = next.slot();
        order.push(i);
        for dependent in graph.dependents(i) {
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                ready.push(key(dependent));
            }
        }
    }
    order
}

/// Where each registered plugin goes, by its index in registry order.
struct Layout {
    /// The plugin placed in each slot: the start order, then the plugins that a dependency
    /// cycle holds back, in registry order.
    order: Vec<usize>,
    /// The slot of each plugin (the inverse of `order`).
    slot_of: Vec<u32>,
    /// How many slots are in start order.
    placed: usize,
}

impl Layout {
    fn new(names: &[&'static str], graph: &Graph) -> Self {
        let n = names.len();
        let mut order = start_order(names, graph);
        let placed = order.len();
        let mut slot_of = vec![u32::MAX; n];
        for (slot, &i) in order.iter().enumerate() {
            slot_of[i] = slot as u32;
        }
        if placed < n {
            order.extend((0..n).filter(|&i| slot_of[i] == u32::MAX));
            for (slot, &i) in order.iter().enumerate().skip(placed) {
                slot_of[i] = slot as u32;
            }
        }
        Self {
            order,
            slot_of,
            placed,
        }
    }

    fn slot(&self, i: usize) -> usize {
        self.slot_of[i] as usize
    }
}

/// Everything a manager owns.
pub(crate) struct Engine {
    pub(crate) slots: Slots,
    /// Slots `0..placed` are in start order; the rest are caught in a dependency cycle or
    /// depend on one.
    placed: usize,
    /// Name to slot; a fast hash, since names are compile-time constants, not adversarial input.
    pub(crate) index: FxHashMap<&'static str, usize>,
    /// Pairs of slots registered under one name.
    duplicates: Vec<(usize, usize)>,
    pub(crate) graph: Graph,
    /// Read by queries; replaced whole at the end of a control operation.
    pub(crate) plan: RwLock<Plan>,
    /// Held for the whole of a control operation: they run one at a time.
    pub(crate) control: Mutex<()>,
    pub(crate) options: Options,
    pub(crate) observers: Observers,
    /// Set by `shutdown`: nothing is live, so `Drop` has nothing to do.
    finished: bool,
}

impl Engine {
    /// Takes `entries`, all `Registered`, notes names taken twice, and lays the slots out in
    /// start order.
    ///
    /// The start order depends on the dependency graph and the names alone (an exclusion only
    /// leaves a plugin out of it), so it is computed once, here: slots `0..placed` are in that
    /// order, and every phase, and dispatch to the running plugins, walks the per-plugin arrays
    /// front to back. The slots that a dependency cycle holds back follow, in registry order.
    pub(crate) fn new(
        entries: Vec<&'static PluginEntry>,
        options: Options,
        observers: Observers,
    ) -> Self {
        let n = entries.len();
        let mut index = FxHashMap::with_capacity_and_hasher(n, rustc_hash::FxBuildHasher);
        let mut duplicates = Vec::new();
        // Read once, in registry order: Kahn's algorithm reads them in its own order.
        let names: Vec<&'static str> = entries.iter().map(|entry| entry.name()).collect();
        for (i, &name) in names.iter().enumerate() {
            match index.entry(name) {
                Entry::Occupied(first) => duplicates.push((*first.get(), i)),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        let graph = Graph::new(&entries, &index);

        let layout = Layout::new(&names, &graph);
        for slot in index.values_mut() {
            *slot = layout.slot(*slot);
        }
        for (first, second) in &mut duplicates {
            (*first, *second) = (layout.slot(*first), layout.slot(*second));
        }
        let graph = graph.relabeled(&layout.order, &layout.slot_of);
        let slots = Slots::new(
            layout.order.iter().map(|&i| entries[i]).collect(),
            layout.order.iter().map(|&i| names[i]).collect(),
        );
        let placed = layout.placed;

        let plan = Plan {
            order: Vec::with_capacity(n),
            position: vec![Plan::UNORDERED; n],
            in_slot_order: true,
        };
        Self {
            slots,
            placed,
            index,
            duplicates,
            graph,
            plan: RwLock::new(plan),
            control: Mutex::new(()),
            options,
            observers,
            finished: false,
        }
    }

    /// Lock-free access for a caller that owns the manager.
    pub(crate) fn exclusive(&mut self) -> Ops<'_, &mut Slots> {
        Ops {
            slots: &mut self.slots,
            placed: self.placed,
            graph: &self.graph,
            index: &self.index,
            duplicates: &self.duplicates,
            plan: self.plan.get_mut().unwrap_or_else(PoisonError::into_inner),
            options: self.options,
            observers: &self.observers,
            required_excluded: None,
            left_live: false,
            boundary: None,
        }
    }

    /// Locked access for the runtime API: the caller holds the control lock and works on a copy
    /// of the plan that it publishes when done.
    pub(crate) fn locked<'e>(&'e self, plan: &'e mut Plan) -> Ops<'e, &'e Slots> {
        Ops {
            slots: &self.slots,
            placed: self.placed,
            graph: &self.graph,
            index: &self.index,
            duplicates: &self.duplicates,
            plan,
            options: self.options,
            observers: &self.observers,
            required_excluded: None,
            left_live: false,
            boundary: None,
        }
    }

    /// The state of every plugin: started ones in start order, then the rest by name.
    pub(crate) fn report(&self) -> Report {
        let plan = self.plan.read().unwrap_or_else(PoisonError::into_inner);
        let slots = &self.slots;
        let plugins = report_order(&plan, slots)
            .map(|i| {
                let details = slots.details(i).clone();
                let version = slots.entry(i).metadata().version();
                PluginReport::new(slots.name(i), version, slots.state(i), details)
            })
            .collect();
        Report { plugins }
    }

    /// Shuts everything down and returns the final report, moving the details into it.
    pub(crate) fn finish(&mut self) -> Report {
        let mut plugins = Vec::with_capacity(self.slots.len());
        self.exclusive().shut_down_all();
        self.finished = true;
        let plan = self.plan.get_mut().unwrap_or_else(PoisonError::into_inner);
        let slots = &mut self.slots;
        for i in report_order(plan, slots) {
            let details = slots.details_mut(i).take();
            let state = slots.state_mut(i);
            let version = slots.entry(i).metadata().version();
            plugins.push(PluginReport::new(slots.name(i), version, state, details));
        }
        Report { plugins }
    }
}

/// Slot indices in the report's order: started ones in start order, then the rest by name.
fn report_order<'p>(plan: &'p Plan, slots: &Slots) -> impl Iterator<Item = usize> + use<'p> {
    let mut rest: Vec<usize> = (0..slots.len())
        .filter(|&i| plan.position[i] == Plan::UNORDERED)
        .collect();
    rest.sort_by_key(|&i| NameKey::new(slots.name(i)));
    plan.order.iter().copied().chain(rest)
}

impl Drop for Engine {
    /// Whatever phase the manager is dropped in, live plugins are stopped and shut down in
    /// reverse order, and every instance is dropped.
    fn drop(&mut self) {
        if !self.finished {
            self.exclusive().shut_down_all();
        }
    }
}

/// The lifecycle logic, over either kind of slot access.
pub(crate) struct Ops<'e, S> {
    slots: S,
    placed: usize,
    graph: &'e Graph,
    index: &'e FxHashMap<&'static str, usize>,
    duplicates: &'e [(usize, usize)],
    pub(crate) plan: &'e mut Plan,
    options: Options,
    observers: &'e Observers,
    /// Set when a `#[plugin(required)]` plugin is excluded: the transition must fail.
    pub(crate) required_excluded: Option<usize>,
    /// Whether a plugin left the live set during this operation (if none did, the start order
    /// needs no pruning).
    left_live: bool,
    /// With timing on, when the last hook ended: one clock read per hook boundary, so a hook's
    /// time includes the manager's bookkeeping since the previous one (tens of nanoseconds).
    boundary: Option<Instant>,
}

impl<'e, S: SlotAccess> Ops<'e, S> {
    #[inline]
    pub(crate) fn name(&self, i: usize) -> &'static str {
        self.slots.slots().name(i)
    }

    #[inline]
    pub(crate) fn state(&mut self, i: usize) -> PluginState {
        self.slots.state(i)
    }

    /// Whether `i` is marked `#[plugin(required)]`.
    pub(crate) fn is_required(&self, i: usize) -> bool {
        self.slots.slots().entry(i).metadata().is_required()
    }

    /// Why `i` is excluded, if it is.
    pub(crate) fn reason(&mut self, i: usize) -> Option<ExclusionReason> {
        self.slots.slots().reason(i)
    }

    /// Forgets why `i` was excluded, as it re-enters the live set.
    pub(crate) fn clear_reason(&mut self, i: usize) {
        self.slots.with_details(i, |details| details.reason = None);
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub(crate) fn graph(&self) -> &'e Graph {
        self.graph
    }

    /// Moves plugin `i` to `next`, checked against the transition table, and tells observers.
    /// The engine only asks for moves the table allows; a refused one is a bug in the engine,
    /// logged and left undone rather than applied silently.
    #[inline(always)]
    pub(crate) fn set_state(&mut self, i: usize, next: PluginState) {
        let from = self.slots.state(i);
        let mut state = from;
        let slots = self.slots.slots();
        match PluginState::advance(&mut state, next, || slots.name(i)) {
            Ok(()) => {
                self.slots.store_state(i, state);
                self.left_live |= from.is_live() && !state.is_live();
                // The name is only read when somebody listens.
                if log::max_level() >= log::LevelFilter::Debug {
                    let name = self.name(i);
                    log::debug!(target: name, "{name}: {from} -> {next}");
                }
                self.observers.emit(|| Event::StateChanged {
                    plugin: self.name(i),
                    from,
                    to: next,
                });
            }
            Err(error) => {
                debug_assert!(false, "{error}");
                log::error!(target: self.name(i), "{error}");
            }
        }
    }

    /// Runs the factory of plugin `i` and keeps the instance, or excludes the plugin (with its
    /// dependents) and returns the failure.
    pub(crate) fn create(&mut self, i: usize) -> Result<(), HookFailure> {
        let entry = self.slots.slots().entry(i);
        let started = self.clock_start();
        let created = catch_unwind(AssertUnwindSafe(|| entry.create()));
        self.record_time(i, Hook::Create, started);
        match created {
            Ok(plugin) => {
                self.slots
                    .with_instance(i, |instance| *instance = Some(plugin));
                self.set_state(i, PluginState::Created);
                Ok(())
            }
            Err(payload) => {
                let failure = HookFailure {
                    hook: Hook::Create,
                    cause: FailureCause::Panic(panic_message(payload)),
                };
                self.fail(i, failure.clone());
                Err(failure)
            }
        }
    }

    /// Runs one hook of plugin `i`, catching a panic.
    #[inline(always)]
    pub(crate) fn call(&mut self, i: usize, hook: Hook) -> Result<(), HookFailure> {
        let metadata = self.slots.slots().entry(i).metadata();
        let started = self.clock_start();
        let outcome = self.slots.with_instance(i, |instance| {
            let Some(plugin) = instance.as_mut() else {
                return Ok(Err(crate::PluginError::msg("the plugin has no instance")));
            };
            let ctx = Context::new(metadata);
            catch_unwind(AssertUnwindSafe(|| match hook {
                Hook::Validate => plugin.validate(&ctx),
                Hook::Init => plugin.init(&ctx),
                Hook::Start => plugin.start(&ctx),
                Hook::Stop => plugin.stop(&ctx),
                Hook::Shutdown => plugin.shutdown(&ctx),
                Hook::Create => Ok(()),
            }))
        });
        self.record_time(i, hook, started);
        let cause = match outcome {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) => FailureCause::Error(Arc::new(error)),
            Err(payload) => FailureCause::Panic(panic_message(payload)),
        };
        Err(HookFailure { hook, cause })
    }

    /// When the hook about to run starts, if timing is on: the end of the previous hook, or now.
    #[inline]
    fn clock_start(&mut self) -> Option<Instant> {
        if self.options.time_hooks {
            Some(self.boundary.take().unwrap_or_else(Instant::now))
        } else {
            None
        }
    }

    fn record_time(&mut self, i: usize, hook: Hook, started: Option<Instant>) {
        if let Some(started) = started {
            let now = Instant::now();
            self.boundary = Some(now);
            self.slots
                .with_details(i, |details| details.timings.set(hook, now - started));
        }
    }

    /// Runs `hook` on `i` and moves it to `next`, or excludes it (with its dependents) and
    /// returns the failure.
    #[inline(always)]
    pub(crate) fn step(
        &mut self,
        i: usize,
        hook: Hook,
        next: PluginState,
    ) -> Result<(), HookFailure> {
        match self.call(i, hook) {
            Ok(()) => {
                self.set_state(i, next);
                Ok(())
            }
            Err(failure) => {
                self.fail(i, failure.clone());
                Err(failure)
            }
        }
    }

    /// Takes plugin `i` out of the live set because its own hook failed: its live dependents go
    /// first, then it is stopped and shut down as far as it had got, and dropped.
    pub(crate) fn fail(&mut self, i: usize, failure: HookFailure) {
        let before = self.state(i);
        self.record_failure(i, failure.clone());
        if before.is_live() {
            self.set_state(i, PluginState::Failed);
        }
        self.evict_dependents(i);
        if before == PluginState::Running && failure.hook != Hook::Stop {
            self.call_and_record(i, Hook::Stop);
        }
        let initialized = matches!(
            before,
            PluginState::Initialized | PluginState::Running | PluginState::Stopped
        );
        if initialized && failure.hook != Hook::Shutdown {
            self.call_and_record(i, Hook::Shutdown);
        }
        self.drop_instance(i);
        self.exclude(i, ExclusionReason::Hook(failure));
    }

    /// Takes a healthy plugin `i` out of the live set for `reason` (a dependency went, or a
    /// caller removed it): stopped, shut down and dropped. Dependents are the caller's business.
    pub(crate) fn evict(&mut self, i: usize, reason: ExclusionReason) {
        // If a teardown hook fails, the plugin is already excluded with that failure as the
        // reason, which says more than `reason`.
        if self.tear_down(i).is_ok() {
            self.exclude(i, reason);
        }
    }

    /// Stops (if running) and shuts down (if initialized) plugin `i` and drops it, leaving it
    /// `ShutDown`. A failing hook has excluded and dropped the plugin when this returns it.
    pub(crate) fn tear_down(&mut self, i: usize) -> Result<(), HookFailure> {
        match self.state(i) {
            PluginState::Running => {
                self.step(i, Hook::Stop, PluginState::Stopped)?;
                self.step(i, Hook::Shutdown, PluginState::ShutDown)?;
            }
            PluginState::Initialized | PluginState::Stopped => {
                self.step(i, Hook::Shutdown, PluginState::ShutDown)?;
            }
            PluginState::Created | PluginState::Validated => {
                self.set_state(i, PluginState::ShutDown);
            }
            _ => {}
        }
        self.drop_instance(i);
        Ok(())
    }

    /// Excludes every live plugin that depends on `i`, directly or not, dependents first.
    pub(crate) fn evict_dependents(&mut self, i: usize) -> Vec<usize> {
        self.evict_dependents_for(i, |dependency| ExclusionReason::DependsOnExcluded {
            dependency,
        })
    }

    /// Excludes every live plugin that depends on `i`, directly or not, dependents first, each
    /// with the reason `why` gives for the dependency that takes it down.
    pub(crate) fn evict_dependents_for(
        &mut self,
        i: usize,
        why: fn(&'static str) -> ExclusionReason,
    ) -> Vec<usize> {
        let doomed = self.live_dependents(i);
        for &dependent in &doomed {
            let dependency = self
                .graph
                .dependencies(dependent)
                .find(|&d| d == i || doomed.contains(&d))
                .map_or(self.name(i), |d| self.name(d));
            self.evict(dependent, why(dependency));
        }
        doomed
    }

    /// The live plugins that depend on `i`, directly or not, in reverse start order (the order
    /// to stop them in).
    pub(crate) fn live_dependents(&mut self, i: usize) -> Vec<usize> {
        let mut seen = vec![false; self.slots.slots().len()];
        let mut stack: Vec<usize> = self.graph.dependents(i).collect();
        let mut found = Vec::new();
        while let Some(next) = stack.pop() {
            if std::mem::replace(&mut seen[next], true) || !self.state(next).is_live() {
                continue;
            }
            found.push(next);
            stack.extend(self.graph.dependents(next));
        }
        let position = &self.plan.position;
        found.sort_by_key(|&slot| Reverse((position[slot], slot)));
        found
    }

    /// Records `reason`, moves `i` to `Excluded`, and notes a required plugin.
    fn exclude(&mut self, i: usize, reason: ExclusionReason) {
        let name = self.name(i);
        log::warn!(target: name, "plugin {name:?} excluded: {reason}");
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
        if self.is_required(i) && self.required_excluded.is_none() {
            self.required_excluded = Some(i);
        }
    }

    /// Excludes a plugin that never ran a hook (no cascade: resolution handles dependents).
    pub(crate) fn exclude_unstarted(&mut self, i: usize, reason: ExclusionReason) {
        self.drop_instance(i);
        self.exclude(i, reason);
    }

    /// Runs a teardown hook of a plugin that is already on its way out: a failure is recorded
    /// and the teardown goes on.
    fn call_and_record(&mut self, i: usize, hook: Hook) {
        if let Err(failure) = self.call(i, hook) {
            self.record_failure(i, failure);
        }
    }

    /// Logs a hook failure, tells observers, and keeps it in the plugin's details.
    fn record_failure(&mut self, i: usize, failure: HookFailure) {
        let name = self.name(i);
        log::error!(target: name, "plugin {name:?}: {failure}");
        self.observers.emit(|| Event::Failed {
            plugin: name,
            failure: failure.clone(),
        });
        self.slots
            .with_details(i, |details| details.failures.push(failure));
    }

    /// Drops the instance of `i`. A panicking `Drop` is caught and logged: the instance is gone
    /// either way.
    pub(crate) fn drop_instance(&mut self, i: usize) {
        let instance = self.slots.with_instance(i, Option::take);
        if let Some(plugin) = instance
            && let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(plugin)))
        {
            let name = self.name(i);
            log::error!(target: name, "plugin {name:?} panicked while dropped: {}", panic_message(payload));
        }
    }

    /// Excludes every plugin whose name is taken twice, naming both definitions.
    pub(crate) fn exclude_duplicates(&mut self) {
        for &(first, second) in self.duplicates {
            let this = self.slots.slots().entry(first).metadata().location();
            let other = self.slots.slots().entry(second).metadata().location();
            for (slot, this, other) in [(first, this, other), (second, other, this)] {
                if self.state(slot) == PluginState::Registered {
                    self.exclude_unstarted(slot, ExclusionReason::DuplicateName { this, other });
                }
            }
        }
    }

    /// Creates every registered plugin except the disabled ones.
    pub(crate) fn create_all(&mut self, disabled: &[bool]) {
        for (i, &disabled) in disabled.iter().enumerate() {
            if !disabled && self.state(i) == PluginState::Registered {
                // A failure excludes the plugin; discovery goes on.
                let _ = self.create(i);
            }
        }
    }

    /// Resolves dependencies among created plugins, excludes the unsatisfiable ones, and orders
    /// the rest so that every plugin comes after its dependencies, ties broken by name.
    pub(crate) fn resolve(&mut self) {
        // The slots are laid out in start order: when a plugin's turn comes, every dependency
        // of it has been decided.
        let mut order = std::mem::take(&mut self.plan.order);
        order.clear();
        for i in 0..self.placed {
            if self.state(i) == PluginState::Created {
                match self.blocked(i) {
                    Some(reason) => self.exclude_unstarted(i, reason),
                    None => order.push(i),
                }
            }
        }
        self.plan.order = order;
        self.exclude_cycles();
        self.plan.reindex();
    }

    /// Why plugin `i` cannot go on, once every dependency is decided: a dependency missing,
    /// left out or of the wrong version comes first, then one that is excluded.
    fn blocked(&mut self, i: usize) -> Option<ExclusionReason> {
        let graph = self.graph;
        if graph.needs_metadata(i) {
            return self.unsatisfied_dependency(i).or_else(|| {
                let gone = self.first_dependency_gone(i)?;
                let dependency = self.name(gone);
                Some(ExclusionReason::DependsOnExcluded { dependency })
            });
        }
        // Every dependency is registered and any version will do: one pass over their states.
        let mut gone = None;
        for d in graph.dependencies(i) {
            match self.state(d) {
                PluginState::Registered => {
                    return Some(ExclusionReason::MissingDependency {
                        dependency: self.name(d),
                        registered: true,
                    });
                }
                state if !state.is_live() => {
                    gone.get_or_insert(d);
                }
                _ => {}
            }
        }
        let dependency = self.name(gone?);
        Some(ExclusionReason::DependsOnExcluded { dependency })
    }

    /// The first dependency of `i` that is not live.
    pub(crate) fn first_dependency_gone(&mut self, i: usize) -> Option<usize> {
        let graph = self.graph;
        graph.dependencies(i).find(|&d| !self.state(d).is_live())
    }

    /// The first dependency of `i` that is missing, left out, or of the wrong version.
    pub(crate) fn unsatisfied_dependency(&mut self, i: usize) -> Option<ExclusionReason> {
        let graph = self.graph;
        if !graph.needs_metadata(i) {
            // Every dependency is registered and any version will do: only one that was left
            // out at startup can stand in the way, and the edges tell.
            let left_out = graph
                .dependencies(i)
                .find(|&d| self.state(d) == PluginState::Registered)?;
            return Some(ExclusionReason::MissingDependency {
                dependency: self.name(left_out),
                registered: true,
            });
        }
        let declared = self.slots.slots().entry(i).metadata().dependencies();
        // The graph has one edge per declared dependency that is registered, in declaration
        // order: if the counts match, edges and declarations pair up without hashing a name.
        if graph.dependencies(i).count() != declared.len() {
            let missing = declared
                .iter()
                .find(|dependency| self.index_of(dependency.name()).is_none())?;
            return Some(ExclusionReason::MissingDependency {
                dependency: missing.name(),
                registered: false,
            });
        }
        for (dependency, target) in declared.iter().zip(graph.dependencies(i)) {
            if self.state(target) == PluginState::Registered {
                return Some(ExclusionReason::MissingDependency {
                    dependency: dependency.name(),
                    registered: true,
                });
            }
            if let Some(requirement) = dependency.requirement() {
                let found = self.slots.slots().entry(target).metadata().version();
                match version_satisfies(found, requirement) {
                    Ok(true) => {}
                    Ok(false) => {
                        return Some(ExclusionReason::VersionMismatch {
                            dependency: dependency.name(),
                            requirement,
                            found,
                        });
                    }
                    Err(detail) => return Some(ExclusionReason::InvalidMetadata { detail }),
                }
            }
        }
        None
    }

    /// Excludes the created plugins that Kahn's algorithm could not order: the members of a
    /// cycle get the cycle as their reason, the plugins that depend on one get the dependency
    /// on their way to it.
    fn exclude_cycles(&mut self) {
        let n = self.slots.slots().len();
        let placed = self.placed;
        let mut stuck: Vec<usize> = (placed..n).collect();
        if stuck.is_empty() {
            return;
        }
        // What is wrong with a plugin itself says more than the cycle it is caught in.
        for &i in &stuck {
            if self.state(i) == PluginState::Created
                && let Some(reason) = self.unsatisfied_dependency(i)
            {
                self.exclude_unstarted(i, reason);
            }
        }
        stuck.sort_by_key(|&i| NameKey::new(self.name(i)));
        let mut on_path = vec![false; n];
        for start in stuck {
            if self.state(start) != PluginState::Created {
                continue;
            }
            // Walk from `start` along unresolved dependencies until the walk meets itself
            // (a cycle) or a plugin that is already excluded.
            let mut path = Vec::new();
            let mut current = start;
            let cycle_start = loop {
                if self.state(current) != PluginState::Created {
                    break None;
                }
                if on_path[current] {
                    break path.iter().position(|&p| p == current);
                }
                on_path[current] = true;
                path.push(current);
                current = self
                    .graph
                    .dependencies(current)
                    .find(|&d| d >= placed)
                    .unwrap_or(current);
            };
            for &p in &path {
                on_path[p] = false;
            }
            let cycle_len = cycle_start.map_or(0, |k| path.len() - k);
            let cycle: Vec<&'static str> = path[path.len() - cycle_len..]
                .iter()
                .map(|&p| self.name(p))
                .collect();
            for (step, &p) in path.iter().enumerate() {
                let reason = if step >= path.len() - cycle_len {
                    let offset = step - (path.len() - cycle_len);
                    let mut rotated: Vec<_> = cycle[offset..]
                        .iter()
                        .chain(&cycle[..offset])
                        .copied()
                        .collect();
                    rotated.push(rotated[0]);
                    ExclusionReason::DependencyCycle { cycle: rotated }
                } else {
                    let next = path.get(step + 1).copied().unwrap_or(current);
                    ExclusionReason::DependsOnExcluded {
                        dependency: self.name(next),
                    }
                };
                self.exclude_unstarted(p, reason);
            }
        }
    }

    /// Runs `hook` on every plugin in `from` state, in start order, moving each to `to`.
    /// Returns the required plugin that was excluded, if any, at once.
    pub(crate) fn run_forward(
        &mut self,
        hook: Hook,
        from: &[PluginState],
        to: PluginState,
    ) -> Option<usize> {
        for place in 0..self.plan.order.len() {
            let i = self.plan.order[place];
            if from.contains(&self.state(i)) {
                let _ = self.step(i, hook, to);
                if self.required_excluded.is_some() {
                    return self.required_excluded;
                }
            }
        }
        None
    }

    /// Stops every running plugin in reverse start order.
    pub(crate) fn stop_all(&mut self) {
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            if self.state(i) == PluginState::Running {
                let _ = self.step(i, Hook::Stop, PluginState::Stopped);
            }
        }
    }

    /// Stops, shuts down and drops everything live, in reverse start order, then drops the
    /// instances that never started.
    pub(crate) fn shut_down_all(&mut self) {
        self.stop_all();
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            if self.state(i).is_live() {
                let _ = self.tear_down(i);
            }
        }
        for i in (0..self.slots.slots().len()).rev() {
            if self.state(i).is_live() {
                let _ = self.tear_down(i);
            }
        }
    }

    /// Keeps only live plugins in the start order.
    pub(crate) fn retain_live(&mut self) {
        if !self.left_live {
            return;
        }
        let mut order = std::mem::take(&mut self.plan.order);
        order.retain(|&i| self.state(i).is_live());
        self.plan.order = order;
        self.plan.reindex();
    }
}

/// Whether `version` satisfies the semver `requirement`.
fn version_satisfies(version: &str, requirement: &str) -> Result<bool, String> {
    let version = semver::Version::parse(version)
        .map_err(|error| format!("version {version:?} is not semver: {error}"))?;
    let requirement = semver::VersionReq::parse(requirement)
        .map_err(|error| format!("requirement {requirement:?} is not semver: {error}"))?;
    Ok(requirement.matches(&version))
}

/// The message of a panic payload (`&str` or `String`, as `panic!` makes them).
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&'static str>().map_or_else(
            || "a non-string panic payload".to_owned(),
            |s| (*s).to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_the_zero_padded_name_then_the_slot() {
        let name = "abcdefghijkl";
        for len in 0..=ShortKey::NAME_BYTES {
            let name = &name[..len];
            let mut bytes = [0u8; 16];
            bytes[..len].copy_from_slice(name.as_bytes());
            bytes[12..].copy_from_slice(&7u32.to_be_bytes());
            let key = ShortKey::new(name, 7);
            assert_eq!(key.0, u128::from_be_bytes(bytes), "name {name:?}");
            assert_eq!(key.slot(), 7);
        }
    }

    #[test]
    fn short_keys_order_like_names() {
        let names = [
            "",
            "a",
            "a-b",
            "ab",
            "abc",
            "abcd",
            "abcd-",
            "abcde",
            "b",
            "b0",
            "zzzzzzzzzzzz",
        ];
        for (i, a) in names.iter().enumerate() {
            for (j, b) in names.iter().enumerate() {
                let keys = ShortKey::new(a, i).cmp(&ShortKey::new(b, j));
                assert_eq!(keys, a.cmp(b).then(i.cmp(&j)), "{a:?} vs {b:?}");
            }
        }
    }
}
