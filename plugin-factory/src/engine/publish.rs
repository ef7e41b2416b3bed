//! What a shared manager publishes: the start order that queries and calls read, and the locks
//! that make runtime operations run one at a time (the control lock for the sync manager, the
//! async queue for the async one). An operation works on its own copy of the order and
//! publishes it when it ends; the owner, holding `&mut`, reaches the order with no lock. Also
//! the instances that owner access took out of their extension points ([`Stale`]), published
//! again before the next call or operation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use super::order::Plan;

/// The published start order and the operations' locks.
pub(super) struct Published {
    /// Read by queries; replaced whole at the end of a control operation.
    plan: RwLock<Plan>,
    /// Held for the whole of a control operation: they run one at a time.
    control: Mutex<()>,
    /// The same, for the async manager's operations (a future cannot hold `control`).
    queue: futures_util::lock::Mutex<()>,
}

impl Published {
    pub(super) fn new(plan: Plan) -> Self {
        Self {
            plan: RwLock::new(plan),
            control: Mutex::new(()),
            queue: futures_util::lock::Mutex::new(()),
        }
    }

    /// The start order, for the owner: no lock.
    #[inline]
    pub(super) fn plan_mut(&mut self) -> &mut Plan {
        self.plan.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// The published start order, for a query.
    #[inline]
    pub(super) fn read(&self) -> RwLockReadGuard<'_, Plan> {
        self.plan.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the published start order, for a runtime operation to work on.
    #[inline]
    pub(super) fn copy(&self) -> Plan {
        self.read().clone()
    }

    /// Makes an operation's start order the one queries read.
    #[inline]
    pub(super) fn publish(&self, plan: Plan) {
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = plan;
    }

    /// Takes the control lock: one sync operation at a time.
    #[inline]
    pub(super) fn control(&self) -> MutexGuard<'_, ()> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the async queue: one async operation at a time.
    pub(super) async fn queue(&self) -> futures_util::lock::MutexGuard<'_, ()> {
        self.queue.lock().await
    }
}

/// Running instances that owner access took out of their extension points (no call was in
/// flight: calls need `&self`), to publish again before the next call or operation.
#[derive(Default)]
pub(super) struct Stale {
    slots: Mutex<Vec<usize>>,
    /// Whether `slots` holds any: read by every host's call, without the lock.
    any: AtomicBool,
}

impl Stale {
    /// Whether any instance waits to be published again.
    #[inline]
    pub(super) fn any(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Notes that owner access took instance `i` out.
    pub(super) fn note(&mut self, i: usize) {
        let slots = self.slots.get_mut().unwrap_or_else(PoisonError::into_inner);
        if !slots.contains(&i) {
            slots.push(i);
        }
        *self.any.get_mut() = true;
    }

    /// Hands each noted instance to `republish`, under the lock (a call that finds the flag
    /// set meanwhile waits for the publishing to end), and forgets them.
    pub(super) fn drain(&self, mut republish: impl FnMut(usize)) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        self.any.store(false, Ordering::Release);
        slots.drain(..).for_each(&mut republish);
    }

    /// Whether no instance is noted, for the owner.
    pub(super) fn is_empty(&mut self) -> bool {
        self.slots.get_mut().map_or(true, |slots| slots.is_empty())
    }
}
