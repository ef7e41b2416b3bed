//! [`PluginMetadata`]: what `#[plugin]` records about a plugin, with its [`Dependency`]s and
//! where it is defined ([`Origin`], [`SourceLocation`]).

use std::fmt;
use std::time::Duration;

use super::failure::OnFailure;

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
    /// The async manager's limit on each hook, in milliseconds; 0 for the manager's default.
    /// (A `u32` beside `line`: it fits in what was padding.)
    timeout_ms: u32,
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
            timeout_ms: 0,
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
            timeout_ms: 0,
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

    /// Sets how long each hook of this plugin may run under the async manager before it is
    /// cancelled (`#[plugin(timeout_ms = 5000)]`); overrides the manager's
    /// `hook_timeout`, and a configuration can override it per instance. Whole milliseconds,
    /// at most `u32::MAX`; zero means the manager's default.
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        let millis = timeout.as_millis();
        self.timeout_ms = if millis > u32::MAX as u128 {
            u32::MAX
        } else {
            millis as u32
        };
        self
    }

    /// Sets where the plugin is defined: the package, module and file, and the line in it.
    ///
    /// ```
    /// use plugin_factory::registry::PluginMetadata;
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

    /// How long each hook may run under the async manager, as the annotation says
    /// (`timeout_ms = ...`); `None` for the manager's default.
    pub fn timeout(&self) -> Option<Duration> {
        (self.timeout_ms > 0).then(|| Duration::from_millis(u64::from(self.timeout_ms)))
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

/// A dependency on another plugin, with an optional semver requirement; or on every instance
/// of a kind (`"every sink"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    name: &'static str,
    requirement: &'static str,
    every: bool,
}

impl Dependency {
    /// A dependency on `name` with a semver `requirement` (`">=1.2"`), or `""` for any version.
    /// `#[plugin(depends_on = [...])]` builds these after checking both at compile time.
    pub const fn new(name: &'static str, requirement: &'static str) -> Self {
        Self {
            name,
            requirement,
            every: false,
        }
    }

    /// A dependency on every instance of the kind `name` (`depends_on = ["every sink"]`): the
    /// plugin starts after all of them and stops before any, however many there are (none
    /// included), and a reload adds and removes instances under it without touching it. It
    /// orders, and does not bind: an instance of the kind that fails or is removed takes
    /// nothing down with it (see `docs/lifecycle.md`).
    pub const fn every(name: &'static str) -> Self {
        Self {
            name,
            requirement: "",
            every: true,
        }
    }

    /// Whether this is a dependency on every instance of its kind.
    pub fn is_every(&self) -> bool {
        self.every
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
        if self.every {
            f.write_str("every ")?;
        }
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
