//! The plugin contract: the [`Plugin`] trait, the [`Context`] its hooks receive, the
//! [`PluginError`] they return, and the static [`PluginMetadata`] that `#[plugin]` records for
//! every plugin; [`Configurable`] for plugins built from a typed configuration. The bottom
//! layer: it depends on nothing else in the crate.

use std::any::Any;
use std::fmt;

mod error;
mod failure;
mod health;

pub use self::error::PluginError;
pub use self::failure::{Backoff, Intensity, OnFailure, OnUnhealthy};
pub use self::health::{Checked, Health};

/// The contract every plugin implements.
///
/// A plugin is created by its factory, then driven through its hooks in this order:
/// [`validate`](Plugin::validate), [`init`](Plugin::init), [`start`](Plugin::start),
/// [`stop`](Plugin::stop), [`shutdown`](Plugin::shutdown); after `shutdown` it is dropped. Every
/// hook has a default that does nothing, so a plugin implements only what it needs.
///
/// A hook that returns an error **or panics** excludes the plugin from the live set: whatever it
/// had started is stopped and shut down, the instance is dropped, and the reason goes into the
/// [`Report`](crate::Report). Plugins that depend on it are excluded too. Other plugins are not
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
    label = "`#[plugin]` needs an `impl Plugin for {Self}`",
    note = "add `impl plugin_factory::Plugin for {Self} {{}}`: every hook has a default"
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
}

/// What a hook knows about the plugin instance it runs for.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    metadata: &'a PluginMetadata,
    name: &'static str,
    site: Option<Site<'a>>,
}

/// Where a hook runs: its manager's extension points and services (type-erased here, read by
/// the `extension` module), and the instance's slot.
#[derive(Clone, Copy)]
pub(crate) struct Site<'a> {
    pub(crate) hub: &'a (dyn Any + Send + Sync),
    pub(crate) slot: usize,
}

impl fmt::Debug for Site<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site").field("slot", &self.slot).finish()
    }
}

impl<'a> Context<'a> {
    /// A context outside any manager (a factory run by `PluginEntry::create`): it reaches no
    /// extension point and no service.
    pub(crate) fn new(metadata: &'a PluginMetadata, name: &'static str) -> Self {
        Self {
            metadata,
            name,
            site: None,
        }
    }

    /// The context of the instance in `slot` of a manager.
    #[inline(always)]
    pub(crate) fn at(
        metadata: &'a PluginMetadata,
        name: &'static str,
        hub: &'a (dyn Any + Send + Sync),
        slot: usize,
    ) -> Self {
        Self {
            metadata,
            name,
            site: Some(Site { hub, slot }),
        }
    }

    /// Where the hook runs, if inside a manager.
    pub(crate) fn site(&self) -> Option<Site<'a>> {
        self.site
    }

    /// The instance's name: its kind's name unless a configuration named it otherwise.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the instance's kind: the plugin's name as registered.
    pub fn kind(&self) -> &'static str {
        self.metadata.name
    }

    /// The `log` target for messages about this instance: its name, so that
    /// `RUST_LOG=kv-store=debug` selects one instance's messages, the manager's included.
    pub fn log_target(&self) -> &'static str {
        self.name
    }

    /// The kind's metadata.
    pub fn metadata(&self) -> &'a PluginMetadata {
        self.metadata
    }
}

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

/// Everything `#[plugin]` records about a plugin, readable without creating it.
///
/// Built at compile time by the macro and stored in the registry as a `static`.
#[derive(Debug, Clone, Copy)]
pub struct PluginMetadata {
    name: &'static str,
    version: &'static str,
    description: &'static str,
    dependencies: &'static [Dependency],
    /// Shared by the plugins of a module: one pointer here instead of three string slices
    /// (and, in a position-independent executable, one relocation instead of three).
    origin: &'static Origin,
    line: u32,
    on_failure: OnFailure,
}

impl PluginMetadata {
    /// Not public API: used by code that `#[plugin]` generates, which has checked every value.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, reason = "one argument per annotation key")]
    pub const fn __new(
        name: &'static str,
        version: &'static str,
        description: &'static str,
        dependencies: &'static [Dependency],
        on_failure: OnFailure,
        origin: &'static Origin,
        line: u32,
    ) -> Self {
        Self {
            name,
            version,
            description,
            dependencies,
            origin,
            line,
            on_failure,
        }
    }

    /// Metadata for an entry built by hand (tests, embedders): no description, dependencies or
    /// origin, excluded on failure. `#[plugin]` checks names and versions at compile time; here an
    /// invalid version shows up when a dependency requirement is matched against it.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Self {
            name,
            version,
            description: "",
            dependencies: &[],
            origin: &Origin::UNKNOWN,
            line: 0,
            on_failure: OnFailure::Exclude,
        }
    }

    /// Sets the description.
    pub const fn with_description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Sets the dependencies.
    pub const fn with_dependencies(mut self, dependencies: &'static [Dependency]) -> Self {
        self.dependencies = dependencies;
        self
    }

    /// Sets what happens when the plugin fails (see [`OnFailure`]).
    pub const fn with_on_failure(mut self, on_failure: OnFailure) -> Self {
        self.on_failure = on_failure;
        self
    }

    /// Sets where the plugin is defined: the package, module and file, and the line in it.
    ///
    /// ```
    /// use plugin_factory::PluginMetadata;
    /// use plugin_factory::registry::Origin;
    ///
    /// static HERE: Origin = Origin::new("my-app", "my_app::plugins", "src/plugins.rs");
    /// let metadata = PluginMetadata::new("probe", "1.0.0").with_origin(&HERE, 12);
    /// assert_eq!(metadata.package(), "my-app");
    /// assert_eq!(metadata.location().to_string(), "my_app::plugins (src/plugins.rs:12)");
    /// ```
    pub const fn with_origin(mut self, origin: &'static Origin, line: u32) -> Self {
        self.origin = origin;
        self.line = line;
        self
    }

    /// The unique name: lowercase `[a-z0-9-]`, 1 to 64 characters.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The semantic version (the defining crate's version unless the annotation says otherwise).
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// The description (the struct's doc comment unless the annotation says otherwise).
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The plugins this one needs, started before it and stopped after it.
    pub fn dependencies(&self) -> &'static [Dependency] {
        self.dependencies
    }

    /// What happens when the plugin fails, as the annotation says (`on_failure = ...`); a
    /// configuration can override it per instance.
    pub fn on_failure(&self) -> OnFailure {
        self.on_failure
    }

    /// Whether the annotation says the application cannot run without this plugin
    /// (`on_failure = "fail"`): its exclusion fails the whole lifecycle transition.
    pub fn is_required(&self) -> bool {
        self.on_failure.is_required()
    }

    /// Where the annotated struct is defined.
    pub fn location(&self) -> SourceLocation {
        SourceLocation::new(self.origin.module_path, self.origin.file, self.line)
    }

    /// The cargo package that defines the plugin.
    pub fn package(&self) -> &'static str {
        self.origin.package
    }
}

/// The package, module and file that define plugins: the part of a plugin's location that the
/// plugins of one module share. `#[plugin]` refers to a constant, and rustc stores equal
/// constants once: a module's plugins share one `Origin`, however many it defines.
#[derive(Debug, PartialEq, Eq)]
pub struct Origin {
    package: &'static str,
    module_path: &'static str,
    file: &'static str,
}

impl Origin {
    /// No package, module or file: the origin of metadata built without one.
    pub const UNKNOWN: Origin = Origin::new("", "", "");

    /// An origin; `#[plugin]` passes `env!("CARGO_PKG_NAME")`, `module_path!()` and `file!()`.
    pub const fn new(package: &'static str, module_path: &'static str, file: &'static str) -> Self {
        Self {
            package,
            module_path,
            file,
        }
    }
}

/// A dependency on another plugin, with an optional semver requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    name: &'static str,
    requirement: &'static str,
}

impl Dependency {
    /// A dependency on `name` with a semver `requirement` (`">=1.2"`), or `""` for any version.
    /// `#[plugin(depends_on = [...])]` builds these after checking both at compile time.
    pub const fn new(name: &'static str, requirement: &'static str) -> Self {
        Self { name, requirement }
    }

    /// The name of the plugin depended on.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The semver requirement on its version (`">=1.2"`), or `None` for any version.
    pub fn requirement(&self) -> Option<&'static str> {
        (!self.requirement.is_empty()).then_some(self.requirement)
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.requirement() {
            Some(requirement) => write!(f, "{} {requirement}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// Where a plugin is defined: `module_path!()`, `file!()` and `line!()` of the annotated struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLocation {
    module_path: &'static str,
    file: &'static str,
    line: u32,
}

impl SourceLocation {
    /// A location, as reports give it (see [`PluginMetadata::location`]).
    pub const fn new(module_path: &'static str, file: &'static str, line: u32) -> Self {
        Self {
            module_path,
            file,
            line,
        }
    }

    /// The module that defines the plugin, e.g. `example_plugins::greeter`.
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// The source file as `file!()` gives it: relative to the workspace root for a workspace
    /// member (`example-plugins/src/greeter.rs`), to the package root otherwise.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the `#[plugin]` attribute.
    pub fn line(&self) -> u32 {
        self.line
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            return f.write_str("an unknown location");
        }
        write!(f, "{} ({}:{})", self.module_path, self.file, self.line)
    }
}
