//! Awaited calls of an extension point, for points whose methods return futures: the result
//! policies of [`Extension`] as `async fn`s, each callback awaited in call order, and
//! [`Callee`], what such a callback is handed.

use std::fmt;
use std::future::{Future, poll_fn};
use std::ops::{ControlFlow, Deref};
use std::pin::pin;
use std::sync::Arc;

use super::call::{ByPlugin, CallbackResult, Calls, Extension};
use super::error::{CallError, CallbackFailure};
use crate::busy::{self, Busy};
use crate::catch;
use crate::name::Name;
use crate::report::FailureCause;

/// The implementation an awaited callback is called on: the plugin's trait object (through
/// `Deref`) and its instance name, owned by the callback's future so that the future may await
/// the point's methods without borrowing from the call.
///
/// While a `Callee` exists, its instance cannot be stopped: an operation that stops it waits
/// (asynchronously) for the callbacks in flight to end. Let it go with the future; do not keep
/// it.
pub struct Callee<E: ?Sized> {
    target: Arc<E>,
    plugin: Name,
}

impl<E: ?Sized> Callee<E> {
    /// The instance name of the plugin being called.
    pub fn plugin(&self) -> Name {
        self.plugin
    }
}

impl<E: ?Sized> Deref for Callee<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.target
    }
}

impl<E: ?Sized> fmt::Debug for Callee<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callee")
            .field("plugin", &self.plugin)
            .finish_non_exhaustive()
    }
}

/// # Awaited calls
///
/// For a point whose methods return futures (a trait object cannot have `async fn`, so they
/// return boxed ones, e.g. [`BoxFuture`](crate::executor::BoxFuture)). Each callback is handed a
/// [`Callee`] and returns a future; the futures are awaited one after another, in call order,
/// with the same policies, failures (an error, or a panic while the future is polled) and
/// subsets as the sync calls. A host's call refuses the manager's runtime operations from
/// inside its callbacks ([`Error::Reentrant`](crate::Error::Reentrant)), as a sync call does.
///
/// ```standalone_crate
/// # #[cfg(feature = "tokio")] {
/// use plugin_factory::executor::{BoxFuture, Tokio};
/// use plugin_factory::{Plugin, PluginManager, plugin};
///
/// /// An extension point with an async method.
/// pub trait Lookup: Send + Sync {
///     fn lookup<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>>;
/// }
///
/// #[plugin(name = "cache", implements = [Lookup])]
/// #[derive(Default)]
/// struct Cache;
/// impl Plugin for Cache {}
/// impl Lookup for Cache {
///     fn lookup<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
///         Box::pin(async move { (key == "answer").then(|| "42".to_owned()) })
///     }
/// }
///
/// # plugin_factory::link_plugins!(example_plugins);
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # runtime.block_on(async {
/// let manager = PluginManager::discover()?.into_async(Tokio).validate().await?;
/// let manager = manager.init().await?.start().await?;
/// let key = "answer";
/// let found = manager
///     .extension::<dyn Lookup>()
///     .first_some_async(move |cache| async move { cache.lookup(key).await })
///     .await?;
/// assert_eq!(found.value().as_ref().map(|(_, v)| v.as_str()), Some("42"));
/// manager.shutdown().await;
/// # Ok::<(), plugin_factory::Error>(())
/// # }).unwrap();
/// # }
/// ```
impl<E: ?Sized + Send + Sync + 'static> Extension<'_, E> {
    /// Awaits every implementation's callback (see [`call`](Self::call)).
    pub async fn call_async<F, R>(self, f: impl Fn(Callee<E>) -> F) -> Result<Calls<()>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult<Value = ()>,
    {
        self.walk_async(false, (), f, |(), _, ()| ControlFlow::Continue(()))
            .await
    }

    /// Awaits every implementation's callback and collects the values, by plugin, in call
    /// order (see [`collect`](Self::collect)).
    pub async fn collect_async<F, R>(
        self,
        f: impl Fn(Callee<E>) -> F,
    ) -> Result<Calls<ByPlugin<R::Value>>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult,
    {
        self.walk_async(false, Vec::new(), f, keep).await
    }

    /// Awaits the callbacks in order until one gives `Some` (see
    /// [`first_some`](Self::first_some)); the later implementations are not called.
    pub async fn first_some_async<T, F, R>(
        self,
        f: impl Fn(Callee<E>) -> F,
    ) -> Result<Calls<Option<(Name, T)>>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult<Value = Option<T>>,
    {
        self.walk_async(false, None, f, |found, plugin, value| match value {
            Some(value) => {
                *found = Some((plugin, value));
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        })
        .await
    }

    /// Awaits the callbacks in order and collects their values, but stops at the first that
    /// fails: that failure is the error (see [`until_error`](Self::until_error)).
    pub async fn until_error_async<F, R>(
        self,
        f: impl Fn(Callee<E>) -> F,
    ) -> Result<Calls<ByPlugin<R::Value>>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult,
    {
        let calls = self.walk_async(true, Vec::new(), f, keep).await?;
        match calls.failures().first() {
            Some(failure) => Err(CallError::Failed(failure.clone())),
            None => Ok(calls),
        }
    }

    /// Awaits every implementation's callback and folds the values into `init` with
    /// `combine`, in call order (see [`fold`](Self::fold)). The accumulator is not handed to
    /// the callbacks, so that their futures borrow nothing from the call; a failed callback
    /// leaves it as it was.
    pub async fn fold_async<A, F, R>(
        self,
        init: A,
        f: impl Fn(Callee<E>) -> F,
        mut combine: impl FnMut(&mut A, R::Value),
    ) -> Result<Calls<A>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult,
    {
        self.walk_async(false, init, f, |acc, _, value| {
            combine(acc, value);
            ControlFlow::Continue(())
        })
        .await
    }

    /// The loop every awaited policy shares: one snapshot, each callback's future awaited
    /// under a catch, `take` handed each value.
    async fn walk_async<A, F, R>(
        self,
        stop_on_failure: bool,
        mut acc: A,
        f: impl Fn(Callee<E>) -> F,
        mut take: impl FnMut(&mut A, Name, R::Value) -> ControlFlow<()>,
    ) -> Result<Calls<A>, CallError>
    where
        F: Future<Output = R>,
        R: CallbackResult,
    {
        let Some((snapshot, busy)) = self.begin()? else {
            return Ok(Calls::none(acc));
        };
        // The thread is marked only while a callback's future is polled: the task may move
        // between threads, and other tasks run on this one between polls.
        drop(busy);
        let manager = self.host.map(|(manager, _)| manager);
        let point = self.point().map_or("", |point| point.name());
        let route = catch::routing();
        let mut failures = Vec::new();
        let mut reached = 0;
        for (target, &plugin) in snapshot.targets.iter().zip(&snapshot.names) {
            if self
                .only
                .is_some_and(|only| !only.contains(&plugin.as_str()))
            {
                continue;
            }
            reached += 1;
            let callee = Callee {
                target: Arc::clone(target),
                plugin,
            };
            let called = match route.catch(&plugin, || {
                self.hub.injected(plugin.as_str()).map(|()| f(callee))
            }) {
                Ok(Ok(future)) => {
                    let ended = route.catch_future(plugin, marked(manager, future)).await;
                    if ended.is_ok() {
                        self.hub.returned(plugin.as_str());
                    }
                    ended.map(CallbackResult::into_result)
                }
                Ok(Err(injected)) => Ok(Err(injected)),
                Err(message) => Err(message),
            };
            let cause = match called {
                Ok(Ok(value)) => {
                    if take(&mut acc, plugin, value).is_break() {
                        break;
                    }
                    continue;
                }
                Ok(Err(error)) => FailureCause::Error(Arc::new(error)),
                Err(message) => FailureCause::Panic(message),
            };
            failures.push(CallbackFailure::new(plugin, point, cause));
            if stop_on_failure {
                break;
            }
        }
        drop(snapshot);
        Ok(self.conclude(acc, reached, failures))
    }
}

/// Keeps every value with its plugin: what `collect_async` and `until_error_async` take.
fn keep<T>(values: &mut ByPlugin<T>, plugin: Name, value: T) -> ControlFlow<()> {
    values.push((plugin, value));
    ControlFlow::Continue(())
}

/// Awaits `future`, marking the thread inside a call of `manager` while it is polled, so that
/// the manager refuses its runtime operations from inside the callback.
async fn marked<F: Future>(manager: Option<u64>, future: F) -> F::Output {
    let mut future = pin!(future);
    poll_fn(|cx| {
        let _busy = manager.and_then(|manager| Busy::enter(manager, busy::CALL).ok());
        future.as_mut().poll(cx)
    })
    .await
}
