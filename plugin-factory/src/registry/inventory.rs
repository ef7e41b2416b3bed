//! The `inventory` backend: one constructor per entry runs before `main` and pushes the entry on
//! a lock-free list; reading walks that list.

use super::entry::PluginEntry;

::inventory::collect!(PluginEntry);

/// The submitted entries, in registration order.
pub(super) fn entries() -> impl Iterator<Item = &'static PluginEntry> + Clone {
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
