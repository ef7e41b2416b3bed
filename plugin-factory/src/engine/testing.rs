//! Test doubles shared by the engine's unit tests.

use crate::contract::Plugin;

/// A plugin that does nothing.
pub(super) struct Probe;

impl Plugin for Probe {}

/// A `&'static PluginEntry` for a [`Probe`] named `$name`, version 1.0.0, that depends on each
/// `$dependency`, any version.
macro_rules! entry {
    ($name:literal $(, $dependency:literal)*) => {{
        static ENTRY: $crate::registry::PluginEntry = $crate::registry::PluginEntry::new(
            $crate::contract::PluginMetadata::new($name, "1.0.0").with_dependencies(&[$(
                $crate::contract::Dependency::new($dependency, "")
            ),*]),
            |_| Box::new($crate::engine::testing::Probe),
        );
        &ENTRY
    }};
}

pub(super) use entry;
