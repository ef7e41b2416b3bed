//! Per-plugin storage, one dense array per field, and the two ways the engine writes it:
//! directly when the manager is owned (`&mut Slots`), through per-plugin locks when it is
//! shared (`&Slots`). Reads go through `&Slots` either way: a state is an atomic byte.
//!
//! Each phase walks every plugin and reads every dependency's state, so the states are one
//! byte each in an array of their own, and the instances sit apart from the rarely read
//! details: a walk touches only what it reads.

use std::sync::atomic::{
    AtomicU8, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use super::instance::Instance;
use crate::config::{Instance as Declared, Spec, spec_of};
use crate::contract::{OnFailure, Plugin};
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::registry::PluginEntry;
use crate::report::{Details, ExclusionReason, HookTimings};
use crate::tree::Problem;

/// A plugin instance, locked on its own so that access to one plugin never waits for another.
pub(crate) type Held = Mutex<Option<Instance>>;

/// The instances of a manager as columns, in registry order: what the layout reads, one array
/// per field, so that each pass touches only what it needs (specs only when a configuration
/// says something of some instance).
pub(crate) struct Columns {
    pub(crate) entries: Vec<&'static PluginEntry>,
    pub(crate) names: Vec<Name>,
    pub(crate) specs: Option<Vec<Option<Box<Spec>>>>,
}

impl Columns {
    /// Splits `instances` into columns in one pass.
    pub(crate) fn new(instances: Vec<Declared>) -> Self {
        let n = instances.len();
        let mut entries = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut specs: Option<Vec<Option<Box<Spec>>>> = None;
        for (i, instance) in instances.into_iter().enumerate() {
            entries.push(instance.entry);
            names.push(instance.name);
            if let Some(spec) = instance.spec {
                specs.get_or_insert_with(|| vec![None; n])[i] = Some(spec);
            }
        }
        Self {
            entries,
            names,
            specs,
        }
    }

    /// What the configuration says of instance `i`.
    pub(crate) fn spec(&self, i: usize) -> &Spec {
        match &self.specs {
            Some(specs) => spec_of(&specs[i]),
            None => spec_of(&None),
        }
    }
}

/// Everything the manager keeps per registered plugin, indexed by slot.
pub(crate) struct Slots {
    /// Shared with the access rule of extension points and services (`extension::Links`).
    entries: Arc<[&'static PluginEntry]>,
    /// Each instance's name, so that names are read without touching the larger entries.
    names: Arc<[Name]>,
    /// What the configuration says of each instance, read rarely: `None` for the default, and
    /// no array at all while every instance has the default (no per-slot cost without a
    /// configuration).
    specs: Option<Box<[Option<Box<Spec>>]>>,
    /// Written only under the control lock (or by the owner), read by anyone without a lock.
    states: Box<[AtomicU8]>,
    instances: Box<[Held]>,
    /// Reason and failures: allocated only by a failure.
    details: Box<[RwLock<Option<Box<Details>>>]>,
    /// Each hook's time, when timing is on: one allocation per manager, not one per plugin,
    /// and written without a lock (a relaxed store) whether the manager is owned or shared.
    timings: Option<Box<[Clocked]>>,
}

/// One plugin's hook times, as [`HookTimings`] stores them (nanoseconds plus one; zero for a
/// hook that has not run).
type Clocked = [AtomicU64; Hook::ALL.len()];

impl Slots {
    /// One slot per instance, slot `k` holding instance `order[k]` of `columns` (`slot_of` is
    /// the inverse of `order`), every one `Registered`; returns, beside the slots, the
    /// configuration problems of each slot that has some.
    pub(crate) fn new(
        columns: Columns,
        order: &[usize],
        slot_of: &[u32],
    ) -> (Self, Vec<(usize, Vec<Problem>)>) {
        let n = columns.entries.len();
        debug_assert_eq!(order.len(), n);
        let entries: Arc<[&'static PluginEntry]> =
            order.iter().map(|&i| columns.entries[i]).collect();
        let names: Arc<[Name]> = order.iter().map(|&i| columns.names[i]).collect();
        let mut problems = Vec::new();
        let specs = columns.specs.map(|by_index| {
            let mut specs: Vec<Option<Box<Spec>>> = vec![None; n];
            for (i, spec) in by_index.into_iter().enumerate() {
                let slot = slot_of[i] as usize;
                if let Some(mut spec) = spec {
                    if !spec.problems.is_empty() {
                        problems.push((slot, std::mem::take(&mut spec.problems)));
                    }
                    specs[slot] = Some(spec);
                }
            }
            specs
        });
        let slots = Self {
            names,
            specs: specs.map(Vec::into_boxed_slice),
            states: (0..n)
                .map(|_| AtomicU8::new(PluginState::Registered as u8))
                .collect(),
            instances: (0..n).map(|_| Mutex::new(None)).collect(),
            details: (0..n).map(|_| RwLock::new(None)).collect(),
            timings: None,
            entries,
        };
        (slots, problems)
    }

    /// Every instance's name and kind, in slot order, shared.
    pub(crate) fn columns(&self) -> (Arc<[Name]>, Arc<[&'static PluginEntry]>) {
        (self.names.clone(), self.entries.clone())
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entry(&self, i: usize) -> &'static PluginEntry {
        self.entries[i]
    }

    #[inline]
    pub(crate) fn name(&self, i: usize) -> Name {
        self.names[i]
    }

    /// What the configuration says of `i`.
    pub(crate) fn spec(&self, i: usize) -> &Spec {
        match &self.specs {
            Some(specs) => spec_of(&specs[i]),
            None => spec_of(&None),
        }
    }

    /// What happens when `i` fails: as its configuration says, else as its annotation says.
    pub(crate) fn on_failure(&self, i: usize) -> OnFailure {
        self.spec(i)
            .on_failure
            .unwrap_or_else(|| self.entry(i).metadata().on_failure())
    }

    /// How long each hook of `i` may run under the async manager: its configuration's
    /// `timeout_ms`, else its kind's, else `default` (the manager's).
    pub(crate) fn timeout(&self, i: usize, default: Option<Duration>) -> Option<Duration> {
        self.spec(i)
            .timeout
            .or_else(|| self.entry(i).metadata().timeout())
            .or(default)
    }

    /// The specs of every slot, made on first use.
    fn specs_mut(&mut self) -> &mut [Option<Box<Spec>>] {
        let n = self.len();
        self.specs
            .get_or_insert_with(|| vec![None; n].into_boxed_slice())
    }

    /// What the configuration says of `i`, for its owner to change.
    pub(crate) fn spec_mut(&mut self, i: usize) -> &mut Spec {
        self.specs_mut()[i].get_or_insert_with(|| Box::new(Spec::DEFAULT))
    }

    /// Replaces what the configuration says of `i`.
    pub(crate) fn set_spec(&mut self, i: usize, spec: Option<Box<Spec>>) {
        if spec.is_some() || self.specs.is_some() {
            self.specs_mut()[i] = spec;
        }
    }

    /// Takes what the configuration says of `i`, leaving the default.
    pub(crate) fn take_spec(&mut self, i: usize) -> Option<Box<Spec>> {
        self.specs.as_mut()?[i].take()
    }

    /// The state of `i` now.
    #[inline]
    pub(crate) fn state(&self, i: usize) -> PluginState {
        PluginState::from_index(self.states[i].load(Acquire))
    }

    /// The instance of `i`, locked. A poisoned lock only means that a caller's closure
    /// panicked while it held the plugin; the slot itself is consistent, so it is used as it is.
    pub(crate) fn lock_instance(&self, i: usize) -> MutexGuard<'_, Option<Instance>> {
        self.instances[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The instance of `i` for its owner, without locking (a poisoned lock is used as it is,
    /// as in [`lock_instance`](Self::lock_instance)).
    #[inline]
    pub(crate) fn instance_mut(&mut self, i: usize) -> &mut Option<Instance> {
        self.instances[i]
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every running instance in slot order, for its owner: one pass over the states and the
    /// instances side by side.
    pub(crate) fn running_mut(&mut self) -> impl Iterator<Item = &mut dyn Plugin> {
        let running = PluginState::Running as u8;
        self.states
            .iter_mut()
            .zip(self.instances.iter_mut())
            .filter_map(move |(state, instance)| {
                if *state.get_mut() != running {
                    return None;
                }
                instance
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut()
                    .and_then(Instance::get_mut)
            })
    }

    /// The details of `i` for reading. A poisoned lock only means a panic elsewhere while it
    /// was held; the details are always consistent, so they are used as they are.
    pub(crate) fn details(&self, i: usize) -> RwLockReadGuard<'_, Option<Box<Details>>> {
        self.details[i]
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The details of `i` for its owner, without locking.
    pub(crate) fn details_mut(&mut self, i: usize) -> &mut Option<Box<Details>> {
        self.details[i]
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Turns timing on: every hook's time is kept from now on.
    pub(crate) fn time_hooks(&mut self) {
        let n = self.len();
        self.timings = Some((0..n).map(|_| Default::default()).collect());
    }

    /// How long each hook of every slot took, in slot order, if timing is on: one column a
    /// report's lines share.
    pub(crate) fn all_timings(&self) -> Option<Arc<[HookTimings]>> {
        let timings = self.timings.as_ref()?;
        Some(
            timings
                .iter()
                .map(|clocked| {
                    HookTimings::from_stored(clocked.each_ref().map(|t| t.load(Relaxed)))
                })
                .collect(),
        )
    }

    /// Records that `hook` of `i` took `elapsed` (timing is on).
    pub(crate) fn record_time(&self, i: usize, hook: Hook, elapsed: Duration) {
        if let Some(timings) = &self.timings {
            timings[i][hook as usize].store(HookTimings::stored(elapsed), Relaxed);
        }
    }

    /// Moves the hook times of slot `i` of `old` to slot `j` of these slots.
    pub(crate) fn take_timings(&mut self, j: usize, old: &mut Slots, i: usize) {
        if let (Some(new), Some(old)) = (&mut self.timings, &mut old.timings) {
            for (to, from) in new[j].iter_mut().zip(&mut old[i]) {
                *to.get_mut() = std::mem::take(from.get_mut());
            }
        }
    }

    /// Why `i` is excluded, if it is.
    pub(crate) fn reason(&self, i: usize) -> Option<ExclusionReason> {
        self.details(i).as_ref()?.reason.clone()
    }
}

/// How the engine changes the slots: directly when the manager is owned, through each slot's
/// locks when it is shared. Reads go through [`slots`](SlotAccess::slots).
pub(crate) trait SlotAccess: Send {
    fn slots(&self) -> &Slots;
    fn store_state(&mut self, i: usize, state: PluginState);
    /// The details of `i`, created on first use.
    fn with_details<R>(&mut self, i: usize, f: impl FnOnce(&mut Details) -> R) -> R;
    /// Runs `f` on the instance of `i` (locked if shared) and its name.
    fn with_instance<R>(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut Option<Instance>, &Name) -> R,
    ) -> R;
}

impl SlotAccess for &mut Slots {
    #[inline]
    fn slots(&self) -> &Slots {
        self
    }
    #[inline]
    fn store_state(&mut self, i: usize, state: PluginState) {
        *self.states[i].get_mut() = state as u8;
    }
    fn with_details<R>(&mut self, i: usize, f: impl FnOnce(&mut Details) -> R) -> R {
        f(self.details_mut(i).get_or_insert_default())
    }
    #[inline(always)]
    fn with_instance<R>(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut Option<Instance>, &Name) -> R,
    ) -> R {
        let Slots {
            instances, names, ..
        } = &mut **self;
        let instance = instances[i]
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        f(instance, &names[i])
    }
}

impl SlotAccess for &Slots {
    fn slots(&self) -> &Slots {
        self
    }
    fn store_state(&mut self, i: usize, state: PluginState) {
        self.states[i].store(state as u8, Release);
    }
    fn with_details<R>(&mut self, i: usize, f: impl FnOnce(&mut Details) -> R) -> R {
        let mut details = self.details[i]
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        f(details.get_or_insert_default())
    }
    fn with_instance<R>(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut Option<Instance>, &Name) -> R,
    ) -> R {
        f(&mut self.lock_instance(i), &self.names[i])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Probe, entry};
    use super::*;

    fn slots(n: usize) -> Slots {
        let instances = (0..n).map(|_| Declared::of_kind(entry!("probe"))).collect();
        let order: Vec<usize> = (0..n).collect();
        let slot_of: Vec<u32> = (0..n as u32).collect();
        Slots::new(Columns::new(instances), &order, &slot_of).0
    }

    #[test]
    fn slots_start_registered_without_instances_or_details() {
        let slots = slots(3);
        assert_eq!(slots.len(), 3);
        for i in 0..3 {
            assert_eq!(slots.state(i), PluginState::Registered);
            assert!(slots.lock_instance(i).is_none());
            assert!(slots.details(i).is_none());
            assert_eq!(slots.name(i), "probe");
        }
    }

    #[test]
    fn both_accesses_write_what_reads_see() {
        let mut slots = slots(2);
        let mut owned = &mut slots;
        owned.store_state(0, PluginState::Created);
        owned.with_instance(0, |instance, _| {
            *instance = Some(Instance::owned(Box::new(Probe)))
        });
        owned.with_details(0, |details| details.failures.clear());
        assert_eq!(slots.state(0), PluginState::Created);
        assert!(
            slots.details(0).is_some(),
            "details are created on first use"
        );

        let mut shared = &slots;
        shared.store_state(1, PluginState::Excluded);
        shared.with_details(1, |details| {
            details.reason = Some(ExclusionReason::DependencyRemoved {
                dependency: "db".into(),
            });
        });
        assert_eq!(slots.state(1), PluginState::Excluded);
        assert!(matches!(
            slots.reason(1),
            Some(ExclusionReason::DependencyRemoved { dependency }) if dependency == "db"
        ));
        assert!(slots.reason(0).is_none());
    }

    #[test]
    fn running_instances_are_handed_out_even_after_a_caller_panicked() {
        let mut slots = slots(3);
        for i in 0..3 {
            *slots.instance_mut(i) = Some(Instance::owned(Box::new(Probe)));
        }
        let mut owned = &mut slots;
        owned.store_state(0, PluginState::Running);
        owned.store_state(1, PluginState::Stopped);
        owned.store_state(2, PluginState::Running);
        assert_eq!(slots.running_mut().count(), 2);

        // A caller's closure panicked while it held plugin 2: the plugin is as it was.
        let poisoned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = slots.lock_instance(2);
            panic!("caller bug");
        }));
        assert!(poisoned.is_err());
        assert!(slots.lock_instance(2).is_some());
        assert!(slots.instance_mut(2).is_some());
        assert_eq!(slots.running_mut().count(), 2);
    }
}
