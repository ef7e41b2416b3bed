//! What a plugin reaches through its [`Context`]: extension point calls, and services, with the
//! access rule between plugins.

use std::any::{Any, TypeId};
use std::sync::{Arc, LazyLock};

use super::call::Extension;
use super::error::ServiceError;
use super::handle::ExtensionHandle;
use super::hub::Hub;
use crate::contract::Context;
use crate::name::Name;
use crate::registry::{Implementation, Placement};

/// The hub a context outside a manager reaches: no point, no service.
static NOWHERE: LazyLock<Arc<Hub>> = LazyLock::new(|| Arc::new(Hub::new()));

impl<'a> Context<'a> {
    /// The manager's hub and this instance's slot, if the hook runs inside a manager.
    fn hub(&self) -> Option<(&'a Arc<Hub>, usize)> {
        let site = self.site()?;
        let hub = (site.hub as &dyn Any).downcast_ref::<Arc<Hub>>()?;
        Some((hub, site.slot))
    }

    /// Calls the extension point `E` (a trait object type such as `dyn OnRequest`) on its live
    /// implementations: see [`Extension`]. This instance's own implementation is not live while
    /// its hooks run (it is published once it runs, and withdrawn before it stops).
    ///
    /// ```
    /// use plugin_factory::{Context, Plugin, PluginError};
    ///
    /// pub trait Audit: Send + Sync {
    ///     fn record(&self, event: &str) -> Result<(), PluginError>;
    /// }
    ///
    /// struct Door;
    /// impl Plugin for Door {
    ///     fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
    ///         let calls = ctx.extension::<dyn Audit>().call(|audit| audit.record("door opened"))?;
    ///         log::info!(target: ctx.log_target(), "{} auditors told", calls.reached());
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn extension<E: ?Sized + Send + Sync + 'static>(&self) -> Extension<'a, E> {
        match self.hub() {
            Some((hub, _)) => Extension::new(hub, None),
            None => Extension::new(&NOWHERE, None),
        }
    }

    /// The extension point `E`, kept: a handle this plugin may take to a thread or a task of its
    /// own and call from there for as long as it likes (see [`ExtensionHandle`]), with every
    /// policy. Take it in any hook; outside a manager it reaches no implementation.
    pub fn extension_handle<E: ?Sized + Send + Sync + 'static>(&self) -> ExtensionHandle<E> {
        match self.hub() {
            Some((hub, _)) => ExtensionHandle::new(hub),
            None => ExtensionHandle::new(&NOWHERE),
        }
    }

    /// Where this instance's implementation of the extension point `E` is placed in its call
    /// order, as its kind's annotation says (`implements = [Filter(priority = 10)]`); `None`
    /// if its kind does not implement `E`, or outside a manager.
    ///
    /// ```
    /// use plugin_factory::{Context, Plugin, PluginError};
    ///
    /// pub trait Filter: Send + Sync {
    ///     fn keep(&self, item: &str) -> bool;
    /// }
    ///
    /// struct Stage;
    /// impl Plugin for Stage {
    ///     fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
    ///         let priority = ctx.placement::<dyn Filter>().map_or(0, |placed| placed.priority);
    ///         log::info!(target: ctx.log_target(), "filtering at priority {priority}");
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn placement<E: ?Sized + 'static>(&self) -> Option<Placement> {
        let (hub, slot) = self.hub()?;
        hub.kind_of(slot)?
            .implementations()?
            .points()
            .iter()
            .find(|implementation| implementation.point() == TypeId::of::<E>())
            .map(Implementation::placement)
    }

    /// Provides `service` to the plugins that depend on this one (and to the host), under its
    /// type `T`: a concrete type or a trait object (`Arc<dyn Storage>`). Provide in `init`; the
    /// service is visible while this instance is initialized or running, hidden from the
    /// moment it starts to stop, and dropped with the instance. Providing a type again
    /// replaces the service.
    pub fn provide<T: ?Sized + Send + Sync + 'static>(
        &self,
        service: Arc<T>,
    ) -> Result<(), ServiceError> {
        let (hub, slot) = self.hub().ok_or(ServiceError::OutsideManager {
            plugin: Name::from(self.name()),
        })?;
        hub.provide(slot, TypeId::of::<T>(), Box::new(service));
        Ok(())
    }

    /// The service of type `T` that `dependency` provides: `dependency` is a kind this plugin
    /// declared in `depends_on` (or the instance that dependency is bound to), and the service
    /// comes from the bound instance. Asking any other plugin is
    /// [`ServiceError::Undeclared`]: the boundary between plugins.
    ///
    /// Take services in `start` and let them go in `stop`: a provider is stopped only after its
    /// dependents, and a restarted provider (a new instance, new services) starts before them.
    pub fn service<T: ?Sized + Send + Sync + 'static>(
        &self,
        dependency: &str,
    ) -> Result<Arc<T>, ServiceError> {
        let (hub, slot) = self.hub().ok_or(ServiceError::OutsideManager {
            plugin: Name::from(self.name()),
        })?;
        hub.service::<T>(Some(slot), dependency)
    }
}
