//! The plugin contract: the [`Plugin`] trait, the [`Context`] its hooks receive, the
//! [`PluginError`] they return, and the static [`PluginMetadata`] that `#[plugin]` records for
//! every plugin; [`Configurable`] (and [`AsyncConfigurable`]) for plugins built from a typed
//! configuration. The bottom layer: it depends on nothing else in the crate.

mod asynchronous;
mod configurable;
mod context;
mod error;
mod failure;
mod health;
mod metadata;
mod plugin;

pub use self::asynchronous::{AsyncPlugin, DynAsyncPlugin};
pub use self::configurable::{AsyncConfigurable, Configurable, Reconfigure};
pub use self::context::Context;
pub use self::error::PluginError;
pub use self::failure::{Backoff, Intensity, OnFailure, OnUnhealthy};
pub use self::health::{Checked, Health};
pub use self::metadata::{Dependency, Origin, PluginMetadata, SourceLocation};
pub use self::plugin::Plugin;
