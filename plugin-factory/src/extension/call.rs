//! Calling an extension point: [`Extension`], its result policies, and what a call returns.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::declare::point_name;
use super::error::{CallError, CallbackFailure};
use super::hub::Hub;
use super::point::{Callback, Historic, Point, Snapshot, Table};
use crate::busy::{self, Busy};
use crate::catch;
use crate::contract::PluginError;
use crate::name::Name;
use crate::report::FailureCause;

/// What a callback may return: nothing, an `Option`, or a `Result` whose error converts into
/// a [`PluginError`] (an error is a failure of that implementation, reported like a panic).
pub trait CallbackResult {
    /// The value a successful callback gives.
    type Value;
    /// The value, or the implementation's error.
    fn into_result(self) -> Result<Self::Value, PluginError>;
}

impl CallbackResult for () {
    type Value = ();
    #[inline(always)]
    fn into_result(self) -> Result<(), PluginError> {
        Ok(())
    }
}

impl<T> CallbackResult for Option<T> {
    type Value = Option<T>;
    #[inline(always)]
    fn into_result(self) -> Result<Option<T>, PluginError> {
        Ok(self)
    }
}

impl<T, E: Into<PluginError>> CallbackResult for Result<T, E> {
    type Value = T;
    #[inline(always)]
    fn into_result(self) -> Result<T, PluginError> {
        self.map_err(Into::into)
    }
}

/// Values by the plugin that gave them, in call order.
pub type ByPlugin<T> = Vec<(Name, T)>;

/// What a call gives back: the policy's value, and every implementation that failed on the way
/// (each also logged, recorded in the [`Report`](crate::report::Report), and counted by the manager's
/// [`OnCallbackFailure`](crate::policy::OnCallbackFailure)).
#[derive(Debug)]
#[must_use = "a call's failures are in its outcome"]
pub struct Calls<T> {
    value: T,
    reached: usize,
    failures: Vec<CallbackFailure>,
}

impl<T> Calls<T> {
    /// The outcome of a call that reached no implementation.
    pub(super) fn none(value: T) -> Self {
        Self {
            value,
            reached: 0,
            failures: Vec::new(),
        }
    }

    /// The policy's value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The policy's value, by value.
    pub fn into_value(self) -> T {
        self.value
    }

    /// How many implementations were called.
    pub fn reached(&self) -> usize {
        self.reached
    }

    /// The implementations that returned an error or panicked.
    pub fn failures(&self) -> &[CallbackFailure] {
        &self.failures
    }
}

/// Where a walk is: the implementation's position, for a policy that keeps its name (looked up
/// only then, so that the others pay nothing for it).
#[derive(Clone, Copy)]
struct At<'s> {
    names: &'s [Name],
    k: usize,
}

impl At<'_> {
    fn name(self) -> Name {
        self.names[self.k]
    }
}

/// A call under way: the snapshot it walks, and the mark of a host's call on its manager.
pub(super) type Begun<E> = (Arc<Snapshot<E>>, Option<Busy>);

/// Runs the failed-callback policy once a call has ended.
pub(crate) trait Settle: Sync {
    /// Records the failures a call queued and applies the policy to them.
    fn settle(&self);
}

/// A call to the extension point whose trait object type is `E` (for example
/// `dyn OnRequest`), on every live implementation in call order; made by
/// [`PluginManager::extension`](crate::PluginManager::extension),
/// [`Context::extension`](crate::Context::extension) or
/// [`ExtensionHandle::extension`](super::ExtensionHandle::extension). Pick a subset with [`only`](Self::only),
/// then a policy: [`call`](Self::call), [`collect`](Self::collect),
/// [`first_some`](Self::first_some), [`until_error`](Self::until_error), [`fold`](Self::fold),
/// or [`historic`](Self::historic); for a point whose methods return futures, an awaited one
/// ([`call_async`](Self::call_async), [`collect_async`](Self::collect_async), and the rest).
///
/// A callback that returns an error or panics is reported (with the plugin, the point and the
/// message) and the call goes on with the next implementation, except under `until_error`.
pub struct Extension<'a, E: ?Sized + 'static> {
    table: Option<Arc<dyn Table>>,
    _point: PhantomData<fn(&E)>,
    pub(super) hub: &'a Hub,
    pub(super) only: Option<&'a [&'a str]>,
    /// The manager to settle failures with and to refuse re-entry into, for a host's call.
    pub(super) host: Option<(u64, &'a dyn Settle)>,
}

impl<'a, E: ?Sized + Send + Sync + 'static> Extension<'a, E> {
    pub(crate) fn new(hub: &'a Hub, host: Option<(u64, &'a dyn Settle)>) -> Self {
        Self {
            table: hub.point::<E>(),
            _point: PhantomData,
            hub,
            only: None,
            host,
        }
    }

    /// A call on `table`, the point's table that an [`ExtensionHandle`](super::ExtensionHandle)
    /// keeps (no lookup), as a plugin's call: no manager to settle with.
    #[inline]
    pub(super) fn of_table(hub: &'a Hub, table: Arc<dyn Table>) -> Self {
        Self {
            table: Some(table),
            _point: PhantomData,
            hub,
            only: None,
            host: None,
        }
    }

    /// Calls only the plugins named here (instance names), in call order. A name the manager
    /// does not have fails the call; a plugin that is not live or does not implement the point
    /// is simply not called.
    pub fn only(mut self, names: &'a [&'a str]) -> Self {
        self.only = Some(names);
        self
    }

    /// Calls every implementation; the failures are in the outcome.
    pub fn call<R: CallbackResult<Value = ()>>(
        self,
        f: impl Fn(&E) -> R,
    ) -> Result<Calls<()>, CallError> {
        self.run((), |(), _, target| {
            (f(target).into_result(), ControlFlow::Continue(()))
        })
    }

    /// Calls every implementation and collects what each returned, by plugin, in call order.
    pub fn collect<R: CallbackResult>(
        self,
        f: impl Fn(&E) -> R,
    ) -> Result<Calls<ByPlugin<R::Value>>, CallError> {
        self.run(Vec::new(), |results, at, target| {
            let result = f(target)
                .into_result()
                .map(|value| results.push((at.name(), value)));
            (result, ControlFlow::Continue(()))
        })
    }

    /// Calls implementations in order until one returns `Some`, and gives that value with its
    /// plugin (pluggy's `firstresult`). The implementations after it are not called.
    pub fn first_some<T, R: CallbackResult<Value = Option<T>>>(
        self,
        f: impl Fn(&E) -> R,
    ) -> Result<Calls<Option<(Name, T)>>, CallError> {
        self.run(None, |found, at, target| match f(target).into_result() {
            Ok(Some(value)) => {
                *found = Some((at.name(), value));
                (Ok(()), ControlFlow::Break(()))
            }
            Ok(None) => (Ok(()), ControlFlow::Continue(())),
            Err(error) => (Err(error), ControlFlow::Continue(())),
        })
    }

    /// Calls implementations in order and collects their values, but stops at the first one
    /// that fails: that failure is the error (the implementations before it did run).
    pub fn until_error<R: CallbackResult>(
        self,
        f: impl Fn(&E) -> R,
    ) -> Result<Calls<ByPlugin<R::Value>>, CallError> {
        let calls = self.run_with(true, Vec::new(), |results, at, target| {
            match f(target).into_result() {
                Ok(value) => {
                    results.push((at.name(), value));
                    (Ok(()), ControlFlow::Continue(()))
                }
                Err(error) => (Err(error), ControlFlow::Break(())),
            }
        })?;
        match calls.failures.first() {
            Some(failure) => Err(CallError::Failed(failure.clone())),
            None => Ok(calls),
        }
    }

    /// Folds every implementation into `init`, in call order. A failing callback leaves the
    /// accumulator as it left it.
    pub fn fold<A, R: CallbackResult<Value = ()>>(
        self,
        init: A,
        f: impl Fn(&mut A, &E) -> R,
    ) -> Result<Calls<A>, CallError> {
        self.run(init, |acc, _, target| {
            (f(acc, target).into_result(), ControlFlow::Continue(()))
        })
    }

    /// Calls every implementation, and remembers the call: every implementation that becomes
    /// live later (added, restarted, reloaded) gets it too, before any other call reaches it, so
    /// that a late plugin sees the same setup as the early ones. Each instance sees each
    /// historic call once; a restarted or re-created one (a new instance) sees it again. With
    /// [`only`](Self::only), the replays too reach only the plugins named.
    ///
    /// A replay that fails is reported like any failed callback. Historic calls are kept for
    /// the manager's life: use them for setup, not for traffic.
    pub fn historic<R: CallbackResult<Value = ()>>(
        mut self,
        f: impl Fn(&E) -> R + Send + Sync + 'static,
    ) -> Result<Calls<()>, CallError> {
        if self.table.is_none() {
            self.table = Some(self.hub.point_or_new::<E>());
        }
        let point = self.point().expect("the table is the point's");
        // What would fail the call fails it before it is remembered.
        self.check_open()?;
        self.check_only(Some(point.name()))?;
        let busy = self.enter()?;
        let f: Callback<E> = Arc::new(move |target: &E| f(target).into_result());
        let only = self
            .only
            .map(|only| only.iter().map(|&name| name.to_owned()).collect());
        let snapshot = point
            .remember(Historic {
                callback: f.clone(),
                only,
            })
            .map_err(|cycle| CallError::OrderCycle {
                point: point.name(),
                cycle,
            })?;
        self.walk(snapshot, busy, false, (), |(), _, target| {
            (f(target), ControlFlow::Continue(()))
        })
    }

    fn run<A>(
        self,
        acc: A,
        step: impl FnMut(&mut A, At<'_>, &E) -> (Result<(), PluginError>, ControlFlow<()>),
    ) -> Result<Calls<A>, CallError> {
        self.run_with(false, acc, step)
    }

    fn run_with<A>(
        self,
        stop_on_failure: bool,
        acc: A,
        step: impl FnMut(&mut A, At<'_>, &E) -> (Result<(), PluginError>, ControlFlow<()>),
    ) -> Result<Calls<A>, CallError> {
        match self.begin()? {
            Some((snapshot, busy)) => self.walk(snapshot, busy, stop_on_failure, acc, step),
            None => Ok(Calls::none(acc)),
        }
    }

    /// What every call but a historic one does first: fails the call if the subset names an
    /// unknown plugin, if the order has a cycle, or if a host's call would re-enter its
    /// manager; else takes the snapshot to call (none if the point has no table yet).
    pub(super) fn begin(&self) -> Result<Option<Begun<E>>, CallError> {
        self.check_open()?;
        let Some(point) = self.point() else {
            self.check_only(None)?;
            return Ok(None);
        };
        self.check_only(Some(point.name()))?;
        let snapshot = point.snapshot();
        if let Some(cycle) = &snapshot.cycle {
            return Err(CallError::OrderCycle {
                point: point.name(),
                cycle: cycle.clone(),
            });
        }
        let busy = self.enter()?;
        Ok(Some((snapshot, busy)))
    }

    /// Marks a host's call in progress on its manager, or refuses it if it would re-enter it.
    fn enter(&self) -> Result<Option<Busy>, CallError> {
        let Some((manager, _)) = self.host else {
            return Ok(None);
        };
        let busy = Busy::enter(manager, busy::CALL).map_err(|refused| CallError::Reentrant {
            operation: refused.operation,
            during: refused.during,
        })?;
        Ok(Some(busy))
    }

    /// The loop every policy shares: one snapshot, one catch for the whole walk, the subset
    /// checked per implementation only when there is one.
    fn walk<A>(
        self,
        snapshot: Arc<Snapshot<E>>,
        busy: Option<Busy>,
        stop_on_failure: bool,
        mut acc: A,
        mut step: impl FnMut(&mut A, At<'_>, &E) -> (Result<(), PluginError>, ControlFlow<()>),
    ) -> Result<Calls<A>, CallError> {
        let point_name = self.point().map_or("", Point::name);
        let (targets, names) = (&*snapshot.targets, &*snapshot.names);
        let failures: RefCell<Vec<CallbackFailure>> = RefCell::new(Vec::new());
        let fail = |k: usize, cause: FailureCause| {
            failures
                .borrow_mut()
                .push(CallbackFailure::new(names[k], point_name, cause));
            if stop_on_failure {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let hub = self.hub;
        let mut one = |k: usize, target: &Arc<E>| {
            if let Err(error) = hub.injected(names[k].as_str()) {
                return fail(k, FailureCause::Error(Arc::new(error)));
            }
            let (result, flow) = step(&mut acc, At { names, k }, target);
            hub.returned(names[k].as_str());
            match result {
                Ok(()) => flow,
                Err(error) => match fail(k, FailureCause::Error(Arc::new(error))) {
                    ControlFlow::Break(()) => ControlFlow::Break(()),
                    ControlFlow::Continue(()) => flow,
                },
            }
        };
        let panicked = |k: usize, message: String| fail(k, FailureCause::Panic(message));
        let route = catch::routing();
        let reached = match self.only {
            // The hot loop: nothing but the step per implementation.
            None => route.walk(targets, |k| names[k], &mut one, panicked),
            Some(only) => {
                let mut reached = 0;
                route.walk(
                    targets,
                    |k| names[k],
                    |k, target| {
                        if !only.contains(&names[k].as_str()) {
                            return ControlFlow::Continue(());
                        }
                        reached += 1;
                        one(k, target)
                    },
                    panicked,
                );
                reached
            }
        };
        drop(snapshot);
        drop(busy);
        Ok(self.conclude(acc, reached, failures.into_inner()))
    }

    /// Ends a call: its failures queued for the manager's failure policy, and settled now if
    /// this is a host's call and no other call of the thread is in progress.
    pub(super) fn conclude<A>(
        &self,
        value: A,
        reached: usize,
        failures: Vec<CallbackFailure>,
    ) -> Calls<A> {
        if !failures.is_empty() {
            self.hub.queue(&failures);
        }
        // Also those of calls nested in this one, which could not settle them.
        if self.host.is_some() && self.hub.has_queued() {
            self.settle();
        }
        Calls {
            value,
            reached,
            failures,
        }
    }

    pub(super) fn point(&self) -> Option<&Point<E>> {
        self.table.as_deref()?.as_any().downcast_ref()
    }

    /// Fails the call if the manager is shut down (a handle outlived it).
    #[inline]
    fn check_open(&self) -> Result<(), CallError> {
        if self.hub.is_closed() {
            return Err(CallError::ManagerShutDown {
                point: point_name::<E>(),
            });
        }
        Ok(())
    }

    /// Fails the call if [`only`](Self::only) names a plugin the manager does not have.
    fn check_only(&self, point: Option<&'static str>) -> Result<(), CallError> {
        let Some(only) = self.only else {
            return Ok(());
        };
        match only.iter().find(|name| !self.hub.has_plugin(name)) {
            Some(name) => Err(CallError::UnknownPlugin {
                point: point.unwrap_or_else(point_name::<E>),
                plugin: (*name).to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Lets the manager settle the queued failures once no call of this thread is in progress
    /// (a policy may exclude a plugin, which waits for calls to end).
    #[cold]
    fn settle(&self) {
        if let Some((manager, settle)) = self.host
            && Busy::is_idle(manager)
        {
            settle.settle();
        }
    }
}
