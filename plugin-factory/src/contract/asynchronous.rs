//! The async plugin contract: [`AsyncPlugin`], whose hooks are `async fn`, and
//! [`DynAsyncPlugin`], the object-safe form the manager calls them through.
//!
//! Every `AsyncPlugin` is a [`Plugin`](super::Plugin) (a blanket implementation, beside the
//! trait), so `#[plugin]`, typed
//! configuration, extension points and services work for it unchanged, and it sits in the same
//! registry and slots as sync plugins. Its sync hooks refuse to run: the sync manager excludes
//! it with a message that says to use the async manager.

use std::future::Future;

use super::context::Context;
use super::error::PluginError;
use super::health::Health;
use futures_util::future::BoxFuture;

/// The contract of a plugin whose hooks are asynchronous: it opens connections, binds ports,
/// reads files. Implement it with `async fn` (every hook has a default that does nothing) and
/// annotate the type with `#[plugin]` as usual; run it with the
/// [`AsyncManager`](crate::AsyncManager).
///
/// Hooks run in the same order and with the same meaning as [`Plugin`](crate::Plugin)'s; the async manager runs
/// the hooks of independent plugins concurrently, each as soon as the same hook of all its
/// dependencies has finished. A hook may be **cancelled** at any `.await`: when it exceeds its
/// timeout, or when shutdown's deadlines pass. Cancellation drops the hook's future, not the
/// plugin: a cancelled `start` is followed by `shutdown` (a cancelled `stop` too), so keep what
/// a hook has acquired in `self` as soon as it has it, and let `shutdown` and `Drop` release
/// whatever is there (see `docs/async.md`).
///
/// The plugin must be `Sync`, because `validate` and `health` borrow it shared across an
/// `.await` and the manager's future must be `Send`.
///
/// ```
/// use plugin_factory::{AsyncPlugin, Context, PluginError, plugin};
///
/// #[plugin(name = "listener")]
/// #[derive(Default)]
/// struct Listener {
///     bound: Option<std::net::SocketAddr>,
/// }
///
/// impl AsyncPlugin for Listener {
///     async fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
///         // e.g. tokio::net::TcpListener::bind(..).await?
///         self.bound = Some(([127, 0, 0, 1], 0).into());
///         log::info!(target: ctx.log_target(), "listening");
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `AsyncPlugin`",
    note = "add `impl plugin_factory::AsyncPlugin for {Self} {{}}` and write the hooks it needs as `async fn`"
)]
pub trait AsyncPlugin: Send + Sync + 'static {
    /// Checks that the plugin can run, before anything is initialized (see
    /// [`Plugin::validate`](crate::Plugin::validate)).
    fn validate(&self, ctx: &Context<'_>) -> impl Future<Output = Result<(), PluginError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Acquires what the plugin needs (see [`Plugin::init`](crate::Plugin::init)).
    fn init(&mut self, ctx: &Context<'_>) -> impl Future<Output = Result<(), PluginError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Starts the plugin's work (see [`Plugin::start`](crate::Plugin::start)).
    fn start(&mut self, ctx: &Context<'_>) -> impl Future<Output = Result<(), PluginError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Stops the plugin's work; it may be started again (see [`Plugin::stop`](crate::Plugin::stop)).
    fn stop(&mut self, ctx: &Context<'_>) -> impl Future<Output = Result<(), PluginError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Releases what `init` acquired, before the plugin is dropped (see [`Plugin::shutdown`](crate::Plugin::shutdown)).
    fn shutdown(
        &mut self,
        ctx: &Context<'_>,
    ) -> impl Future<Output = Result<(), PluginError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Reports how the running plugin is doing (see [`Plugin::health`](crate::Plugin::health)).
    fn health(&self, ctx: &Context<'_>) -> impl Future<Output = Health> + Send {
        let _ = ctx;
        async { Health::Healthy }
    }
}

/// [`AsyncPlugin`] in object-safe form, each hook's future boxed. Implemented for every
/// `AsyncPlugin`; the manager holds plugins as `dyn Plugin` and reaches this through
/// [`Plugin::as_async`](crate::Plugin::as_async).
pub trait DynAsyncPlugin: Send + Sync {
    /// [`AsyncPlugin::validate`], boxed.
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>>;
    /// [`AsyncPlugin::init`], boxed.
    fn init<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>>;
    /// [`AsyncPlugin::start`], boxed.
    fn start<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>>;
    /// [`AsyncPlugin::stop`], boxed.
    fn stop<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>>;
    /// [`AsyncPlugin::shutdown`], boxed.
    fn shutdown<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>>;
    /// [`AsyncPlugin::health`], boxed.
    fn health<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Health>;
}

impl<T: AsyncPlugin> DynAsyncPlugin for T {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>> {
        Box::pin(AsyncPlugin::validate(self, ctx))
    }
    fn init<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>> {
        Box::pin(AsyncPlugin::init(self, ctx))
    }
    fn start<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>> {
        Box::pin(AsyncPlugin::start(self, ctx))
    }
    fn stop<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>> {
        Box::pin(AsyncPlugin::stop(self, ctx))
    }
    fn shutdown<'a>(&'a mut self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<(), PluginError>> {
        Box::pin(AsyncPlugin::shutdown(self, ctx))
    }
    fn health<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Health> {
        Box::pin(AsyncPlugin::health(self, ctx))
    }
}
