//! [`Plugin`], the contract of a sync plugin, and its blanket implementation for every
//! [`AsyncPlugin`], whose sync hooks refuse to run.

use std::any::Any;

use super::asynchronous::{AsyncPlugin, DynAsyncPlugin};
use super::context::Context;
use super::error::PluginError;
use super::health::Health;

/// The contract every plugin implements.
///
/// A plugin is created by its factory, then driven through its hooks in this order:
/// [`validate`](Plugin::validate), [`init`](Plugin::init), [`start`](Plugin::start),
/// [`stop`](Plugin::stop), [`shutdown`](Plugin::shutdown); after `shutdown` it is dropped. Every
/// hook has a default that does nothing, so a plugin implements only what it needs.
///
/// A hook that returns an error **or panics** excludes the plugin from the live set: whatever it
/// had started is stopped and shut down, the instance is dropped, and the reason goes into the
/// [`Report`](crate::report::Report). Plugins that depend on it are excluded too. Other plugins are not
/// affected. (Panics are caught per hook; a binary built with `panic = "abort"` cannot catch them
/// and aborts instead.)
///
/// The trait is object safe: the manager holds plugins as `Box<dyn Plugin>`. `Any` lets callers
/// get the concrete type back (see [`PluginManager::plugin_mut`](crate::PluginManager::plugin_mut)).
///
/// ```
/// use plugin_factory::{Context, Plugin, PluginError};
///
/// #[derive(Default)]
/// struct Counter {
///     ticks: u64,
/// }
///
/// impl Plugin for Counter {
///     fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
///         self.ticks += 1;
///         log::info!(target: ctx.log_target(), "{} started", ctx.name());
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement the `Plugin` trait",
    label = "`#[plugin]` needs an `impl Plugin for {Self}` (or `impl AsyncPlugin`)",
    note = "add `impl plugin_factory::Plugin for {Self} {{}}` (every hook has a default), or `impl plugin_factory::AsyncPlugin for {Self} {{}}` for `async fn` hooks"
)]
pub trait Plugin: Any + Send {
    /// Checks that the plugin can run, before anything is initialized.
    ///
    /// Runs once per instance, after every plugin has been created and dependencies have been
    /// resolved, in dependency order. Must not acquire resources. An error or panic excludes the
    /// plugin (and its dependents) before anything of theirs is initialized.
    fn validate(&self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let _ = ctx;
        Ok(())
    }

    /// Acquires what the plugin needs (files, buffers, connections), after its dependencies are
    /// initialized.
    ///
    /// An error or panic excludes the plugin and its dependents; `shutdown` is not called for a
    /// plugin whose `init` failed, so `init` should release what it acquired before failing.
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let _ = ctx;
        Ok(())
    }

    /// Begins the plugin's work, after its dependencies have started.
    ///
    /// An error or panic excludes the plugin and its dependents: the plugin is shut down and
    /// dropped, and so are dependents that were initialized.
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let _ = ctx;
        Ok(())
    }

    /// Ends the plugin's work, before its dependencies stop (reverse dependency order).
    ///
    /// An error or panic excludes the plugin: it is still shut down and dropped, and the other
    /// plugins still stop. Its dependents, stopped by then, are shut down and excluded with it,
    /// so a later start does not bring them back without their dependency.
    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let _ = ctx;
        Ok(())
    }

    /// Releases everything `init` acquired, in reverse dependency order. The instance is
    /// dropped right after.
    ///
    /// Called once for every plugin whose `init` succeeded. An error or panic is reported; the
    /// instance is dropped anyway.
    fn shutdown(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let _ = ctx;
        Ok(())
    }

    /// Says how the running plugin is doing, when the manager checks
    /// ([`PluginManager::check_health`](crate::PluginManager::check_health)). Runs only while
    /// it is running, with the plugin locked as for a plugin access; keep it quick. A panic is
    /// reported as [`Health::Unhealthy`]. The default is healthy.
    fn health(&self, ctx: &Context<'_>) -> Health {
        let _ = ctx;
        Health::Healthy
    }

    /// The plugin's async hooks, if it is an [`AsyncPlugin`] (whose blanket implementation of
    /// this trait answers `Some`). The async manager awaits those instead of running the sync
    /// hooks; keep the default.
    fn as_async(&mut self) -> Option<&mut dyn DynAsyncPlugin> {
        None
    }

    /// [`as_async`](Plugin::as_async), shared.
    fn as_async_ref(&self) -> Option<&dyn DynAsyncPlugin> {
        None
    }
}

/// The sync hooks of an async plugin refuse to run: only the async manager can drive it.
impl<T: AsyncPlugin> Plugin for T {
    fn validate(&self, ctx: &Context<'_>) -> Result<(), PluginError> {
        Err(needs_async(ctx))
    }
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        Err(needs_async(ctx))
    }
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        Err(needs_async(ctx))
    }
    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        Err(needs_async(ctx))
    }
    fn shutdown(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        Err(needs_async(ctx))
    }
    fn health(&self, ctx: &Context<'_>) -> Health {
        Health::unhealthy(needs_async(ctx).to_string())
    }
    fn as_async(&mut self) -> Option<&mut dyn DynAsyncPlugin> {
        Some(self)
    }
    fn as_async_ref(&self) -> Option<&dyn DynAsyncPlugin> {
        Some(self)
    }
}

/// What the sync manager says of an async plugin.
pub(super) fn needs_async(ctx: &Context<'_>) -> PluginError {
    PluginError::msg(format!(
        "plugin {:?} is an async plugin (`impl AsyncPlugin`): run it with `AsyncManager`, the \
         sync manager cannot await its hooks",
        ctx.name()
    ))
}
