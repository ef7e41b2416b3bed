//! The `inventory` backend: one constructor per entry runs before `main` and pushes the entry on
//! a lock-free list; reading walks that list.

use super::entry::PluginEntry;
use super::link::LinkRecord;

::inventory::collect!(PluginEntry);
::inventory::collect!(LinkRecord);

/// The submitted entries, in registration order.
pub(super) fn entries() -> impl Iterator<Item = &'static PluginEntry> + Clone {
    ::inventory::iter::<PluginEntry>.into_iter()
}

/// The `link_plugins!` records.
pub(super) fn link_records() -> impl Iterator<Item = &'static LinkRecord> + Clone {
    ::inventory::iter::<LinkRecord>.into_iter()
}

/// Not public API: submits one entry to the inventory.
#[doc(hidden)]
#[macro_export]
macro_rules! __submit_plugin_entry {
    (($($krate:tt)+) $($entry:tt)+) => {
        $($krate)+::__private::inventory::submit! { $($entry)+ }
    };
}

/// Not public API: submits one `link_plugins!` record.
#[doc(hidden)]
#[macro_export]
macro_rules! __submit_link_record {
    (($($krate:tt)+) $record:expr) => {
        $($krate)+::__private::inventory::submit! { $record }
    };
}
