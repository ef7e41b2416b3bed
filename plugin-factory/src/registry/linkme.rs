//! The default backend: a `linkme` distributed slice. The linker places every entry in one
//! section (`linkme_PLUGIN_ENTRIES` on ELF, `__DATA,__linkme...` on Mach-O, `.linkme_...$b` on
//! PE); reading it is reading a slice, with no code before `main`.

use super::entry::PluginEntry;
use super::link::LinkRecord;

/// Not public API: the slice `#[plugin]` submits to.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static PLUGIN_ENTRIES: [PluginEntry];

/// Not public API: the slice `link_plugins!` submits to.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static PLUGIN_LINKS: [LinkRecord];

/// The entries in the section, in link order.
pub(super) fn entries() -> impl Iterator<Item = &'static PluginEntry> + Clone {
    PLUGIN_ENTRIES.iter()
}

/// The `link_plugins!` records.
pub(super) fn link_records() -> impl Iterator<Item = &'static LinkRecord> + Clone {
    PLUGIN_LINKS.iter()
}

/// Not public API: submits one entry to the distributed slice.
#[doc(hidden)]
#[macro_export]
macro_rules! __submit_plugin_entry {
    (($($krate:tt)+) $($entry:tt)+) => {
        #[$($krate)+::__private::linkme::distributed_slice($($krate)+::__private::PLUGIN_ENTRIES)]
        #[linkme(crate = $($krate)+::__private::linkme)]
        static __PLUGIN_FACTORY_REGISTERED: $($krate)+::__private::PluginEntry = $($entry)+;
    };
}

/// Not public API: submits one `link_plugins!` record.
#[doc(hidden)]
#[macro_export]
macro_rules! __submit_link_record {
    (($($krate:tt)+) $record:expr) => {
        #[$($krate)+::__private::linkme::distributed_slice($($krate)+::__private::PLUGIN_LINKS)]
        #[linkme(crate = $($krate)+::__private::linkme)]
        static __PLUGIN_FACTORY_LINKED: $($krate)+::__private::LinkRecord = $record;
    };
}
