//! [`PluginEntry`]: what `#[plugin]` places in the registry for one plugin.

use std::fmt;

use crate::contract::{Context, Plugin, PluginMetadata};

/// One registered plugin: its metadata and the factory that creates it.
///
/// Entries are `static`s made by `#[plugin]`; [`entries`](super::entries) reads them without allocating. Tests
/// may build their own with [`PluginEntry::new`] and hand them to
/// [`PluginManager::from_entries`](crate::PluginManager::from_entries).
pub struct PluginEntry {
    metadata: PluginMetadata,
    factory: Factory,
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
    /// use plugin_factory::{Plugin, PluginMetadata};
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
        Self { metadata, factory }
    }

    /// What the annotation recorded.
    pub fn metadata(&self) -> &PluginMetadata {
        &self.metadata
    }

    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        self.metadata.name()
    }

    /// Creates a fresh instance. Plugin code runs here and may panic; the manager catches it.
    pub fn create(&self) -> Box<dyn Plugin> {
        (self.factory)(&Context::new(&self.metadata))
    }
}

impl fmt::Debug for PluginEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginEntry")
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}
