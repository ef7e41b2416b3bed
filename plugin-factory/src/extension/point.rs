//! One extension point: its live implementations in call order, published as an immutable
//! snapshot that calls read with one lock-free clone, and its historic calls.
//!
//! A snapshot holds an `Arc` of each implementation's instance, so an instance that has been
//! withdrawn stays alive until the last call that reached it ends, and the engine knows that
//! no call can reach it again once its `Arc` is unique (`engine/share.rs` waits for that before
//! it runs `stop`, `reconfigure` or a closure access on it).

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rustc_hash::FxHashMap;

use super::error::CallbackFailure;
use super::order::{Key, call_order};
use crate::catch::Route;
use crate::contract::PluginError;
use crate::name::Name;
use crate::registry::{Implementation, Placement, Shared};
use crate::report::FailureCause;

/// A historic call's callback.
pub(crate) type Callback<E> = Arc<dyn Fn(&E) -> Result<(), PluginError> + Send + Sync>;

/// A historic call, kept to replay to implementations that become live later: the callback,
/// and the plugins it was restricted to, if it was.
pub(crate) struct Historic<E: ?Sized> {
    pub(crate) callback: Callback<E>,
    pub(crate) only: Option<Box<[String]>>,
}

impl<E: ?Sized> Historic<E> {
    /// Whether the call reaches the plugin called `name`.
    pub(crate) fn reaches(&self, name: Name) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| name == o.as_str()))
    }
}

/// Which instance an implementation belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) slot: usize,
    pub(crate) name: Name,
    pub(crate) kind: &'static str,
}

/// The implementations of one point as calls see them, in call order.
pub(crate) struct Snapshot<E: ?Sized> {
    pub(crate) targets: Box<[Arc<E>]>,
    pub(crate) names: Box<[Name]>,
    /// A cycle in the `before`/`after` constraints of the live implementations: while there is
    /// one, calls fail with it.
    pub(crate) cycle: Option<Box<[Name]>>,
}

impl<E: ?Sized> Snapshot<E> {
    fn empty() -> Self {
        Self {
            targets: Box::new([]),
            names: Box::new([]),
            cycle: None,
        }
    }
}

struct Live<E: ?Sized> {
    target: Arc<E>,
    member: Member,
    placement: Placement,
}

/// An extension point's table, typed by its trait object `E`.
pub(crate) struct Point<E: ?Sized> {
    name: &'static str,
    current: RwLock<Arc<Snapshot<E>>>,
    /// The live implementations in call order; held while a new snapshot is made and published.
    live: Mutex<Vec<Live<E>>>,
    /// The historic calls so far, and how many of them each instance has seen; held across a
    /// replay and the publication that follows it, and across a historic call's registration
    /// and the snapshot it is made on, so that each instance sees each historic call once.
    history: Mutex<History<E>>,
}

/// The historic calls of a point.
struct History<E: ?Sized> {
    calls: Vec<Historic<E>>,
    /// How many of `calls` the instance in each slot has seen (from its creation to its drop:
    /// a withdrawn instance that comes back hears only what it missed).
    seen: FxHashMap<usize, usize>,
}

impl<E: ?Sized + Send + Sync + 'static> Point<E> {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            current: RwLock::new(Arc::new(Snapshot::empty())),
            live: Mutex::new(Vec::new()),
            history: Mutex::new(History {
                calls: Vec::new(),
                seen: FxHashMap::default(),
            }),
        }
    }

    /// The point's implementations now; the call that holds it keeps them alive.
    #[inline]
    pub(crate) fn snapshot(&self) -> Arc<Snapshot<E>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The point's name, for messages.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Remembers `call` for implementations that become live later, and returns the snapshot
    /// to make it on now; or, if the order of the live implementations has a cycle (the call
    /// fails), remembers nothing and returns the cycle.
    pub(crate) fn remember(&self, call: Historic<E>) -> Result<Arc<Snapshot<E>>, Box<[Name]>> {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let snapshot = self.snapshot();
        if let Some(cycle) = &snapshot.cycle {
            return Err(cycle.clone());
        }
        history.calls.push(call);
        // The live instances get it now, from the snapshot (an instance withdrawn meanwhile is
        // not stopped before the calls in flight on it end).
        let heard = history.calls.len();
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        for l in live.iter() {
            history.seen.insert(l.member.slot, heard);
        }
        Ok(snapshot)
    }

    fn publish_with(&self, change: impl FnOnce(&mut Vec<Live<E>>)) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut live);
        let keys: Vec<Key<'_>> = live
            .iter()
            .map(|l| Key {
                name: l.member.name,
                kind: l.member.kind,
                slot: l.member.slot,
                placement: l.placement,
            })
            .collect();
        let (order, cycle) = call_order(&keys);
        if let Some(cycle) = &cycle {
            let shown: Vec<&str> = cycle.iter().map(|n| n.as_str()).collect();
            log::error!(
                "extension point {}: the before/after constraints form a cycle: {}; calls fail until it is broken",
                self.name,
                shown.join(" -> ")
            );
        }
        let snapshot = Snapshot {
            targets: order.iter().map(|&k| live[k].target.clone()).collect(),
            names: order.iter().map(|&k| live[k].member.name).collect(),
            cycle,
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
    }

    fn add(
        &self,
        target: Arc<E>,
        member: Member,
        placement: Placement,
        route: Route,
        watch: &dyn Watch,
    ) -> Vec<CallbackFailure> {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let mut failures = Vec::new();
        let seen = history.seen.get(&member.slot).copied().unwrap_or(0);
        let missed = history.calls[seen..]
            .iter()
            .filter(|call| call.reaches(member.name));
        for call in missed {
            let outcome = route.catch(&member.name, || {
                watch.injected(member.name.as_str())?;
                let done = (call.callback)(&target);
                watch.returned(member.name.as_str());
                done
            });
            let cause = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => FailureCause::Error(Arc::new(error)),
                Err(message) => FailureCause::Panic(message),
            };
            failures.push(CallbackFailure::new(member.name, self.name, cause));
        }
        let heard = history.calls.len();
        history.seen.insert(member.slot, heard);
        self.publish_with(|live| {
            live.retain(|l| l.member.slot != member.slot);
            live.push(Live {
                target,
                member,
                placement,
            });
        });
        drop(history);
        failures
    }
}

/// What the testing harness asks of a callback (see `Hub::injected` and `Hub::returned`): the
/// hub, for a replay.
pub(crate) trait Watch {
    /// An injected failure of a callback of `plugin`, if there is one.
    fn injected(&self, plugin: &str) -> Result<(), PluginError>;
    /// A callback of `plugin` returned.
    fn returned(&self, plugin: &str);
}

/// What the engine does with a point without knowing its type.
pub(crate) trait Table: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    /// Makes the instance in `member`'s slot reachable, after replaying to it the historic
    /// calls it has not seen (all of them for a new instance; those made while it was out for
    /// one withdrawn for a while), each a callback the testing harness watches as it watches a
    /// call's (`watch`); returns the replays that failed.
    fn publish(
        &self,
        implementation: &Implementation,
        shared: &Shared,
        member: Member,
        route: Route,
        watch: &dyn Watch,
    ) -> Vec<CallbackFailure>;
    /// Forgets what the instance in `slot` has seen: it is dropped.
    fn forget(&self, slot: usize);
    /// Makes the instance in `slot` unreachable by calls that start from now on; returns
    /// whether it was reachable.
    fn withdraw(&self, slot: usize) -> bool;
    /// Moves every implementation to the slot `slot_of` gives, after a reload laid the slots out
    /// anew; one it gives none for is withdrawn.
    fn relabel(&self, slot_of: &dyn Fn(usize) -> Option<usize>);
}

impl<E: ?Sized + Send + Sync + 'static> Table for Point<E> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn publish(
        &self,
        implementation: &Implementation,
        shared: &Shared,
        member: Member,
        route: Route,
        watch: &dyn Watch,
    ) -> Vec<CallbackFailure> {
        let target = implementation.target(shared);
        let Ok(target) = target.downcast::<Arc<E>>() else {
            unreachable!("an implementation's target is the point's trait object");
        };
        let placement = implementation.placement();
        self.add(*target, member, placement, route, watch)
    }

    fn forget(&self, slot: usize) {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        history.seen.remove(&slot);
    }

    fn withdraw(&self, slot: usize) -> bool {
        let present = self
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|l| l.member.slot == slot);
        if present {
            self.publish_with(|live| live.retain(|l| l.member.slot != slot));
        }
        present
    }

    fn relabel(&self, slot_of: &dyn Fn(usize) -> Option<usize>) {
        {
            let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = std::mem::take(&mut history.seen);
            history.seen = seen
                .into_iter()
                .filter_map(|(slot, heard)| Some((slot_of(slot)?, heard)))
                .collect();
        }
        self.publish_with(|live| {
            live.retain_mut(|l| match slot_of(l.member.slot) {
                Some(slot) => {
                    l.member.slot = slot;
                    true
                }
                None => false,
            });
        });
    }
}

/// The table of the point with trait object `E`, boxed as [`Implementation`] hands tables out.
pub(crate) fn table<E: ?Sized + Send + Sync + 'static>(
    name: &'static str,
) -> Box<dyn Any + Send + Sync> {
    let table: Arc<dyn Table> = Arc::new(Point::<E>::new(name));
    Box::new(table)
}
