//! Extension points and services: how plugins extend the host and each other (see
//! `docs/extension-points.md`).
//!
//! An **extension point** is a trait with `Send + Sync` supertraits, declared by the host or by
//! any plugin crate. A kind states the points it implements in its annotation,
//! `#[plugin(implements = [OnRequest, Metrics(priority = 10)])]`; the macro checks that it
//! implements each and records how to reach the trait object from an instance. While an
//! instance runs, its implementations are live: [`Extension`] calls them, from the host
//! ([`PluginManager::extension`](crate::PluginManager::extension)) or from a plugin
//! ([`Context::extension`](crate::Context::extension)), with a result policy, in a
//! deterministic order, on any thread.
//!
//! A **service** is an `Arc<T>` a plugin provides in `init`
//! ([`Context::provide`](crate::Context::provide)); the plugins that declared it in
//! `depends_on` obtain it ([`Context::service`](crate::Context::service)), nobody else does
//! ([`ServiceError::Undeclared`]); the host reaches any
//! ([`PluginManager::service`](crate::PluginManager::service)).
//!
//! | file | owns |
//! |---|---|
//! | `call.rs` | [`Extension`], the result policies, [`Calls`] |
//! | `handle.rs` | [`ExtensionHandle`], a point kept to call from anywhere |
//! | `awaited.rs` | the policies awaited, for points whose methods return futures; [`Callee`] |
//! | `point.rs` | one point's table: the snapshot calls read, publication, history |
//! | `order.rs` | the call order: priority, `before`/`after`, dependency order, name |
//! | `hub.rs` | one manager's tables, services, and what the access rule reads |
//! | `service.rs` | what a [`Context`](crate::Context) reaches |
//! | `error.rs` | [`CallbackFailure`], [`CallError`], [`ServiceError`] |
//! | `declare.rs` | what `implements = [...]` expands to, through the hidden support module |
//!
//! ```standalone_crate
//! use plugin_factory::{Plugin, PluginManager, plugin};
//!
//! /// The host's extension point.
//! pub trait Greeting: Send + Sync {
//!     fn greeting(&self) -> Option<String>;
//! }
//!
//! #[plugin(name = "polite", version = "1.0.0", implements = [Greeting(priority = 1)])]
//! #[derive(Default)]
//! struct Polite;
//! impl Plugin for Polite {}
//! impl Greeting for Polite {
//!     fn greeting(&self) -> Option<String> {
//!         Some("good morning".into())
//!     }
//! }
//!
//! # plugin_factory::link_plugins!(example_plugins);
//! let manager = PluginManager::discover()?.validate()?.init()?.start()?;
//! let first = manager.extension::<dyn Greeting>().first_some(|g| g.greeting())?;
//! assert_eq!(first.value().as_ref().map(|(_, text)| text.as_str()), Some("good morning"));
//! # Ok::<(), plugin_factory::Error>(())
//! ```

mod awaited;
mod call;
pub(crate) mod declare;
mod error;
mod handle;
mod hub;
mod order;
mod point;
mod service;

pub use self::awaited::Callee;
pub(crate) use self::call::Settle;
pub use self::call::{ByPlugin, CallbackResult, Calls, Extension};
pub use self::error::{CallError, CallbackFailure, ServiceError};
pub use self::handle::ExtensionHandle;
pub(crate) use self::hub::{Hub, Links};
pub(crate) use self::point::Member;
