//! [`ExtensionHandle`]: an extension point a plugin or the host keeps, to call from any thread
//! or task for as long as the manager lives.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::call::Extension;
use super::declare::point_name;
use super::hub::Hub;
use super::point::Table;

/// An extension point, kept: `'static`, [`Clone`], `Send + Sync`. A plugin takes one from its
/// context in any hook ([`Context::extension_handle`](crate::Context::extension_handle)), the
/// host from its manager ([`PluginManager::extension_handle`](crate::PluginManager::extension_handle)),
/// and either keeps it (on a thread of its own, in a task, in a server's state) to call the
/// point as often as it likes: [`extension`](Self::extension) gives the call, with every
/// policy, sync and awaited.
///
/// A call through a handle is a call from a plugin's hook in all but where it is made from:
/// the same call order, the same isolation (a callback that errors or panics is reported and
/// the call goes on), the same failure accounting (in the outcome at once; recorded, and the
/// manager's [`OnCallbackFailure`](crate::policy::OnCallbackFailure) applied, by the manager's
/// next operation). Each call reads the implementations live when it starts, so a handle sees
/// those added later (a start, a reload, a hot add) and never those withdrawn, and it keeps no
/// instance alive between calls: stopping an instance waits only for the calls in flight on it.
/// Once its manager is shut down or dropped, every call fails with
/// [`CallError::ManagerShutDown`](super::CallError::ManagerShutDown).
///
/// ```standalone_crate
/// use plugin_factory::extension::ExtensionHandle;
/// use plugin_factory::{Context, Plugin, PluginError, PluginManager, plugin};
///
/// pub trait Sink: Send + Sync {
///     fn take(&self, item: u64);
/// }
///
/// /// Produces on a thread of its own, through a handle taken in `start`.
/// #[plugin(name = "ticker")]
/// #[derive(Default)]
/// struct Ticker {
///     producer: Option<std::thread::JoinHandle<()>>,
/// }
///
/// impl Plugin for Ticker {
///     fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
///         let sinks: ExtensionHandle<dyn Sink> = ctx.extension_handle();
///         self.producer = Some(std::thread::spawn(move || {
///             for item in 0..3 {
///                 // Each call reaches the sinks live at that moment.
///                 let _ = sinks.extension().call(|sink| sink.take(item));
///             }
///         }));
///         Ok(())
///     }
///
///     fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
///         if let Some(producer) = self.producer.take() {
///             producer.join().map_err(|_| PluginError::msg("the producer panicked"))?;
///         }
///         Ok(())
///     }
/// }
///
/// plugin_factory::link_plugins!(example_plugins);
///
/// # fn main() -> Result<(), plugin_factory::Error> {
/// let manager = PluginManager::discover()?.validate()?.init()?.start()?;
/// let sinks = manager.extension_handle::<dyn Sink>();
/// let _report = manager.shutdown();
/// let refused = sinks.extension().call(|sink| sink.take(4)).unwrap_err();
/// assert!(refused.to_string().contains("shut down"), "{refused}");
/// # Ok(())
/// # }
/// ```
pub struct ExtensionHandle<E: ?Sized + 'static> {
    hub: Arc<Hub>,
    table: Arc<dyn Table>,
    _point: PhantomData<fn(&E)>,
}

impl<E: ?Sized + Send + Sync + 'static> ExtensionHandle<E> {
    /// The handle to point `E` of the manager whose hub is `hub` (its table made now if no
    /// implementation has been live yet, so that later ones are seen).
    pub(crate) fn new(hub: &Arc<Hub>) -> Self {
        Self {
            hub: Arc::clone(hub),
            table: hub.point_or_new::<E>(),
            _point: PhantomData,
        }
    }

    /// A call to the point, on the implementations live now: pick a subset with
    /// [`only`](Extension::only), then a policy ([`call`](Extension::call),
    /// [`collect`](Extension::collect), [`call_async`](Extension::call_async), ...).
    #[inline]
    pub fn extension(&self) -> Extension<'_, E> {
        Extension::of_table(&self.hub, Arc::clone(&self.table))
    }
}

impl<E: ?Sized + 'static> Clone for ExtensionHandle<E> {
    fn clone(&self) -> Self {
        Self {
            hub: Arc::clone(&self.hub),
            table: Arc::clone(&self.table),
            _point: PhantomData,
        }
    }
}

impl<E: ?Sized + 'static> fmt::Debug for ExtensionHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionHandle")
            .field("point", &point_name::<E>())
            .field("manager_shut_down", &self.hub.is_closed())
            .finish()
    }
}
