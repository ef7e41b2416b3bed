//! The plugin contract: the [`Plugin`] trait, the [`Context`] its hooks receive, the
//! [`PluginError`] they return, and the static [`PluginMetadata`] that `#[plugin]` records for
//! every plugin; [`Configurable`] for plugins built from a typed configuration. The bottom
//! layer: it depends on nothing else in the crate.

mod asynchronous;
mod context;
mod error;
mod failure;
mod health;
mod metadata;
mod plugin;

pub use self::asynchronous::{AsyncPlugin, DynAsyncPlugin, HookFuture};
pub use self::context::Context;
pub use self::error::PluginError;
pub use self::failure::{Backoff, Intensity, OnFailure, OnUnhealthy};
pub use self::health::{Checked, Health};
pub use self::metadata::{Dependency, Origin, PluginMetadata, SourceLocation};
pub use self::plugin::Plugin;

/// A plugin built from a typed configuration, `C`: what `#[plugin(config = C)]` requires.
///
/// The manager reads the instance's `config` value into `C` (a `serde::Deserialize` and
/// `schemars::JsonSchema` type) before the instance exists. A config the type rejects excludes
/// the instance before [`from_config`](Configurable::from_config) runs; a missing config is
/// `C::default()` where `C` implements `Default`, and an error naming the missing key otherwise.
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
    note = "add `impl plugin_factory::Configurable<{C}> for {Self}` with a `from_config` function"
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
