//! Statically linked plugins with a checked lifecycle.
//!
//! A plugin is a struct that implements [`Plugin`] and carries `#[plugin]`. The attribute checks
//! the annotation at compile time and submits a static [`PluginEntry`](registry::PluginEntry) to
//! a link-time [`registry`]. The host links the plugin crates with [`link_plugins!`] and drives
//! every plugin through the lifecycle with a typestate [`PluginManager`]. A plugin that fails
//! validation, a hook, or a dependency check (or panics) is excluded, dropped and reported; the
//! rest run on.
//!
//! # Quick start
//!
//! ```standalone_crate
//! use plugin_factory::{Context, Plugin, PluginError, PluginManager, PluginState, plugin};
//!
//! /// Says hello when it starts.
//! #[plugin(name = "hello", version = "1.0.0")]
//! #[derive(Default)]
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
//!         log::info!(target: ctx.log_target(), "hello from {}", ctx.name());
//!         Ok(())
//!     }
//! }
//!
//! /// Needs `hello`, but refuses to run.
//! #[plugin(depends_on = ["hello >=1"])]
//! #[derive(Default)]
//! struct Grumpy;
//!
//! impl Plugin for Grumpy {
//!     fn validate(&self, _: &Context<'_>) -> Result<(), PluginError> {
//!         Err("not today".into())
//!     }
//! }
//!
//! let manager = PluginManager::discover()?.validate()?.init()?.start()?;
//! assert_eq!(manager.state("hello"), Some(PluginState::Running));
//! assert_eq!(manager.state("grumpy"), Some(PluginState::Excluded));
//! let report = manager.stop().shutdown();
//! println!("{report}");
//! # Ok::<(), plugin_factory::Error>(())
//! ```
//!
//! # Configuration
//!
//! The binary carries plugin *kinds*; a [`config::Config`] (TOML, JSON or YAML, with
//! environment and programmatic overrides) runs named *instances* of them, each with a typed
//! config (`#[plugin(config = T)]` and [`Configurable`]), and a running manager moves to a
//! changed configuration with [`plan`](PluginManager::plan) and [`apply`](PluginManager::apply),
//! touching only what differs. See the [`config`] module and `docs/configuration.md`.
//!
//! # Linking plugin crates
//!
//! Rust links a dependency only if the code names it. A plugin crate that the host lists in
//! `Cargo.toml` but never mentions is left out of the binary, and so are its plugins, on both
//! backends and with every linker and LTO setting; the host is told (at build time by
//! `plugin-factory-build`, at discovery by the manager: `docs/examples.md`, "Why
//! `link_plugins!`"). Name each plugin crate once:
//!
//! ```
//! plugin_factory::link_plugins!(example_plugins);
//! # fn main() {}
//! ```
//!
//! # Registry backends
//!
//! `linkme` by default (no code before `main`), `inventory` behind the `inventory` feature (for
//! targets `linkme` does not support, such as wasm). The [`registry`] module has the platform
//! table.
//!
//! # Panics
//!
//! Panics in plugin code are caught per hook and turn into exclusions. A binary built with
//! `panic = "abort"` cannot catch them: the first panicking plugin aborts the process.
//!
//! Rust runs the panic hook before a panic is caught, so the default hook still prints
//! `thread '...' panicked at ...` for each one, next to a report that says the plugin was
//! excluded. A host that wants those messages in its log instead calls
//! [`observe::log_plugin_panics`] once at startup: it is a process-wide change, so the crate
//! never makes it on its own.
//!
//! # Crate map
//!
//! The root holds what plugin authors and hosts use every day; the rest lives in named modules,
//! each item exported once.
//!
//! - [`Plugin`], [`AsyncPlugin`], [`Context`], [`PluginError`], [`Health`], [`Configurable`],
//!   [`AsyncConfigurable`], [`Reconfigure`]: the contract, and [`plugin`], the attribute.
//! - [`PluginManager`], [`AsyncManager`], [`ManagerBuilder`], [`Watched`]: the lifecycle, with
//!   its [`phase`]s; [`PluginState`]: where one plugin is; [`Error`].
//! - [`runtime`]: what queries and health checks return, and instance [`Name`](runtime::Name)s.
//! - [`policy`]: what happens when a hook, a health check or a callback fails.
//! - [`report`]: the [`Report`](report::Report) and its parts.
//! - [`config`]: configurations (TOML, JSON, YAML, environment, overrides), their checking and
//!   the plan of a reload.
//! - [`extension`]: extension points and services.
//! - [`registry`]: the link-time collection, its entries, and the metadata and its parts.
//! - [`executor`]: what the async manager needs from an async runtime (`Tokio` with the
//!   feature `tokio`).
//! - [`observe`]: events, observers, and routing caught panics to `log`.
//! - `testing` (feature `testing`): a harness for plugin tests, with factory doubles, injected
//!   faults and diffing assertions (`docs/testing.md`).
//! - `cli` (feature `cli`): a command line for host binaries (`docs/cli.md`).
//!
//! `docs/architecture.md` in the repository maps the modules for contributors.

// Every snippet in the docs compiles without a warning, so that none teaches one; a type a
// snippet declares to show a shape, and does not use, is no lesson.
#![doc(test(attr(deny(warnings), allow(dead_code))))]
// On docs.rs, each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod busy;
mod catch;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
mod contract;
mod engine;
mod error;
pub mod executor;
pub mod extension;
#[cfg(feature = "testing")]
mod fault;
mod lifecycle;
mod manager;
mod name;
pub mod policy;
pub mod registry;
pub mod report;
pub mod runtime;
#[cfg(feature = "testing")]
pub mod testing;
mod tree;

pub use crate::engine::observe;
pub use crate::manager::phase;

/// Registers a struct as a plugin: `#[plugin]` or `#[plugin(key = value, ...)]`.
///
/// The struct must implement [`Plugin`] and must not be generic. Every key is optional:
///
/// | key | value | default |
/// |---|---|---|
/// | `name` | `"kv-store"`: lowercase `a-z`, `0-9`, `-`, 1 to 64 characters, unique | the struct name in kebab case (`KvStore` → `kv-store`) |
/// | `version` | semver, `"1.2.0"` | the defining crate's `CARGO_PKG_VERSION` |
/// | `description` | `"..."` | the first paragraph of the struct's doc comment |
/// | `depends_on` | `["kv-store", "clock >=1.2"]`: names, each with an optional semver requirement | none |
/// | `factory` | `path::to::function` returning the struct | `Default::default` |
/// | `config` | a type, `GreeterConfig` or `Settings<u8>`: the plugin is built from it (see below); excludes `factory` | none |
/// | `implements` | extension point traits, `[OnRequest, Metrics(priority = 10, before = ["x"])]`: the struct implements each (checked) and is `Sync`; see [`extension`] | none |
/// | `crate` | path to this crate, for crates that re-export it | `::plugin_factory` |
/// | `on_failure` | `"exclude"`, `"fail"` (the lifecycle fails if this plugin is excluded), `"retry"` or `retry(attempts = 5, delay_ms = 100, max_delay_ms = 10000)` (a failing `init` or `start` is called again with backoff); see [`policy::OnFailure`] | `"exclude"` |
/// | `timeout_ms` | `5000`: how long each hook may run under the async manager before it is cancelled, in milliseconds, at least 1; an instance's `timeout_ms` in the configuration wins over it | the manager's `hook_timeout` |
///
/// Each rule is checked at compile time and reported at the offending token: an unknown or
/// repeated key, an invalid name, version or requirement, a plugin depending on itself, use on
/// anything but a non-generic struct, a struct that does not implement `Plugin` or has no
/// factory, `config` together with `factory`, a struct that does not implement
/// `Configurable<C>` or a config type that does not implement `Deserialize` and `JsonSchema`.
///
/// The expansion keeps the struct as written and adds one `static`
/// [`PluginEntry`](registry::PluginEntry) in the [`registry`]; on the default backend nothing
/// runs before `main`.
///
/// ```standalone_crate
/// use plugin_factory::{Plugin, plugin};
///
/// /// Serves the metrics endpoint.
/// #[plugin(name = "metrics", version = "2.1.0", depends_on = ["http >=1"], factory = Metrics::new)]
/// struct Metrics {
///     port: u16,
/// }
///
/// impl Metrics {
///     fn new() -> Self {
///         Self { port: 9100 }
///     }
/// }
///
/// impl Plugin for Metrics {}
///
/// let entry = plugin_factory::registry::entries().find(|e| e.name() == "metrics").unwrap();
/// assert_eq!(entry.metadata().description(), "Serves the metrics endpoint.");
/// assert_eq!(entry.metadata().dependencies()[0].requirement(), Some(">=1"));
/// ```
///
/// Misuse does not compile:
///
/// ```compile_fail
/// #[plugin_factory::plugin(name = "Not Valid")]
/// #[derive(Default)]
/// struct Bad;
/// impl plugin_factory::Plugin for Bad {}
/// ```
///
/// # Typed configuration: `config = Type`
///
/// With `config = C`, the plugin has no factory: the manager reads each instance's `config`
/// into a `C` and builds the instance with [`Configurable::from_config`], so the struct
/// implements [`Configurable<C>`](Configurable) (and need not implement `Default`). `C` derives
/// `serde::Deserialize` and `schemars::JsonSchema` (plugin crates depend on `serde` and
/// `schemars` 1 for the derives). An instance given no config gets `C::default()` if `C`
/// implements `Default`, and an error naming the missing config otherwise. The entry carries
/// the type as a [`ConfigSpec`](registry::ConfigSpec): see
/// [`PluginEntry::config`](registry::PluginEntry::config).
///
/// ```standalone_crate
/// use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};
///
/// #[derive(Default, serde::Deserialize, schemars::JsonSchema)]
/// #[serde(default)]
/// struct PoolConfig {
///     size: usize,
/// }
///
/// #[plugin(config = PoolConfig)]
/// struct Pool {
///     size: usize,
/// }
///
/// impl Plugin for Pool {}
///
/// impl Configurable<PoolConfig> for Pool {
///     fn from_config(config: PoolConfig, _: &Context<'_>) -> Result<Self, PluginError> {
///         Ok(Self { size: config.size.max(1) })
///     }
/// }
///
/// let entry = plugin_factory::registry::entries().find(|e| e.name() == "pool").unwrap();
/// let spec = entry.config().unwrap();
/// assert!(spec.type_name().ends_with("PoolConfig"));
/// assert!(spec.default_value().is_some());
/// ```
pub use plugin_factory_macros::plugin;

pub use crate::contract::{
    AsyncConfigurable, AsyncPlugin, Configurable, Context, Health, Plugin, PluginError, Reconfigure,
};
pub use crate::error::Error;
pub use crate::lifecycle::PluginState;

/// The old path of [`report::ExclusionReason`], kept until 1.0 (see CHANGELOG.md).
#[deprecated(
    since = "0.1.0",
    note = "moved to `plugin_factory::report::ExclusionReason`"
)]
pub type ExclusionReason = crate::report::ExclusionReason;
/// The old path of [`report::FailureCause`], kept until 1.0 (see CHANGELOG.md).
#[deprecated(
    since = "0.1.0",
    note = "moved to `plugin_factory::report::FailureCause`"
)]
pub type FailureCause = crate::report::FailureCause;
/// The old path of [`report::Hook`], kept until 1.0 (see CHANGELOG.md).
#[deprecated(since = "0.1.0", note = "moved to `plugin_factory::report::Hook`")]
pub type Hook = crate::report::Hook;
pub use crate::manager::PluginManager;
pub use crate::manager::asynchronous::AsyncManager;
pub use crate::manager::builder::ManagerBuilder;
pub use crate::manager::watch::Watched;

/// Links plugin crates into this binary so that their plugins are registered.
///
/// A plugin crate that the host's code never names is not passed to the linker, and none of its
/// plugins exist at run time. Two forms name them:
///
/// - `link_plugins!(a, b)` names these crates (`use a as _;` each).
/// - `link_plugins!()` names every plugin crate among the package's dependencies, found by
///   `plugin_factory_build::link_plugin_crates()` in the package's build script (the
///   `plugin-factory-build` crate; see `docs/examples.md`). Without that build script it does
///   not compile, and says so.
///
/// Under the build script, either form also records which plugin crates the package depends
/// on, and discovery warns about each one that neither is named nor registered anything, with
/// the line that fixes it (see [`registry::unlinked_crates`] and
/// [`Report::unlinked_crates`](report::Report::unlinked_crates)).
///
/// ```
/// plugin_factory::link_plugins!(example_plugins);
///
/// let names: Vec<_> = plugin_factory::registry::entries().map(|e| e.name()).collect();
/// assert!(names.contains(&"kv-store"));
/// ```
#[macro_export]
macro_rules! link_plugins {
    () => {
        include!(env!(
            "PLUGIN_FACTORY_LINK_FILE",
            "`link_plugins!()` links the plugin crates that the package's build script finds: \
             add `plugin-factory-build` to [build-dependencies] and call \
             `plugin_factory_build::link_plugin_crates();` in build.rs, or name the crates: \
             `link_plugins!(my_plugins)`"
        ));
    };
    ($($plugin_crate:ident),+ $(,)?) => {
        $crate::__link_crates!($($plugin_crate),+);
    };
}

/// Not public API: what both forms of `link_plugins!` expand to.
#[doc(hidden)]
#[macro_export]
macro_rules! __link_crates {
    ($($plugin_crate:ident),* $(,)?) => {
        const _: () = {
            $(
                #[allow(unused_imports, reason = "naming the crate is what links it")]
                use $plugin_crate as _;
            )*
            $crate::__submit_link_record! {
                ($crate) $crate::__private::LinkRecord::new(
                    &[$(stringify!($plugin_crate)),*],
                    ::std::option_env!("PLUGIN_FACTORY_PLUGIN_CRATES"),
                )
            }
        };
    };
}

/// Not public API: used by code that `#[plugin]` generates. May change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__submit_plugin_entry as submit;
    pub use crate::contract::{Backoff, Dependency, OnFailure, Origin, PluginMetadata};
    pub use crate::extension::declare::{
        ExtensionPoint, Implements, SharedKind, implementation, implementations,
    };
    pub use crate::registry::{
        ConfigSpec, ConfigValue, Implementations, LinkRecord, Placement, PluginEntry,
    };
    pub use ::std::boxed::Box;
    pub use ::std::sync::Arc;

    #[cfg(not(feature = "inventory"))]
    pub use crate::registry::{PLUGIN_ENTRIES, PLUGIN_LINKS};
    #[cfg(feature = "inventory")]
    pub use ::inventory;
    pub use ::linkme;

    /// Gives plugins without `factory = ...` their `Default` as factory, with an error that
    /// says what to do when there is none.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no factory: it does not implement `Default`",
        label = "this plugin needs a factory",
        note = "derive or implement `Default`, or name a function with `#[plugin(factory = path::to::fn)]`"
    )]
    pub trait DefaultFactory: Sized {
        fn create() -> Self;
    }

    /// Boxes a plugin; the bound reports a missing `impl Plugin` at the struct's name.
    pub fn boxed<T: crate::Plugin>(plugin: T) -> Box<dyn crate::Plugin> {
        Box::new(plugin)
    }

    /// The factory of a plugin without `factory = ...`: its `Default`, boxed. The bounds report
    /// a missing `impl Plugin` or `Default` at the struct's name.
    pub fn create_default<T: crate::Plugin + DefaultFactory>(
        _: &crate::Context<'_>,
    ) -> Box<dyn crate::Plugin> {
        Box::new(T::create())
    }

    impl<T: Default> DefaultFactory for T {
        fn create() -> Self {
            T::default()
        }
    }

    /// The `ConfigSpec` of plugin `P` built from config `C`: [`ConfigSpec::of`], with bounds
    /// that say what a config type needs when it lacks `Deserialize` or `JsonSchema`.
    pub const fn config_spec<P, C>(default: fn() -> Option<ConfigValue>) -> ConfigSpec
    where
        P: crate::Configurable<C>,
        C: ConfigDeserialize + ConfigSchema + Send + 'static,
    {
        ConfigSpec::of::<P, C>(default)
    }

    /// `serde::de::DeserializeOwned`, with an error that says what to derive.
    #[diagnostic::on_unimplemented(
        message = "the config type `{Self}` does not implement `serde::Deserialize`",
        label = "an instance's `config` is deserialized into this type",
        note = "derive it: `#[derive(serde::Deserialize, schemars::JsonSchema)]`"
    )]
    pub trait ConfigDeserialize: ::serde::de::DeserializeOwned {}

    impl<T: ::serde::de::DeserializeOwned> ConfigDeserialize for T {}

    /// `schemars::JsonSchema`, with an error that says what to derive.
    #[diagnostic::on_unimplemented(
        message = "the config type `{Self}` does not implement `schemars::JsonSchema`",
        label = "the schema of an instance's `config` is this type's",
        note = "derive it: `#[derive(serde::Deserialize, schemars::JsonSchema)]`"
    )]
    pub trait ConfigSchema: ::schemars::JsonSchema {}

    impl<T: ::schemars::JsonSchema> ConfigSchema for T {}

    /// The config type `C` of a `#[plugin(config = C)]`, as a value to call methods on: the
    /// generated default function calls `(&&ConfigProbe::<C>::NEW).__plugin_factory_default()`
    /// with [`ConfigDefault`] and [`ConfigNoDefault`] in scope. Method lookup tries the receiver
    /// `&&ConfigProbe<C>` first, where only `ConfigDefault` is implemented, and only if
    /// `C: Default`; otherwise it derefs once, to `&ConfigProbe<C>`, where `ConfigNoDefault`
    /// always is ("autoref specialization").
    pub struct ConfigProbe<C>(::core::marker::PhantomData<fn() -> C>);

    impl<C> ConfigProbe<C> {
        /// The probe for `C`.
        pub const NEW: Self = Self(::core::marker::PhantomData);
    }

    /// The default config of a config type that implements `Default`: `Some(C::default())`.
    pub trait ConfigDefault {
        fn __plugin_factory_default(&self) -> Option<ConfigValue>;
    }

    impl<C: Default + Send + 'static> ConfigDefault for &ConfigProbe<C> {
        fn __plugin_factory_default(&self) -> Option<ConfigValue> {
            Some(Box::new(C::default()))
        }
    }

    /// The default config of a config type without `Default`: none.
    pub trait ConfigNoDefault {
        fn __plugin_factory_default(&self) -> Option<ConfigValue>;
    }

    impl<C> ConfigNoDefault for ConfigProbe<C> {
        fn __plugin_factory_default(&self) -> Option<ConfigValue> {
            None
        }
    }
}

/// The code in the workspace's Markdown docs is tested as doctests of this crate.
#[cfg(doctest)]
mod markdown_docs {
    #[doc = include_str!("../../docs/plugin_contract.md")]
    mod plugin_contract {}
    #[doc = include_str!("../../docs/lifecycle.md")]
    mod lifecycle {}
    #[doc = include_str!("../../docs/examples.md")]
    mod examples {}
    #[doc = include_str!("../../docs/runtime.md")]
    mod runtime {}
    #[doc = include_str!("../../docs/configuration.md")]
    mod configuration {}
    #[doc = include_str!("../../docs/extension-points.md")]
    mod extension_points {}
    #[cfg(feature = "testing")]
    #[doc = include_str!("../../docs/testing.md")]
    mod testing {}
    #[cfg(feature = "tokio")]
    #[doc = include_str!("../../docs/async.md")]
    mod asynchronous {}
}
