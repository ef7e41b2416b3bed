//! Plugins built from a typed configuration: [`Configurable`], its async form
//! [`AsyncConfigurable`] (whose `reconfigure` is an `async fn`), and [`Reconfigure`], what a
//! running instance did with a new configuration.

use super::asynchronous::AsyncPlugin;
use super::context::Context;
use super::error::PluginError;
use super::plugin::{Plugin, needs_async};
use futures_util::future::BoxFuture;

/// A plugin built from a typed configuration, `C`: what `#[plugin(config = C)]` requires.
///
/// The manager reads the instance's `config` value into `C` (a `serde::Deserialize` and
/// `schemars::JsonSchema` type) before the instance exists. A config the type rejects excludes
/// the instance before [`from_config`](Configurable::from_config) runs; a missing config is
/// `C::default()` where `C` implements `Default`, and an error naming the missing key otherwise.
/// An async plugin whose `reconfigure` awaits implements [`AsyncConfigurable`] instead.
///
/// ```
/// use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct EchoConfig {
///     prefix: String,
/// }
///
/// #[plugin(config = EchoConfig)]
/// struct Echo {
///     prefix: String,
/// }
///
/// impl Plugin for Echo {}
///
/// impl Configurable<EchoConfig> for Echo {
///     fn from_config(config: EchoConfig, _: &Context<'_>) -> Result<Self, PluginError> {
///         Ok(Self { prefix: config.prefix })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Configurable<{C}>`",
    label = "`#[plugin(config = ...)]` builds this plugin from its config",
    note = "add `impl plugin_factory::Configurable<{C}> for {Self}` with a `from_config` function (for an async plugin, `AsyncConfigurable<{C}>`)"
)]
pub trait Configurable<C>: Plugin + Sized {
    /// Creates the instance from its configuration. Runs where a factory would: once per
    /// instance, in start order, at discovery (and again when a reload re-creates it). An error
    /// or panic excludes the instance.
    fn from_config(config: C, ctx: &Context<'_>) -> Result<Self, PluginError>;

    /// Takes a changed configuration while the instance runs, when a configuration reload
    /// changes only this instance's `config`. Return [`Reconfigure::Applied`] if the instance
    /// now works with it, or [`Reconfigure::Restart`] (the default) to have it stopped, shut
    /// down and created anew from the new config, its dependents restarted with it. An error or
    /// panic excludes the instance, as a failing hook does.
    fn reconfigure(&mut self, config: C, ctx: &Context<'_>) -> Result<Reconfigure, PluginError> {
        let _ = (config, ctx);
        Ok(Reconfigure::Restart)
    }

    /// What the async manager awaits for [`reconfigure`](Self::reconfigure) when the plugin is
    /// an async one: the sync `reconfigure`, ready at once, unless the plugin implements
    /// [`AsyncConfigurable`] (whose blanket implementation returns its `async fn`).
    #[doc(hidden)]
    fn reconfigure_boxed<'a>(
        &'a mut self,
        config: C,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<Reconfigure, PluginError>> {
        Box::pin(std::future::ready(self.reconfigure(config, ctx)))
    }
}

/// [`Configurable`] for an [`AsyncPlugin`] whose `reconfigure` awaits (it reconnects, rebinds,
/// re-reads): what to implement instead of `Configurable` for such a plugin, with the same
/// `#[plugin(config = C)]`. Creation stays sync, as a factory's: acquire in `init` or `start`.
///
/// ```
/// use plugin_factory::{AsyncConfigurable, AsyncPlugin, Context, PluginError, Reconfigure, plugin};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct PoolConfig {
///     size: usize,
/// }
///
/// #[plugin(config = PoolConfig)]
/// struct Pool {
///     size: usize,
/// }
///
/// impl AsyncPlugin for Pool {}
///
/// impl AsyncConfigurable<PoolConfig> for Pool {
///     fn from_config(config: PoolConfig, _: &Context<'_>) -> Result<Self, PluginError> {
///         Ok(Self { size: config.size })
///     }
///
///     async fn reconfigure(
///         &mut self,
///         config: PoolConfig,
///         _: &Context<'_>,
///     ) -> Result<Reconfigure, PluginError> {
///         // e.g. open or close connections until there are `config.size`
///         self.size = config.size;
///         Ok(Reconfigure::Applied)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `AsyncConfigurable<{C}>`",
    note = "add `impl plugin_factory::AsyncConfigurable<{C}> for {Self}` with a `from_config` function"
)]
pub trait AsyncConfigurable<C: Send>: AsyncPlugin + Sized {
    /// Creates the instance from its configuration (see [`Configurable::from_config`]).
    fn from_config(config: C, ctx: &Context<'_>) -> Result<Self, PluginError>;

    /// Takes a changed configuration while the instance runs (see
    /// [`Configurable::reconfigure`]); awaited by the async manager under the plugin's hook
    /// timeout, like its other hooks. The default re-creates the instance.
    fn reconfigure(
        &mut self,
        config: C,
        ctx: &Context<'_>,
    ) -> impl Future<Output = Result<Reconfigure, PluginError>> + Send {
        let _ = (config, ctx);
        async { Ok(Reconfigure::Restart) }
    }
}

/// An async configurable plugin is configurable; its sync `reconfigure` refuses to run, as its
/// sync hooks do.
impl<C: Send + 'static, T: AsyncConfigurable<C>> Configurable<C> for T {
    fn from_config(config: C, ctx: &Context<'_>) -> Result<Self, PluginError> {
        <T as AsyncConfigurable<C>>::from_config(config, ctx)
    }

    fn reconfigure(&mut self, _: C, ctx: &Context<'_>) -> Result<Reconfigure, PluginError> {
        Err(needs_async(ctx))
    }

    fn reconfigure_boxed<'a>(
        &'a mut self,
        config: C,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<Reconfigure, PluginError>> {
        Box::pin(AsyncConfigurable::reconfigure(self, config, ctx))
    }
}

/// What [`Configurable::reconfigure`] did with a new configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconfigure {
    /// The running instance took the new configuration; nothing else happens.
    Applied,
    /// The instance cannot change in place: re-create it (and restart its dependents).
    Restart,
}
