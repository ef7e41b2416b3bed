//! [`PluginEntry`]: what `#[plugin]` places in the registry for one plugin.

use std::fmt;

use super::config::{ConfigSpec, ConfigValue};
use super::implementation::Implementations;
use crate::contract::{Context, Plugin, PluginError, PluginMetadata};

/// One registered plugin kind: its metadata and how to create an instance of it.
///
/// Entries are `static`s made by `#[plugin]`; [`entries`](super::entries) reads them without allocating. Tests
/// may build their own with [`PluginEntry::new`] and hand them to
/// [`PluginManager::from_entries`](crate::PluginManager::from_entries).
pub struct PluginEntry {
    metadata: PluginMetadata,
    make: Make,
    implements: Option<&'static Implementations>,
}

/// How an instance is made.
enum Make {
    /// By a factory that takes no configuration.
    Factory(Factory),
    /// From a typed configuration.
    Configured(ConfigSpec),
}

/// Creates a plugin instance. The context names the plugin being created, so one function can
/// serve several entries.
pub type Factory = fn(&Context<'_>) -> Box<dyn Plugin>;

impl PluginEntry {
    /// An entry with the given metadata and factory. `#[plugin]` calls this in a `static`;
    /// tests can build their own:
    ///
    /// ```
    /// use plugin_factory::registry::{Dependency, PluginEntry};
    /// use plugin_factory::Plugin;
    /// use plugin_factory::registry::PluginMetadata;
    ///
    /// struct Probe;
    /// impl Plugin for Probe {}
    ///
    /// static PROBE: PluginEntry = PluginEntry::new(
    ///     PluginMetadata::new("probe", "1.0.0").with_dependencies(&[Dependency::new("db", ">=2")]),
    ///     |_| Box::new(Probe),
    /// );
    /// assert_eq!(PROBE.name(), "probe");
    /// ```
    pub const fn new(metadata: PluginMetadata, factory: Factory) -> Self {
        Self {
            metadata,
            make: Make::Factory(factory),
            implements: None,
        }
    }

    /// An entry for a kind built from a typed configuration (`#[plugin(config = C)]`).
    pub const fn configured(metadata: PluginMetadata, config: ConfigSpec) -> Self {
        Self {
            metadata,
            make: Make::Configured(config),
            implements: None,
        }
    }

    /// The entry of a kind that implements extension points (`#[plugin(implements = [...])]`).
    pub const fn implementing(mut self, implementations: &'static Implementations) -> Self {
        self.implements = Some(implementations);
        self
    }

    /// The extension points the kind implements, if any.
    #[inline]
    pub fn implementations(&self) -> Option<&'static Implementations> {
        self.implements
    }

    /// What the annotation recorded.
    pub fn metadata(&self) -> &PluginMetadata {
        &self.metadata
    }

    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        self.metadata.name()
    }

    /// The factory of a kind without a config type.
    #[inline]
    pub(crate) fn factory(&self) -> Option<Factory> {
        match self.make {
            Make::Factory(factory) => Some(factory),
            Make::Configured(_) => None,
        }
    }

    /// The kind's typed configuration, if it has one.
    pub fn config(&self) -> Option<&ConfigSpec> {
        match &self.make {
            Make::Factory(_) => None,
            Make::Configured(spec) => Some(spec),
        }
    }

    /// Creates a fresh instance called `name` (see [`Name::as_str`](crate::runtime::Name::as_str)
    /// for a name chosen at run time), from `config` if the kind has a config type (the value
    /// its [`ConfigSpec`] parsed or defaulted). Plugin code runs here and may panic; the manager
    /// catches it. A configured kind given no config fails with an error that says so.
    #[inline]
    pub fn create(
        &self,
        name: &'static str,
        config: Option<ConfigValue>,
    ) -> Result<Box<dyn Plugin>, PluginError> {
        let ctx = Context::new(&self.metadata, name);
        match (&self.make, config) {
            (Make::Factory(factory), _) => Ok(factory(&ctx)),
            (Make::Configured(spec), Some(config)) => spec.create(config, &ctx),
            (Make::Configured(spec), None) => Err(PluginError::msg(format!(
                "plugin kind {:?} is built from a `{}` and was given none",
                self.name(),
                spec.type_name()
            ))),
        }
    }
}

impl fmt::Debug for PluginEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginEntry")
            .field("metadata", &self.metadata)
            .field("config", &self.config())
            .field("implements", &self.implements)
            .finish_non_exhaustive()
    }
}
