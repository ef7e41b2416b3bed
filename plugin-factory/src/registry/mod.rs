//! The link-time registry: every `#[plugin]` submits one static [`PluginEntry`] (its
//! [`PluginMetadata`], with the [`Dependency`], [`Origin`] and
//! [`SourceLocation`] parts, and its [`Factory`]), collected by the linker (`linkme`, default)
//! or by life-before-main constructors (`inventory` feature). [`entries`] reads them.
//!
//! # Backends
//!
//! This is the one platform table of the crate; each backend file says how it collects.
//!
//! | backend | selected by | code before `main` | platforms |
//! |---|---|---|---|
//! | `linkme` | default | none: the linker gathers the entries into one section | Linux, Android, Fuchsia, macOS, iOS, tvOS, Windows, FreeBSD, OpenBSD, illumos, bare metal (`target_os = "none"`); not wasm |
//! | `inventory` | feature `inventory` | one constructor per entry (`.init_array`, `__mod_init_func`, `.CRT$XCU`) | every target with static constructors, wasm included |
//!
//! (`linkme` 0.3.37, the version this crate is built with, places sections for exactly the
//! platforms listed; on any other target the build fails: use the `inventory` feature there.)
//!
//! Either way a plugin crate is only linked into a binary that *names* it: see
//! [`link_plugins!`](crate::link_plugins), which can name every plugin crate among the
//! dependencies for the host, and [`unlinked_crates`], which tells a host the ones it missed.

#[cfg(not(feature = "inventory"))]
#[path = "linkme.rs"]
mod backend;
#[cfg(not(feature = "inventory"))]
#[doc(hidden)]
pub use self::backend::{PLUGIN_ENTRIES, PLUGIN_LINKS};

#[cfg(feature = "inventory")]
#[path = "inventory.rs"]
mod backend;

mod config;
mod entry;
mod implementation;
mod link;

pub use self::config::{ConfigSpec, ConfigValue};
pub use self::entry::{Factory, PluginEntry};
pub use self::implementation::{Implementation, Implementations, Placement, Shared};
#[doc(hidden)]
pub use self::link::LinkRecord;
pub use self::link::UnlinkedCrate;
pub use crate::contract::{Dependency, Origin, PluginMetadata, SourceLocation};

/// Every plugin linked into this binary, in link (or registration) order; the manager starts
/// them by dependency, then by name. Reading them allocates nothing.
///
/// ```
/// # plugin_factory::link_plugins!(example_plugins);
/// let names: Vec<_> = plugin_factory::registry::entries().map(|entry| entry.name()).collect();
/// assert!(names.contains(&"greeter"));
/// ```
pub fn entries() -> impl Iterator<Item = &'static PluginEntry> + Clone {
    self::backend::entries()
}

/// The plugin crates this binary's `link_plugins!` lines expect (from the package's build
/// script) but that neither are named by one nor registered a plugin, sorted and without
/// repeats. Empty when no build script told them what to expect.
///
/// ```
/// plugin_factory::link_plugins!(example_plugins);
/// assert!(plugin_factory::registry::unlinked_crates().is_empty());
/// ```
pub fn unlinked_crates() -> Vec<UnlinkedCrate> {
    unlinked()
}

/// Whether the binary registers nothing at all and no `link_plugins!` ran: most likely a host
/// that forgot to link its plugin crates (a host with no plugin is rare, and is told so too).
pub(crate) fn nothing_linked() -> bool {
    entries().next().is_none() && self::backend::link_records().next().is_none()
}

fn unlinked() -> Vec<UnlinkedCrate> {
    self::link::unlinked(self::backend::link_records(), || {
        entries().map(|entry| entry.metadata().package())
    })
}
