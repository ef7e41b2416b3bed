//! The `inventory` backend: one constructor per entry runs before `main` and pushes the entry on
//! a lock-free list; reading walks that list.

use super::PluginEntry;

::inventory::collect!(PluginEntry);

/// Every plugin linked into this binary, in registration order (the manager starts them by
/// dependency, then by name).
///
/// ```
/// # plugin_factory::link_plugins!(example_plugins);
/// let names: Vec<_> = plugin_factory::registry::entries().map(|entry| entry.name()).collect();
/// assert!(names.contains(&"greeter"));
/// ```
pub fn entries() -> impl Iterator<Item = &'static PluginEntry> + Clone {
    ::inventory::iter::<PluginEntry>.into_iter()
}

/// Not public API: submits one entry to the inventory.
#[doc(hidden)]
#[macro_export]
macro_rules! __submit_plugin_entry {
    (($($krate:tt)+) $($entry:tt)+) => {
        $($krate)+::__private::inventory::submit! { $($entry)+ }
    };
}
