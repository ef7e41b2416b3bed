//! What a shared manager publishes: the start order that queries and calls read, and the locks
//! that make runtime operations run one at a time (the control lock for the sync manager, the
//! async queue for the async one). An operation works on its own copy of the order and
//! publishes it when it ends; the owner, holding `&mut`, reaches the order with no lock.

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
