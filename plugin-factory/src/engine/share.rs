//! Extension points and services of running plugins: an instance is published (its
//! implementations made reachable, after the historic calls are replayed to it; its services
//! shown) once it runs, and withdrawn before anything takes `&mut` to it (`stop`, `shutdown`,
//! `reconfigure`, a closure access), waiting for the calls in flight to end. Also where failed
//! callbacks are recorded and the failure policy applied.

use std::sync::Arc;

use super::instance::Instance;
use super::slots::{SlotAccess, Slots};
use super::{Engine, Layout, Ops};
use crate::catch::Route;
use crate::contract::PluginError;
use crate::extension::{Extension, ExtensionHandle, Hub, Links, Member, ServiceError, Settle};
use crate::lifecycle::{Hook, PluginState};
use crate::policy::OnCallbackFailure;
use crate::registry::{Implementations, Shared};
use crate::report::{FailureCause, HookFailure};

impl<S: SlotAccess> Ops<'_, S> {
    /// Whether `i` takes part in extension points or services: its kind implements a point, or
    /// some instance has provided a service. Then a start publishes it, and a teardown hook, a
    /// reconfigure or its drop withdraws it first.
    #[inline(always)]
    pub(super) fn shares(&self, i: usize) -> bool {
        self.slots.slots().entry(i).implementations().is_some() || self.hub.has_services()
    }

    /// Makes running instance `i` reachable: its services shown, its implementations live (the
    /// historic calls it has not seen replayed to it first).
    #[cold]
    #[inline(never)]
    pub(super) fn publish(&mut self, i: usize) {
        publish(self.slots.slots(), self.hub, i, self.route);
    }

    /// Takes instance `i` out of its extension points and hides its services, then waits until
    /// no call holds it.
    #[cold]
    #[inline(never)]
    pub(super) fn withdraw(&mut self, i: usize) {
        self.hide(i);
        self.slots.with_instance(i, |instance, _| {
            if let Some(instance) = instance {
                instance.wait_unique();
            }
        });
    }

    /// Takes instance `i` out of its extension points and hides its services: calls that start
    /// from now on do not reach it, those in flight may still hold it (a job waits for them
    /// with [`Instance::until_unique`]).
    pub(super) fn hide(&mut self, i: usize) {
        let hub = self.hub;
        hub.set_visible(i, false);
        withdraw_points(self.slots.slots(), hub, i);
    }

    /// Records the callbacks that failed since the last time; returns the live plugins that
    /// reached the failure policy's limit, with the failure to take each out for (not recorded
    /// yet: `settle_failures` records it as it takes the plugin out).
    pub(super) fn record_callback_failures(&mut self) -> Vec<(usize, HookFailure)> {
        if !self.hub.has_queued() {
            return Vec::new();
        }
        let mut doomed = Vec::new();
        let failures = self.hub.take_failures();
        for failure in failures {
            let Some(&i) = self.topology.index.get(&failure.plugin()) else {
                continue;
            };
            let point = failure.point();
            let cause = match failure.cause() {
                FailureCause::Error(error) => {
                    FailureCause::Error(Arc::new(PluginError::msg(format!("{point}: {error}"))))
                }
                FailureCause::Panic(message) => FailureCause::Panic(format!("{point}: {message}")),
                // Callbacks are called, not awaited: nothing times them out.
                other => other.clone(),
            };
            let failure = HookFailure {
                hook: Hook::Callback,
                cause,
            };
            let count = self.slots.with_details(i, |details| {
                details.callback_failures += 1;
                details.callback_failures
            });
            if let OnCallbackFailure::ExcludeAfter(limit) = self.options.on_callback_failure
                && count >= limit.get()
                && self.state(i).is_live()
                && !doomed.iter().any(|&(j, _)| j == i)
            {
                // Recorded when its take-out begins.
                doomed.push((i, failure));
            } else {
                self.record_failure(i, failure);
            }
        }
        doomed
    }
}

/// Publishes instance `i` of `slots` in `hub` (see [`Ops::publish`]); `route` is how to catch
/// the panics of replayed historic calls.
fn publish(slots: &Slots, hub: &Hub, i: usize, route: Route) {
    hub.set_visible(i, true);
    let entry = slots.entry(i);
    let Some(implementations) = entry.implementations() else {
        return;
    };
    let shared = slots
        .lock_instance(i)
        .as_ref()
        .and_then(Instance::shared)
        .map(|(shared, _)| shared.clone());
    if let Some(shared) = shared {
        publish_shared(slots, hub, i, &shared, implementations, route);
    }
}

/// Publishes `shared`, instance `i`, into each point it implements, queueing the failures of
/// the historic calls replayed to it.
fn publish_shared(
    slots: &Slots,
    hub: &Hub,
    i: usize,
    shared: &Shared,
    implementations: &Implementations,
    route: Route,
) {
    let member = Member {
        slot: i,
        name: slots.name(i),
        kind: slots.entry(i).name(),
    };
    for implementation in implementations.points() {
        let failures =
            hub.table_for(implementation)
                .publish(implementation, shared, member, route, hub);
        if !failures.is_empty() {
            hub.queue(&failures);
        }
    }
}

/// Takes instance `i` out of its points (without waiting); returns whether it was in any.
fn withdraw_points(slots: &Slots, hub: &Hub, i: usize) -> bool {
    let mut published = false;
    if let Some(implementations) = slots.entry(i).implementations() {
        for implementation in implementations.points() {
            if let Some(table) = hub.table(implementation.point()) {
                published |= table.withdraw(i);
            }
        }
    }
    published
}

impl Layout {
    /// What the access rule reads: every instance's name and kind, and the instances its
    /// dependencies are bound to.
    pub(super) fn links(&self) -> Links {
        let (names, kinds) = self.slots.columns();
        let (offsets, bound) = self.topology.graph.dependency_lists();
        Links::new(names, kinds, offsets.into(), bound.into())
    }
}

impl Engine {
    /// A host's call to the extension point `E`.
    pub(crate) fn extension<E: ?Sized + Send + Sync + 'static>(&self) -> Extension<'_, E> {
        if self.stale.any() {
            self.republish_stale();
        }
        Extension::new(&self.hub, Some((self.id, self)))
    }

    /// A handle to the extension point `E`, for the host to keep.
    pub(crate) fn extension_handle<E: ?Sized + Send + Sync + 'static>(&self) -> ExtensionHandle<E> {
        if self.stale.any() {
            self.republish_stale();
        }
        ExtensionHandle::new(&self.hub)
    }

    /// The service of type `T` of the instance called `provider`, for the host.
    pub(crate) fn service<T: ?Sized + Send + Sync + 'static>(
        &self,
        provider: &str,
    ) -> Result<Arc<T>, ServiceError> {
        self.hub.service::<T>(None, provider)
    }

    /// Owner access to instance `i`: a running shared instance is taken out of its points
    /// (no call is in flight: calls need `&self`) until the next call or operation.
    pub(super) fn unshare(&mut self, i: usize) {
        if self.layout.slots.entry(i).implementations().is_none()
            || self.layout.slots.state(i) != PluginState::Running
            || !withdraw_points(&self.layout.slots, &self.hub, i)
        {
            return;
        }
        if let Some(instance) = self.layout.slots.instance_mut(i) {
            instance.wait_unique();
        }
        self.stale.note(i);
    }

    /// Publishes again what owner access took out.
    pub(super) fn republish_stale(&self) {
        self.stale.drain(|i| {
            if self.layout.slots.state(i) == PluginState::Running {
                publish(&self.layout.slots, &self.hub, i, crate::catch::routing());
            }
        });
    }

    /// Runs `f` on shared instance `i` with `&mut`: taken out of its points (calls that start
    /// meanwhile do not reach it), the calls in flight ended, published again afterwards (with
    /// the historic calls made meanwhile). One that was not published (not running, or starting
    /// and not yet published by its operation) is left so.
    pub(super) fn with_unshared<R>(
        &self,
        i: usize,
        instance: &mut Instance,
        f: impl FnOnce(&mut Instance) -> R,
    ) -> R {
        let published = withdraw_points(&self.layout.slots, &self.hub, i);
        if published {
            instance.wait_unique();
        }
        let result = f(instance);
        // `publish` locks the instance itself: the caller still holds it, so the tables are
        // updated from the shared handle directly.
        if published && let Some((shared, implementations)) = instance.shared() {
            let route = crate::catch::routing();
            publish_shared(
                &self.layout.slots,
                &self.hub,
                i,
                shared,
                implementations,
                route,
            );
        }
        result
    }
}

impl Settle for Engine {
    /// An operation with nothing of its own to do: every operation settles the queued failures
    /// as it ends, under the control lock.
    /// An async manager's hooks cannot run here (this is called when a call ends, which cannot
    /// wait): its queued failures are settled by its next operation or transition instead.
    fn settle(&self) {
        if self.awaited {
            return;
        }
        let _ = self.operate("settle failed callbacks", |_| {
            Ok::<(), crate::error::Error>(())
        });
    }
}
